"""Batch upsert against single writes: ``POST /candidates:batch`` of N records vs N single
``POST /candidates`` on the same app and SQLite store, in one run.

In-process (TestClient), so the figures are the app's and the store's cost, not the
network's. Each side writes fresh ids (creates), then the same bodies again (updates).

``python -m bench.batch_upsert [--quick]``
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from bench.common import Figure, write_results
from data.settings import Settings
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.keys import issue_key
from service.main import create_app

MODULE = "batch_upsert"


def _body(candidate_id: str, years: int) -> dict[str, Any]:
    return {
        "candidate_id": candidate_id,
        "city_code": "4403",
        "desired_occupation_codes": ["2-02-10-03"],
        "education": "本科",
        "experience_years": years,
        "skills": ["Java", "MySQL"],
        "registered_on": "2025-02-01",
        "resume_text": "四年 Java 后端经验。",
        "contact": {"name": "张三", "phone": "13800138000"},
    }


def _timed(action: Any) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def run(quick: bool = False) -> list[Figure]:
    """Seconds for N creates and N updates, batched vs one request per record."""
    count = 200 if quick else 1000
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "registry").mkdir()
        settings = Settings(
            database_url=f"sqlite:///{root / 'bench.sqlite3'}",
            registry_dir=root / "registry",
            var_dir=root / "var",
        )
        engine = make_engine(settings.database_url)
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            key = issue_key(session, "platform", "bench")[1]
        engine.dispose()
        headers = {"Authorization": f"Bearer {key}"}
        with TestClient(create_app(settings)) as client:
            singles = [_body(f"s-{n:05d}", n % 40) for n in range(count)]
            batch = [_body(f"b-{n:05d}", n % 40) for n in range(count)]

            def post_each() -> None:
                for body in singles:
                    assert client.post("/candidates", json=body, headers=headers).is_success

            def post_batch() -> None:
                response = client.post("/candidates:batch", json={"items": batch}, headers=headers)
                assert response.is_success and response.json()["errors"] == 0, response.text

            single_create, batch_create = _timed(post_each), _timed(post_batch)
            single_update, batch_update = _timed(post_each), _timed(post_batch)
    note = f"{count} candidates, SQLite, in-process"
    figures = [
        Figure(
            f"batch create {count}",
            batch_create,
            "s",
            f"{count} single POSTs",
            single_create,
            note=note,
        ),
        Figure(
            f"batch update {count}",
            batch_update,
            "s",
            f"{count} single POSTs",
            single_update,
            note=note,
        ),
    ]
    write_results(MODULE, figures, {"count": count})
    return figures


def main() -> None:
    """Print the figures beside their baselines."""
    for figure in run(quick="--quick" in sys.argv):
        print(
            f"{figure.name}: {figure.value:.2f} {figure.unit} "
            f"(baseline {figure.baseline_name}: {figure.baseline_value:.2f} {figure.unit}, "
            f"ratio {figure.ratio:.2f})"
        )


if __name__ == "__main__":
    main()
