"""The series page's view model: the *series view* use case (:mod:`app.series_view`) drawn as
three chart panels (demand, supply, 求人倍率) with their forecast bands."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from sqlalchemy import Engine

from app.series_view import LoadedForecast, SeriesData, series_data
from service.dashboard.charts import ForecastBand, SeriesPanel

__all__ = ["SeriesView", "series_view"]

PANEL_TITLES = {
    "demand": ("需求人数", "人/月"),
    "supply": ("求职人数", "人/月"),
    "ratio": ("求人倍率", "需求÷求职"),
}


@dataclass(frozen=True)
class SeriesView(SeriesData):
    """Everything the series page shows: the series' data and its chart panels."""

    panels: list[SeriesPanel] = field(default_factory=list)


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


def series_view(
    engine: Engine,
    loaded: LoadedForecast | None,
    unique_id: str,
    *,
    min_cell_size: int,
) -> SeriesView:
    """The series page of ``unique_id`` (see :func:`app.series_view.series_data`)."""
    data = series_data(engine, loaded, unique_id, min_cell_size=min_cell_size)
    panels = [
        _panel(variable, data.history, data.forecasts.get(variable)) for variable in PANEL_TITLES
    ]
    return SeriesView(**vars(data), panels=panels)
