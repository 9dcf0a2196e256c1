"""Catalogue against planted truth: precision / recall of 4–5★ entries and persistence.

Data: the ``province`` preset (:func:`data.generator.preset`, ~10^5 vacancies and ~1.3·10^5
seekers a month over 21 cities, generated month by month), or ``--quick`` at a tenth of the
volume over 2025-01..2026-10. Only the columns the catalogue reads are kept in memory.

For each of the last four whole quarters the catalogue is built
(:func:`models.catalogue.build_catalogue`, no forecast artifact: training on province data is
the forecast bench's job) and its 4–5★ entries, as city × 细类 pairs, are compared with
``truth/shortages.csv`` (planted quarterly 求人倍率 ≥ 2 with planted demand ≥ 30; planted =
the generator's intensities without the month-to-month noise, see
:mod:`data.generator.truth`; the details also give precision and recall against the drawn
Poisson means, ``drawn_*``):

* precision = listed ∩ truth ÷ listed, recall = listed ∩ truth ÷ truth;
* persistence between consecutive editions, over pairs whose truth did not change:
  listed in both ÷ listed in either.

Naive baseline, same run, same data: rank city × 细类 pairs by the quarter's raw observed
ratio (demand ÷ supply, zero supply first) and take as many as the catalogue lists.

Tolerance band (details only, beside the strict figures): most misses and false listings sit
next to the line, so precision is also counted against pairs with latent ratio ≥ 1.8 and
demand ≥ 27 and recall against pairs with ratio ≥ 2.2 and demand ≥ 33 (±10 %, ``BAND``).

Reference (details only, not a baseline): the same count of pairs ranked by the observed ratio
over the trailing 12 months ending with the quarter (``year_*`` columns) -- the "whole year
of data" oracle a planner might try first; it is steadier than one quarter but blind to the
season.

Each edition is built with the previous one (``build_catalogue(previous=...)``: a 4–5★ cell
of the last edition stays 4★ while its shortage probability is ≥ 0.35), as publication does;
``--no-hysteresis`` builds every edition on its own (the figures before the hysteresis).

Run: ``.venv/bin/python -m bench --only catalogue_truth`` (or ``-m bench.catalogue_truth
[--quick] [--no-hysteresis]``).
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common import REPO_ROOT, Figure, format_table, write_results

MODULE = "catalogue_truth"
CACHE_DIR = REPO_ROOT / "var" / "bench"
BAND = 0.1  # the documented tolerance band of the details' band_* figures (±10 %)
VACANCY_KEEP = [
    "vacancy_id", "city_code", "industry_code", "occupation_code", "date_posted", "date_closed",
    "headcount", "base_salary_min", "base_salary_max", "education_requirement",
    "skill_level_requirement", "title_level_requirement", "experience_years_min", "title",
    "skills",
]  # fmt: skip
CANDIDATE_KEEP = [
    "candidate_id", "city_code", "desired_city_codes", "desired_occupation_codes",
    "current_occupation_code", "registered_on", "education", "skill_level", "title_level",
]  # fmt: skip


def generate_frames(
    quick: bool, folder: Path
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Province data (kept columns only), the truth shortage list, the latent quarterly
    demand, supply and ratio of every city × 细类 pair, and the shortage list graded on the
    drawn Poisson means instead of the planted intensities (details only).

    Generating the full preset takes minutes, so the frames are kept under ``var/bench/``
    (keyed by the generator config and the kept columns) and read back by later runs."""
    from data.generator import latent_of, preset
    from data.generator.truth import shortage_truth

    overrides: dict[str, Any] = {"scale": 10_000.0, "start": "2025-01"} if quick else {}
    config = preset("province", **overrides)
    payload = json.dumps([config.model_dump(), VACANCY_KEEP, CANDIDATE_KEEP], default=str)
    path = CACHE_DIR / f"{MODULE}-{hashlib.sha256(payload.encode()).hexdigest()[:12]}.pkl"
    if path.is_file():
        # Our own cache file under var/bench, written by this function.
        vacancies, candidates = pd.read_pickle(path)  # noqa: S301
    else:
        vacancies, candidates = _generate(config)
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        pd.to_pickle((vacancies, candidates), partial)
        partial.rename(path)
    latent = latent_of(config)  # from the volumes alone: seconds, never cached
    truth = shortage_truth(latent)
    truth.to_csv(folder / "shortages.csv", index=False)
    quarterly = shortage_truth(latent, ratio=0.0, min_demand=0.0)
    return vacancies, candidates, truth, quarterly, shortage_truth(latent, drawn=True)


def _generate(config: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    from data.generator import generate_chunks

    vacancies, candidates = [], []
    for chunk in generate_chunks(config):
        vacancies.append(chunk.vacancies[VACANCY_KEEP])
        candidates.append(chunk.candidates[CANDIDATE_KEEP])
    return pd.concat(vacancies, ignore_index=True), pd.concat(candidates, ignore_index=True)


def band_sets(latent: pd.DataFrame, period: str) -> tuple[set[Any], set[Any]]:
    """The tolerance band around the truth line (``BAND`` either side of 求人倍率 2 and of
    the demand floor 30): pairs a listing is not wrong to contain (latent ratio ≥ 2 − band,
    demand ≥ 30 × (1 − band)) and pairs it must contain (≥ 2 + band, ≥ 30 × (1 + band)).
    Reported beside the strict figures, never instead of them."""
    from data.generator.truth import MIN_TRUTH_DEMAND, SHORTAGE_RATIO

    quarter = latent[latent["period"] == period]
    loose = quarter[
        (quarter["ratio"] >= SHORTAGE_RATIO * (1 - BAND))
        & (quarter["demand"] >= MIN_TRUTH_DEMAND * (1 - BAND))
    ]
    firm = quarter[
        (quarter["ratio"] >= SHORTAGE_RATIO * (1 + BAND))
        & (quarter["demand"] >= MIN_TRUTH_DEMAND * (1 + BAND))
    ]
    return _pairs(loose), _pairs(firm)


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(
        zip(frame["city_code"].astype(str), frame["occupation_code"].astype(str), strict=True)
    )


def naive_pairs(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    period: str,
    n: int,
    quarters: int = 1,
    min_demand: float = 0.0,
) -> set[tuple[str, str]]:
    """Top ``n`` city × 细类 pairs by the raw observed ratio (zero supply first) of the
    ``quarters`` quarters ending with ``period``, among pairs with more than ``min_demand``
    heads in ``period`` itself (1 quarter, no floor: the naive baseline; 4 quarters and the
    truth's floor of 30: the year reference)."""
    from data.supply import supply_rows

    last = pd.Period(period, "Q")
    first = last - (quarters - 1)
    posted_q = pd.to_datetime(vacancies["date_posted"]).dt.to_period("Q")
    registered_q = pd.to_datetime(candidates["registered_on"]).dt.to_period("Q")
    posted = (posted_q >= first) & (posted_q <= last)
    registered = (registered_q >= first) & (registered_q <= last)
    demand = vacancies[posted].groupby(["city_code", "occupation_code"])["headcount"].sum()
    seekers = supply_rows(candidates[registered].reset_index(drop=True))
    supply = seekers.groupby(["city_code", "occupation_code"]).size()
    quarter = vacancies[posted_q == last].groupby(["city_code", "occupation_code"])["headcount"]
    table = pd.concat(
        [demand.rename("d"), supply.rename("s"), quarter.sum().rename("q")], axis=1
    ).fillna(0.0)
    table = table[(table["d"] > 0) & (table["q"] > 0) & (table["q"] >= min_demand)]
    ratio = np.where(table["s"] > 0, table["d"] / table["s"].where(table["s"] > 0, 1), np.inf)
    ranked = table.assign(r=ratio).sort_values(["r", "d"], ascending=False).head(n)
    return {(str(c), str(o)) for c, o in ranked.index}


def _precision_recall(listed: set[Any], truth: set[Any]) -> tuple[float, float]:
    hits = len(listed & truth)
    return (hits / len(listed) if listed else float("nan"), hits / len(truth) if truth else 1.0)


def _persistence(a: set[Any], b: set[Any], stable: set[Any] | None) -> float:
    either = (a | b) if stable is None else (a | b) & stable
    return len(a & b & either) / len(either) if either else float("nan")


def run(quick: bool = False, hysteresis: bool = True) -> list[Figure]:
    from models.catalogue import build_catalogue

    with tempfile.TemporaryDirectory(prefix="bench-truth-") as tmp:
        began = time.perf_counter()
        vacancies, candidates, truth, latent, drawn_truth = generate_frames(quick, Path(tmp))
        generated = time.perf_counter() - began
    # Each edition is built with its predecessor (the hysteresis of build_catalogue's
    # ``previous``), as publication does; the quarter before the first scored one is built
    # only to be that predecessor. ``--no-hysteresis`` builds every edition on its own.
    periods = sorted(truth["period"].unique())
    quarters = periods[-4:]
    warm_up = periods[-5] if len(periods) >= 5 else None
    previous = (
        build_catalogue(vacancies, candidates, warm_up).entries
        if hysteresis and warm_up is not None
        else None
    )
    rows: list[dict[str, Any]] = []
    listed_by, naive_by, truth_by = {}, {}, {}
    entries_last = pd.DataFrame()
    for period in quarters:
        mark = time.perf_counter()
        built = build_catalogue(vacancies, candidates, period, previous=previous)
        entries = built.entries
        previous = entries if hysteresis else None
        seconds = time.perf_counter() - mark
        top = entries[entries["stars"].astype(int) >= 4]
        listed = _pairs(top)
        truth_set = _pairs(truth[truth["period"] == period])
        naive = naive_pairs(vacancies, candidates, period, len(listed))
        precision, recall = _precision_recall(listed, truth_set)
        drawn_p, drawn_r = _precision_recall(
            listed, _pairs(drawn_truth[drawn_truth["period"] == period])
        )
        naive_p, naive_r = _precision_recall(naive, truth_set)
        year_p, year_r = _precision_recall(
            naive_pairs(vacancies, candidates, period, len(listed), quarters=4, min_demand=30),
            truth_set,
        )
        loose, firm = band_sets(latent, period)
        band_p = len(listed & loose) / len(listed) if listed else float("nan")
        band_r = len(listed & firm) / len(firm) if firm else 1.0
        naive_band_p = len(naive & loose) / len(naive) if naive else float("nan")
        naive_band_r = len(naive & firm) / len(firm) if firm else 1.0
        listed_by[period], naive_by[period], truth_by[period] = listed, naive, truth_set
        entries_last = entries
        rows.append(
            {
                "period": period,
                "entries": len(entries),
                "cities": int(entries["city_code"].nunique()),
                "listed_4_5": len(listed),
                "truth": len(truth_set),
                "precision": precision,
                "recall": recall,
                "naive_precision": naive_p,
                "naive_recall": naive_r,
                "year_precision": year_p,
                "year_recall": year_r,
                "band_precision": band_p,
                "band_recall": band_r,
                "naive_band_precision": naive_band_p,
                "naive_band_recall": naive_band_r,
                "drawn_precision": drawn_p,
                "drawn_recall": drawn_r,
                "build_seconds": seconds,
                "kept_by_hysteresis": built.meta["hysteresis"]["kept_4_star"],
            }
        )
    persistence, naive_persistence = [], []
    all_pairs = set().union(*listed_by.values(), *naive_by.values(), *truth_by.values())
    for before, after in itertools.pairwise(quarters):
        stable = {p for p in all_pairs if (p in truth_by[before]) == (p in truth_by[after])}
        persistence.append(_persistence(listed_by[before], listed_by[after], stable))
        naive_persistence.append(_persistence(naive_by[before], naive_by[after], stable))
    table = pd.DataFrame(rows)
    mean = table[["precision", "recall", "naive_precision", "naive_recall"]].mean()
    last = table.iloc[-1]
    figures = [
        Figure("precision of 4–5★ vs planted truth", float(mean["precision"]), "",
               "naive: raw quarterly ratio", float(mean["naive_precision"]), better="higher"),
        Figure("recall of 4–5★ vs planted truth", float(mean["recall"]), "",
               "naive: raw quarterly ratio", float(mean["naive_recall"]), better="higher"),
        Figure("persistence where truth unchanged", float(np.nanmean(persistence)), "",
               "naive: raw quarterly ratio", float(np.nanmean(naive_persistence)),
               better="higher"),
        Figure(f"entries {last['period']} (cities)", float(last["entries"]), "entries",
               note=f"{int(last['cities'])} of 21 cities", better="higher"),
    ]  # fmt: skip
    band = table[
        ["band_precision", "band_recall", "naive_band_precision", "naive_band_recall",
         "drawn_precision", "drawn_recall"]
    ].mean()  # fmt: skip
    details = {
        "quick": quick,
        "hysteresis": hysteresis,
        "band": BAND,
        "band_mean": band.to_dict(),
        "vacancies": len(vacancies),
        "candidates": len(candidates),
        "generate_seconds": generated,
        "editions": rows,
        "persistence": persistence,
        "naive_persistence": naive_persistence,
        "last_edition_levels": entries_last.get("forecast_level", pd.Series(dtype=object))
        .value_counts(dropna=False)
        .to_dict(),
    }
    write_results(MODULE, figures, details)
    print(table.round(3).to_string(index=False))
    print(f"tolerance band ±{BAND:.0%} (details only): {band.round(3).to_dict()}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--no-hysteresis", action="store_true")
    args = parser.parse_args()
    figures = run(args.quick, hysteresis=not args.no_hysteresis)
    print(format_table([(MODULE, f) for f in figures]))


if __name__ == "__main__":
    main()
