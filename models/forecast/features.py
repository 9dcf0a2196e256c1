"""Features of the global model, computed for all series at once on the wide log matrix.

Every feature at origin column ``t`` uses only columns ``<= t`` (no look-ahead). Values are
``log1p`` counts relative to the series' trailing 12-month mean level, so one model can learn
shapes (trend, mean reversion, seasonality) across series of any size.
"""

from __future__ import annotations

from functools import cache

import lunardate
import numpy as np
import numpy.typing as npt

from models.forecast.panel import FloatArray

N_LAGS = 24
LEVEL_WINDOW = 12
BASE_FEATURES: tuple[str, ...] = (
    *(f"lag_{k}" for k in range(N_LAGS)),
    "level",
    "growth_6",
    "growth_12",
    "growth_24",
    "seasonal_diff_std",
    "zero_share",
    "market_growth_12",
    "group_growth_12",
    "origin_month",
    "noise_ratio",
)


@cache
def spring_festival_month(year: int) -> int:
    """Gregorian month (1 or 2) of 春节 (lunar new year's day) in ``year``.

    Why it matters: in Chinese labour markets hiring stops before 春节 and surges after it,
    and the festival moves between January and February, which a fixed month-of-year effect
    cannot capture.
    """
    return int(lunardate.LunarDate(year, 1, 1).to_solar_date().month)


def spring_festival_indicator(month_index: npt.NDArray[np.int64]) -> FloatArray:
    """1.0 where the month (``year * 12 + month - 1``) contains 春节, else 0.0."""
    years = month_index // 12
    months = month_index % 12 + 1
    festival = np.array([spring_festival_month(int(year)) for year in np.unique(years)])
    lookup = dict(zip(np.unique(years).tolist(), festival.tolist(), strict=True))
    festival_month = np.array([lookup[int(year)] for year in years.ravel()]).reshape(years.shape)
    return np.asarray(months == festival_month, dtype=float)


def rolling_level(log_values: FloatArray, window: int = LEVEL_WINDOW) -> FloatArray:
    """Trailing ``window``-column nan-mean per row (NaN where fewer than half observed)."""
    finite = np.isfinite(log_values)
    filled = np.where(finite, log_values, 0.0)
    sums = np.cumsum(np.pad(filled, ((0, 0), (1, 0))), axis=1)
    counts = np.cumsum(np.pad(finite.astype(float), ((0, 0), (1, 0))), axis=1)
    width = min(window, log_values.shape[1])
    window_sum = sums[:, width:] - sums[:, :-width]
    window_count = counts[:, width:] - counts[:, :-width]
    level = np.full(log_values.shape, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        level[:, width - 1 :] = np.where(
            window_count >= width / 2, window_sum / window_count, np.nan
        )
    return level


def nan_row_mean(values: FloatArray) -> FloatArray:
    """Row means ignoring NaN; NaN for empty rows, without numpy's all-NaN warnings."""
    finite = np.isfinite(values)
    counts = finite.sum(axis=1)
    sums = np.where(finite, values, 0.0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


HORIZON_FEATURES: tuple[str, ...] = (
    "same_month_1y",
    "same_month_2y",
    "same_month_3y",
    "seasonal_index",
    "yoy_growth_recent",
)


def horizon_features(
    log_values: FloatArray, level: FloatArray, column: int, horizon: int
) -> FloatArray:
    """Target-month features for origin ``column`` and ``horizon``: ``(n_series, 5)``.

    Why: with the horizon as a feature, a tree would need many splits to find "the same month
    last year" among the lags; giving it directly (as a deviation from that year's level)
    is what lets the model improve on seasonal naive instead of re-learning it.
    """
    n_series = log_values.shape[0]
    seasonal = []
    for years in (1, 2, 3):
        index = column + horizon - 12 * years
        anchor = column - 12 * (years - 1)
        if index < 0 or anchor < 0 or index > column:
            seasonal.append(np.full(n_series, np.nan))
        else:
            seasonal.append(log_values[:, index] - level[:, anchor])
    stacked = np.column_stack(seasonal)
    recent_yoy = (
        log_values[:, column] - log_values[:, column - 12]
        if column >= 12
        else np.full(n_series, np.nan)
    )
    return np.column_stack(
        [seasonal[0], seasonal[1], seasonal[2], nan_row_mean(stacked), recent_yoy]
    )


def cross_section_growth(
    level: FloatArray, column: int, groups: npt.NDArray[np.int64]
) -> tuple[float, FloatArray]:
    """Panel-wide and per-group mean 12-month level growth at ``column`` (all rows)."""
    if column < 12:
        growth = np.full(level.shape[0], np.nan)
    else:
        growth = level[:, column] - level[:, column - 12]
    return float(nan_row_mean(growth[None, :])[0]), _group_mean(growth, groups)


def _group_mean(values: FloatArray, groups: npt.NDArray[np.int64]) -> FloatArray:
    """Mean of ``values`` within each group id, broadcast back to rows (NaN-aware)."""
    finite = np.isfinite(values)
    sums = np.bincount(groups, weights=np.where(finite, values, 0.0))
    counts = np.bincount(groups, weights=finite.astype(float))
    with np.errstate(invalid="ignore", divide="ignore"):
        return (sums / counts)[groups]


def origin_features(
    log_values: FloatArray,
    level: FloatArray,
    raw_level: FloatArray,
    scale: FloatArray,
    column: int,
    month_at: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
    *,
    cross_section: tuple[float, FloatArray] | None = None,
) -> FloatArray:
    """Feature block ``(n_series, len(BASE_FEATURES))`` at origin ``column``.

    ``raw_level`` and ``scale`` (the count-scale level and seasonal-naive MAE) give
    ``noise_ratio``, how predictable the series is; ``month_at`` holds each cell's month as
    ``year * 12 + month - 1``. ``cross_section``: precomputed ``(market_growth_12,
    group_growth_12 per row)`` when the rows passed are a sample of the panel (the means must
    still be over every series).
    """

    def at(offset: int) -> FloatArray:
        index = column - offset
        if index < 0:
            return np.full(log_values.shape[0], np.nan)
        return log_values[:, index]

    def level_at(offset: int) -> FloatArray:
        index = column - offset
        return level[:, index] if index >= 0 else np.full(log_values.shape[0], np.nan)

    current = level[:, column]
    lags = [at(k) - current for k in range(N_LAGS)]
    start = max(0, column - N_LAGS + 1)
    recent = log_values[:, start : column + 1]
    seasonal_diff = recent[:, 12:] - recent[:, :-12] if recent.shape[1] > 12 else recent[:, :0]
    # E[x²] − E[x]² can round to a tiny negative number: clip before the square root
    spread = np.sqrt(
        np.maximum(nan_row_mean(seasonal_diff**2) - nan_row_mean(seasonal_diff) ** 2, 0.0)
    )
    window = log_values[:, max(0, column - 11) : column + 1]
    zero_share = nan_row_mean(np.where(np.isfinite(window), (window == 0).astype(float), np.nan))
    growth_12 = current - level_at(12)
    if cross_section is None:
        cross_section = (float(nan_row_mean(growth_12[None, :])[0]), _group_mean(growth_12, groups))
    market = np.full(len(current), cross_section[0])
    with np.errstate(invalid="ignore", divide="ignore"):
        noise_ratio = np.log(scale[:, column] / (raw_level[:, column] + 1.0))
    columns = [
        *lags,
        current,
        current - level_at(6),
        growth_12,
        current - level_at(24),
        spread,
        zero_share,
        market,
        cross_section[1],
        (month_at[:, column] % 12 + 1).astype(float),
        noise_ratio,
    ]
    return np.column_stack(columns)
