"""Split-conformal prediction intervals from rolling-origin residuals.

Why this design: per-series statsmodels intervals assume the model is right, and a global
gradient-boosting model has none. Instead each forecaster is refitted at a few origins before
the end of its training data, and the errors it makes there, divided by each series'
seasonal-naive MAE (its natural unit), are pooled across series for every horizon. Pooling
gives short or new series intervals too; scaling makes the pool meaningful across series of
very different sizes. Everything uses only the data passed to ``fit`` (no leakage in a
backtest, where ``fit`` only sees data before the origin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from sklearn.base import clone

from models.forecast.panel import (
    FloatArray,
    WidePanel,
    future_dates,
    safe_scale,
    seasonal_naive_scale,
    shift_months,
)

if TYPE_CHECKING:
    from models.forecast.base import BaseForecaster


@dataclass(frozen=True)
class ConformalIntervals:
    """How a forecaster calibrates its prediction intervals (one constructor parameter).

    Why one value instead of three keywords per constructor: every forecaster takes the same
    settings, and ``intervals=None`` says "point forecasts only" more plainly than a zero
    window count (the statsforecast ``prediction_intervals`` idea).

    Parameters
    ----------
    n_windows : int, default 4
        Rolling origins refitted before the end of the training data (>= 1).
    step : int, default 6
        Months between those origins (>= 1).
    symmetric : bool, default True
        Use ``|residual|`` quantiles (robust to a bias that flips sign between periods)
        instead of separate lower/upper quantiles.

    >>> ConformalIntervals(n_windows=2, step=12)
    ConformalIntervals(n_windows=2, step=12, symmetric=True)
    """

    n_windows: int = 4
    step: int = 6
    symmetric: bool = True

    def __post_init__(self) -> None:
        if self.n_windows < 1 or self.step < 1:
            raise ValueError(
                f"n_windows and step must be >= 1, got {self.n_windows} and {self.step}"
            )


DEFAULT_INTERVALS = ConformalIntervals()
"""What every forecaster but the Ensemble calibrates with unless told otherwise."""


@dataclass(frozen=True)
class ConformalCalibration:
    """Pooled scaled residuals ``(y - yhat) / scale``, shape ``(n_obs, max_horizon)``."""

    residuals: FloatArray
    cutoffs: tuple[pd.Timestamp, ...]

    def quantiles(self, levels: Sequence[int], symmetric: bool) -> dict[int, FloatArray]:
        """Lower/upper residual quantiles per level: ``{level: array (2, max_horizon)}``.

        Uses the finite-sample conformal correction ``ceil((n + 1) p) / n``.
        """
        out: dict[int, FloatArray] = {}
        for level in levels:
            columns = []
            for column in self.residuals.T:
                sample = column[np.isfinite(column)]
                if sample.size == 0:
                    columns.append((np.nan, np.nan))
                    continue
                n = sample.size
                if symmetric:
                    p = min(1.0, np.ceil((n + 1) * level / 100) / n)
                    width = float(np.quantile(np.abs(sample), p, method="higher"))
                    columns.append((-width, width))
                else:
                    tail = (1 - level / 100) / 2
                    p_hi = min(1.0, np.ceil((n + 1) * (1 - tail)) / n)
                    p_lo = max(0.0, 1.0 - p_hi)
                    low = float(np.quantile(sample, p_lo, method="lower"))
                    columns.append((low, float(np.quantile(sample, p_hi, method="higher"))))
            out[level] = np.asarray(columns, dtype=float).T
        return out


def calibration_cutoffs(
    end: pd.Timestamp, horizon: int, n_windows: int, step: int
) -> list[pd.Timestamp]:
    """Origins ``end - horizon - k * step`` (oldest first), so every horizon has an actual."""
    return [shift_months(end, -horizon - k * step) for k in reversed(range(n_windows))]


def window_forecasts(
    estimator: BaseForecaster, frame: pd.DataFrame, cutoff: pd.Timestamp, horizon: int
) -> pd.DataFrame:
    """Fit a calibration-free clone on ``ds <= cutoff``; return forecasts joined to actuals.

    Columns: ``unique_id, ds, h, yhat, y, scale`` (``y`` NaN where the series has no actual).
    """
    train = frame[frame["ds"] <= cutoff]
    model = clone(estimator).set_params(intervals=None, max_horizon=horizon)
    model.fit(train)
    panel = WidePanel.from_frame(train)
    scale = safe_scale(seasonal_naive_scale(panel.values), panel.values)
    forecasts = pd.DataFrame(
        {
            "unique_id": np.repeat(model.unique_ids_, horizon),
            "ds": future_dates(model.last_ds_, horizon),
            "h": np.tile(np.arange(1, horizon + 1), len(model.unique_ids_)),
            "yhat": model.point_forecast_.ravel(),
            "scale": np.repeat(scale, horizon),
        }
    )
    # Only the horizon after the cutoff can match: joining on that slice, not the whole
    # history, is what keeps this merge cheap on long panels (same rows, same order).
    ahead = (frame["ds"] > cutoff) & (frame["ds"] <= shift_months(cutoff, horizon))
    actuals = frame.loc[ahead.to_numpy(), ["unique_id", "ds", "y"]]
    return forecasts.merge(actuals, on=["unique_id", "ds"], how="left")


def residual_matrix(forecasts: pd.DataFrame, horizon: int, column: str = "yhat") -> FloatArray:
    """Scaled residuals from :func:`window_forecasts` rows as ``(n_obs, horizon)``."""
    scaled = (forecasts["y"] - forecasts[column]) / forecasts["scale"]
    keyed = pd.DataFrame(
        {"key": forecasts["unique_id"].astype(str) + "@" + forecasts["cutoff"].astype(str)}
    )
    keyed["h"] = forecasts["h"].to_numpy()
    keyed["r"] = scaled.to_numpy()
    wide = keyed.pivot_table(index="key", columns="h", values="r", aggfunc="first", dropna=False)
    return wide.reindex(columns=range(1, horizon + 1)).to_numpy(dtype=float)


def calibrate(estimator: BaseForecaster, frame: pd.DataFrame) -> ConformalCalibration:
    """Rolling-origin residuals of ``estimator`` on ``frame`` (see module docstring)."""
    horizon = int(estimator.max_horizon)
    if estimator.intervals is None:
        raise ValueError("calibrate needs an estimator with intervals=ConformalIntervals(...)")
    settings = estimator.intervals
    cutoffs = calibration_cutoffs(frame["ds"].max(), horizon, settings.n_windows, settings.step)
    windows = []
    for cutoff in cutoffs:
        if (frame["ds"] <= cutoff).sum() == 0:
            continue
        window = window_forecasts(estimator, frame, cutoff, horizon)
        windows.append(window.assign(cutoff=cutoff))
    if not windows:
        raise ValueError("no data before any calibration origin; use fewer/shorter windows")
    return ConformalCalibration(residual_matrix(pd.concat(windows), horizon), tuple(cutoffs))
