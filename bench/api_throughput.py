"""API throughput and latency on loopback: one uvicorn worker, SQLite demo data, a real key.

Measures requests/s and p50/p95 latency of ``GET /health`` (the floor of the stack: uvicorn +
middleware, no key, no database — the same-run baseline), ``GET /vacancies/{id}`` (key check
from cache + one store read) and ``GET /vacancies/{id}/matches`` (store read + ranking with the
real match engine). The load generator is ``wrk`` when installed (Debian package ``wrk``;
C, so it takes little CPU from the server) with a Lua script that rotates over vacancy ids and
reports p50/p95; otherwise a closed-loop ``httpx`` client with N concurrent connections.
Every run is bounded in time and stays on 127.0.0.1.

Run: ``.venv/bin/python -m bench.api_throughput [--quick] [--seconds S] [--connections N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from bench.common import (
    Figure,
    SeededStore,
    format_table,
    latency_summary,
    seed_store,
    serve_subprocess,
    train_match_model,
    write_results,
)

MODULE = "api_throughput"
WRK_SCRIPT = """
local ids = {%(ids)s}
local prefix, suffix = "%(prefix)s", "%(suffix)s"
local i = 0
request = function()
  i = i + 1
  if #ids == 0 then return wrk.format("GET", prefix) end
  return wrk.format("GET", prefix .. ids[(i %% #ids) + 1] .. suffix)
end
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.status + summary.errors.timeout
  io.write(string.format(
    'WRKJSON {"requests": %%d, "seconds": %%f, "p50_us": %%d, "p95_us": %%d, "errors": %%d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(95),
    errors))
end
"""


def _endpoints(store: SeededStore) -> list[tuple[str, str, str, list[str]]]:
    """(label, path prefix, suffix, ids to rotate over)."""
    ids = store.vacancy_ids[:200]
    return [
        ("GET /health", "/health", "", []),
        ("GET /vacancies/{id}", "/vacancies/", "", ids),
        ("GET /vacancies/{id}/matches", "/vacancies/", "/matches?size=20", ids[:50]),
    ]


def _run_wrk(
    base_url: str, headers: dict[str, str], target: tuple[str, str, str, list[str]], **load: Any
) -> dict[str, float]:
    _label, prefix, suffix, ids = target
    script = WRK_SCRIPT % {
        "ids": ", ".join(f'"{i}"' for i in ids),
        "prefix": prefix,
        "suffix": suffix,
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    header_args = [arg for k, v in headers.items() for arg in ("-H", f"{k}: {v}")]
    command = [
        "wrk",
        f"-t{min(2, load['connections'])}",
        f"-c{load['connections']}",
        f"-d{load['seconds']}s",
        "--timeout",
        "10s",
        "-s",
        handle.name,
        *header_args,
        base_url,
    ]
    out = subprocess.run(command, capture_output=True, text=True, timeout=load["seconds"] + 60)
    Path(handle.name).unlink(missing_ok=True)
    line = next((x for x in out.stdout.splitlines() if x.startswith("WRKJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no summary: {out.stdout}\n{out.stderr}")
    raw = json.loads(line.removeprefix("WRKJSON "))
    non_2xx = _wrk_non_2xx(out.stdout)
    return {
        "rps": raw["requests"] / raw["seconds"],
        "p50_ms": raw["p50_us"] / 1e3,
        "p95_ms": raw["p95_us"] / 1e3,
        "requests": raw["requests"],
        "errors": raw["errors"] + non_2xx,
    }


def _wrk_non_2xx(stdout: str) -> int:
    for line in stdout.splitlines():
        if "Non-2xx or 3xx responses:" in line:
            return int(line.split(":")[1])
    return 0


async def _closed_loop(
    base_url: str, headers: dict[str, str], target: tuple[str, str, str, list[str]], **load: Any
) -> dict[str, float]:
    """N workers, each sending its next request as soon as the previous one answered."""
    _label, prefix, suffix, ids = target
    paths = [f"{prefix}{i}{suffix}" for i in ids] or [prefix]
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + load["seconds"]
    limits = httpx.Limits(max_connections=load["connections"])

    async def worker(offset: int, client: httpx.AsyncClient) -> None:
        nonlocal errors
        n = offset
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            response = await client.get(paths[n % len(paths)])
            latencies.append(time.perf_counter() - began)
            errors += response.status_code >= 300
            n += load["connections"]

    began = time.perf_counter()
    async with httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=10
    ) as client:
        await asyncio.gather(*(worker(i, client) for i in range(load["connections"])))
    elapsed = time.perf_counter() - began
    summary = latency_summary(latencies)
    return {
        "rps": len(latencies) / elapsed,
        "p50_ms": summary["p50_ms"],
        "p95_ms": summary["p95_ms"],
        "requests": len(latencies),
        "errors": errors,
    }


def measure(store: SeededStore, base_url: str, seconds: float, connections: int) -> dict[str, Any]:
    """Load every endpoint in turn; per endpoint rps, p50/p95 ms, request and error counts."""
    headers = store.headers("platform")
    use_wrk = shutil.which("wrk") is not None
    results: dict[str, Any] = {"client": "wrk" if use_wrk else "httpx closed loop"}
    for target in _endpoints(store):
        # warm up: first match request loads and indexes the model
        for path in (f"{target[1]}{i}{target[2]}" for i in (target[3][:3] or [""])):
            httpx.get(f"{base_url}{path}", headers=headers, timeout=120).raise_for_status()
        if target[2].startswith("/matches"):
            counts = [
                len(httpx.get(f"{base_url}{target[1]}{i}{target[2]}", headers=headers,
                              timeout=120).json()["items"])
                for i in target[3]
            ]  # fmt: skip
            results["mean_matches"] = sum(counts) / max(1, len(counts))
        load = {"seconds": int(max(1, seconds)), "connections": connections}
        if use_wrk:
            results[target[0]] = _run_wrk(base_url, headers, target, **load)
        else:
            results[target[0]] = asyncio.run(_closed_loop(base_url, headers, target, **load))
    return results


def figures_from(results: dict[str, Any]) -> list[Figure]:
    """Throughput and latency of each endpoint against ``/health`` of the same run."""
    floor = results["GET /health"]
    out = [
        Figure("GET /health rps", floor["rps"], "req/s", better="higher"),
        Figure("GET /health p50", floor["p50_ms"], "ms"),
        Figure("GET /health p95", floor["p95_ms"], "ms"),
    ]
    for label in ("GET /vacancies/{id}", "GET /vacancies/{id}/matches"):
        got = results[label]
        note = f"{got['errors']} errors in {got['requests']} requests" if got["errors"] else ""
        if label.endswith("/matches") and "mean_matches" in results:
            note = f"{note}; " if note else ""
            note += f"{results['mean_matches']:.1f} results per page on average"
        out += [
            Figure(f"{label} rps", got["rps"], "req/s", "GET /health rps", floor["rps"],
                   "higher", note),
            Figure(f"{label} p50", got["p50_ms"], "ms", "GET /health p50", floor["p50_ms"]),
            Figure(f"{label} p95", got["p95_ms"], "ms", "GET /health p95", floor["p95_ms"]),
        ]  # fmt: skip
    return out


def reopen_matched_vacancies(store: SeededStore) -> int:
    """Open (no close date, no expiry) the vacancies the matches endpoint is loaded with.

    The generated postings closed long before today, and a closed vacancy gets no
    candidates: without this the bench would time an empty ranking. Returns how many.
    """
    from data.records import record_key
    from data.store import make_engine, session_scope, upsert_vacancies
    from data.store.repository import get_vacancies

    engine = make_engine(store.database_url)
    try:
        with session_scope(engine) as session:
            ids = _endpoints(store)[-1][3]
            opened = [
                v.model_copy(update={"date_closed": None, "valid_through": None})
                for v in get_vacancies(session, [record_key("public", i) for i in ids])
            ]
            upsert_vacancies(session, opened)
    finally:
        engine.dispose()
    return len(opened)


def run(quick: bool = False, seconds: float | None = None, connections: int = 8) -> list[Figure]:
    """Seed a store, train a small model, serve it with one worker, load each endpoint."""
    seconds = seconds if seconds is not None else (3 if quick else 15)
    scale = 100.0 if quick else 250.0
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        root = Path(tmp)
        store = seed_store(f"sqlite:///{root / 'bench.sqlite3'}", end="2024-12", scale=scale)
        reopened = reopen_matched_vacancies(store)
        registry = root / "registry"
        model_version = train_match_model(store, registry)
        with serve_subprocess(store.database_url, registry, root / "var") as server:
            results = measure(store, server.base_url, seconds, connections)
    figures = figures_from(results)
    details = {
        **results,
        "seconds_per_endpoint": seconds,
        "connections": connections,
        "workers": 1,
        "vacancies": len(store.vacancy_ids),
        "candidates": len(store.candidate_ids),
        "model_version": model_version,
        "matched_vacancies_reopened": reopened,
        "mean_matches_per_request": results.get("mean_matches"),
    }
    write_results(MODULE, figures, details)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seconds", type=float, default=None, help="Load time per endpoint.")
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    figures = run(args.quick, args.seconds, args.connections)
    print(format_table([(MODULE, f) for f in figures]))


if __name__ == "__main__":
    main()
