"""Per-series statsmodels forecasters (ETS, Theta, SARIMAX), fitted in parallel with joblib.

Every model works on ``log1p(y)`` (multiplicative behaviour on counts, zeros allowed). A
series that is shorter than ``min_seasons`` seasons or whose fit raises falls back to seasonal
naive; this is logged as a warning naming the series and recorded in ``fallback_ids_``, never
silent. Parallelism goes through joblib, so callers can route it to a dask cluster with
``joblib.parallel_config(backend="dask")`` (or pass ``backend="dask"``).
"""

from __future__ import annotations

import logging
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from statsmodels.tsa.forecasting.theta import ThetaModel
from statsmodels.tsa.holtwinters import ExponentialSmoothing
from statsmodels.tsa.statespace.sarimax import SARIMAX

from models.forecast.base import BaseForecaster
from models.forecast.naive import fallback_paths
from models.forecast.panel import SEASON, FloatArray, WidePanel

logger = logging.getLogger(__name__)


def _fit_chunk(
    forecaster: StatsmodelsForecaster, series: list[FloatArray], horizon: int
) -> list[FloatArray | None]:
    """Fit a chunk of series; ``None`` marks a failed fit (handled by the caller)."""
    results: list[FloatArray | None] = []
    for values in series:
        try:
            # statsmodels warns on every hard optimisation; the fallback decision is ours.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                path = np.asarray(forecaster._fit_one(np.log1p(values), horizon), dtype=float)
            results.append(np.expm1(path) if np.isfinite(path).all() else None)
        except (ValueError, np.linalg.LinAlgError, IndexError, ZeroDivisionError):
            results.append(None)
    return results


@dataclass(eq=False, repr=False)
class StatsmodelsForecaster(BaseForecaster, ABC):
    """Shared machinery: length check, chunked joblib fit, fallback bookkeeping.

    Its parameters (``min_seasons``, ``n_jobs``, ``backend``, ``fallback``: the model of the
    series too short or failing to fit, default None = seasonal naive) are dataclass fields
    the subclasses inherit, keyword-only (see :class:`~models.forecast.base.BaseForecaster`).
    """

    _: KW_ONLY
    min_seasons: int = 2
    n_jobs: int | None = None
    backend: str | None = None
    fallback: BaseForecaster | None = None

    @abstractmethod
    def _fit_one(self, log_values: FloatArray, horizon: int) -> FloatArray:
        """Forecast ``horizon`` steps of one series on the log scale."""

    def _forecast_paths(self, frame: pd.DataFrame, panel: WidePanel) -> FloatArray:
        paths = np.full((len(panel.unique_ids), self.max_horizon), np.nan)
        eligible = np.flatnonzero(panel.lengths >= self.min_seasons * SEASON)
        series = [panel.values[i, -panel.lengths[i] :] for i in eligible]
        n_chunks = max(1, min(len(series), 4 * max(1, abs(self.n_jobs or 1))))
        chunks = [list(chunk) for chunk in np.array_split(np.arange(len(series)), n_chunks)]
        parallel = Parallel(n_jobs=self.n_jobs, backend=self.backend)
        fitted = parallel(
            delayed(_fit_chunk)(self, [series[k] for k in chunk], self.max_horizon)
            for chunk in chunks
            if chunk
        )
        results = [path for chunk_result in fitted for path in chunk_result]
        failed = np.ones(len(panel.unique_ids), dtype=bool)
        for index, path in zip(eligible, results, strict=True):
            if path is not None:
                paths[index] = path
                failed[index] = False
        self.fallback_ids_ = [str(uid) for uid in panel.unique_ids[failed]]
        if self.fallback_ids_:
            paths[failed] = fallback_paths(self.fallback, frame, panel, self.max_horizon)[failed]
            logger.warning(
                "%s: %d series fell back to %s (shorter than %d seasons or fit failed): %s",
                self.alias,
                len(self.fallback_ids_),
                "seasonal naive" if self.fallback is None else self.fallback.alias,
                self.min_seasons,
                ", ".join(self.fallback_ids_[:20]),
            )
        return paths


@dataclass(eq=False, repr=False)
class ETS(StatsmodelsForecaster):
    """statsmodels ``ExponentialSmoothing``: damped additive trend, additive seasonality on
    ``log1p`` (i.e. multiplicative on counts; fixed, not AICc-selected, because zeros rule out
    a multiplicative model on the raw scale and log-additive was never worse in our trials).

    Parameters
    ----------
    min_seasons : int, default 2
        Series with fewer full seasons fall back to seasonal naive.
    n_jobs, backend : joblib parallelism (``backend=None`` honours ``parallel_config``).
    max_horizon, intervals, alias
        See :class:`~models.forecast.base.BaseForecaster`.
    """

    _: KW_ONLY
    alias: str = "ETS"

    def _fit_one(self, log_values: FloatArray, horizon: int) -> FloatArray:
        model = ExponentialSmoothing(
            log_values, trend="add", damped_trend=True, seasonal="add", seasonal_periods=SEASON
        )
        return np.asarray(model.fit().forecast(horizon))


@dataclass(eq=False, repr=False)
class Theta(StatsmodelsForecaster):
    """statsmodels ``ThetaModel`` (theta = 2) with additive deseasonalising on ``log1p``."""

    _: KW_ONLY
    alias: str = "Theta"

    def _fit_one(self, log_values: FloatArray, horizon: int) -> FloatArray:
        model = ThetaModel(log_values, period=SEASON, method="additive")
        return np.asarray(model.fit().forecast(horizon))


@dataclass(eq=False, repr=False)
class SARIMA(StatsmodelsForecaster):
    """statsmodels ``SARIMAX`` on ``log1p`` (default the airline model (0,1,1)(0,1,1)_12)."""

    order: Sequence[int] = (0, 1, 1)
    seasonal_order: Sequence[int] = (0, 1, 1, 12)
    _: KW_ONLY
    min_seasons: int = 3
    alias: str = "SARIMA"

    def _fit_one(self, log_values: FloatArray, horizon: int) -> FloatArray:
        model = SARIMAX(
            log_values, order=tuple(self.order), seasonal_order=tuple(self.seasonal_order)
        )
        return np.asarray(model.fit(disp=False).forecast(horizon))
