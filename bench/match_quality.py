"""Matching quality on generated data: NDCG@10 / MAP / Recall@5 (both directions) of the
learned ranker vs the rules-only and TF-IDF-only baselines on time-held-out outcomes, and
congestion control at a simulated job fair (exposure Gini, coverage) vs plain top-k.

Run: ``.venv/bin/python -m bench.match_quality [START END] [--quick]`` (months, default
2023-01 2024-12; quick: 2024-01 2024-06); ``python -m bench`` calls :func:`run`. Writes
``bench/results/match_quality.json``.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np
import pandas as pd

from app.match_training import run_match_pipeline
from bench.common import Figure, format_table, write_results
from data.generator import GeneratorConfig, generate
from models.match import MatchIndex, allocate, coverage, exposure_gini
from models.match.allocation import top_k_lists
from models.match.hard import hard_pass

MODULE = "match_quality"
FULL_RANGE, QUICK_RANGE = ("2023-01", "2024-12"), ("2024-01", "2024-06")
BASELINES = {"rules": "rules-only", "tfidf": "TF-IDF-only"}
METRICS = {"ndcg@10": "NDCG@10", "map": "MAP", "recall@5": "Recall@5"}
PLAIN, CAPPED = "plain top-k (baseline)", "capped lp"


def job_fair(
    index: MatchIndex, n_seekers: int = 400, n_vacancies: int = 150, k: int = 5, seed: int = 0
) -> dict[str, Any]:
    """Seekers × vacancies of one city: baseline top-k vs capped allocation (greedy, LP)."""
    rng = np.random.default_rng(seed)
    c, v, engine = index.candidates.arrays, index.vacancies.arrays, index.engine
    city = int(np.bincount(v.city[v.city >= 0]).argmax())
    vac_rows = rng.permutation(np.flatnonzero((v.city == city) & v.scorable))[:n_vacancies]
    cand_rows = rng.permutation(np.flatnonzero((c.city == city) & c.scorable))[:n_seekers]
    cr = np.repeat(cand_rows, vac_rows.size)
    vr = np.tile(vac_rows, cand_rows.size)
    shape = (cand_rows.size, vac_rows.size)
    eligible = hard_pass(c, cr, v, vr, engine.rules_, index.vocab).reshape(shape)
    scores = engine.pair_scores(c, cr, v, vr, "learned", index.vocab).reshape(shape)
    headcount = v.headcount[vac_rows]
    plans = {PLAIN: top_k_lists(scores, eligible, k)}
    solve_seconds = {}
    for method in ("greedy", "lp"):
        t0 = time.perf_counter()
        plans[f"capped {method}"] = allocate(
            scores, eligible, k=k, headcount=headcount, cap_per_headcount=3, method=method
        )  # type: ignore[arg-type]
        solve_seconds[method] = time.perf_counter() - t0
    table = {}
    for name, lists in plans.items():
        shows = np.bincount([j for items in lists for j in items], minlength=vac_rows.size)
        shown = [scores[i, j] for i, items in enumerate(lists) for j in items]
        table[name] = {
            "exposure_gini": exposure_gini(shows),
            "coverage": coverage(lists, eligible),
            "mean_score_shown": float(np.mean(shown)) if shown else float("nan"),
            "max_shows_per_headcount": float(np.max(shows / headcount)),
        }
    return {
        "seekers": shape[0],
        "vacancies": shape[1],
        "k": k,
        "eligible_share": float(eligible.mean()),
        "cap": "3 × headcount",
        "solve_seconds": solve_seconds,
        "allocations": table,
    }


def ranking_figures(metrics: pd.DataFrame) -> list[Figure]:
    """Learned vs the best of rules-only / TF-IDF-only, per direction and metric."""
    figures = []
    for direction, part in metrics.groupby("direction", sort=False):
        by_method = part.set_index("method")
        queries = int(by_method.loc["learned", "queries"])
        for column, label in METRICS.items():
            best = max(BASELINES, key=lambda m, col=column: float(by_method.loc[m, col]))
            figures.append(
                Figure(
                    f"{direction} {label} (learned)",
                    float(by_method.loc["learned", column]),
                    "score",
                    f"best baseline: {BASELINES[best]}",
                    float(by_method.loc[best, column]),
                    better="higher",
                    note=f"{queries} held-out queries",
                )
            )
    return figures


def fair_figures(fair: dict[str, Any]) -> list[Figure]:
    """Exposure Gini and coverage of the capped (LP) allocation vs plain top-k."""
    plain, capped = fair["allocations"][PLAIN], fair["allocations"][CAPPED]
    where = f"job fair {fair['seekers']}×{fair['vacancies']}, k={fair['k']}, cap {fair['cap']}"
    return [
        Figure("exposure Gini, capped allocation (LP)", capped["exposure_gini"], "Gini",
               PLAIN, plain["exposure_gini"], note=where),
        Figure("vacancy coverage, capped allocation (LP)", capped["coverage"], "share",
               PLAIN, plain["coverage"], better="higher", note=where),
    ]  # fmt: skip


def measure(start: str, end: str) -> tuple[list[Figure], dict[str, Any]]:
    """Generate, fit, evaluate on held-out outcomes, run the job fair; figures and details."""
    t0 = time.perf_counter()
    data = generate(GeneratorConfig(start=start, end=end, scale=400))
    generate_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run_match_pipeline(
        data.candidates, data.vacancies, data.outcomes, max_eval_queries=1500
    )
    fit_seconds = time.perf_counter() - t0
    fair = job_fair(result.index)
    details = {
        "months": [start, end],
        "vacancies": len(data.vacancies),
        "candidates": len(data.candidates),
        "outcome_events": len(data.outcomes),
        "generate_seconds": generate_seconds,
        "fit_evaluate_seconds": fit_seconds,
        "held_out_from": result.cutoff.isoformat(),
        "ranker_pairs": int(result.engine.ranker_.n_pairs_),
        "metrics": result.metrics.to_dict(orient="records"),
        "job_fair": fair,
    }
    return ranking_figures(result.metrics) + fair_figures(fair), details


def run(quick: bool = False) -> list[Figure]:
    """The bench protocol: 2023-01..2024-12 (quick: 2024-01..2024-06); writes the JSON."""
    figures, details = measure(*(QUICK_RANGE if quick else FULL_RANGE))
    write_results(MODULE, figures, {**details, "quick": quick})
    return figures


def print_details(details: dict[str, Any]) -> None:
    """The metrics table and the job-fair table, as the module always printed them."""
    print(
        f"{details['vacancies']:,} vacancies, {details['candidates']:,} candidates, "
        f"{details['outcome_events']:,} outcome events; fit + evaluate in "
        f"{details['fit_evaluate_seconds']:.1f}s; held out from {details['held_out_from']}"
    )
    print(
        "\n| direction | method | queries | NDCG@10 | MAP | Recall@5 |\n|---|---|---|---|---|---|"
    )
    for row in details["metrics"]:
        print(
            f"| {row['direction']} | {row['method']} | {row['queries']} | "
            f"{row['ndcg@10']:.4f} | {row['map']:.4f} | {row['recall@5']:.4f} |"
        )
    fair = details["job_fair"]
    print(
        f"\njob fair: {fair['seekers']} seekers × {fair['vacancies']} vacancies, "
        f"k={fair['k']}, {fair['eligible_share']:.1%} of pairs eligible, cap = {fair['cap']}"
    )
    print("| allocation | exposure Gini | coverage | mean score shown | max shows/headcount |")
    print("|---|---|---|---|---|")
    for name, row in fair["allocations"].items():
        print(
            f"| {name} | {row['exposure_gini']:.3f} | {row['coverage']:.1%} | "
            f"{row['mean_score_shown']:.3f} | {row['max_shows_per_headcount']:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("start", nargs="?", default=FULL_RANGE[0])
    parser.add_argument("end", nargs="?", default=FULL_RANGE[1])
    parser.add_argument("--quick", action="store_true", help="2024-01..2024-06.")
    args = parser.parse_args()
    start, end = QUICK_RANGE if args.quick else (args.start, args.end)
    figures, details = measure(start, end)
    print_details(details)
    print()
    print(format_table([(MODULE, f) for f in figures]))
    write_results(MODULE, figures, {**details, "quick": args.quick})


if __name__ == "__main__":
    main()
