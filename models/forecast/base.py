"""Base class of the panel forecasters (scikit-learn estimator contract, Nixtla frames).

Subclasses implement :meth:`BaseForecaster._forecast_paths`, which returns point forecasts
for ``max_horizon`` steps of every series; ``fit`` stores them (so a fitted model is a small,
picklable table, not a pile of statsmodels results) and calibrates conformal intervals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Self

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from models.forecast.conformal import (
    DEFAULT_INTERVALS,
    ConformalCalibration,
    ConformalIntervals,
    calibrate,
)
from models.forecast.panel import (
    FloatArray,
    WidePanel,
    future_dates,
    safe_scale,
    seasonal_naive_scale,
    validate_panel,
)

DEFAULT_LEVELS: tuple[int, ...] = (80, 95)


@dataclass(eq=False, repr=False)
class BaseForecaster(BaseEstimator):
    """Fit on a long panel, forecast ``h <= max_horizon`` months with conformal intervals.

    Forecasters are dataclasses (``eq=False, repr=False``: identity equality and
    scikit-learn's repr): a subclass declares its own parameters as fields and inherits
    these three, keyword-only; the generated ``__init__`` stores each one unchanged, which is
    what scikit-learn's ``get_params`` and ``clone`` read. A subclass redeclares ``alias``
    (after ``_: KW_ONLY``) to give its default name.

    Parameters
    ----------
    max_horizon : int
        Longest horizon ``predict`` may ask for; paths are computed once in ``fit``.
    intervals : ConformalIntervals or None
        How intervals are calibrated (see :class:`~models.forecast.conformal.ConformalIntervals`);
        ``None`` = point forecasts only.
    alias : str
        Name of the forecast columns (``<alias>``, ``<alias>-lo-80``, ...); an ``__init__``
        parameter so that two configurations of one model can sit side by side in an
        :class:`~models.forecast.ensemble.Ensemble`.
    """

    _: KW_ONLY
    max_horizon: int = 12
    intervals: ConformalIntervals | None = DEFAULT_INTERVALS
    alias: str = "BaseForecaster"

    def _forecast_paths(self, frame: pd.DataFrame, panel: WidePanel) -> FloatArray:
        """Point forecasts ``(n_series, max_horizon)`` in ``panel.unique_ids`` order."""
        raise NotImplementedError

    def _check_params(self) -> None:
        """Checks at ``fit`` time (named apart from scikit-learn's own ``_validate_params``)."""
        if self.max_horizon < 1:
            raise ValueError(f"max_horizon must be >= 1, got {self.max_horizon}")
        if self.intervals is not None and not isinstance(self.intervals, ConformalIntervals):
            raise ValueError(f"intervals must be ConformalIntervals or None, got {self.intervals}")
        if not isinstance(self.alias, str) or not self.alias:
            raise ValueError(f"alias must be a non-empty string, got {self.alias!r}")

    def fit(self, df: pd.DataFrame) -> Self:
        """Validate ``df``, compute point paths, then calibrate intervals on earlier origins."""
        self._check_params()
        frame = validate_panel(df)
        panel = WidePanel.from_frame(frame)
        paths = np.asarray(self._forecast_paths(frame, panel), dtype=float)
        # Counts cannot be negative; a negative point forecast is always a worse forecast.
        self.point_forecast_ = np.clip(np.nan_to_num(paths, nan=0.0), 0.0, None)
        self.unique_ids_ = panel.unique_ids
        self.last_ds_ = panel.last_ds
        self.scale_ = safe_scale(seasonal_naive_scale(panel.values), panel.values)
        self.calibration_: ConformalCalibration | None = None
        if self.intervals is not None:
            self.calibration_ = self._calibrate(frame)
        return self

    def _calibrate(self, frame: pd.DataFrame) -> ConformalCalibration:
        return calibrate(self, frame)

    def predict(self, h: int, level: Sequence[int] = DEFAULT_LEVELS) -> pd.DataFrame:
        """Forecast ``h`` months: ``unique_id, ds, <alias>[, <alias>-lo-L, <alias>-hi-L]``.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        ValueError
            If ``h`` exceeds ``max_horizon`` or intervals were asked of a model fitted with
            ``intervals=None``.
        """
        check_is_fitted(self, "point_forecast_")
        if not 1 <= h <= self.point_forecast_.shape[1]:
            raise ValueError(f"h must be in 1..{self.point_forecast_.shape[1]} (max_horizon)")
        levels = sorted({int(value) for value in level})
        if any(not 0 < value < 100 for value in levels):
            raise ValueError(f"levels must be percentages in (0, 100), got {levels}")
        point = self.point_forecast_[:, :h]
        out = pd.DataFrame(
            {
                "unique_id": np.repeat(self.unique_ids_, h),
                "ds": future_dates(self.last_ds_, h),
                self.alias: point.ravel(),
            }
        )
        if not levels:
            return out
        if self.calibration_ is None or self.intervals is None:
            raise ValueError("intervals need intervals=ConformalIntervals(...) at fit time")
        bounds = self.calibration_.quantiles(levels, self.intervals.symmetric)
        for value in levels:
            low = point + bounds[value][0, :h] * self.scale_[:, None]
            high = point + bounds[value][1, :h] * self.scale_[:, None]
            out[f"{self.alias}-lo-{value}"] = np.clip(np.minimum(low, point), 0.0, None).ravel()
            out[f"{self.alias}-hi-{value}"] = np.maximum(high, point).ravel()
        return out
