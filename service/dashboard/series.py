"""The series page's view model: one city × occupation's monthly demand, supply, 求人倍率
and (when the registry has one) their forecasts with 80/95 % intervals.

History is read from the forecast bundle's all-level ``history`` (what the models saw), so a
page costs a lookup, not a pass over the store; any level (city × occupation, city × industry,
zone, province …) has a page. Only before any forecast is trained is a city × occupation
history computed from the store. A month built from fewer than ``min_cell_size`` vacancy
(demand) or seeker (supply) records is suppressed: its value is blank, and so is the month's ratio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data.panels import demand_panel, supply_panel
from data.store import read_candidates_frame, read_vacancies_frame
from service.dashboard.charts import ForecastBand, SeriesPanel
from service.dashboard.forecasts import (
    LoadedForecast,
    backtest_rows,
    series_forecast,
)

__all__ = ["SeriesView", "bundle_history", "series_history", "series_view"]

PANEL_TITLES = {
    "demand": ("需求人数", "人/月"),
    "supply": ("求职人数", "人/月"),
    "ratio": ("求人倍率", "需求÷求职"),
}


@dataclass(frozen=True)
class SeriesView:
    """Everything the series page shows."""

    unique_id: str
    history: pd.DataFrame  # ds, demand, supply, ratio, demand_records, supply_records
    forecasts: dict[str, pd.DataFrame]
    backtest: list[dict[str, Any]]
    model_version: str | None
    hierarchy: str | None
    panels: list[SeriesPanel] = field(default_factory=list)

    @property
    def has_forecast(self) -> bool:
        """Whether any variable has a forecast."""
        return bool(self.forecasts)


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


def _panel(variable: str, history: pd.DataFrame, forecast: pd.DataFrame | None) -> SeriesPanel:
    title, unit = PANEL_TITLES[variable]
    values = [None if pd.isna(v) else float(v) for v in history[variable]]
    if forecast is None or forecast.empty:
        return SeriesPanel(title, unit, list(history["ds"]), values)
    bands = [
        ForecastBand(level, list(forecast[f"lo-{level}"]), list(forecast[f"hi-{level}"]))
        for level in (95, 80)
        if f"lo-{level}" in forecast and f"hi-{level}" in forecast
    ]
    return SeriesPanel(
        title,
        unit,
        list(history["ds"]),
        values,
        forecast_months=list(forecast["ds"]),
        forecast=[float(v) for v in forecast["point"]],
        bands=bands,
    )


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


def series_view(
    engine: Engine,
    loaded: LoadedForecast | None,
    unique_id: str,
    *,
    min_cell_size: int,
) -> SeriesView:
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
    panels = [_panel(variable, history, forecasts.get(variable)) for variable in PANEL_TITLES]
    return SeriesView(
        unique_id=unique_id,
        history=history,
        forecasts=forecasts,
        backtest=backtest_rows(loaded, unique_id),
        model_version=loaded.version if loaded and forecasts else None,
        hierarchy=hierarchy or found_in,
        panels=panels,
    )


def _is_city_occupation(parts: list[str]) -> bool:
    return parts[0].startswith("44") and len(parts[0]) == 4 and "-" in parts[1]
