"""Catalogue publication time: 21 cities × every occupation of the province data.

Data: the ``province`` preset (:func:`data.generator.preset`: ~10^5 vacancies and ~1.3·10^5
seekers a month over the 21 cities, 2024-01..2026-10), generated month by month
(:func:`data.generator.generate_chunks`) and upserted chunk by chunk into a SQLite store.
Generating and loading take far longer than publishing, so the loaded store is cached under
``var/bench/`` (keyed by the generator config) and reused by later runs; each run times a
fresh copy of it, so the editions one run publishes never reach the next. ``--quick``: the
preset at a tenth of the volume over 2025-01..2026-10; ``--preset demo``: the demo data.

Timed, for the last full quarter: ``app.publish.publish_catalogue`` (read the
store → build → publish the edition → write JSON, CSV, XLSX, HTML, PDF and the supply report).

Baseline, same run, same store: building the catalogue DataFrame alone — reading the two
frames and ``models.catalogue.build_catalogue`` — without publishing or exporting. The ratio
is the cost of publication and the exports on top of the analysis itself. No forecast
artifact is used (``use_registry=False``) so the figure does not depend on the registry.

Run: ``.venv/bin/python -m bench.catalogue_publish [--quick] [--preset demo]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import REPO_ROOT, Figure, format_table, write_results

MODULE = "catalogue_publish"
PERIOD = "2026Q3"
CACHE_DIR = REPO_ROOT / "var" / "bench"


def bench_config(preset_name: str, quick: bool) -> Any:
    """The generator config of this run (the province preset, or the demo's defaults)."""
    from data.generator import GeneratorConfig, preset

    if preset_name == "demo":
        return GeneratorConfig(start="2025-01", scale=200.0) if quick else GeneratorConfig()
    overrides: dict[str, Any] = {"scale": 10_000.0, "start": "2025-01"} if quick else {}
    return preset("province", **overrides)


def _load(database_url: str, config: Any) -> dict[str, Any]:
    """Generate ``config`` chunk by chunk and upsert each chunk into ``database_url``."""
    from data.generator import generate_chunks, to_records
    from data.store import (
        make_engine,
        session_scope,
        upgrade_to_head,
        upsert_candidates,
        upsert_vacancies,
    )

    engine = make_engine(database_url)
    sizes: dict[str, Any] = {"vacancies": 0, "candidates": 0, "cities": set(), "occupations": set()}
    generated = loaded = 0.0
    try:
        upgrade_to_head(engine)
        mark = time.perf_counter()
        for chunk in generate_chunks(config):
            now = time.perf_counter()
            generated += now - mark
            with session_scope(engine) as session:
                upsert_vacancies(session, to_records(chunk.vacancies, "vacancies"))  # type: ignore[arg-type]
                upsert_candidates(session, to_records(chunk.candidates, "candidates"))  # type: ignore[arg-type]
            mark = time.perf_counter()
            loaded += mark - now
            sizes["vacancies"] += len(chunk.vacancies)
            sizes["candidates"] += len(chunk.candidates)
            sizes["cities"].update(chunk.vacancies["city_code"].astype(str))
            sizes["occupations"].update(chunk.vacancies["occupation_code"].astype(str))
    finally:
        engine.dispose()
    return {
        "vacancies": sizes["vacancies"],
        "candidates": sizes["candidates"],
        "cities": len(sizes["cities"]),
        "occupations": len(sizes["occupations"]),
        "generate_seconds": generated,
        "load_seconds": loaded,
    }


def cached_store(config: Any, name: str) -> tuple[Path, dict[str, Any]]:
    """The SQLite store holding ``config``'s data, loaded once and kept under ``var/bench/``."""
    payload = json.dumps(config.model_dump(), sort_keys=True, default=str)
    digest = hashlib.sha256(payload.encode()).hexdigest()[:12]
    path = CACHE_DIR / f"{MODULE}-{name}-{digest}.sqlite3"
    sizes_path = path.with_suffix(".json")
    if path.is_file() and sizes_path.is_file():
        return path, {**json.loads(sizes_path.read_text()), "cached": True}
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    sizes = _load(f"sqlite:///{partial}", config)
    partial.rename(path)
    sizes_path.write_text(json.dumps(sizes))
    return path, {**sizes, "cached": False}


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
    from app.publish import publish_catalogue

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


def run(quick: bool = False, preset_name: str = "province") -> list[Figure]:
    """Load (or reuse) the store, time the baseline then the publication; write the JSON."""
    config = bench_config(preset_name, quick)
    name = preset_name + ("-quick" if quick else "")
    cache, sizes = cached_store(config, name)
    with tempfile.TemporaryDirectory(prefix="bench-catalogue-") as tmp:
        root = Path(tmp)
        store = root / "catalogue.sqlite3"
        shutil.copyfile(cache, store)
        url = f"sqlite:///{store}"
        build_seconds, built_entries = time_build_only(url)
        publish_seconds, steps, entries = time_publish(url, root / "out")
        files = {path.name: path.stat().st_size for path in (root / "out").iterdir()}
    size = f"{sizes['cities']} cities × {sizes['occupations']} occupations"
    figures = [
        Figure(
            f"publish {PERIOD} on {name} ({size})",
            publish_seconds,
            "s",
            "read + build_catalogue only",
            build_seconds,
            note=f"{entries} entries; {sizes['vacancies']} vacancies, "
            f"{sizes['candidates']} candidates",
        ),
    ]
    details = {
        **sizes,
        "preset": preset_name,
        "quick": quick,
        "config": config.model_dump(mode="json"),
        "period": PERIOD,
        "publish_seconds": publish_seconds,
        "build_only_seconds": build_seconds,
        "steps_seconds": steps,
        "entries": entries,
        "build_only_entries": built_entries,
        "file_bytes": files,
    }
    write_results(MODULE, figures, details)
    for label, seconds in steps.items():
        print(f"  {seconds:7.2f} s  {label}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--preset", choices=("province", "demo"), default="province")
    args = parser.parse_args()
    figures = run(args.quick, args.preset)
    print(format_table([(MODULE, f) for f in figures]))


if __name__ == "__main__":
    main()
