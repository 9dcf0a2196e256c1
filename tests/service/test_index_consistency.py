"""Every acknowledged write is in every worker's next match: two uvicorn workers + a CLI import.

``uvicorn --workers 2`` runs as a subprocess on PostgreSQL and on SQLite, with a match model
fitted here. Writes go through the API (create, update, delete) and through
``yuecai ingest`` in another process; after each acknowledged write, matches are read on
fresh connections until both worker processes have answered (found from ``/proc``,
:mod:`tests.support.workers`), and every answer must reflect the write within
:data:`STALENESS_SECONDS` of the acknowledgement.

Start-up waits scale with the machine's load: the readiness deadline grows while the workers
keep using CPU (a loaded machine is slow, not stuck) and fails only on a stall.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from bench.common import ServerProcess, serve_subprocess
from data.generator import GeneratorConfig, generate, to_records
from data.records import Candidate, Vacancy
from data.store import make_engine, session_scope, upgrade_to_head, upsert_candidates
from data.store import upsert_vacancies as store_vacancies
from data.store.keys import issue_key
from models.match import MatchEngine
from models.registry import save_artifact
from service.matching import MATCH_ARTIFACT
from tests.support.workers import read_on_new_connection, wait_until_every_worker_ready

STALENESS_SECONDS = 1.0
READS_PER_ROUND = 16
CLI = Path(sys.executable).parent / "yuecai"


def _both_workers_agree(
    server: ServerProcess, path: str, headers: dict[str, str], check: Callable[[Any], bool]
) -> float:
    """Read ``path`` until both workers answered; every answer must pass ``check``.

    Every read starts after the acknowledgement, so passing means the write was visible to
    both workers at once. Returns the seconds the reads took.
    """
    acknowledged = time.monotonic()
    seen: set[int] = set()
    rounds = 0
    with ThreadPoolExecutor(max_workers=4) as pool:
        while len(seen) < 2:
            reads = list(
                pool.map(
                    lambda _: read_on_new_connection(server, path, headers),
                    range(READS_PER_ROUND),
                )
            )
            for worker, status, body in reads:
                assert status == 200, body
                assert check(body), (worker, path, body)
                if worker is not None:
                    seen.add(worker)
            rounds += 1
            assert rounds < 50, f"only workers {seen} answered"
    return time.monotonic() - acknowledged


def _ids(body: Any) -> set[str]:
    return {item["candidate_id"] for item in body["items"]}


@pytest.mark.slow
def test_every_acknowledged_write_reaches_both_workers(db_url: str, tmp_path: Path) -> None:
    data = generate(GeneratorConfig(start="2025-01", end="2025-03", scale=20, seed=11))
    open_now = {"date_closed": None, "valid_through": None}  # open today: lifecycle aside
    vacancies = [
        v.model_copy(update=open_now)
        for v in to_records(data.vacancies, "vacancies")
        if isinstance(v, Vacancy)
    ]
    candidates = [c for c in to_records(data.candidates, "candidates") if isinstance(c, Candidate)]
    registry = tmp_path / "registry"
    index = MatchEngine(use_ranker=False).fit_index(data.candidates, data.vacancies)
    engine = index.engine
    save_artifact(
        engine, MATCH_ARTIFACT, data_range=("2025-01", "2025-03"), metrics={}, root=registry
    )
    # A vacancy whose matches include a candidate: copies of that candidate must match it too.
    target, twin = next(
        (v, index.candidates_for_vacancy(v.vacancy_id, 1)[0].candidate_id)
        for v in vacancies
        if index.candidates_for_vacancy(v.vacancy_id, 1)
    )
    template = next(c for c in candidates if c.candidate_id == twin)
    store = make_engine(db_url)
    upgrade_to_head(store)
    with session_scope(store) as session:
        key = issue_key(session, "admin", name="consistency")[1]
        store_vacancies(session, vacancies)
        upsert_candidates(session, candidates)
    store.dispose()
    headers = {"X-API-Key": key, "Content-Type": "application/json"}
    path = f"/vacancies/{target.vacancy_id}/matches?size=200"
    far = "4408" if target.city_code != "4408" else "4409"  # 湛江 (or 茂名): not commutable
    moved = {"city_code": far, "desired_city_codes": (far,), "willing_gba": False}
    staleness: list[float] = []

    with (
        contextlib.ExitStack() as request_closer,
        serve_subprocess(db_url, registry, tmp_path / "var", workers=2) as server,
    ):
        wait_until_every_worker_ready(server, headers)
        client = httpx.Client(base_url=server.base_url, headers=headers, timeout=30)
        request_closer.callback(client.close)

        def write(method: str, url: str, body: dict[str, Any] | None, status: int) -> None:
            response = client.request(method, url, json=body)
            assert response.status_code == status, response.text

        def api_candidate(candidate_id: str, **update: Any) -> dict[str, Any]:
            record = template.model_copy(update={"candidate_id": candidate_id, **update})
            return record.model_dump(mode="json", exclude={"contact", "protected"})

        write("POST", "/candidates", api_candidate("api-new"), 201)  # create
        staleness.append(_both_workers_agree(server, path, headers, lambda b: "api-new" in _ids(b)))
        write("POST", "/candidates", api_candidate("api-new", **moved), 200)  # update: moved away
        staleness.append(
            _both_workers_agree(server, path, headers, lambda b: "api-new" not in _ids(b))
        )
        write("POST", "/candidates", api_candidate("api-new"), 200)  # update: back
        staleness.append(_both_workers_agree(server, path, headers, lambda b: "api-new" in _ids(b)))
        write("DELETE", "/candidates/api-new", None, 204)  # delete
        staleness.append(
            _both_workers_agree(server, path, headers, lambda b: "api-new" not in _ids(b))
        )

        # A CLI import in another process: a new candidate, and the template moved away.
        imported = [api_candidate("cli-new"), api_candidate(twin, **moved)]
        (tmp_path / "import.json").write_text(json.dumps(imported, ensure_ascii=False), "utf-8")
        subprocess.run(
            [str(CLI), "ingest", "candidates", str(tmp_path / "import.json")],
            check=True,
            capture_output=True,
            env={**os.environ, "YUECAI_DATABASE_URL": db_url},
            timeout=300,
        )
        staleness.append(
            _both_workers_agree(
                server, path, headers, lambda b: "cli-new" in _ids(b) and twin not in _ids(b)
            )
        )

    # Every read after each acknowledgement reflected the write (checked read by read above):
    # workers apply the change log before answering a match, so the staleness is 0, < 1 s.
    assert len(staleness) == 5
