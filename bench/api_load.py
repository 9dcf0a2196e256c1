"""Bounded load on loopback (issue 6): mixed read/match/write traffic against the real server.

One uvicorn worker (subprocess) serves SQLite demo data and a real match model; N concurrent
closed-loop clients (``httpx``, platform key) send a weighted mix of requests for
``--seconds`` (default 300) while the server's RSS is sampled from ``/proc/<pid>/status``.
Writes replace records from a bounded pool of ids, so the store and the match index reach a
steady size and any memory growth is a leak, not data.

Pass criteria: 0 errors (any non-2xx answer or transport failure; the mix sends nothing that
should fail) and an RSS slope below :data:`RSS_SLOPE_BUDGET_MB_PER_MIN`, fitted by least
squares on the second half of the samples (the first half includes warm-up: model load,
caches, allocator arenas). Baseline of the same run: ``GET /health`` alone, same client.

Run: ``.venv/bin/python -m bench.api_load [--seconds 300] [--connections 8] [--quick]``.
``tests/service/test_load_smoke.py`` runs the same code for ~20 s.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.common import (
    Figure,
    SeededStore,
    format_table,
    latency_summary,
    read_rss_mb,
    seed_store,
    serve_subprocess,
    train_match_model,
    write_results,
)

MODULE = "api_load"
RSS_SLOPE_BUDGET_MB_PER_MIN = 1.0
WRITE_POOL = 50  # ids the writes cycle through: bounded store and index size
MIX: dict[str, int] = {  # relative weights of the request kinds
    "read vacancy": 30,
    "list vacancies": 10,
    "read candidate": 10,
    "vacancy matches": 20,
    "candidate matches": 10,
    "write vacancy": 12,
    "write candidate": 8,
}


@dataclass
class LoadReport:
    """What a load run saw: counts, latencies by kind, and the server's RSS over time."""

    seconds: float
    requests: int
    errors: int
    statuses: dict[str, int]
    error_samples: list[str]
    latency_ms: dict[str, dict[str, float]]
    rss_samples: list[tuple[float, float]] = field(default_factory=list)

    @property
    def rps(self) -> float:
        """Requests answered per second."""
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def rss_slope_mb_per_min(self) -> float:
        """Least-squares RSS slope over the second half of the samples, MiB per minute."""
        half = self.rss_samples[len(self.rss_samples) // 2 :]
        if len(half) < 3:
            return float("nan")
        t, mb = np.asarray(half).T
        return float(np.polyfit(t / 60.0, mb, 1)[0])

    @property
    def rss_growth_mb(self) -> float:
        """Last RSS sample minus the first (MiB)."""
        if not self.rss_samples:
            return float("nan")
        return self.rss_samples[-1][1] - self.rss_samples[0][1]

    def summary(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "seconds": self.seconds,
            "requests": self.requests,
            "rps": self.rps,
            "errors": self.errors,
            "statuses": self.statuses,
            "error_samples": self.error_samples,
            "latency_ms": self.latency_ms,
            "rss_first_mb": self.rss_samples[0][1] if self.rss_samples else None,
            "rss_last_mb": self.rss_samples[-1][1] if self.rss_samples else None,
            "rss_max_mb": max((mb for _, mb in self.rss_samples), default=None),
            "rss_growth_mb": self.rss_growth_mb,
            "rss_slope_mb_per_min": self.rss_slope_mb_per_min,
            "rss_samples": self.rss_samples,
        }


class TrafficMix:
    """Builds the next request of a weighted mix over a seeded store's records."""

    def __init__(self, store: SeededStore, seed: int = 0) -> None:
        from data.generator import to_records

        self.rng = random.Random(seed)
        self.vacancy_ids = store.vacancy_ids
        self.candidate_ids = store.candidate_ids
        vacancies = to_records(store.vacancies.head(WRITE_POOL), "vacancies")
        candidates = to_records(store.candidates.head(WRITE_POOL), "candidates")
        self.vacancy_bodies = [r.model_dump(mode="json") for r in vacancies]
        self.candidate_bodies = [r.model_dump(mode="json") for r in candidates]
        self.kinds = list(MIX)
        self.weights = list(MIX.values())
        self.writes = 0

    def next(self) -> tuple[str, str, str, dict[str, Any] | None]:
        """(kind, method, path, JSON body or None)."""
        kind = self.rng.choices(self.kinds, self.weights)[0]
        vacancy = self.rng.choice(self.vacancy_ids)
        candidate = self.rng.choice(self.candidate_ids)
        if kind == "read vacancy":
            return kind, "GET", f"/vacancies/{vacancy}", None
        if kind == "list vacancies":
            return kind, "GET", f"/vacancies?page={self.rng.randint(1, 20)}&size=20", None
        if kind == "read candidate":
            return kind, "GET", f"/candidates/{candidate}", None
        if kind == "vacancy matches":
            return kind, "GET", f"/vacancies/{vacancy}/matches?size=10", None
        if kind == "candidate matches":
            return kind, "GET", f"/candidates/{candidate}/matches?size=10", None
        self.writes += 1
        slot = self.writes % WRITE_POOL
        if kind == "write vacancy":
            body = self.vacancy_bodies[slot] | {
                "vacancy_id": f"load-v{slot}",
                "headcount": 1 + self.writes % 7,
            }
            return kind, "POST", "/vacancies", body
        body = self.candidate_bodies[slot] | {
            "candidate_id": f"load-c{slot}",
            "experience_years": self.writes % 15,
        }
        return kind, "POST", "/candidates", body


async def _sample_rss(pid: int, every: float, stop: asyncio.Event, out: list[Any]) -> None:
    began = time.perf_counter()
    while not stop.is_set():
        out.append((time.perf_counter() - began, read_rss_mb(pid)))
        try:
            await asyncio.wait_for(stop.wait(), every)
        except TimeoutError:
            pass


async def _load(
    base_url: str,
    headers: dict[str, str],
    next_request: Any,
    *,
    seconds: float,
    connections: int,
    pid: int | None,
    sample_every: float,
) -> LoadReport:
    latencies: dict[str, list[float]] = {}
    statuses: Counter[str] = Counter()
    error_samples: list[str] = []
    rss: list[tuple[float, float]] = []
    stop = asyncio.Event()
    deadline = time.perf_counter() + seconds

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            kind, method, path, body = next_request()
            began = time.perf_counter()
            try:
                response = await client.request(method, path, json=body)
                status = str(response.status_code)
            except httpx.HTTPError as error:
                status, response = type(error).__name__, None
            latencies.setdefault(kind, []).append(time.perf_counter() - began)
            statuses[status] += 1
            if not status.startswith("2") and len(error_samples) < 10:
                text = "" if response is None else response.text[:300]
                error_samples.append(f"{method} {path} → {status} {text}")

    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    began = time.perf_counter()
    sampler = (
        asyncio.create_task(_sample_rss(pid, sample_every, stop, rss)) if pid is not None else None
    )
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=30
    ) as client:
        await asyncio.gather(*(worker(client) for _ in range(connections)))
    stop.set()
    if sampler is not None:
        await sampler
    elapsed = time.perf_counter() - began
    errors = sum(n for status, n in statuses.items() if not status.startswith("2"))
    return LoadReport(
        seconds=elapsed,
        requests=sum(statuses.values()),
        errors=errors,
        statuses=dict(statuses),
        error_samples=error_samples,
        latency_ms={kind: latency_summary(values) for kind, values in latencies.items()},
        rss_samples=rss,
    )


def warm_up(store: SeededStore, base_url: str) -> None:
    """One request of each kind, so the model is loaded and indexed before measuring."""
    headers = store.headers("platform")
    with httpx.Client(base_url=base_url, headers=headers, timeout=120) as client:
        for path in (
            f"/vacancies/{store.vacancy_ids[0]}/matches",
            f"/candidates/{store.candidate_ids[0]}/matches",
        ):
            client.get(path).raise_for_status()


def run_load(
    store: SeededStore,
    base_url: str,
    pid: int | None,
    *,
    seconds: float,
    connections: int = 8,
    sample_every: float | None = None,
) -> LoadReport:
    """Send the mixed traffic for ``seconds``; sample RSS of ``pid`` every few seconds."""
    every = sample_every if sample_every is not None else max(0.5, min(3.0, seconds / 40))
    mix = TrafficMix(store)
    return asyncio.run(
        _load(
            base_url,
            store.headers("platform"),
            mix.next,
            seconds=seconds,
            connections=connections,
            pid=pid,
            sample_every=every,
        )
    )


def run_health_baseline(base_url: str, seconds: float, connections: int) -> LoadReport:
    """The same client against ``GET /health`` only: the stack's floor in this run."""
    request = ("health", "GET", "/health", None)
    return asyncio.run(
        _load(
            base_url,
            {},
            lambda: request,
            seconds=seconds,
            connections=connections,
            pid=None,
            sample_every=1.0,
        )
    )


def figures_from(report: LoadReport, floor: LoadReport) -> list[Figure]:
    """Errors, throughput, latency and RSS slope, with their baselines/budgets."""
    mixed = latency_summary([])  # placeholder when nothing ran
    all_p95 = [v["p95_ms"] for v in report.latency_ms.values()]
    mixed = {"p95_ms": max(all_p95) if all_p95 else mixed["p95_ms"]}
    verdict = "PASS" if report.errors == 0 else "FAIL"
    slope = report.rss_slope_mb_per_min
    slope_ok = "PASS" if slope < RSS_SLOPE_BUDGET_MB_PER_MIN else "FAIL"
    return [
        Figure("errors", report.errors, "count", "budget", 0, note=verdict),
        Figure(
            "mixed rps", report.rps, "req/s", "GET /health rps (same client)", floor.rps, "higher"
        ),
        Figure(
            "worst p95 by kind",
            mixed["p95_ms"],
            "ms",
            "GET /health p95",
            floor.latency_ms["health"]["p95_ms"],
        ),
        Figure(
            "RSS slope (2nd half)",
            slope,
            "MiB/min",
            "budget",
            RSS_SLOPE_BUDGET_MB_PER_MIN,
            note=slope_ok,
        ),
        Figure(
            "RSS last sample",
            report.rss_samples[-1][1] if report.rss_samples else None,
            "MiB",
            "RSS first sample",
            report.rss_samples[0][1] if report.rss_samples else None,
        ),
    ]


def run(quick: bool = False, seconds: float | None = None, connections: int = 8) -> list[Figure]:
    """Seed, train, serve (one worker), warm up, baseline, then the mixed load."""
    seconds = seconds if seconds is not None else (20 if quick else 300)
    with tempfile.TemporaryDirectory(prefix="bench-load-") as tmp:
        root = Path(tmp)
        store = seed_store(f"sqlite:///{root / 'load.sqlite3'}", end="2024-12", scale=200.0)
        registry = root / "registry"
        model_version = train_match_model(store, registry)
        with serve_subprocess(store.database_url, registry, root / "var") as server:
            warm_up(store, server.base_url)
            floor = run_health_baseline(server.base_url, 3.0, connections)
            report = run_load(
                store, server.base_url, server.pid, seconds=seconds, connections=connections
            )
    figures = figures_from(report, floor)
    details = {
        **report.summary(),
        "connections": connections,
        "mix": MIX,
        "write_pool": WRITE_POOL,
        "model_version": model_version,
        "health_baseline": floor.summary(),
        "passed": report.errors == 0 and report.rss_slope_mb_per_min < RSS_SLOPE_BUDGET_MB_PER_MIN,
    }
    write_results(MODULE, figures, details)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None, help="Load duration (300).")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--quick", action="store_true", help="20 s instead of 300 s.")
    args = parser.parse_args()
    figures = run(args.quick, args.seconds, args.connections)
    print(format_table([(MODULE, f) for f in figures]))


if __name__ == "__main__":
    main()
