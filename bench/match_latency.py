"""Matching latency at 1,000,000 candidates: filtered top-20 per vacancy.

Prints median/p95 latency of ``MatchEngine.candidates_for_vacancy`` (partitioned index →
exact hard filter on eligible rows → scorer → top window), index build time and memory,
against the same run's brute-force baseline (score *every* candidate, then hard-filter, then
top-20), and the ratio. Candidates are synthetic, drawn with numpy.

Run: ``.venv/bin/python -m bench.match_latency [N_CANDIDATES] [--queries 50] [--quick]``
(quick: 100,000 candidates); ``python -m bench`` calls :func:`run`. Writes
``bench/results/match_latency.json``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bench.common import Figure, format_table, write_results
from data.taxonomy import cities, occupations
from models.match import MatchEngine, MatchIndex
from models.match.encoding import concat_arrays, encode_candidates
from models.match.features import pair_features
from models.match.hard import hard_pass
from models.match.snapshots import load_snapshot, save_snapshot

MODULE = "match_latency"
FULL_CANDIDATES, QUICK_CANDIDATES = 1_000_000, 100_000
SKILLS = np.asarray([f"技能{i:03d}" for i in range(300)], dtype=object)
CERTS = np.asarray(
    ["电工证", "焊工证", "香港电工牌照", "护士执业证书", "导游证", "叉车证"], dtype=object
)


def _occupation_pool(rng: np.random.Generator, size: int = 400) -> np.ndarray:
    codes = occupations(4)["code"].to_numpy(dtype=object)
    return rng.choice(codes, size=size, replace=False)


def synthetic_candidates(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` candidate rows (record columns), drawn with numpy; texts from small templates."""
    rng = np.random.default_rng(seed)
    city_codes = cities()["city_code"].to_numpy(dtype=object)
    weights = np.linspace(3.0, 0.5, city_codes.size)
    weights /= weights.sum()
    occs = _occupation_pool(np.random.default_rng(1))
    home = rng.choice(city_codes, size=n, p=weights)
    desired = rng.choice(city_codes, size=n, p=weights)
    occ = rng.choice(occs, size=n)
    skill_idx = rng.integers(0, SKILLS.size, size=(n, 3))
    skills = [tuple(row) for row in SKILLS[skill_idx]]
    has_cert = rng.random(n) < 0.3
    cert = rng.choice(CERTS, size=n)
    years = rng.integers(0, 20, size=n)
    names = dict(zip(occupations(4)["code"], occupations(4)["name"], strict=True))
    return pd.DataFrame(
        {
            "candidate_id": [f"c{i:07d}" for i in range(n)],
            "city_code": home,
            "desired_city_codes": [(d,) for d in desired],
            "willing_gba": rng.random(n) < 0.3,
            "desired_occupation_codes": [(o,) for o in occ],
            "current_occupation_code": None,
            "education": rng.integers(0, 6, size=n),
            "skill_level": rng.integers(0, 6, size=n),
            "title_level": rng.integers(0, 5, size=n),
            "experience_years": years,
            "certificates": [(c,) if h else () for c, h in zip(cert, has_cert, strict=True)],
            "skills": skills,
            "expected_salary_min": rng.integers(30, 150, size=n) * 100,
            "expected_salary_max": None,
            "available_from": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 120, size=n), unit="D"),
            "resume_text": [
                f"{names[o]} {y}年经验 熟悉{s[0]}"
                for o, y, s in zip(occ, years, skills, strict=True)
            ],
            "registered_on": date(2024, 1, 1),
        }
    )


def synthetic_vacancies(n: int, seed: int = 1) -> pd.DataFrame:
    """``n`` vacancy rows over the same occupation pool and cities."""
    rng = np.random.default_rng(seed)
    city_codes = cities()["city_code"].to_numpy(dtype=object)
    occs = _occupation_pool(np.random.default_rng(1))
    occ = rng.choice(occs, size=n)
    names = dict(zip(occupations(4)["code"], occupations(4)["name"], strict=True))
    skills = [tuple(row) for row in SKILLS[rng.integers(0, SKILLS.size, size=(n, 2))]]
    return pd.DataFrame(
        {
            "vacancy_id": [f"v{i:06d}" for i in range(n)],
            "title": [names[o] for o in occ],
            "description": [
                f"招聘{names[o]}，要求熟悉{s[0]}" for o, s in zip(occ, skills, strict=True)
            ],
            "occupation_code": occ,
            "city_code": rng.choice(city_codes, size=n),
            "date_posted": pd.Timestamp("2024-03-01"),
            "valid_through": pd.Timestamp("2024-06-30"),
            "headcount": rng.integers(1, 10, size=n),
            "base_salary_min": 4000,
            "base_salary_max": rng.integers(60, 200, size=n) * 100,
            "education_requirement": rng.choice([None, 1, 2, 3], size=n),
            "skill_level_requirement": rng.choice([None, 2, 3], size=n),
            "title_level_requirement": None,
            "experience_years_min": rng.integers(0, 5, size=n),
            "required_certificates": [
                (c,) if r < 0.1 else ()
                for c, r in zip(rng.choice(CERTS, size=n), rng.random(n), strict=True)
            ],
            "skills": skills,
            "gba_scope": rng.random(n) < 0.2,
        }
    )


def brute_force_top(index: MatchIndex, vacancy_row: int, k: int = 20) -> np.ndarray:
    """Baseline: score every candidate, then hard-filter, then top-k."""
    c, v, engine = index.candidates.arrays, index.vacancies.arrays, index.engine
    rows = np.arange(len(c.ids), dtype=np.int64)
    fixed = np.full(rows.size, vacancy_row, np.int64)
    scores = engine.scorer_.score(pair_features(c, rows, v, fixed, index.vocab))
    ok = hard_pass(c, rows, v, fixed, engine.rules_, index.vocab) & c.active & c.scorable
    eligible = rows[ok]
    order = np.lexsort((c.ids[eligible].astype(str), -np.round(scores[eligible], 12)))
    return eligible[order[:k]]


def time_queries(index: MatchIndex, queries: list[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Per-query seconds of the index and of brute force; how many top-20s were identical."""
    fast, slow, same = [], [], 0
    for vacancy_id in queries:
        t0 = time.perf_counter()
        results = index.candidates_for_vacancy(vacancy_id, k=20)
        fast.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline = brute_force_top(index, index.vacancies.row(vacancy_id))
        slow.append(time.perf_counter() - t0)
        same += [r.candidate_id for r in results] == list(index.candidates.arrays.ids[baseline])
    return np.asarray(fast) * 1e3, np.asarray(slow) * 1e3, same


WRITES_PER_SECOND = 50


def time_mixed(
    index: MatchIndex, queries: list[str], n_candidates: int, seconds: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Queries with a steady 50 candidate writes/s mixed in (updates of indexed ids).

    Writes due are applied in one batch before each query, as a serving worker's change-log
    catch-up does. Returns per-query ms, per-batch apply ms and per-write staleness ms
    (write due → applied, i.e. visible to the next query of this process; a worker adds one
    change-log read).
    """
    rng = np.random.default_rng(5)
    updates = synthetic_candidates(int(seconds * WRITES_PER_SECOND) + 1, seed=9)
    updates["candidate_id"] = [f"c{i:07d}" for i in rng.integers(0, n_candidates, len(updates))]
    query_ms, write_ms, stale_ms = [], [], []
    start, written, asked = time.perf_counter(), 0, 0
    while time.perf_counter() - start < seconds and written < len(updates):
        # As a serving worker's catch-up does: every write due so far, in one batch.
        due_count = min(len(updates), int((time.perf_counter() - start) * WRITES_PER_SECOND) + 1)
        if due_count > written:
            batch = list(range(written, due_count))
            t0 = time.perf_counter()
            index.upsert("candidates", updates.iloc[batch])
            done = time.perf_counter()
            write_ms.append((done - t0) * 1e3)
            stale_ms += [(done - (start + i / WRITES_PER_SECOND)) * 1e3 for i in batch]
            written = due_count
        t0 = time.perf_counter()
        index.candidates_for_vacancy(queries[asked % len(queries)], k=20)
        query_ms.append((time.perf_counter() - t0) * 1e3)
        asked += 1
    return np.asarray(query_ms), np.asarray(write_ms), np.asarray(stale_ms)


def time_old_writes(index: MatchIndex, n_candidates: int, writes: int = 20) -> np.ndarray:
    """Baseline: the copy-everything write this index replaced (ms per single-record write).

    Encodes one record and concatenates it onto every array of the candidate side, as
    ``upsert_candidates`` did before the growable columns; the result is discarded.
    """
    updates = synthetic_candidates(writes, seed=13)
    updates["candidate_id"] = [f"c{i:07d}" for i in range(writes)]
    arrays = index.candidates.arrays
    times = []
    for i in range(writes):
        t0 = time.perf_counter()
        new = encode_candidates(updates.iloc[[i]], index.vocab, index.engine.text_model_)
        concat_arrays(arrays, new)
        times.append(time.perf_counter() - t0)
    return np.asarray(times) * 1e3


def time_startup(index: MatchIndex) -> dict[str, float]:
    """Seconds to save a snapshot of ``index`` and to start an index from it (verify + load)."""
    with tempfile.TemporaryDirectory() as root:
        t0 = time.perf_counter()
        save_snapshot(index.snapshot(), root=root, source="bench")
        saved = time.perf_counter() - t0
        t0 = time.perf_counter()
        loaded = load_snapshot(index.engine, root=root)
        load = time.perf_counter() - t0
        assert loaded is not None and len(loaded.candidates) == len(index.candidates)
    return {"snapshot_save_seconds": saved, "snapshot_load_seconds": load}


def measure(
    n_candidates: int, n_queries: int = 50, write_seconds: float = 20.0
) -> tuple[list[Figure], dict[str, Any]]:
    """Build the index over ``n_candidates``, time ``n_queries`` queries both ways."""
    t0 = time.perf_counter()
    candidates = synthetic_candidates(n_candidates)
    vacancies = synthetic_vacancies(2000)
    generate_seconds = time.perf_counter() - t0
    # the records frame as pandas holds it: the natural yardstick for the index's size
    frame_bytes = int(candidates.memory_usage(deep=True).sum())
    engine = MatchEngine(use_ranker=False)
    t0 = time.perf_counter()
    engine.fit(candidates.iloc[:50_000], vacancies)  # text model fitted on a sample
    fit_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    index = MatchIndex(engine, candidates, vacancies)  # = a start-up's rebuild from records
    rebuild = time.perf_counter() - t0
    build = fit_seconds + rebuild
    del candidates
    startup = time_startup(index)
    old_write_ms = time_old_writes(index, n_candidates)
    memory = index.nbytes()
    queries = [str(i) for i in vacancies["vacancy_id"].iloc[:n_queries]]
    fast_ms, slow_ms, same = time_queries(index, queries)
    mixed_ms, write_ms, stale_ms = time_mixed(index, queries, n_candidates, write_seconds)
    size = f"{n_candidates:,} candidates"
    mix = f"{WRITES_PER_SECOND} writes/s mixed in for {write_seconds:.0f} s"
    brute = "brute force: score all → filter → top-20"
    agreement = f"identical top-20 in {same}/{len(queries)} queries"
    figures = [
        Figure(f"filtered top-20 median latency, {size}", float(np.median(fast_ms)), "ms",
               f"{brute} (median)", float(np.median(slow_ms)), note=agreement),
        Figure(f"filtered top-20 p95 latency, {size}", float(np.percentile(fast_ms, 95)), "ms",
               f"{brute} (p95)", float(np.percentile(slow_ms, 95)), note=agreement),
        Figure(f"index memory, {size}", sum(memory.values()) / 2**20, "MiB",
               "candidate records DataFrame (deep)", frame_bytes / 2**20,
               note="pandas deep size counts tuple cells shallowly"),
        Figure(f"index build, {size}", build, "s",
               note="text model fit on 50,000 + encode + partitions; no natural baseline"),
        Figure(f"match p50 under writes, {size}", float(np.median(mixed_ms)), "ms",
               "same queries, no writes (median)", float(np.median(fast_ms)), note=mix),
        Figure(f"match p95 under writes, {size}", float(np.percentile(mixed_ms, 95)), "ms",
               "same queries, no writes (p95)", float(np.percentile(fast_ms, 95)), note=mix),
        Figure(f"write p95 (batch applied), {size}", float(np.percentile(write_ms, 95)), "ms",
               "old path: encode + concat every array (p95, 1 record)",
               float(np.percentile(old_write_ms, 95)), note=f"{mix}; target ≤ 50 ms"),
        Figure(f"staleness p99, {size}", float(np.percentile(stale_ms, 99)), "ms",
               "target", 1000.0, note="write due → applied in this process"),
        Figure(f"index start-up from snapshot, {size}", startup["snapshot_load_seconds"], "s",
               "full rebuild from the records (encode + partitions)", rebuild,
               note="snapshot: sha256 verify + unpickle + file rows; neither counts the "
               "store read a full rebuild also pays, nor the change-log replay"),
    ]  # fmt: skip
    details = {
        "n_candidates": n_candidates,
        "n_queries": len(queries),
        "generate_seconds": generate_seconds,
        "build_seconds": build,
        "fit_seconds": fit_seconds,
        "rebuild_seconds": rebuild,
        **startup,
        "old_write_ms_p95": float(np.percentile(old_write_ms, 95)),
        "index_bytes": memory,
        "candidate_frame_bytes": frame_bytes,
        "engine_ms": {"median": float(np.median(fast_ms)), "p95": figures[1].value},
        "brute_force_ms": {"median": float(np.median(slow_ms)), "p95": figures[1].baseline_value},
        "identical_top20": same,
        "mixed": {
            "writes": int(write_ms.size),
            "queries": int(mixed_ms.size),
            "match_ms": {"p50": figures[4].value, "p95": figures[5].value},
            "write_ms_p95": figures[6].value,
            "staleness_ms_p99": figures[7].value,
        },
    }
    return figures, details


def measure_service_startup(n_candidates: int, n_vacancies: int = 2000) -> dict[str, float]:
    """Seconds from a new :class:`~service.matching.MatchService` to ready, on a real store.

    A SQLite store is seeded with ``n_candidates`` synthetic candidates; one service builds
    from the store (the full read: records read and validated, encoded, partitioned) and
    saves a snapshot; 200 candidates are then rewritten; a second service starts from the
    snapshot and replays those changes. Both are timed from construction to caught up.
    """
    from data.generator import to_records
    from data.records import Candidate, Vacancy
    from data.store import make_engine, session_scope, upgrade_to_head, upsert_candidates
    from data.store import upsert_vacancies as store_vacancies
    from models.registry import save_artifact
    from service.matching import MATCH_ARTIFACT, MatchService

    candidates = synthetic_candidates(n_candidates)
    vacancies = synthetic_vacancies(n_vacancies)
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        store = make_engine(f"sqlite:///{tmp}/store.sqlite3")
        upgrade_to_head(store)
        t0 = time.perf_counter()
        with session_scope(store) as session:
            store_vacancies(session, [v for v in to_records(vacancies, "vacancies")
                                      if isinstance(v, Vacancy)])  # fmt: skip
        for start in range(0, n_candidates, 50_000):
            chunk = to_records(candidates.iloc[start : start + 50_000], "candidates")
            with session_scope(store) as session:
                upsert_candidates(session, [c for c in chunk if isinstance(c, Candidate)])
        seed_seconds = time.perf_counter() - t0
        engine = MatchEngine(use_ranker=False).fit(candidates.iloc[:50_000], vacancies)
        registry = f"{tmp}/registry"
        save_artifact(engine, MATCH_ARTIFACT, data_range=("2024", "2024"), metrics={},
                      root=registry)  # fmt: skip

        def ready(snapshot_every: int | None) -> tuple[MatchService, float]:
            began = time.perf_counter()
            service = MatchService(Path(registry), lambda: store, check_interval_seconds=None,
                                   snapshot_every=snapshot_every)  # fmt: skip
            service.reload()
            service.catch_up()
            return service, time.perf_counter() - began

        first, full_seconds = ready(snapshot_every=1)
        t0 = time.perf_counter()
        first.snapshot_if_due()
        save_seconds = time.perf_counter() - t0
        rewritten = to_records(synthetic_candidates(200, seed=21), "candidates")
        with session_scope(store) as session:
            upsert_candidates(session, [c for c in rewritten if isinstance(c, Candidate)])
        del first
        _, snapshot_seconds = ready(snapshot_every=None)
        store.dispose()
    return {
        "store_seed_seconds": seed_seconds,
        "service_full_read_seconds": full_seconds,
        "service_snapshot_save_seconds": save_seconds,
        "service_from_snapshot_seconds": snapshot_seconds,
    }


def run(quick: bool = False) -> list[Figure]:
    """The bench protocol: 1,000,000 candidates (quick: 100,000); writes the JSON."""
    figures, details = measure(QUICK_CANDIDATES if quick else FULL_CANDIDATES)
    write_results(MODULE, figures, {**details, "quick": quick})
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n_candidates", nargs="?", type=int, default=FULL_CANDIDATES)
    parser.add_argument("--queries", type=int, default=50)
    parser.add_argument("--quick", action="store_true", help="100,000 candidates.")
    parser.add_argument(
        "--service-startup",
        type=int,
        metavar="N",
        help="Only time a MatchService start-up on a real store of N candidates, "
        "with and without a snapshot (writes match_latency_startup.json).",
    )
    args = parser.parse_args()
    if args.service_startup:
        timing = measure_service_startup(args.service_startup)
        size = f"{args.service_startup:,} candidates"
        figures = [
            Figure(f"service start-up to ready from a snapshot, {size}",
                   timing["service_from_snapshot_seconds"], "s",
                   "full store read + rebuild (same run)", timing["service_full_read_seconds"],
                   note="snapshot + 200 logged changes replayed; SQLite store"),
        ]  # fmt: skip
        print(timing)
        print(format_table([(MODULE, f) for f in figures]))
        write_results(
            f"{MODULE}_startup", figures, {**timing, "n_candidates": args.service_startup}
        )
        return
    n_candidates = QUICK_CANDIDATES if args.quick else args.n_candidates
    figures, details = measure(n_candidates, args.queries)
    memory = details["index_bytes"]
    print(f"generated {n_candidates:,} candidates in {details['generate_seconds']:.1f}s")
    print(f"index build: {details['build_seconds']:.1f}s (text model fit + encode + partitions)")
    print(
        f"snapshot: saved in {details['snapshot_save_seconds']:.1f}s, loaded in "
        f"{details['snapshot_load_seconds']:.1f}s; full rebuild {details['rebuild_seconds']:.1f}s"
    )
    print(
        f"index memory: {sum(memory.values()) / 2**20:.1f} MiB "
        f"(text CSR {memory['text'] / 2**20:.1f} MiB, partitions "
        f"{memory['partitions'] / 2**20:.1f} MiB)"
    )
    print(format_table([(MODULE, f) for f in figures]))
    write_results(MODULE, figures, {**details, "quick": args.quick})


if __name__ == "__main__":
    main()
