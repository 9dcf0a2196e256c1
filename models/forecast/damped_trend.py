"""Vectorised damped-trend smoothing of the seasonally adjusted ``log1p`` series.

Why this member: :class:`~models.forecast.fast_ets.VectorizedETS` updates a seasonal state
per series and scores no better than seasonal naive on AU IVI (the month-to-month signal is
mostly level; its seasonal states chase noise). Here the seasonal profile is estimated once
per series by the classical decomposition (:func:`~models.forecast.fast_ses.seasonal_profile`,
the mean deviation from a centred 2x12 moving average by calendar month), shrunk, and
removed; the adjusted series is forecast by Holt's additive trend with damping ``phi``
(Gardner & McKenzie), and the profile is added back. ``alpha, beta, phi`` come from a small
grid, chosen per series and per band of horizons by the in-sample ``k``-step errors for each
selection horizon ``k`` (one-step errors pick the near months, 12-step errors the year ahead,
where a slope that fitted one month well is often too steep). The recursion runs once over
time for every series and every grid point in one numpy array (no optimiser per series).

Settings chosen on AU IVI origins 2013-09..2015-09 (member alone, MASE h=1..12 / seasonal
naive): one-step squared errors 0.929, selection horizons (1, 3, 6, 12) 0.838, with absolute
errors 0.833 (seasonal shrink 0.4 / 0.8 and other phi/beta grids: no better). On the official
origins 2016-09..2018-09: 0.821, against 0.875 for :class:`~models.forecast.fast_ses.SeasonalSES`
and 1.009 for :class:`~models.forecast.fast_ets.VectorizedETS`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.forecast.base import BaseForecaster
from models.forecast.fast_ses import seasonal_profile
from models.forecast.panel import SEASON, FloatArray, WidePanel

DEFAULT_ALPHAS: tuple[float, ...] = (0.1, 0.2, 0.35, 0.5, 0.7, 0.9, 1.0)
DEFAULT_BETAS: tuple[float, ...] = (0.02, 0.1, 0.3)
"""Trend smoothing relative to ``alpha`` (the trend gain is ``alpha * beta``)."""
DEFAULT_PHIS: tuple[float, ...] = (0.8, 0.9, 0.98)
DEFAULT_SELECTION_HORIZONS: tuple[int, ...] = (1, 3, 6, 12)
SCORE_WARMUP = SEASON
"""One-step errors of a series' first months (at most a year, at most half its history) are
not scored: the initial level and slope, not the smoothing constants, explain them."""


def parameter_grid(
    alphas: Sequence[float], betas: Sequence[float], phis: Sequence[float]
) -> FloatArray:
    """Rows ``(alpha, beta, phi)`` of the full Cartesian grid."""
    return np.asarray(list(itertools.product(alphas, betas, phis)), dtype=float)


def _initial_states(values: FloatArray) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """First level, first slope and first observed column of each right-aligned row.

    The slope is the difference between the means of the second and first years over 12
    (0 for rows shorter than two years): a flat start would need many months of a small
    trend gain to learn a slope the data show from the beginning.
    """
    n_series, n_steps = values.shape
    rows = np.arange(n_series)
    first = np.argmax(np.isfinite(values), axis=1).astype(np.int64)
    level = values[rows, first]
    slope = np.zeros(n_series)
    long = (n_steps - first) >= 2 * SEASON
    if long.any():
        window = first[long, None] + np.arange(2 * SEASON)[None, :]
        years = values[rows[long, None], window]
        slope[long] = (years[:, SEASON:].mean(axis=1) - years[:, :SEASON].mean(axis=1)) / SEASON
    return np.nan_to_num(level, nan=0.0), slope, first


def damped_trend_fit(
    values: FloatArray,
    grid: FloatArray,
    selection_horizons: Sequence[int],
    absolute: bool = False,
) -> tuple[FloatArray, FloatArray, npt.NDArray[np.int64]]:
    """Run the damped-trend recursion for every row and grid point; choose per horizon.

    Returns the final level and slope ``(n_series, n_params)`` and the chosen grid index per
    row and selection horizon ``(n_series, len(selection_horizons))``: the grid point with the
    smallest in-sample sum of squared (``absolute``: absolute) ``k``-step errors. Rows without
    a scored error (too short) get the grid point closest to plain exponential smoothing of
    the level.
    """
    alpha, beta, phi = (grid[:, k][None, :] for k in range(3))
    trend_gain = alpha * beta
    horizons = np.asarray(selection_horizons, dtype=np.int64)
    # damping[k] = phi + phi^2 + ... + phi^k: the k-step trend multiplier of each grid point.
    damping = np.cumsum(phi[None, :, :] ** np.arange(1, horizons.max() + 1)[:, None, None], 0)
    n_series, n_steps = values.shape
    level0, slope0, first = _initial_states(values)
    warmup = np.minimum(SCORE_WARMUP, (n_steps - first) // 2)
    scored_from = first + warmup
    level = np.repeat(level0[:, None], len(grid), axis=1)
    trend = np.repeat(slope0[:, None], len(grid), axis=1)
    loss = np.zeros((len(horizons), n_series, len(grid)))
    counts = np.zeros((len(horizons), n_series))
    predicted, error = np.empty_like(level), np.empty_like(level)
    for t in range(n_steps):
        for index, k in enumerate(horizons):
            target = t + int(k)
            if target >= n_steps:
                continue
            # The k-step forecast from the state after observing column t.
            observed = values[:, target]
            scored = np.isfinite(observed) & (t >= scored_from)
            if not scored.any():
                continue
            np.multiply(damping[k - 1], trend, out=predicted)
            predicted += level
            np.subtract(observed[:, None], predicted, out=error)
            error[~scored] = 0.0
            loss[index] += np.abs(error) if absolute else error**2
            counts[index] += scored
        if t + 1 >= n_steps:
            break
        observed = values[:, t + 1]
        active = np.isfinite(observed) & (t + 1 > first)
        np.multiply(phi, trend, out=predicted)
        predicted += level
        np.subtract(observed[:, None], predicted, out=error)
        if not active.all():
            error[~active] = 0.0
        # Rows not yet started keep their initial state: no update, no damping.
        level = np.where(active[:, None], predicted + alpha * error, level)
        trend = np.where(active[:, None], phi * trend + trend_gain * error, trend)
    smoothing_only = int(np.argmin(np.abs(grid[:, 1]) * 1e3 + np.abs(grid[:, 0] - 0.5)))
    chosen = np.argmin(loss, axis=2).T
    chosen = np.where(counts.T > 0, chosen, smoothing_only)
    return level, trend, chosen.astype(np.int64)


def damped_trend_paths(
    values: FloatArray,
    horizon: int,
    grid: FloatArray,
    selection_horizons: Sequence[int],
    seasonal_shrink: float,
    absolute: bool = False,
) -> FloatArray:
    """Point paths ``(n_series, horizon)`` on the count scale (see module docstring)."""
    logged = np.log1p(values)
    n_series, n_steps = logged.shape
    profile = seasonal_shrink * seasonal_profile(logged)
    adjusted = logged - profile[:, np.arange(n_steps) % SEASON]
    level, trend, chosen = damped_trend_fit(adjusted, grid, selection_horizons, absolute)
    steps = np.arange(1, horizon + 1)
    # Forecast horizon h uses the parameters chosen for the largest selection horizon <= h.
    ordered = np.asarray(selection_horizons, dtype=np.int64)
    band = np.maximum(np.searchsorted(ordered, steps, side="right") - 1, 0)
    params = chosen[:, band]  # (n_series, horizon)
    rows = np.arange(n_series)[:, None]
    phi = grid[params, 2]
    # phi + phi^2 + ... + phi^h with each horizon's own phi (h when phi = 1).
    with np.errstate(invalid="ignore", divide="ignore"):
        damping = phi * (1 - phi ** steps[None, :]) / (1 - phi)
    damping = np.where(phi < 1, damping, steps[None, :].astype(float))
    adjusted_path = level[rows, params] + damping * trend[rows, params]
    future = profile[:, (n_steps - 1 + steps) % SEASON]
    return np.asarray(np.expm1(adjusted_path + future), dtype=float)


@dataclass(eq=False, repr=False)
class SeasonalDampedTrend(BaseForecaster):
    """Damped additive trend on the seasonally adjusted ``log1p`` series, all series at once.

    Parameters
    ----------
    alphas, betas, phis : sequence of float, optional
        Grid of level smoothing ``alpha`` in (0, 1], relative trend smoothing ``beta`` in
        (0, 1] (trend gain ``alpha * beta``) and damping ``phi`` in (0, 1]; defaults
        :data:`DEFAULT_ALPHAS`, :data:`DEFAULT_BETAS`, :data:`DEFAULT_PHIS`.
    selection_horizons : sequence of int, optional
        Increasing step counts whose in-sample errors choose each series' grid point;
        forecast horizon ``h`` uses the choice of the largest one ``<= h`` (default
        :data:`DEFAULT_SELECTION_HORIZONS`; ``(1,)`` = one-step errors for all horizons).
    seasonal_shrink : float, default 0.6
        Multiplier on the estimated seasonal profile (0 = no seasonality, 1 = full profile).
    absolute_loss : bool, default True
        Choose by the sum of absolute ``k``-step errors (closer to MASE, robust to the odd
        outlier month) instead of squared ones.
    max_horizon, intervals, alias
        See :class:`~models.forecast.base.BaseForecaster`.

    Series with one observation forecast it; series under two years start without a slope
    and with a profile from the months they have (shrunk like the others).
    """

    alphas: Sequence[float] | None = None
    betas: Sequence[float] | None = None
    phis: Sequence[float] | None = None
    _: KW_ONLY
    selection_horizons: Sequence[int] | None = None
    seasonal_shrink: float = 0.6
    absolute_loss: bool = True
    alias: str = "SeasonalDampedTrend"

    def _grid(self) -> FloatArray:
        values = {
            "alphas": tuple(self.alphas) if self.alphas is not None else DEFAULT_ALPHAS,
            "betas": tuple(self.betas) if self.betas is not None else DEFAULT_BETAS,
            "phis": tuple(self.phis) if self.phis is not None else DEFAULT_PHIS,
        }
        for name, candidates in values.items():
            if not candidates or any(not 0.0 < value <= 1.0 for value in candidates):
                raise ValueError(f"{name} must be non-empty values in (0, 1], got {candidates}")
        return parameter_grid(values["alphas"], values["betas"], values["phis"])

    def _selection_horizons(self) -> tuple[int, ...]:
        horizons = (
            tuple(int(k) for k in self.selection_horizons)
            if self.selection_horizons is not None
            else DEFAULT_SELECTION_HORIZONS
        )
        if not horizons or horizons[0] < 1 or list(horizons) != sorted(set(horizons)):
            raise ValueError(f"selection_horizons must be increasing and >= 1, got {horizons}")
        return horizons

    def _forecast_paths(self, frame: pd.DataFrame, panel: WidePanel) -> FloatArray:
        if not 0.0 <= self.seasonal_shrink <= 1.0:
            raise ValueError(f"seasonal_shrink must be in [0, 1], got {self.seasonal_shrink}")
        return damped_trend_paths(
            panel.values,
            self.max_horizon,
            self._grid(),
            self._selection_horizons(),
            self.seasonal_shrink,
            self.absolute_loss,
        )
