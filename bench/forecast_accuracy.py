"""Accuracy of the chosen forecaster (Ensemble) vs seasonal naive on the real AU IVI panel.

Rolling-origin backtest on ANZSCO 4-digit x state monthly job-ad counts (totals dropped):
``--n-windows`` yearly origins ending 12 months before the data ends; each origin refits the
ensemble (its weights and conformal intervals use only data before that origin) and seasonal
naive on the same folds. Prints MASE (h=1..12 and h=12), the ratio to seasonal naive,
80/95 % coverage and a per-horizon table; writes ``bench/results/forecast_accuracy.json``.

Run: ``.venv/bin/python -m bench.forecast_accuracy [--states NSW VIC] [--n-windows 3]``
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd

from data.loaders import load_au_ivi
from models.forecast import Ensemble, backtest, horizon_metrics

RESULTS = Path(__file__).resolve().parent / "results" / "forecast_accuracy.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--states", nargs="*", default=None)
    parser.add_argument("--n-windows", type=int, default=3)
    parser.add_argument("--step", type=int, default=12)
    parser.add_argument("--n-jobs", type=int, default=1)
    args = parser.parse_args()
    panel = load_au_ivi(states=args.states)
    started = time.perf_counter()
    per_series, overall, forecasts = backtest(
        Ensemble(n_jobs=args.n_jobs), panel, h=12, n_windows=args.n_windows, step=args.step
    )
    elapsed = time.perf_counter() - started
    by_horizon = horizon_metrics(forecasts)
    model, baseline = overall.loc["Ensemble"], overall.loc["SeasonalNaive"]
    summary = {
        "data": "AU IVI ANZSCO4 x state, totals dropped",
        "n_series": int(model["n_series"]),
        "cutoffs": sorted(str(c.date()) for c in forecasts["cutoff"].unique()),
        "model_mase": float(model["mase"]),
        "snaive_mase": float(baseline["mase"]),
        "mase_ratio": float(model["mase_ratio"]),
        "model_mase_h12": float(model["mase_h12"]),
        "snaive_mase_h12": float(baseline["mase_h12"]),
        "mase_h12_ratio": float(model["mase_h12_ratio"]),
        "coverage_80": float(model["coverage_80"]),
        "coverage_95": float(model["coverage_95"]),
        "snaive_coverage_80": float(baseline["coverage_80"]),
        "snaive_coverage_95": float(baseline["coverage_95"]),
        "smape": float(model["smape"]),
        "snaive_smape": float(baseline["smape"]),
        "seconds": round(elapsed, 1),
        "per_horizon": by_horizon.to_dict(orient="records"),
    }
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(overall)
        print(by_horizon.pivot(index="h", columns="model", values=["mase", "coverage_80"]))
    print({k: v for k, v in summary.items() if k != "per_horizon"})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, default=str))


if __name__ == "__main__":
    main()
