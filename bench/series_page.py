"""Series pages and the other planner pages served from what was published (target ≤ 500 ms).

The store is built the way an operator builds it, with the real commands in subprocesses:
``yuecai generate demo`` (``--quick``: a shorter window), ``yuecai ingest`` of the three
tables, ``yuecai train forecast`` and ``yuecai catalogue publish --forecast``. Then the real
app is served by uvicorn on loopback and, with the planner's key, every entry of the edition
has its series page fetched (the link the edition page gives: the series its forecast was
made at), three times each, besides the overview, the edition, 预警, the flow report and
both maps. Baseline of the same run: ``GET /health`` with the same client.

Prints per-page latency (p50, p95, max), the share of series pages that carried a forecast
with 80/95 % bands, and writes ``bench/results/series_page.json``.

Run: ``.venv/bin/python -m bench --only series_page`` (or ``-m bench.series_page [--quick]``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from bench.common import Figure, format_table, serve_subprocess, write_results

MODULE = "series_page"
TARGET_MS = 500.0
REPEATS = 3
PAGES = {
    "overview": "/",
    "warnings": "/warnings",
    "map": "/map",
    "talent map": "/map/talent?kind=high_skilled",
    "indicators": "/indicators",
}


def _yuecai(env: dict[str, str], *args: str) -> str:
    command = [sys.executable, "-m", "training.cli", *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"yuecai {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _build_store(root: Path, quick: bool) -> tuple[dict[str, str], str, str]:
    """Generate, ingest, train, publish; returns (env, planner key, period)."""
    env = {
        **os.environ,
        "YUECAI_DATABASE_URL": f"sqlite:///{root / 'store.sqlite3'}",
        "YUECAI_REGISTRY_DIR": str(root / "registry"),
        "YUECAI_VAR_DIR": str(root / "var"),
    }
    window = ["--start", "2023-07", "--end", "2026-09"] if quick else []
    _yuecai(env, "generate", "demo", "--out", str(root / "demo"), *window)
    for kind in ("vacancies", "candidates", "outcomes"):
        _yuecai(env, "ingest", kind, str(root / "demo" / f"{kind}.csv"), "--no-progress")
    _yuecai(env, "train", "forecast", "--no-progress", "--n-jobs", "1")
    period = "2026Q3" if quick else "2026Q4"  # the quarter of the latest data, as `make run`
    _yuecai(env, "catalogue", "publish", "--period", period, "--forecast")
    issued = _yuecai(env, "keys", "issue", "--role", "planner", "--name", "bench")
    key = next(word for word in issued.split() if word.startswith("yc_"))
    return env, key, period


def _all_entries(client: httpx.Client, edition_id: int) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(
            f"/catalogue/editions/{edition_id}/entries", params={"size": 200, "page": page}
        ).json()
        entries += body["items"]
        if len(entries) >= body["total"] or not body["items"]:
            return entries
        page += 1


def _series_link(entry: dict[str, Any]) -> str:
    """The link the edition page gives: the series the entry's forecast was made at."""
    series = entry["evidence"].get("forecast_series")
    return f"/series/{series or entry['city_code'] + '/' + entry['occupation_code']}"


def _timed(client: httpx.Client, path: str) -> tuple[float, httpx.Response]:
    began = time.perf_counter()
    response = client.get(path, headers={"Accept": "text/html"})
    return (time.perf_counter() - began) * 1000, response


def _summary(name: str, times: list[float], baseline: float) -> list[Figure]:
    values = np.asarray(times)
    note = f"{len(values)} requests; target p95 ≤ {TARGET_MS:.0f} ms"
    return [
        Figure(f"{name} p50", float(np.percentile(values, 50)), "ms", "GET /health p50", baseline),
        Figure(
            f"{name} p95",
            float(np.percentile(values, 95)),
            "ms",
            "GET /health p50",
            baseline,
            note=note,
        ),
        Figure(f"{name} max", float(values.max()), "ms", "GET /health p50", baseline),
    ]


def run(quick: bool = False) -> list[Figure]:
    """Build the store, serve it, time the pages; the figures (also written to JSON)."""
    with tempfile.TemporaryDirectory(prefix="bench-series-") as folder:
        root = Path(folder)
        began = time.perf_counter()
        env, key, period = _build_store(root, quick)
        build_seconds = time.perf_counter() - began
        with serve_subprocess(
            env["YUECAI_DATABASE_URL"],
            Path(env["YUECAI_REGISTRY_DIR"]),
            Path(env["YUECAI_VAR_DIR"]),
            startup_timeout=180.0,
        ) as server:
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.base_url, headers=headers, timeout=60) as client:
                health = [_timed(client, "/health")[0] for _ in range(50)]
                baseline = float(np.percentile(health, 50))
                editions = client.get("/catalogue/editions").json()["items"]
                edition_id = editions[0]["edition_id"]
                entries = _all_entries(client, edition_id)
                links = sorted({_series_link(entry) for entry in entries})
                series_times: list[float] = []
                with_bands = 0
                failures = 0
                for link in links:
                    for attempt in range(REPEATS):
                        elapsed, response = _timed(client, link)
                        series_times.append(elapsed)
                        failures += response.status_code >= 400
                        if attempt == 0 and "深色带为 80% 预测区间" in response.text:
                            with_bands += 1
                others: dict[str, list[float]] = {}
                for name, path in {**PAGES, "edition": f"/catalogue/{edition_id}"}.items():
                    others[name] = [_timed(client, path)[0] for _ in range(REPEATS)]
                report = client.get("/reports/supply-flow", params={"period": period})
                others["flow report"] = [
                    _timed(client, f"/reports/supply-flow?period={period}")[0]
                    for _ in range(REPEATS)
                ]
    figures = _summary("series page", series_times, baseline)
    figures.append(
        Figure(
            "series pages with forecast bands",
            with_bands / max(len(links), 1),
            "share",
            note=f"{with_bands} of {len(links)} entries' series; {failures} responses ≥ 400",
            better="higher",
        )
    )
    for name, times in others.items():
        figures.append(
            Figure(f"{name} p50", float(np.median(times)), "ms", "GET /health p50", baseline)
        )
    figures.append(
        Figure("store build (generate+ingest+train+publish)", build_seconds, "s", note="setup")
    )
    assert report.status_code == 200
    print(format_table([(MODULE, figure) for figure in figures]))
    write_results(MODULE, figures, {"quick": quick, "entries": len(entries)})
    return figures


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a shorter demo window")
    args = parser.parse_args(argv)
    return {"figures": [figure.to_dict() for figure in run(quick=args.quick)]}


if __name__ == "__main__":
    main()
