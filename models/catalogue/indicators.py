"""Recent labour-market indicators per city × industry × occupation, from raw records.

Inputs are the store's analytic frames (:func:`data.store.read_vacancies_frame`,
:func:`data.store.read_candidates_frame`) or any frame with the same columns, so tests and
notebooks need no database. Definitions (also in the edition's 方法说明):

* 需求人数 (demand): ``headcount`` of vacancies posted in the period, per cell.
* 求职人数 (supply): as :mod:`data.supply` defines it (seekers registered in the period, once
  each, own city, first desired occupation), per city × occupation: job seekers do not
  choose an industry, so one city × occupation supply serves all its industries.
* 求人倍率 (ratio): demand of the city × occupation ÷ its supply; undefined (None) without
  seekers (:func:`data.supply.observed_ratio`).
* ratio trend: the 12 monthly ratios ending with the period's last month and their OLS slope
  relative to their mean, annualised (+0.2 = the ratio rises 20 % a year); a month with
  neither demand nor supply in the cell has no ratio (None) and is left out of the slope;
  ``ratio_trend_demand`` / ``ratio_trend_supply`` keep the monthly counts behind them
  (``ratio_trend_postings``: the monthly number of vacancies behind the head count), and
  ``history_demand`` / ``_supply`` / ``_postings`` the same counts over the 24 months
  ending with the period (the seasonal posterior's prior, :mod:`models.catalogue.shrinkage`).

These are the raw figures; :mod:`models.catalogue.shrinkage` shrinks the ratio, its trend
and demand growth of small cells toward province-wide priors before grading.
* demand growth: cell demand vs the same months a year earlier (NaN without a base);
  ``demand_year_ago`` keeps the base head count.
* vacancy duration: median days from ``date_posted`` to ``date_closed`` of the cell's
  vacancies posted in the trailing 12 months, divided by the occupation's province median.
* time to fill: ``duration_log_mean`` / ``duration_count``, the mean log days open of the
  city × occupation's vacancies posted in the 24 history months and closed by the period's
  end, and their number (the posterior's time-to-fill evidence).
* salary growth: median salary midpoint vs a year earlier (NaN without salaries).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from data.supply import observed_ratio, supply_rows
from models.catalogue.periods import PeriodWindow

__all__ = [
    "CELL_KEYS",
    "PAIR_KEYS",
    "PreparedRecords",
    "closed_log_durations",
    "compute_indicators",
    "explode_supply",
    "prepare_records",
    "relative_slope",
]

CELL_KEYS: list[str] = ["city_code", "industry_code", "occupation_code"]
PAIR_KEYS: list[str] = ["city_code", "occupation_code"]
VACANCY_COLUMNS = ("city_code", "industry_code", "occupation_code", "date_posted", "headcount")
CANDIDATE_COLUMNS = ("candidate_id", "city_code", "registered_on")
TREND_COUNT_COLUMNS: list[str] = [
    "ratio_trend_demand", "ratio_trend_supply", "ratio_trend_postings"
]  # fmt: skip
#: The same monthly counts over the window's 24 ``history_months`` (the posterior's prior).
HISTORY_COUNT_COLUMNS: list[str] = ["history_demand", "history_supply", "history_postings"]


def _require(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise ValueError(f"{name} frame is missing columns {missing}")


def _month(values: pd.Series) -> pd.Series:
    return pd.Series(pd.to_datetime(values).dt.to_period("M").dt.to_timestamp(), index=values.index)


def prepare_vacancies(vacancies: pd.DataFrame, industry_level: int) -> pd.DataFrame:
    """Vacancies with a cell key (industry truncated to ``industry_level`` digits) and month."""
    _require(vacancies, VACANCY_COLUMNS, "vacancies")
    frame = vacancies.dropna(subset=["occupation_code", "industry_code", "city_code"]).copy()
    frame["industry_code"] = frame["industry_code"].astype(str).str[:industry_level]
    frame["occupation_code"] = frame["occupation_code"].astype(str)
    frame["city_code"] = frame["city_code"].astype(str)
    frame["date_posted"] = pd.to_datetime(frame["date_posted"])
    frame["month"] = _month(frame["date_posted"])
    frame["headcount"] = pd.to_numeric(frame["headcount"]).astype(float)
    closed = frame.get("date_closed", pd.Series(pd.NaT, index=frame.index))
    frame["duration_days"] = (pd.to_datetime(closed) - frame["date_posted"]).dt.days
    low = frame.get("base_salary_min", pd.Series(np.nan, index=frame.index))
    high = frame.get("base_salary_max", pd.Series(np.nan, index=frame.index))
    bounds = pd.concat([pd.to_numeric(low), pd.to_numeric(high)], axis=1).astype(float)
    frame["salary_mid"] = bounds.mean(axis=1, skipna=True)
    return frame


def explode_supply(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per seeker (``candidate_id, city_code, occupation_code, month``) counted as
    :mod:`data.supply` defines supply: own city, first desired (else current) occupation."""
    _require(candidates, CANDIDATE_COLUMNS, "candidates")
    rows = supply_rows(candidates.reset_index(drop=True))
    out = pd.DataFrame(
        {
            "candidate_id": rows["candidate_id"].astype(str).to_numpy(),
            "city_code": rows["city_code"].to_numpy(),
            "occupation_code": rows["occupation_code"].astype(str).to_numpy(),
            "month": _month(rows["registered_on"]).to_numpy(),
        }
    )
    return out


class PreparedRecords(NamedTuple):
    """The record frames every stage of one edition reads, prepared once: ``jobs``
    (:func:`prepare_vacancies`) and ``seekers`` (:func:`explode_supply`). On province data
    each preparation takes seconds and an edition reads them in three places."""

    jobs: pd.DataFrame
    seekers: pd.DataFrame


def prepare_records(
    vacancies: pd.DataFrame, candidates: pd.DataFrame, industry_level: int
) -> PreparedRecords:
    """:class:`PreparedRecords` of ``vacancies`` and ``candidates``."""
    return PreparedRecords(prepare_vacancies(vacancies, industry_level), explode_supply(candidates))


def _in(frame: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    return frame[(frame["month"] >= start) & (frame["month"] < end)]


def relative_slope(values: npt.NDArray[np.float64]) -> float:
    """OLS slope over month index of the observed (non-NaN) months, relative to their mean,
    annualised (times 12); NaN with fewer than 3 observed months, 0 for a non-positive mean.

    >>> relative_slope(np.array([1.0, np.nan, 3.0, 4.0]))  # the gap is skipped, not a 0
    4.5
    """
    observed = ~np.isnan(values)
    if observed.sum() < 3:
        return float("nan")
    y = values[observed]
    mean = float(y.mean())
    if mean <= 0:
        return 0.0
    x = np.arange(values.size, dtype=float)[observed]
    return float(np.polyfit(x, y, 1)[0]) / mean * 12.0


def _ratio_trends(
    vacancies: pd.DataFrame, supply: pd.DataFrame, window: PeriodWindow
) -> pd.DataFrame:
    months = list(window.history_months or window.trend_months)
    trend = len(window.trend_months)
    first, stop = months[0], window.end
    grouped = _in(vacancies, first, stop).groupby([*PAIR_KEYS, "month"])["headcount"]
    demand, postings = grouped.sum(), grouped.size()
    seekers = _in(supply, first, stop).groupby([*PAIR_KEYS, "month"])["candidate_id"].nunique()
    both = pd.concat(
        [demand.rename("demand"), seekers.rename("supply"), postings.rename("postings")], axis=1
    ).fillna(0.0)
    columns = [
        *PAIR_KEYS, "ratio_trend", "ratio_trend_slope", *TREND_COUNT_COLUMNS,
        *HISTORY_COUNT_COLUMNS,
    ]  # fmt: skip
    if both.empty:
        return pd.DataFrame(columns=columns)
    # One wide table (pair × month) instead of a group per pair: same figures, far fewer
    # pandas calls on province data.
    wide_demand = both["demand"].unstack("month").reindex(columns=months).fillna(0.0).sort_index()
    wide_supply = both["supply"].unstack("month").reindex(columns=months).fillna(0.0)
    wide_supply = wide_supply.reindex(wide_demand.index).fillna(0.0)
    wide_postings = both["postings"].unstack("month").reindex(columns=months).fillna(0.0)
    wide_postings = wide_postings.reindex(wide_demand.index).fillna(0.0)
    records: list[dict[str, object]] = []
    for (city, occupation), month_demand, month_supply, month_postings in zip(
        wide_demand.index,
        wide_demand.to_numpy(float),
        wide_supply.to_numpy(float),
        wide_postings.to_numpy(float),
        strict=True,
    ):
        # A month with neither vacancies nor seekers in the cell (e.g. past the data's end)
        # has no ratio: None in the evidence and skipped by the slope, never a ratio of 0.
        # A month without seekers has no observed ratio either (the zero-supply policy).
        ratio = observed_ratio(month_demand[-trend:], month_supply[-trend:])
        records.append(
            {
                "city_code": city,
                "occupation_code": occupation,
                "ratio_trend": [None if np.isnan(v) else round(float(v), 4) for v in ratio],
                "ratio_trend_slope": round(relative_slope(ratio), 4),
                # The monthly counts behind the ratios, for the small-cell shrinkage, and
                # the two years behind the seasonal posterior's prior.
                "ratio_trend_demand": [float(value) for value in month_demand[-trend:]],
                "ratio_trend_supply": [float(value) for value in month_supply[-trend:]],
                "ratio_trend_postings": [float(value) for value in month_postings[-trend:]],
                "history_demand": [float(value) for value in month_demand],
                "history_supply": [float(value) for value in month_supply],
                "history_postings": [float(value) for value in month_postings],
            }
        )
    return pd.DataFrame.from_records(records, columns=columns)


def _growth(current: pd.Series, previous: pd.Series) -> pd.Series:
    joined = pd.concat([current.rename("now"), previous.rename("before")], axis=1)
    joined = joined[joined["now"].notna()]
    base = joined["before"].where(joined["before"] > 0)
    return (joined["now"] / base - 1.0).astype(float)


def _durations(vacancies: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    trailing = _in(vacancies, window.trend_months[0], window.end)
    closed = trailing[trailing["duration_days"].notna()]
    cell = closed.groupby(CELL_KEYS)["duration_days"].median().rename("vacancy_duration_days")
    occupation = closed.groupby("occupation_code")["duration_days"].median()
    frame = cell.reset_index()
    baseline = frame["occupation_code"].map(occupation).where(lambda value: value > 0)
    frame["duration_vs_occupation"] = frame["vacancy_duration_days"] / baseline
    return frame


def closed_log_durations(vacancies: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    """``log(days open)`` of the vacancies posted in the window's history months (else its
    trend months) that had closed by the period's end -- as known at the end of the period,
    never from later records -- with their ``city_code`` and ``occupation_code``: the
    time-to-fill evidence of the seasonal posterior (:mod:`models.catalogue.shrinkage`)."""
    first = (window.history_months or window.trend_months)[0]
    posted = _in(vacancies, first, window.end)
    days = posted["duration_days"]
    # Whole days as integers: pandas' float path (NaN for open vacancies) rounds through a
    # buffer that intermittently raised "overflow encountered in multiply" under -W error.
    closing = posted["date_posted"] + pd.to_timedelta(days.fillna(0).astype("int64"), "D")
    closed = posted[days.notna() & (closing < window.end)]
    return pd.DataFrame(
        {
            "city_code": closed["city_code"].to_numpy(),
            "occupation_code": closed["occupation_code"].to_numpy(),
            "log_days": np.log(np.maximum(closed["duration_days"].to_numpy(float), 1.0)),
        }
    )


def _time_to_fill(vacancies: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    """Per city × occupation: mean log days open of its closed vacancies (see
    :func:`closed_log_durations`) and how many there are."""
    durations = closed_log_durations(vacancies, window)
    grouped = durations.groupby(PAIR_KEYS)["log_days"]
    return pd.concat(
        [grouped.mean().rename("duration_log_mean"), grouped.size().rename("duration_count")],
        axis=1,
    ).reset_index()


def compute_indicators(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    window: PeriodWindow,
    *,
    industry_level: int = 2,
    prepared: PreparedRecords | None = None,
) -> pd.DataFrame:
    """Indicators for every cell with demand in the period (see the module docstring);
    ``prepared``: the two frames already prepared (:func:`prepare_records`, same
    ``industry_level``), else they are prepared here.

    Returns
    -------
    DataFrame
        One row per ``city_code, industry_code, occupation_code`` sorted by the key, with
        ``demand, demand_city_occupation, supply, ratio, ratio_trend (list of 12),
        ratio_trend_slope, ratio_trend_demand, ratio_trend_supply (lists of 12),
        demand_year_ago, demand_growth_yoy, vacancy_duration_days,
        duration_vs_occupation, duration_log_mean, duration_count, salary_growth_yoy``.
    """
    jobs, seekers = prepared or prepare_records(vacancies, candidates, industry_level)
    recent = _in(jobs, window.start, window.end)
    year_ago = _in(jobs, window.previous_year_start, window.previous_year_end)
    demand = recent.groupby(CELL_KEYS)["headcount"].sum().rename("demand")
    frame = demand[demand > 0].reset_index()
    pair_demand = recent.groupby(PAIR_KEYS)["headcount"].sum().rename("demand_city_occupation")
    pair_supply = (
        _in(seekers, window.start, window.end)
        .groupby(PAIR_KEYS)["candidate_id"]
        .nunique()
        .rename("supply")
    )
    frame = frame.merge(pair_demand.reset_index(), on=PAIR_KEYS, how="left")
    frame = frame.merge(pair_supply.reset_index(), on=PAIR_KEYS, how="left")
    frame["supply"] = frame["supply"].fillna(0).astype(int)
    frame["ratio"] = observed_ratio(frame["demand_city_occupation"], frame["supply"])
    frame = frame.merge(_ratio_trends(jobs, seekers, window), on=PAIR_KEYS, how="left")
    demand_year_ago = year_ago.groupby(CELL_KEYS)["headcount"].sum()
    growth = _growth(demand, demand_year_ago)
    frame = frame.merge(
        demand_year_ago.rename("demand_year_ago").reset_index(), on=CELL_KEYS, how="left"
    )
    frame["demand_year_ago"] = frame["demand_year_ago"].fillna(0.0)
    frame = frame.merge(growth.rename("demand_growth_yoy").reset_index(), on=CELL_KEYS, how="left")
    frame = frame.merge(_durations(jobs, window), on=CELL_KEYS, how="left")
    frame = frame.merge(_time_to_fill(jobs, window), on=PAIR_KEYS, how="left")
    frame["duration_count"] = frame["duration_count"].fillna(0).astype(int)
    salary = _growth(
        recent.groupby(CELL_KEYS)["salary_mid"].median(),
        year_ago.groupby(CELL_KEYS)["salary_mid"].median(),
    )
    frame = frame.merge(salary.rename("salary_growth_yoy").reset_index(), on=CELL_KEYS, how="left")
    frame["demand_monthly"] = frame["demand_city_occupation"] / window.n_months
    return frame.sort_values(CELL_KEYS, ignore_index=True)
