"""Evidence attached to every catalogue entry: typical requirements, forecast and accuracy.

Requirements come from the cell's vacancies posted in the trailing 12 months (more postings
than the period alone, so the mode is stable). Forecasts follow the Nixtla contract
(``unique_id, ds, <model>, <model>-lo-80, <model>-hi-80, ...``); their series are tied to
catalogue cells by key columns (``city_code``, ``occupation_code``, optional
``industry_code``) or, when absent, by parsing ``unique_id`` tokens (``44xx`` city,
``d-dd-dd-dd`` occupation, another all-digit token as industry). Metrics are long
``unique_id, model, mase`` (or ``unique_id, model, metric, value`` with ``metric='mase'``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from data.levels import EDUCATION_LABELS, SKILL_LABELS, TITLE_LABELS
from data.taxonomy import cities
from data.vocabulary.codes import CITY_CODE, INDUSTRY_CODE, OCCUPATION_CODE
from models.catalogue.indicators import CELL_KEYS
from models.catalogue.periods import PeriodWindow

__all__ = [
    "attach_series_keys",
    "forecast_evidence",
    "requirements_evidence",
    "resolve_series",
    "typed_forecast_evidence",
]

FORECAST_COLUMNS = ["forecast_model", "forecast_ds", "forecast_point", "forecast_lo_80"]
FORECAST_COLUMNS += ["forecast_hi_80", "backtest_mase"]


def _mode_labels(
    trailing: pd.DataFrame, column: str, labels: dict[int, str], index: pd.MultiIndex
) -> pd.Series:
    """Per cell, the label of the commonest known level of ``column`` (None without one).

    Ties go to the lower level: the catalogue states what is typically *required*. One
    grouped count over all cells (a loop over the cells took minutes on province data).
    """
    if column not in trailing.columns:
        return pd.Series([None] * len(index), index=index, dtype=object)
    levels = pd.to_numeric(trailing[column], errors="coerce")
    known = trailing.loc[levels.notna(), CELL_KEYS].assign(level=levels.dropna().astype(int))
    counts = known.groupby([*CELL_KEYS, "level"], sort=False).size().rename("n").reset_index()
    counts = counts.sort_values([*CELL_KEYS, "n", "level"], ascending=[True] * 3 + [False, True])
    top = counts.drop_duplicates(CELL_KEYS).set_index(CELL_KEYS)["level"]
    mapped = pd.Series(
        [labels.get(int(level), str(int(level))) for level in top], index=top.index, dtype=object
    )
    aligned = mapped.reindex(index).astype(object)
    return pd.Series(
        [value if isinstance(value, str) else None for value in aligned], index=index, dtype=object
    )


def requirements_evidence(jobs: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    """Modal education/skill/职称 (Chinese labels), median experience and salary P25–P75."""
    trailing = jobs[(jobs["month"] >= window.trend_months[0]) & (jobs["month"] < window.end)]
    columns = [
        *CELL_KEYS, "n_vacancies", "education_mode", "skill_level_mode", "title_level_mode",
        "experience_median", "salary_p25", "salary_p75",
    ]  # fmt: skip
    if trailing.empty:
        return pd.DataFrame(columns=columns)
    education = {int(level): label for level, label in EDUCATION_LABELS.items()}
    skill = {int(level): label for level, label in SKILL_LABELS.items()}
    title = {int(level): label for level, label in TITLE_LABELS.items()}
    grouped = trailing.groupby(CELL_KEYS, sort=True)
    out = grouped.size().rename("n_vacancies").to_frame()
    index = pd.MultiIndex.from_frame(out.index.to_frame(index=False))
    out.index = index
    out["education_mode"] = _mode_labels(trailing, "education_requirement", education, index)
    out["skill_level_mode"] = _mode_labels(trailing, "skill_level_requirement", skill, index)
    out["title_level_mode"] = _mode_labels(trailing, "title_level_requirement", title, index)
    if "experience_years_min" in trailing.columns:
        experience = pd.to_numeric(trailing["experience_years_min"], errors="coerce")
        median = experience.groupby([trailing[key] for key in CELL_KEYS]).median()
        out["experience_median"] = median.reindex(index).astype(float)
    else:
        out["experience_median"] = np.nan
    salary = trailing["salary_mid"].groupby([trailing[key] for key in CELL_KEYS])
    for name, q in (("salary_p25", 0.25), ("salary_p75", 0.75)):
        out[name] = salary.quantile(q).reindex(index).round(0)
    return out.reset_index()[columns]


def _tokens(unique_id: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for token in re.split(r"[^0-9-]+", unique_id):
        if OCCUPATION_CODE.match(token):
            found.setdefault("occupation_code", token)
        elif CITY_CODE.match(token) and "city_code" not in found:
            found["city_code"] = token
        elif INDUSTRY_CODE.match(token):
            found.setdefault("industry_code", token)
    return found


def attach_series_keys(frame: pd.DataFrame) -> pd.DataFrame:
    """Add ``city_code``/``occupation_code`` (and ``industry_code``) parsed from unique_id."""
    if {"city_code", "occupation_code"} <= set(frame.columns):
        return frame
    parsed = pd.DataFrame.from_records(
        [_tokens(str(uid)) for uid in frame["unique_id"]], index=frame.index
    )
    out = frame.copy()
    for column in ("city_code", "occupation_code", "industry_code"):
        if column not in out.columns and column in parsed.columns:
            out[column] = parsed[column]
    return out


def _models_in(forecasts: pd.DataFrame) -> list[str]:
    return sorted(
        column
        for column in forecasts.columns
        if f"{column}-lo-80" in forecasts.columns and f"{column}-hi-80" in forecasts.columns
    )


def _mase_table(metrics: pd.DataFrame | None) -> pd.DataFrame:
    if metrics is None or metrics.empty:
        return pd.DataFrame(columns=["unique_id", "model", "mase"])
    if "mase" in metrics.columns:
        table = metrics[["unique_id", "model", "mase"]]
    else:
        table = metrics[metrics["metric"].str.lower() == "mase"]
        table = table.rename(columns={"value": "mase"})[["unique_id", "model", "mase"]]
    return pd.DataFrame(table.groupby(["unique_id", "model"], as_index=False)["mase"].mean())


def forecast_evidence(
    forecasts: pd.DataFrame,
    metrics: pd.DataFrame | None,
    window: PeriodWindow,
    *,
    horizon: int = 3,
    model: str | None = None,
) -> pd.DataFrame:
    """Per series: the forecast ``horizon`` months after the period (or the furthest one
    available), from ``model`` or else the series' best-MASE model, with its 80 % interval.
    """
    models = [model] if model is not None else _models_in(forecasts)
    if not models or models[0] not in forecasts.columns:
        raise ValueError(f"forecasts carry no '<model>, -lo-80, -hi-80' columns for {models}")
    frame = attach_series_keys(forecasts)
    frame = frame.assign(ds=pd.to_datetime(frame["ds"]))
    target = window.end + pd.DateOffset(months=horizon - 1)
    future = frame[(frame["ds"] >= window.end) & (frame["ds"] <= target)]
    last = future.sort_values(["unique_id", "ds"]).groupby("unique_id", sort=True).tail(1)
    mase = _mase_table(metrics)
    records: list[dict[str, object]] = []
    for row in last.to_dict("records"):
        scores = mase[mase["unique_id"] == row["unique_id"]].set_index("model")["mase"]
        ranked = sorted(models, key=lambda name: (scores.get(name, np.inf), name))
        chosen = ranked[0]
        accuracy = scores.get(chosen)
        records.append(
            {
                "unique_id": row["unique_id"],
                **{key: row.get(key) for key in ("city_code", "occupation_code", "industry_code")},
                "forecast_model": chosen,
                "forecast_ds": pd.Timestamp(row["ds"]).strftime("%Y-%m"),
                "forecast_point": round(float(row[chosen]), 4),
                "forecast_lo_80": round(float(row[f"{chosen}-lo-80"]), 4),
                "forecast_hi_80": round(float(row[f"{chosen}-hi-80"]), 4),
                "backtest_mase": None if accuracy is None else round(float(accuracy), 4),
            }
        )
    return pd.DataFrame.from_records(records)


#: Forecast series levels (typed key columns of ``ForecastBundle.series_keys``), most
#: specific first, with the Chinese name of the level an entry is graded at.
EVIDENCE_LEVELS: tuple[tuple[str, str, str, int], ...] = (
    # (level, geography column, occupation column, occupation code prefix length)
    ("city_code/occupation_code", "city_code", "occupation_code", 10),
    ("city_code/occ_minor", "city_code", "occ_minor", 7),
    ("city_code/occ_middle", "city_code", "occ_middle", 4),
    ("zone/occupation_code", "zone", "occupation_code", 10),
    ("zone/occ_minor", "zone", "occ_minor", 7),
    ("zone/occ_middle", "zone", "occ_middle", 4),
    ("city_code/occ_major", "city_code", "occ_major", 1),
)
LEVEL_LABELS: dict[str, str] = {
    "city_code/occupation_code": "城市×细类",
    "city_code/occ_minor": "城市×小类",
    "city_code/occ_middle": "城市×中类",
    "city_code/occ_major": "城市×大类",
    "zone/occupation_code": "区域×细类",
    "zone/occ_minor": "区域×小类",
    "zone/occ_middle": "区域×中类",
}
TYPED_FORECAST_COLUMNS = [
    "forecast_level",
    "forecast_series",
    "forecast_model",
    "forecast_ds",
    "forecast_point",
    "forecast_lo_80",
    "forecast_hi_80",
    "forecast_lo_95",
    "forecast_hi_95",
    "backtest_mase",
]


def resolve_series(
    cells: pd.DataFrame, series_keys: pd.DataFrame, bottom_map: dict[str, str]
) -> pd.DataFrame:
    """The forecast series of each ``city_code, occupation_code`` cell, by typed keys.

    A 细类 the forecast hierarchy kept (``bottom_map[code] == code``) uses its city × 细类
    series; one it pooled into an "other" code (``2-02-10-00``) uses the city × 小类 (or
    coarser) series that contains it; a city without that series falls back to the zone.
    Returns ``city_code, occupation_code, forecast_series, forecast_level``.
    """
    zones = cities().set_index("city_code")["zone"]
    lookup: dict[tuple[str, str, str], str] = {}
    for level, geo, occ, _ in EVIDENCE_LEVELS:
        rows = series_keys[series_keys["level"] == level]
        if rows.empty or geo not in rows or occ not in rows:
            continue
        for uid, g, o in zip(rows["unique_id"], rows[geo], rows[occ], strict=True):
            lookup[(level, str(g), str(o))] = str(uid)
    records = []
    for city, code in cells[["city_code", "occupation_code"]].itertuples(index=False):
        kept = bottom_map.get(code) == code
        found: tuple[str | None, str | None] = (None, None)
        for level, geo, _, length in EVIDENCE_LEVELS:
            if length == 10 and not kept:
                continue  # pooled in training: no series of its own
            place = str(city) if geo == "city_code" else str(zones.get(city, ""))
            uid = lookup.get((level, place, code[:length]))
            if uid is not None:
                found = (uid, level)
                break
        records.append(
            {
                "city_code": city,
                "occupation_code": code,
                "forecast_series": found[0],
                "forecast_level": LEVEL_LABELS.get(found[1] or "", None),
            }
        )
    return pd.DataFrame.from_records(
        records, columns=["city_code", "occupation_code", "forecast_series", "forecast_level"]
    )


def typed_forecast_evidence(
    cells: pd.DataFrame,
    ratio_forecasts: pd.DataFrame,
    series_keys: pd.DataFrame,
    bottom_map: dict[str, str],
    metrics: pd.DataFrame | None,
    window: PeriodWindow,
    *,
    horizon: int = 3,
    model: str = "forecast",
) -> pd.DataFrame:
    """Per cell: the 求人倍率 forecast ``horizon`` months after the period (or the furthest
    one available) with its 80/95 % interval and backtest MASE, joined by typed keys.

    ``ratio_forecasts``: ``unique_id, ds, forecast, forecast-lo-80, forecast-hi-80,
    forecast-lo-95, forecast-hi-95`` (``ForecastBundle.forecasts[h]['ratio']``);
    ``metrics``: ``unique_id, mase``.
    """
    resolved = resolve_series(cells, series_keys, bottom_map)
    frame = ratio_forecasts.assign(ds=pd.to_datetime(ratio_forecasts["ds"]))
    target = window.end + pd.DateOffset(months=horizon - 1)
    future = frame[(frame["ds"] >= window.end) & (frame["ds"] <= target)]
    last = future.sort_values(["unique_id", "ds"]).groupby("unique_id", sort=True).tail(1)
    last = last.set_index("unique_id")
    mase = (
        metrics.groupby("unique_id")["mase"].mean()
        if metrics is not None and not metrics.empty
        else pd.Series(dtype=float)
    )
    out = resolved.copy()
    uid = out["forecast_series"]
    out["forecast_model"] = [model if u in last.index else None for u in uid]

    def pick(column: str) -> pd.Series:
        if column not in last.columns:
            return pd.Series(np.nan, index=uid.index)
        return pd.Series(uid.map(last[column]).astype(float).round(4), index=uid.index)

    out["forecast_ds"] = uid.map(last["ds"].dt.strftime("%Y-%m"))
    out["forecast_point"] = pick("forecast")
    for level in (80, 95):
        out[f"forecast_lo_{level}"] = pick(f"forecast-lo-{level}")
        out[f"forecast_hi_{level}"] = pick(f"forecast-hi-{level}")
    out["backtest_mase"] = uid.map(mase).astype(float).round(4)
    return out[["city_code", "occupation_code", *TYPED_FORECAST_COLUMNS]]
