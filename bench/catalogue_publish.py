"""Catalogue publication time: 21 cities × every occupation of the demo data.

Generates the demo data (default :class:`data.generator.GeneratorConfig`: ~60k vacancies,
~80k candidates, 2019-01..2026-10), loads it into a fresh SQLite store, then times
``training.catalogue_pipeline.publish_catalogue`` for the last full quarter (read store →
build → publish the edition → write JSON, CSV, XLSX, HTML, PDF and the supply report).

Baseline, same run, same store: building the catalogue DataFrame alone — reading the two
frames and ``models.catalogue.build_catalogue`` — without publishing or exporting. The ratio
is the cost of publication and the exports on top of the analysis itself. No forecast
artifact is used (``use_registry=False``) so the figure does not depend on the registry.

Run: ``.venv/bin/python -m bench.catalogue_publish [--quick]`` (quick: 2025-01..2026-10 at a
third of the volume).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import Figure, format_table, write_results

MODULE = "catalogue_publish"
PERIOD = "2026Q3"


def load_demo(database_url: str, quick: bool) -> dict[str, Any]:
    """Generate the demo data and upsert it into ``database_url``; sizes and seconds."""
    from data.generator import GeneratorConfig, generate, to_records
    from data.store import (
        make_engine,
        session_scope,
        upgrade_to_head,
        upsert_candidates,
        upsert_vacancies,
    )

    config = GeneratorConfig(start="2025-01", scale=200.0) if quick else GeneratorConfig()
    began = time.perf_counter()
    data = generate(config)
    generated = time.perf_counter() - began
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            upsert_vacancies(session, to_records(data.vacancies, "vacancies"))  # type: ignore[arg-type]
            upsert_candidates(session, to_records(data.candidates, "candidates"))  # type: ignore[arg-type]
    finally:
        engine.dispose()
    return {
        "config": config.model_dump(),
        "vacancies": len(data.vacancies),
        "candidates": len(data.candidates),
        "cities": int(data.vacancies["city_code"].nunique()),
        "occupations": int(data.vacancies["occupation_code"].nunique()),
        "generate_seconds": generated,
        "load_seconds": time.perf_counter() - began - generated,
    }


def time_build_only(database_url: str) -> tuple[float, int]:
    """Baseline: read both frames and build the catalogue (no publish, no exports)."""
    from data.store import make_engine, read_candidates_frame, read_vacancies_frame
    from models.catalogue import build_catalogue

    began = time.perf_counter()
    engine = make_engine(database_url)
    try:
        vacancies, candidates = read_vacancies_frame(engine), read_candidates_frame(engine)
    finally:
        engine.dispose()
    catalogue = build_catalogue(vacancies, candidates, PERIOD)
    return time.perf_counter() - began, len(catalogue.entries)


def time_publish(database_url: str, out_dir: Path) -> tuple[float, dict[str, float], int]:
    """``publish_catalogue`` end to end; total seconds, seconds per step, entries published."""
    from training.catalogue_pipeline import publish_catalogue

    steps: dict[str, float] = {}
    current: dict[str, Any] = {"name": "", "since": time.perf_counter()}

    def step(message: str) -> None:
        now = time.perf_counter()
        if current["name"]:
            steps[str(current["name"])] = now - float(current["since"])
        current.update(name=message, since=now)

    began = time.perf_counter()
    result = publish_catalogue(
        PERIOD, db_url=database_url, out_dir=out_dir, use_registry=False, step=step
    )
    total = time.perf_counter() - began
    steps[str(current["name"])] = time.perf_counter() - float(current["since"])
    return total, steps, result.edition.entry_count


def run(quick: bool = False) -> list[Figure]:
    """Load the demo data, time the baseline then the publication; write the JSON."""
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        root = Path(tmp)
        url = f"sqlite:///{root / 'catalogue.sqlite3'}"
        sizes = load_demo(url, quick)
        build_seconds, built_entries = time_build_only(url)
        publish_seconds, steps, entries = time_publish(url, root / "out")
    figures = [
        Figure(
            f"publish {PERIOD} ({sizes['cities']} cities × {sizes['occupations']} occupations)",
            publish_seconds,
            "s",
            "read + build_catalogue only",
            build_seconds,
            note=f"{entries} entries",
        ),
    ]
    details = {
        **sizes,
        "period": PERIOD,
        "publish_seconds": publish_seconds,
        "build_only_seconds": build_seconds,
        "steps_seconds": steps,
        "entries": entries,
        "build_only_entries": built_entries,
    }
    write_results(MODULE, figures, details)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    figures = run(args.quick)
    print(format_table([(MODULE, f) for f in figures]))


if __name__ == "__main__":
    main()
