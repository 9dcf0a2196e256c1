"""The *series view* use case: one series' history, forecast with 80/95 % intervals and backtest.

Read from the served forecast bundle (:class:`models.forecast.bundle.ForecastBundle`, loaded once
per version by the app's :class:`app.registry.ArtifactCache`): its all-level ``history`` (what the
models saw), so a page costs a lookup, not a pass over the store; any level (city × occupation,
city × industry, zone, province …) has one. Only before any forecast is trained is a city ×
occupation history computed from the store. A month built from fewer than ``min_cell_size``
vacancy (demand) or seeker (supply) records is blank, and so is that month's ratio. Parts a
bundle lacks (an older bundle's ``backtest_series``, a hierarchy without a ratio) are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from app.registry import Loaded
from data.panels import demand_panel, supply_panel
from data.store import read_candidates_frame, read_vacancies_frame
from models.forecast.bundle import ForecastBundle

__all__ = [
    "LoadedForecast",
    "SeriesData",
    "backtest_rows",
    "bundle_history",
    "point_column",
    "series_data",
    "series_forecast",
    "series_history",
]

HIERARCHY_ORDER = ("occupation", "industry")
VARIABLES = ("demand", "supply", "ratio")

LoadedForecast = Loaded[ForecastBundle]
"""The served forecast bundle and its registry entry."""


@dataclass(frozen=True)
class SeriesData:
    """A series' history, forecasts (variable → ``ds, point, lo-80, hi-80, …``) and backtest."""

    unique_id: str
    history: pd.DataFrame  # ds, demand, supply, ratio
    forecasts: dict[str, pd.DataFrame]
    backtest: list[dict[str, Any]]
    model_version: str | None
    hierarchy: str | None

    @property
    def has_forecast(self) -> bool:
        """Whether any variable has a forecast."""
        return bool(self.forecasts)


def point_column(frame: pd.DataFrame) -> str | None:
    """The point-forecast column of a Nixtla frame (the one with ``-lo-`` companions)."""
    for column in frame.columns:
        if f"{column}-lo-80" in frame.columns or f"{column}-lo-95" in frame.columns:
            return str(column)
    return None


def series_forecast(
    loaded: LoadedForecast | None, unique_id: str
) -> tuple[str | None, dict[str, pd.DataFrame]]:
    """``(hierarchy, variable → frame)`` for one series; frames have ``ds, point`` and
    ``lo-80, hi-80, lo-95, hi-95`` where the bundle has them. Empty when not forecast."""
    forecasts = getattr(loaded.obj, "forecasts", None) if loaded else None
    if not isinstance(forecasts, dict):
        return None, {}
    order = [*HIERARCHY_ORDER, *(name for name in forecasts if name not in HIERARCHY_ORDER)]
    for hierarchy in order:
        by_variable = forecasts.get(hierarchy)
        if not isinstance(by_variable, dict):
            continue
        found: dict[str, pd.DataFrame] = {}
        for variable in VARIABLES:
            frame = by_variable.get(variable)
            if not isinstance(frame, pd.DataFrame) or "unique_id" not in frame:
                continue
            rows = frame[frame["unique_id"] == unique_id]
            point = point_column(rows)
            if rows.empty or point is None:
                continue
            tidy = pd.DataFrame({"ds": pd.to_datetime(rows["ds"]), "point": rows[point]})
            for side in ("lo", "hi"):
                for level in (80, 95):
                    column = f"{point}-{side}-{level}"
                    if column in rows:
                        tidy[f"{side}-{level}"] = rows[column].to_numpy()
            found[variable] = tidy.sort_values("ds", ignore_index=True)
        if found:
            return hierarchy, found
    return None, {}


def backtest_rows(loaded: LoadedForecast | None, unique_id: str) -> list[dict[str, Any]]:
    """Backtest accuracy of the series: the chosen model per panel (all models if the
    bundle has no selection), with MASE, sMAPE and interval coverage where present."""
    table = getattr(loaded.obj, "backtest_series", None) if loaded else None
    if not isinstance(table, pd.DataFrame) or "unique_id" not in table:
        return []
    rows = table[table["unique_id"] == unique_id]
    selection = getattr(loaded.obj, "selection", None) if loaded else None
    if isinstance(selection, pd.DataFrame) and {"panel", "model", "chosen"} <= set(selection):
        chosen = selection[selection["chosen"].astype(bool)][["panel", "model"]]
        if {"panel", "model"} <= set(rows):
            rows = rows.merge(chosen, on=["panel", "model"], how="inner")
    keep = [c for c in ("panel", "model", "mase", "mase_h12", "smape", "coverage") if c in rows]
    keep += [c for c in rows.columns if str(c).startswith("coverage") and c not in keep]
    records = [
        {str(key): (None if pd.isna(value) else value) for key, value in record.items()}
        for record in rows[keep].to_dict("records")
    ]
    for record in records:  # 'occupation/demand' → the variable, which the page names
        record["variable"] = str(record.get("panel") or "").rsplit("/", 1)[-1] or None
    return records


def _wants(codes: Any, occupation_code: str) -> bool:
    return occupation_code in tuple(codes or ())


def series_history(
    engine: Engine, city_code: str, occupation_code: str, min_cell_size: int
) -> pd.DataFrame:
    """Monthly ``ds, demand, supply, ratio`` with small cells blanked (NaN)."""
    vacancies = read_vacancies_frame(engine)
    candidates = read_candidates_frame(engine)
    jobs = vacancies[
        (vacancies["city_code"] == city_code) & (vacancies["occupation_code"] == occupation_code)
    ]
    wanted = candidates["desired_occupation_codes"].map(lambda c: _wants(c, occupation_code))
    current = candidates.get("current_occupation_code", pd.Series(index=candidates.index))
    seekers = candidates[
        (candidates["city_code"] == city_code) & (wanted | (current == occupation_code))
    ]
    moments = [pd.to_datetime(jobs["date_posted"]), pd.to_datetime(seekers["registered_on"])]
    known = pd.concat(moments).dropna()
    if known.empty:
        return pd.DataFrame(columns=["ds", "demand", "supply", "ratio"])
    start = known.min().to_period("M").to_timestamp()
    end = known.max().to_period("M").to_timestamp()
    months = pd.DataFrame({"ds": pd.date_range(start, end, freq="MS")})
    demand = demand_panel(jobs, start=start, end=end) if not jobs.empty else None
    supply = supply_panel(seekers, start=start, end=end) if not seekers.empty else None
    table = months.copy()
    for name, panel in (("demand", demand), ("supply", supply)):
        series = (
            panel[panel["unique_id"] == f"{city_code}/{occupation_code}"].set_index("ds")["y"]
            if panel is not None
            else pd.Series(dtype=float)
        )
        table[name] = table["ds"].map(series).fillna(0.0).astype(float)
    table["demand_records"] = table["ds"].map(_monthly_count(jobs["date_posted"])).fillna(0)
    table["supply_records"] = table["ds"].map(_monthly_count(seekers["registered_on"])).fillna(0)
    table.loc[table["demand_records"] < min_cell_size, "demand"] = np.nan
    table.loc[table["supply_records"] < min_cell_size, "supply"] = np.nan
    table["ratio"] = (table["demand"] / table["supply"].where(table["supply"] > 0)).round(4)
    return table[["ds", "demand", "supply", "ratio"]]


def _monthly_count(moments: pd.Series) -> pd.Series:
    months = pd.to_datetime(moments).dt.to_period("M").dt.to_timestamp()
    return months.value_counts()


def bundle_history(loaded: LoadedForecast | None, unique_id: str, min_cell_size: int) -> Any:
    """``(hierarchy, ds, demand, supply, ratio)`` of a series from the bundle's all-level
    history (what the models saw), small months blanked; ``(None, None)`` if not there."""
    histories = getattr(loaded.obj, "history", None) if loaded else None
    if not isinstance(histories, dict):
        return None, None
    for hierarchy, frame in histories.items():
        if not isinstance(frame, pd.DataFrame) or "unique_id" not in frame:
            continue
        rows = frame[frame["unique_id"] == unique_id]
        if rows.empty:
            continue
        table = pd.DataFrame({"ds": pd.to_datetime(rows["ds"])})
        for name in ("demand", "supply"):
            values = rows[name].astype(float).to_numpy() if name in rows else np.nan
            table[name] = values
            table.loc[table[name] < min_cell_size, name] = np.nan
        table["ratio"] = (table["demand"] / table["supply"].where(table["supply"] > 0)).round(4)
        return str(hierarchy), table.sort_values("ds", ignore_index=True)
    return None, None


def series_data(
    engine: Engine,
    loaded: LoadedForecast | None,
    unique_id: str,
    *,
    min_cell_size: int,
) -> SeriesData:
    """A series' history and forecast, read from the published forecast bundle.

    Only without a bundle (nothing trained yet) is a city × occupation history recomputed
    from the store; other levels then show no history.
    """
    hierarchy, forecasts = series_forecast(loaded, unique_id)
    found_in, history = bundle_history(loaded, unique_id, min_cell_size)
    if history is None:
        parts = unique_id.split("/")
        if loaded is None and len(parts) == 2 and _is_city_occupation(parts):
            history = series_history(engine, parts[0], parts[1], min_cell_size)
        else:
            history = pd.DataFrame(columns=["ds", "demand", "supply", "ratio"])
    return SeriesData(
        unique_id=unique_id,
        history=history,
        forecasts=forecasts,
        backtest=backtest_rows(loaded, unique_id),
        model_version=loaded.version if loaded and forecasts else None,
        hierarchy=hierarchy or found_in,
    )


def _is_city_occupation(parts: list[str]) -> bool:
    return parts[0].startswith("44") and len(parts[0]) == 4 and "-" in parts[1]
