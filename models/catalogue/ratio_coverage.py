"""Empirical coverage of 求人倍率 forecast intervals against the ratio observed later.

The forecast pipeline's 求人倍率 interval (``models.forecast.ratio.calibrated_ratio_forecast``)
is an interval for the smoothed ratio ``(D + a) / (S + a)`` (``a = data.supply.RATIO_OFFSET``),
so that is what it is checked against: for every series and month a forecast made at an
origin covers, the observed demand ``D`` and supply ``S`` of the same series, smoothed the
same way. Coverage at level L is the share of those (series, month) rows whose observed ratio
lies inside ``[forecast-lo-L, forecast-hi-L]``; a calibrated 80 % interval covers ~80 %.

No I/O and no fitting here: the rolling-origin backtest that produces the forecasts is
``bench.ratio_coverage``; the functions are shared with its test.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from data.supply import RATIO_OFFSET

__all__ = ["coverage_table", "observed_ratio", "ratio_hits", "records_until"]


def records_until(
    vacancies: pd.DataFrame, candidates: pd.DataFrame, origin: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The records known at the end of month ``origin`` (``YYYY-MM``): a forecast origin."""
    end = pd.Period(origin, "M").end_time
    posted = pd.to_datetime(vacancies["date_posted"]) <= end
    registered = pd.to_datetime(candidates["registered_on"]) <= end
    return vacancies[posted].reset_index(drop=True), candidates[registered].reset_index(drop=True)


def observed_ratio(
    demand: pd.DataFrame, supply: pd.DataFrame, offset: float = RATIO_OFFSET
) -> pd.DataFrame:
    """``unique_id, ds, observed``: the smoothed ratio of two ``unique_id, ds, y`` panels."""
    keys = ["unique_id", "ds"]
    merged = demand[[*keys, "y"]].merge(
        supply[[*keys, "y"]], on=keys, suffixes=("_d", "_s"), validate="one_to_one"
    )
    demand_y = np.maximum(merged["y_d"].to_numpy(dtype=float), 0.0)
    supply_y = np.maximum(merged["y_s"].to_numpy(dtype=float), 0.0)
    return merged[keys].assign(observed=(demand_y + offset) / (supply_y + offset))


def ratio_hits(
    forecast: pd.DataFrame, observed: pd.DataFrame, levels: Sequence[int], origin: pd.Timestamp
) -> pd.DataFrame:
    """One row per forecast (series, month) with an observation: horizon and hits per level.

    ``forecast``: ``unique_id, ds, forecast, forecast-lo-L, forecast-hi-L``; ``observed``: as
    :func:`observed_ratio` returns. ``h`` counts months after ``origin`` (the last month the
    forecast was trained on). ``hit_L`` is True when the observation is inside the L % bounds.
    """
    keys = ["unique_id", "ds"]
    bounds = [f"forecast-{side}-{level}" for level in levels for side in ("lo", "hi")]
    merged = forecast[[*keys, "forecast", *bounds]].merge(observed, on=keys, how="inner")
    months = pd.to_datetime(merged["ds"]).dt.to_period("M")
    out = merged[keys].copy()
    out["h"] = (months - pd.Timestamp(origin).to_period("M")).map(lambda d: d.n).astype(int)
    out["observed"] = merged["observed"]
    out["forecast"] = merged["forecast"]
    for level in levels:
        lo, hi = merged[f"forecast-lo-{level}"], merged[f"forecast-hi-{level}"]
        out[f"hit_{level}"] = (merged["observed"] >= lo) & (merged["observed"] <= hi)
    return out


def coverage_table(
    hits: pd.DataFrame, levels: Sequence[int], by: str | None = None
) -> pd.DataFrame:
    """Coverage per level (rows ``n`` and ``coverage_L``), overall or grouped by ``by``."""
    columns = {f"coverage_{level}": (f"hit_{level}", "mean") for level in levels}
    if by is None:
        row = {"n": len(hits), **{k: float(hits[c].mean()) for k, (c, _) in columns.items()}}
        return pd.DataFrame([row])
    return hits.groupby(by, observed=True).agg(n=("unique_id", "size"), **columns).reset_index()
