"""Speed: fit + 12-month forecast + 80/95 % conformal intervals for 10,000 monthly series.

Series: the 2,808 real AU IVI ANZSCO4 x state series cycled to ``--n-series`` (default
10,000); copy ``k`` of a series is multiplied by a deterministic factor ``1 + 0.07 k`` plus
a deterministic per-copy sine wiggle, so the copies are not identical. Fast path:
:class:`VectorizedETS` (grid-searched damped Holt-Winters for all series in one numpy
recursion) including its 4 rolling-origin calibration refits. Baseline: a plain statsmodels
``ExponentialSmoothing`` (damped additive trend, additive seasonality on log1p) loop, timed
on ``--baseline-sample`` series in the same run and extrapolated linearly to all series
(point forecasts only, i.e. the baseline is not even asked for intervals).

Run: ``.venv/bin/python -m bench.forecast_speed [--n-series N] [--baseline-sample K]
[--quick]`` (quick: 1,000 series, 30 timed baseline series); ``python -m bench`` calls
:func:`run`. Writes ``bench/results/forecast_speed.json``.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.tsa.holtwinters import ExponentialSmoothing

from bench.common import Figure, format_table, write_results
from data.loaders import load_au_ivi
from models.forecast import SeasonalNaive, VectorizedETS

MODULE = "forecast_speed"
FULL_SERIES, FULL_SAMPLE = 10_000, 100
QUICK_SERIES, QUICK_SAMPLE = 1_000, 30


def build_panel(n_series: int) -> pd.DataFrame:
    """Cycle the real series to ``n_series`` with deterministic perturbations."""
    real = load_au_ivi()[["unique_id", "ds", "y"]]
    ids = real["unique_id"].unique()
    copies = []
    for copy in range(-(-n_series // len(ids))):
        chosen = ids[: min(len(ids), n_series - copy * len(ids))]
        part = real[real["unique_id"].isin(chosen)].copy()
        wiggle = 1 + 0.05 * np.sin(np.arange(len(part)) * 0.7 + copy)
        part["y"] = part["y"] * (1 + 0.07 * copy) * (wiggle if copy else 1.0)
        part["unique_id"] = part["unique_id"] + f"#{copy}"
        copies.append(part)
    return pd.concat(copies, ignore_index=True)


def statsmodels_seconds(panel: pd.DataFrame, sample: int) -> float:
    """Seconds per series of the plain statsmodels loop, measured on ``sample`` series."""
    groups = [g["y"].to_numpy() for _, g in panel.groupby("unique_id", sort=False)][:sample]
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for values in groups:
            model = ExponentialSmoothing(
                np.log1p(values),
                trend="add",
                damped_trend=True,
                seasonal="add",
                seasonal_periods=12,
            )
            np.expm1(model.fit().forecast(12))
    return (time.perf_counter() - started) / len(groups)


def timed(model: SeasonalNaive | VectorizedETS, panel: pd.DataFrame) -> float:
    """Seconds for fit + 12-month forecast with 80/95 % intervals on the whole panel."""
    started = time.perf_counter()
    forecast = model.fit(panel).predict(12, level=(80, 95))
    elapsed = time.perf_counter() - started
    if len(forecast) != 12 * panel["unique_id"].nunique():
        raise RuntimeError(f"{type(model).__name__} returned {len(forecast)} forecast rows")
    return elapsed


def measure(n_series: int, baseline_sample: int) -> tuple[list[Figure], dict[str, Any]]:
    """Time the fast path, seasonal naive and the statsmodels sample; figures and details."""
    panel = build_panel(n_series)
    n_series = panel["unique_id"].nunique()
    fast = timed(VectorizedETS(), panel)
    naive = timed(SeasonalNaive(), panel)
    per_series = statsmodels_seconds(panel, baseline_sample)
    baseline = per_series * n_series
    baseline_name = f"statsmodels ETS loop (×{n_series:,} from {baseline_sample} timed)"
    note = "fast path includes 4 calibration refits + 80/95 % intervals; baseline point-only"
    figures = [
        Figure(
            f"VectorizedETS fit+forecast+intervals, {n_series:,} series",
            fast,
            "s",
            baseline_name,
            baseline,
            note=note,
        ),
        Figure(
            f"VectorizedETS throughput, {n_series:,} series",
            n_series / fast,
            "series/s",
            baseline_name,
            1 / per_series,
            better="higher",
        ),
    ]
    details = {
        "n_series": n_series,
        "n_months": int(panel["ds"].nunique()),
        "series_source": "2,808 real AU IVI series cycled with deterministic scaling/wiggle",
        "vectorized_ets_seconds": fast,
        "vectorized_ets_series_per_second": n_series / fast,
        "seasonal_naive_seconds": naive,
        "statsmodels_loop_seconds_extrapolated": baseline,
        "statsmodels_sample_series": baseline_sample,
        "statsmodels_series_per_second": 1 / per_series,
        "speedup_vs_statsmodels": baseline / fast,
        "note": note,
    }
    return figures, details


def run(quick: bool = False) -> list[Figure]:
    """The bench protocol: 10,000 series (quick: 1,000); writes the JSON."""
    n_series, sample = (QUICK_SERIES, QUICK_SAMPLE) if quick else (FULL_SERIES, FULL_SAMPLE)
    figures, details = measure(n_series, sample)
    write_results(MODULE, figures, {**details, "quick": quick})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n-series", type=int, default=FULL_SERIES)
    parser.add_argument("--baseline-sample", type=int, default=FULL_SAMPLE)
    parser.add_argument("--quick", action="store_true", help="1,000 series (overrides sizes).")
    args = parser.parse_args()
    if args.quick:
        args.n_series, args.baseline_sample = QUICK_SERIES, QUICK_SAMPLE
    figures, details = measure(args.n_series, args.baseline_sample)
    for key, value in details.items():
        shown = round(value, 2) if isinstance(value, float) else value
        print(f"{key:40s} {shown}")
    print(format_table([(MODULE, f) for f in figures]))
    write_results(MODULE, figures, {**details, "quick": args.quick})


if __name__ == "__main__":
    main()
