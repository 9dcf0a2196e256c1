"""Accuracy of the chosen forecaster (Ensemble) vs seasonal naive on the real AU IVI panel.

Rolling-origin backtest on ANZSCO 4-digit x state monthly job-ad counts (totals dropped):
``--n-windows`` yearly origins ending 12 months before the data ends; each origin refits the
ensemble (its weights and conformal intervals use only data before that origin) and seasonal
naive on the same folds. Prints MASE (h=1..12 and h=12), the ratio to seasonal naive,
80/95 % coverage and a per-horizon table; writes ``bench/results/forecast_accuracy.json``.

Run: ``.venv/bin/python -m bench.forecast_accuracy [--states NSW VIC] [--n-windows 3]
[--quick]`` (quick: only the states of :data:`QUICK_STATES`); ``python -m bench`` calls
:func:`run`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from typing import Any

import pandas as pd

from bench.common import Figure, format_table, write_results
from data.loaders import load_au_ivi
from models.forecast import Ensemble, backtest, horizon_metrics

MODULE = "forecast_accuracy"
QUICK_STATES = ("NSW", "VIC")
"""The quick run's subset: the two largest labour markets (351 series each, not 2,808)."""


def headline(model: pd.Series, baseline: pd.Series, note: str) -> list[Figure]:
    """MASE (h=1..12, h=12) vs seasonal naive; 80/95 % coverage vs the nominal level."""
    naive = "seasonal naive, same folds"
    figures = [
        Figure(
            f"Ensemble MASE {label}",
            float(model[column]),
            "MASE",
            naive,
            float(baseline[column]),
            note=note,
        )
        for label, column in (("h=1..12", "mase"), ("h=12", "mase_h12"))
    ]
    figures += [
        Figure(f"Ensemble {level}% interval coverage", float(model[f"coverage_{level}"]),
               "share", f"nominal level {level / 100:.2f}", level / 100, better="closer",
               note=note)
        for level in (80, 95)
    ]  # fmt: skip
    return figures


def measure(
    states: Sequence[str] | None, n_windows: int = 3, step: int = 12, n_jobs: int = 1
) -> tuple[list[Figure], dict[str, Any], pd.DataFrame]:
    """Backtest Ensemble and seasonal naive; headline figures, details, the overall table."""
    panel = load_au_ivi(states=list(states) if states else None)
    started = time.perf_counter()
    _per_series, overall, forecasts = backtest(
        Ensemble(n_jobs=n_jobs), panel, h=12, n_windows=n_windows, step=step
    )
    elapsed = time.perf_counter() - started
    model, baseline = overall.loc["Ensemble"], overall.loc["SeasonalNaive"]
    cutoffs = sorted(str(c.date()) for c in forecasts["cutoff"].unique())
    scope = f"states {'+'.join(states)} only (subset)" if states else "all 8 states"
    note = f"{int(model['n_series'])} series, {scope}, cutoffs {', '.join(cutoffs)}"
    figures = headline(model, baseline, note)
    details = {
        "data": f"AU IVI ANZSCO4 x state, totals dropped, {scope}",
        "states": list(states) if states else "all",
        "n_series": int(model["n_series"]),
        "cutoffs": cutoffs,
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
        "seconds": elapsed,
        "per_horizon": horizon_metrics(forecasts).to_dict(orient="records"),
    }
    return figures, details, overall


def run(quick: bool = False) -> list[Figure]:
    """The bench protocol: all 2,808 series (quick: :data:`QUICK_STATES`); writes the JSON."""
    figures, details, _overall = measure(QUICK_STATES if quick else None)
    write_results(MODULE, figures, {**details, "quick": quick})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--states", nargs="*", default=None)
    parser.add_argument("--n-windows", type=int, default=3)
    parser.add_argument("--step", type=int, default=12)
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--quick", action="store_true", help=f"Only {'+'.join(QUICK_STATES)}.")
    args = parser.parse_args()
    states = QUICK_STATES if args.quick and not args.states else args.states
    figures, details, overall = measure(states, args.n_windows, args.step, args.n_jobs)
    by_horizon = pd.DataFrame(details["per_horizon"])
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(overall)
        print(by_horizon.pivot(index="h", columns="model", values=["mase", "coverage_80"]))
    print(format_table([(MODULE, f) for f in figures]))
    write_results(MODULE, figures, {**details, "quick": args.quick})


if __name__ == "__main__":
    main()
