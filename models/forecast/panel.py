"""Panel plumbing shared by the forecasters: validation, wide matrices, dates and scales.

A panel is a Nixtla long frame ``unique_id, ds, y`` of regular month-start series. Models work
on a right-aligned matrix: row ``i`` holds series ``i`` with its last observation in the last
column and ``NaN`` padding on the left, so "``k`` steps before the end" is one column for all
series even when they start (or end) at different months.

Public (``__all__``): every forecaster, the backtest and the benches build on it, and a new
forecaster needs :class:`WidePanel` and the scales, not a private module.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "MIN_OWN_SCALE_MONTHS",
    "REQUIRED_COLUMNS",
    "SEASON",
    "FloatArray",
    "WidePanel",
    "future_dates",
    "pooled_short_scale",
    "safe_scale",
    "seasonal_naive_scale",
    "shift_months",
    "validate_panel",
]

FloatArray = npt.NDArray[np.float64]
SEASON = 12
REQUIRED_COLUMNS = ("unique_id", "ds", "y")


def validate_panel(df: pd.DataFrame) -> pd.DataFrame:
    """Check the long-format contract and return the frame sorted by ``unique_id, ds``.

    Raises
    ------
    ValueError
        On missing columns, NaN targets, duplicate ``(unique_id, ds)``, non month-start dates
        or gaps inside a series (the models index time by position).
    """
    missing = [column for column in REQUIRED_COLUMNS if column not in df.columns]
    if missing:
        raise ValueError(f"panel is missing columns {missing}; expected unique_id, ds, y")
    if df.empty:
        raise ValueError("panel is empty")
    if df["y"].isna().any():
        raise ValueError("panel has NaN in y; impute or drop those series first")
    ds = pd.DatetimeIndex(pd.to_datetime(df["ds"]))
    ids = df["unique_id"].to_numpy()
    categorical = isinstance(df["unique_id"].dtype, pd.CategoricalDtype)
    if not categorical and _is_sorted(ids, ds):
        # Panels are usually passed sorted (and every refit of a sorted panel is): sorting
        # ~10 M rows again costs seconds per refit, checking costs a fraction of that.
        frame = df.reset_index(drop=True)
    else:
        frame = df.sort_values(["unique_id", "ds"], ignore_index=True)
        ds = pd.DatetimeIndex(pd.to_datetime(frame["ds"]))
        ids = frame["unique_id"].to_numpy()
    naive = ds.tz_localize(None) if ds.tz is not None else ds
    stamps = naive.to_numpy(dtype="datetime64[ns]")
    months = stamps.astype("datetime64[M]")
    if not bool((months.astype("datetime64[ns]") == stamps).all()):
        raise ValueError("ds must be month-start timestamps (monthly panels only)")
    month_number = months.astype(np.int64)
    same_series = ids[1:] == ids[:-1]
    steps = np.diff(np.asarray(month_number))
    if bool((same_series & (steps == 0)).any()):
        raise ValueError("panel has duplicate (unique_id, ds) rows")
    if bool((same_series & (steps != 1)).any()):
        raise ValueError("panel has gaps: every series must be a regular monthly sequence")
    frame["ds"] = ds
    return frame


def _is_sorted(ids: npt.NDArray[np.object_], ds: pd.DatetimeIndex) -> bool:
    """Whether rows are in ``unique_id, ds`` order (ids of one type; else ``False``)."""
    if len(ids) < 2:
        return True
    try:
        later = ids[1:] > ids[:-1]
        same = ids[1:] == ids[:-1]
    except TypeError:
        return False
    stamps = ds.to_numpy(dtype="datetime64[ns]").view(np.int64)
    return bool((later | (same & (stamps[1:] >= stamps[:-1]))).all())


@dataclass(frozen=True)
class WidePanel:
    """Right-aligned matrix view of a validated panel (see module docstring)."""

    unique_ids: npt.NDArray[np.object_]
    last_ds: pd.DatetimeIndex
    values: FloatArray  # (n_series, n_steps), NaN-padded on the left
    lengths: npt.NDArray[np.int64]

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> WidePanel:
        """Build from a frame already passed through :func:`validate_panel`."""
        # The frame is sorted by (unique_id, ds): series are runs of equal ids, which is
        # much cheaper to find than a groupby over millions of object keys.
        ids = frame["unique_id"].to_numpy()
        starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
        lengths = np.diff(np.r_[starts, len(ids)]).astype(np.int64)
        unique_ids = np.asarray(ids[starts], dtype=object)
        last_ds = pd.DatetimeIndex(frame["ds"].to_numpy()[starts + lengths - 1])
        n_steps = int(lengths.max())
        values = np.full((len(lengths), n_steps), np.nan)
        ends = np.cumsum(lengths)
        position_in_series = np.arange(len(frame)) - np.repeat(ends - lengths, lengths)
        columns = n_steps - np.repeat(lengths, lengths) + position_in_series
        values[np.repeat(np.arange(len(lengths)), lengths), columns] = frame["y"].to_numpy(float)
        return cls(unique_ids, last_ds, values, lengths)


def seasonal_naive_scale(values: FloatArray, season: int = SEASON) -> FloatArray:
    """In-sample MAE of the seasonal naive forecast per row (the MASE denominator).

    Rows shorter than ``season + 1`` fall back to the lag-1 naive MAE; rows with no usable
    pair get ``NaN``. Why: MASE and the conformal residual scaling both need a per-series unit
    that does not depend on the model being judged.
    """
    seasonal = _row_mean(np.abs(values[:, season:] - values[:, :-season]))
    naive = _row_mean(np.abs(np.diff(values, axis=1)))
    return np.where(np.isnan(seasonal), naive, seasonal)


def _row_mean(values: FloatArray) -> FloatArray:
    """NaN-ignoring row mean, NaN for empty rows (no numpy empty-slice warnings)."""
    finite = np.isfinite(values)
    counts = finite.sum(axis=1)
    sums = np.where(finite, values, 0.0).sum(axis=1)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def safe_scale(scale: FloatArray, values: FloatArray) -> FloatArray:
    """Replace zero/NaN scales (flat or one-point series) by a small positive unit.

    Why: residuals are divided by the scale; a flat all-zero history must not produce inf.
    The fallback is 1 % of the series mean level, floored at 1e-3.
    """
    level = np.nan_to_num(_row_mean(np.abs(values)), nan=0.0)
    fallback = np.maximum(0.01 * level, 1e-3)
    usable = np.isfinite(scale) & (scale > 0)
    return np.where(usable, scale, fallback)


MIN_OWN_SCALE_MONTHS = 24


def pooled_short_scale(
    scale: FloatArray, values: FloatArray, lengths: npt.NDArray[np.int64]
) -> FloatArray:
    """Scales of series under :data:`MIN_OWN_SCALE_MONTHS` raised to the panel's noise law.

    A new series' own seasonal-naive MAE comes from a year or less of history (under 13
    months it is the lag-1 MAE), which understates its error and made its intervals cover
    56 % at the 80 % level on AU IVI. Long series give the pooled law instead: a least-
    squares line of log scale on log recent level (noise grows with size, sub-
    proportionally for counts); a short series gets the larger of its own scale and the
    line's value at its level. Too few long series (< 10): scales are returned unchanged.
    """
    recent = values[:, -SEASON:]
    level = np.log1p(_row_mean(np.abs(recent)))
    long = (lengths >= MIN_OWN_SCALE_MONTHS) & np.isfinite(level) & (scale > 0)
    short = lengths < MIN_OWN_SCALE_MONTHS
    if int(long.sum()) < 10 or not short.any():
        return scale
    slope, intercept = np.polyfit(level[long], np.log(scale[long]), 1)
    predicted = np.exp(intercept + slope * np.nan_to_num(level, nan=0.0))
    return np.where(short, np.maximum(scale, predicted), scale)


def future_dates(last_ds: pd.DatetimeIndex, horizon: int) -> pd.DatetimeIndex:
    """Month-start dates ``last_ds + 1 .. last_ds + horizon`` for each series, flattened."""
    offsets = np.tile(np.arange(1, horizon + 1), len(last_ds))
    base = np.repeat(last_ds.year * 12 + last_ds.month - 1, horizon) + offsets
    return pd.DatetimeIndex(pd.to_datetime({"year": base // 12, "month": base % 12 + 1, "day": 1}))


def shift_months(timestamp: pd.Timestamp, months: int) -> pd.Timestamp:
    """``timestamp`` moved by ``months`` calendar months (month-start in, month-start out)."""
    return pd.Timestamp(timestamp) + pd.DateOffset(months=months)
