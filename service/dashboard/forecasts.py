"""What the dashboard's pages read of the served forecast bundle, one series at a time.

The bundle (:class:`models.forecast.bundle.ForecastBundle`) arrives through ``ForecastDep``
(the app's one :class:`app.registry.ArtifactCache`: a page view costs a directory listing
unless training published a new version). Parts a bundle lacks — an older bundle's missing
``backtest_series``, a hierarchy without a ratio — leave that part of a page out.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from app.registry import Loaded
from models.forecast.bundle import ForecastBundle

__all__ = [
    "LoadedForecast",
    "backtest_rows",
    "point_column",
    "series_forecast",
]

HIERARCHY_ORDER = ("occupation", "industry")
VARIABLES = ("demand", "supply", "ratio")

LoadedForecast = Loaded[ForecastBundle]
"""The served forecast bundle and its registry entry (``app.registry``; cached on ``app.state``
by ``service.api.deps.get_forecast``)."""


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
