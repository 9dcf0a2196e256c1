"""Monthly demand, supply and 求人倍率 panels in Nixtla long format, and hierarchy tagging.

Demand (需求人数) is the ``headcount`` of vacancies posted in a month; supply (求职人数) is the
number of job seekers who registered in that month. Both panels are zero-filled over the full
month range for every series seen, so that forecasters see "no postings" as 0 rather than as a
gap, and so that summing them up a hierarchy never meets a missing cell.

The labour-market ratio (求人倍率 = demand / supply) is *not* additive, so hierarchies are built
on demand and supply separately and the ratio is recomputed from the (reconciled) parts at every
level with :func:`ratio_panel`.

Examples
--------
>>> import pandas as pd
>>> vac = pd.DataFrame({"vacancy_id": ["a", "b"], "city_code": ["4401", "4403"],
...     "occupation_code": ["2-02-11-01"] * 2, "headcount": [3, 2],
...     "date_posted": pd.to_datetime(["2026-01-05", "2026-03-01"])})
>>> demand_panel(vac)[["unique_id", "ds", "y"]].shape
(6, 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, cast

import numpy as np
import pandas as pd

from data.supply import observed_ratio, supply_rows
from data.taxonomy import cities

__all__ = [
    "GBA_LABEL",
    "GEO_LEVELS",
    "OCCUPATION_LEVELS",
    "PROVINCE_LABEL",
    "demand_panel",
    "hierarchy_frame",
    "hierarchy_spec",
    "ratio_panel",
    "supply_panel",
]

PROVINCE_LABEL = "广东省"
GBA_LABEL = "粤港澳大湾区"
#: Geography columns added by :func:`hierarchy_frame`, coarse to fine.
GEO_LEVELS: tuple[str, ...] = ("province", "zone", "city_code")
#: Occupation columns, coarse to fine: 大类 'X', 中类 'X-XX', 小类 'X-XX-XX', 细类 'X-XX-XX-XX'.
OCCUPATION_LEVELS: tuple[str, ...] = ("occ_major", "occ_middle", "occ_minor", "occupation_code")
_OCCUPATION_PREFIX = {"occ_major": 1, "occ_middle": 4, "occ_minor": 7, "occupation_code": 10}
_OCCUPATION_PATTERNS = (r"^\d$", r"^\d-\d{2}$", r"^\d-\d{2}-\d{2}$", r"^\d-\d{2}-\d{2}-\d{2}$")
HierarchyKind = Literal["geo", "occupation", "geo_x_occupation"]


def _month_start(dates: pd.Series, freq: str) -> pd.Series:
    """Map dates to the start of their period (``freq='MS'`` → first day of the month)."""
    period_freq = {"MS": "M", "QS": "Q", "YS": "Y"}.get(freq)
    if period_freq is None:
        raise ValueError(f"freq must be one of 'MS', 'QS', 'YS'; got {freq!r}")
    periods = pd.to_datetime(pd.Series(dates)).dt.to_period(period_freq)
    return cast(pd.Series, periods.dt.to_timestamp(how="start"))


def _zero_filled(
    weighted: pd.DataFrame,
    by: Sequence[str],
    freq: str,
    start: str | pd.Timestamp | None,
    end: str | pd.Timestamp | None,
) -> pd.DataFrame:
    """Sum ``weight`` per key and period, then zero-fill every seen key over the full range."""
    keys = list(by)
    if weighted.empty:
        return pd.DataFrame(columns=["unique_id", "ds", "y", *keys])
    summed = weighted.groupby([*keys, "ds"], sort=True)["weight"].sum()
    first = pd.Timestamp(start) if start is not None else summed.index.get_level_values("ds").min()
    last = pd.Timestamp(end) if end is not None else summed.index.get_level_values("ds").max()
    months = pd.date_range(first, last, freq=freq, name="ds")
    seen = summed.index.droplevel("ds").unique()
    seen_frame = seen.to_frame(index=False) if len(keys) > 1 else pd.DataFrame({keys[0]: seen})
    full_index = pd.MultiIndex.from_frame(seen_frame.merge(months.to_frame(index=False), "cross"))
    panel = summed.reindex(full_index, fill_value=0.0).rename("y").reset_index()
    panel.insert(0, "unique_id", panel[keys].astype(str).agg("/".join, axis=1))
    return panel[["unique_id", "ds", "y", *keys]].reset_index(drop=True)


def _drop_missing_keys(frame: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    missing = [column for column in by if column not in frame.columns]
    if missing:
        raise KeyError(f"columns {missing} not in frame; have {list(frame.columns)}")
    # Records without a key (e.g. an uncoded occupation) belong to no series: dropped here,
    # to be counted by the data-quality report rather than invented as an 'unknown' series.
    return frame.dropna(subset=list(by))


def demand_panel(
    vacancies: pd.DataFrame,
    by: Sequence[str] = ("city_code", "occupation_code"),
    freq: str = "MS",
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Monthly demand: the summed ``headcount`` of vacancies posted in each period.

    Parameters
    ----------
    vacancies : DataFrame
        Columns as in :class:`data.records.Vacancy`; needs ``date_posted``, ``headcount``
        (missing headcount counts as 1, the record default) and the ``by`` columns.
    by : sequence of str
        Key columns of a series; ``unique_id`` is their values joined with ``'/'``.
    freq : {'MS', 'QS', 'YS'}
        Period start frequency.
    start, end : date-like, optional
        Range to zero-fill over (defaults: first and last period seen). Pass the same range
        to :func:`supply_panel` to get aligned panels.

    Returns
    -------
    DataFrame
        ``unique_id, ds, y, *by``; one row per series and period, no gaps.
    """
    frame = _drop_missing_keys(vacancies, by)
    weighted = frame[list(by)].copy()
    weighted["ds"] = _month_start(frame["date_posted"], freq)
    weighted["weight"] = frame["headcount"].fillna(1).astype(float)
    return _zero_filled(weighted, by, freq, start, end)


def supply_panel(
    candidates: pd.DataFrame,
    by: Sequence[str] = ("city_code", "occupation_code"),
    freq: str = "MS",
    *,
    start: str | pd.Timestamp | None = None,
    end: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Monthly supply: the number of new job seekers registered in each period.

    Supply is defined once, in :mod:`data.supply`: a seeker counts once, in their own city,
    under their first desired occupation (else ``current_occupation_code``); one with
    neither is dropped when ``occupation_code`` is in ``by``. Summing over occupations gives
    back the number of seekers, so the hierarchy stays coherent.

    Parameters
    ----------
    candidates : DataFrame
        Columns as in :class:`data.records.Candidate`: ``registered_on``, ``city_code``,
        ``desired_occupation_codes`` (tuple/list), ``current_occupation_code``, ...
    by, freq, start, end
        As in :func:`demand_panel`. ``occupation_code`` here is the derived one above.

    Returns
    -------
    DataFrame
        ``unique_id, ds, y, *by``.
    """
    if "occupation_code" in by and "occupation_code" not in candidates.columns:
        frame = supply_rows(candidates)
    else:
        frame = candidates.assign(weight=1.0)
    frame = _drop_missing_keys(frame, by)
    weighted = frame[list(by)].copy()
    weighted["ds"] = _month_start(frame["registered_on"], freq)
    weighted["weight"] = frame["weight"].astype(float)
    return _zero_filled(weighted, by, freq, start, end)


def ratio_panel(
    demand: pd.DataFrame, supply: pd.DataFrame, *, min_supply: float = 0.0
) -> pd.DataFrame:
    """求人倍率 (demand / supply) per series and period.

    The two panels are outer-joined on ``unique_id, ds``; a side missing from the join
    counts 0. Where supply is 0 (or below ``min_supply``, to keep tiny denominators from
    producing absurd ratios) the ratio is undefined and set to NaN -- never ``inf`` -- so
    that forecasters and warnings skip it explicitly instead of being dragged by infinities.
    0 demand over positive supply gives a ratio of 0.

    Returns
    -------
    DataFrame
        ``unique_id, ds, y`` (the ratio), ``demand``, ``supply`` and the key columns both
        panels carry.
    """
    keys = [c for c in demand.columns if c not in {"unique_id", "ds", "y"} and c in supply]
    left = demand.rename(columns={"y": "demand"})
    right = supply.rename(columns={"y": "supply"})[["unique_id", "ds", "supply"]]
    merged = left.merge(right, on=["unique_id", "ds"], how="outer")
    if keys:  # restore keys for series seen only on the supply side
        key_of = pd.concat([demand, supply])[["unique_id", *keys]].drop_duplicates("unique_id")
        merged = merged.drop(columns=keys).merge(key_of, on="unique_id", how="left")
    merged[["demand", "supply"]] = merged[["demand", "supply"]].fillna(0.0)
    ratio = observed_ratio(merged["demand"], merged["supply"])  # the zero-supply policy
    merged["y"] = np.where(merged["supply"] > max(min_supply, 0.0), ratio, np.nan)
    columns = ["unique_id", "ds", "y", "demand", "supply", *keys]
    return merged[columns].sort_values(["unique_id", "ds"], ignore_index=True)


def _occupation_depth(codes: pd.Series) -> int:
    """Level (1..4) of a column of 大典 codes; all codes must be at the same level."""
    for depth, pattern in enumerate(_OCCUPATION_PATTERNS, start=1):
        if codes.astype(str).str.fullmatch(pattern).all():
            return depth
    bad = codes[~codes.astype(str).str.fullmatch("|".join(_OCCUPATION_PATTERNS))]
    detail = f"e.g. {bad.iloc[0]!r}" if not bad.empty else "mixed levels"
    raise ValueError(f"occupation_code must hold 大典 codes of one level ({detail})")


def _tag_geography(frame: pd.DataFrame) -> pd.DataFrame:
    table = cities().set_index("city_code")
    unknown = sorted(set(frame["city_code"]) - set(table.index))
    if unknown:
        raise ValueError(f"unknown city codes {unknown[:5]}; expected Guangdong's 21")
    frame["province"] = PROVINCE_LABEL
    frame["zone"] = frame["city_code"].map(table["zone"])
    # Non-GBA cities get no GBA key: they belong to no node of that (partial) grouping.
    frame["gba"] = frame["city_code"].map(table["gba"]).map({True: GBA_LABEL, False: None})
    return frame


def _tag_occupation(frame: pd.DataFrame) -> pd.DataFrame:
    depth = _occupation_depth(frame["occupation_code"])
    for column in OCCUPATION_LEVELS[: depth - 1]:
        frame[column] = frame["occupation_code"].str.slice(0, _OCCUPATION_PREFIX[column])
    frame["province"] = PROVINCE_LABEL
    return frame


def hierarchy_frame(bottom_keys: pd.DataFrame, kind: HierarchyKind) -> pd.DataFrame:
    """Tag bottom-level keys with the columns of their ancestors.

    Geography: ``city_code`` → ``zone`` (一核/一带/一区) → ``province`` (广东省), plus ``gba``
    (粤港澳大湾区 for the 9 GBA cities, missing otherwise) for a grouped, non-nested total.
    Occupation: ``occupation_code`` → ``occ_minor`` → ``occ_middle`` → ``occ_major`` by code
    prefix; codes coarser than 细类 get only the levels above them.

    Parameters
    ----------
    bottom_keys : DataFrame
        Must have ``city_code`` (geo), ``occupation_code`` (occupation) or both; other columns
        (``unique_id``, ``ds``, ``y``...) are kept, so a whole panel may be passed.
    kind : {'geo', 'occupation', 'geo_x_occupation'}

    Returns
    -------
    DataFrame
        A copy of ``bottom_keys`` with the ancestor columns added; feed it, with
        :func:`hierarchy_spec`, to ``models.forecast.hierarchy.aggregate``.
    """
    frame = bottom_keys.copy()
    if kind in ("geo", "geo_x_occupation"):
        frame = _tag_geography(frame)
    if kind in ("occupation", "geo_x_occupation"):
        frame = _tag_occupation(frame)
    if kind not in ("geo", "occupation", "geo_x_occupation"):
        raise ValueError(f"kind must be 'geo', 'occupation' or 'geo_x_occupation'; got {kind!r}")
    return frame


def hierarchy_spec(kind: HierarchyKind, occupation_depth: int = 4) -> list[list[str]]:
    """Aggregation spec for ``aggregate``: top level first, the bottom level last.

    Level ids are the spec columns' values joined with '/', so a bottom of
    ``['city_code', 'occupation_code']`` keeps the panel's ``unique_id`` ('4401/2-02-11-01').
    ``geo_x_occupation`` crosses every geography level (广东省, zone, GBA, city) with every
    occupation level; the province is dropped from crossed ids because it is implied.
    """
    geo: list[list[str]] = [["province"], ["zone"], ["gba"], ["city_code"]]
    occupation = [[column] for column in OCCUPATION_LEVELS[:occupation_depth]]
    occupation[-1] = ["occupation_code"]
    if kind == "geo":
        return geo
    if kind == "occupation":
        return [["province"], *occupation]
    if kind == "geo_x_occupation":
        crossed = [g + o for o in occupation for g in geo[1:]]
        return [*geo, *occupation, *crossed]
    raise ValueError(f"kind must be 'geo', 'occupation' or 'geo_x_occupation'; got {kind!r}")
