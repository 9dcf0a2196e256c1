"""Seasonal naive: next year's month equals this year's. Baseline of every backtest."""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass

import numpy as np
import pandas as pd
from sklearn.base import clone

from models.forecast.base import BaseForecaster
from models.forecast.panel import SEASON, FloatArray, WidePanel


def seasonal_naive_paths(values: FloatArray, horizon: int, season_length: int) -> FloatArray:
    """Repeat the last ``season_length`` observations; rows shorter than that repeat the last.

    Why the fallback: a series with under a season of history has no same-month value, and the
    last value is the least-assumption forecast for it.
    """
    if values.shape[1] < season_length:
        padding = np.full((values.shape[0], season_length - values.shape[1]), np.nan)
        values = np.hstack([padding, values])
    steps = np.arange(horizon)
    season_index = values.shape[1] - season_length + steps % season_length
    paths = values[:, season_index]
    last = values[:, -1:]
    return np.where(np.isnan(paths), last, paths)


def fallback_paths(
    model: BaseForecaster | None, frame: pd.DataFrame, panel: WidePanel, horizon: int
) -> FloatArray:
    """Paths ``(n_series, horizon)`` of the fallback ``model`` for every series of ``panel``.

    The model a forecaster falls back on for the series it cannot fit (too short, a failed
    optimisation); None means seasonal naive. ``model`` is cloned and run point-only at
    ``horizon``, so the caller's instance stays unfitted. The forecasters that fall back take it
    as their ``fallback`` parameter (statsforecast's ``fallback_model``).
    """
    if model is None:
        return seasonal_naive_paths(panel.values, horizon, SEASON)
    chosen = clone(model).set_params(max_horizon=horizon, intervals=None)
    return np.asarray(chosen._forecast_paths(frame, panel), dtype=float)


@dataclass(eq=False, repr=False)
class SeasonalNaive(BaseForecaster):
    """``y[T + h] = y[T + h - m * ceil(h / m)]`` for each series.

    Parameters
    ----------
    season_length : int, default 12
    max_horizon, intervals, alias
        See :class:`~models.forecast.base.BaseForecaster`.
    """

    season_length: int = 12
    _: KW_ONLY
    alias: str = "SeasonalNaive"

    def _forecast_paths(self, frame: pd.DataFrame, panel: WidePanel) -> FloatArray:
        if self.season_length < 1:
            raise ValueError(f"season_length must be >= 1, got {self.season_length}")
        return seasonal_naive_paths(panel.values, self.max_horizon, self.season_length)
