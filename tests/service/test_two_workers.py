"""Two uvicorn workers on one PostgreSQL database serve one consistent API (stateless).

``uvicorn service.main:create_app --factory --workers 2`` runs as a subprocess, configured
through ``YUECAI_DATABASE_URL`` (a fresh schema on the search path). A vacancy written through
one request is read back through many fresh connections. No response says which process
served it, so the worker behind each connection is found from ``/proc``: the client socket's
local port → the server-side socket inode (``/proc/net/tcp``) → the worker holding that inode
among its file descriptors (:mod:`tests.support.workers`). Both workers must have served, and
every read must agree.
"""

from __future__ import annotations

import http.client
import json
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bench.common import LOOPBACK, serve_subprocess
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.keys import issue_key
from tests.support.workers import read_on_new_connection, wait_until_every_worker_ready

CONNECTIONS = 48


@pytest.fixture
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """A fresh schema on the test server, put first on the search path of the URL."""
    schema = f"t_workers_{uuid.uuid4().hex[:10]}"
    with postgres_admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = postgres_admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with postgres_admin.begin() as connection:
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


def _admin_key(url: str) -> str:
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            return issue_key(session, "admin", name="two-workers")[1]
    finally:
        engine.dispose()


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_share_one_database(postgres_url: str, tmp_path: Path) -> None:
    key = _admin_key(postgres_url)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    vacancy = {
        "vacancy_id": "two-workers-1",
        "tenant_id": "public",
        "title": "Java 开发工程师",
        "description": "负责后端服务开发。",
        "occupation_code": "2-02-10-03",
        "city_code": "4403",
        "date_posted": "2024-03-01",
        "headcount": 2,
    }
    registry = tmp_path / "registry"
    registry.mkdir()  # empty but readable: /ready needs the folder, not a model
    with serve_subprocess(postgres_url, registry, tmp_path / "var", workers=2) as srv:
        wait_until_every_worker_ready(srv, headers)  # scales with the machine's load
        assert len(srv.worker_pids()) == 2, srv.log_tail()
        port = int(srv.base_url.rsplit(":", 1)[1])
        writer = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        writer.request("POST", "/vacancies", body=json.dumps(vacancy), headers=headers)
        created = writer.getresponse()
        assert created.status == 201, created.read()
        writer.close()

        path = f"/vacancies/{vacancy['vacancy_id']}"
        reads: list[tuple[int | None, int, dict[str, object]]] = []
        # Rounds of reads on fresh connections until both workers have answered (the kernel
        # hands each connection to either), bounded in rounds.
        with ThreadPoolExecutor(max_workers=8) as pool:
            while len(reads) < 10 * CONNECTIONS:
                reads += pool.map(
                    lambda _: read_on_new_connection(srv, path, headers), range(CONNECTIONS)
                )
                if len({worker for worker, _, _ in reads if worker is not None}) == 2:
                    break
        log = srv.log_tail()

    statuses = {status for _, status, _ in reads}
    assert statuses == {200}, (statuses, log)
    assert all(body["headcount"] == 2 and body["title"] == vacancy["title"] for *_, body in reads)
    served_by = {worker for worker, _, _ in reads if worker is not None}
    assert len(served_by) == 2, f"workers seen: {served_by} of {[w for w, *_ in reads]}"
