"""Seasonal naive: next year's month equals this year's. Baseline of every backtest."""

from __future__ import annotations

import numpy as np
import pandas as pd

from models.forecast.base import BaseForecaster
from models.forecast.conformal import DEFAULT_INTERVALS, ConformalIntervals
from models.forecast.panel import FloatArray, WidePanel


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


class SeasonalNaive(BaseForecaster):
    """``y[T + h] = y[T + h - m * ceil(h / m)]`` for each series.

    Parameters
    ----------
    season_length : int, default 12
    max_horizon, intervals, alias
        See :class:`~models.forecast.base.BaseForecaster`.
    """

    def __init__(
        self,
        season_length: int = 12,
        *,
        max_horizon: int = 12,
        intervals: ConformalIntervals | None = DEFAULT_INTERVALS,
        alias: str = "SeasonalNaive",
    ) -> None:
        super().__init__(max_horizon=max_horizon, intervals=intervals, alias=alias)
        self.season_length = season_length

    def _forecast_paths(self, frame: pd.DataFrame, panel: WidePanel) -> FloatArray:
        if self.season_length < 1:
            raise ValueError(f"season_length must be >= 1, got {self.season_length}")
        return seasonal_naive_paths(panel.values, self.max_horizon, self.season_length)
