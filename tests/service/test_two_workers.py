"""Two uvicorn workers on one PostgreSQL database serve one consistent API (stateless).

``uvicorn service.main:create_app --factory --workers 2`` runs as a subprocess, configured
through ``YUECAI_DATABASE_URL`` (a fresh schema on the search path). A vacancy written through
one request is read back through many fresh connections. No response says which process
served it, so the worker behind each connection is found from ``/proc``: the client socket's
local port → the server-side socket inode (``/proc/net/tcp``) → the worker holding that inode
among its file descriptors. Both workers must have served, and every read must agree.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bench.common import LOOPBACK, ServerProcess, serve_subprocess
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.keys import issue_key

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


def _socket_inode(local_port: int, remote_port: int) -> str | None:
    """Inode of the socket with this local and remote port on loopback (``/proc/net/tcp``)."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, inode = fields[1], fields[2], fields[9]
        if int(local.split(":")[1], 16) == local_port and int(remote.split(":")[1], 16) == (
            remote_port
        ):
            return inode
    return None


def _owner(pids: list[int], inode: str) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == target:
                    return pid
            except OSError:
                continue
    return None


def _read_on_new_connection(
    server: ServerProcess, path: str, headers: dict[str, str]
) -> tuple[int | None, int, dict[str, object]]:
    """GET ``path`` on a fresh connection; (worker pid that served it, status, body)."""
    port = int(server.base_url.rsplit(":", 1)[1])
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read())
        assert connection.sock is not None
        client_port = connection.sock.getsockname()[1]
        inode = _socket_inode(port, client_port)  # keep-alive: the connection is still open
        worker = None if inode is None else _owner(server.worker_pids(), inode)
        return worker, response.status, body
    finally:
        connection.close()


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
    with serve_subprocess(postgres_url, tmp_path / "registry", tmp_path / "var", workers=2) as srv:
        assert len(srv.worker_pids()) == 2, srv.log_tail()
        port = int(srv.base_url.rsplit(":", 1)[1])
        writer = http.client.HTTPConnection(LOOPBACK, port, timeout=30)
        writer.request("POST", "/vacancies", body=json.dumps(vacancy), headers=headers)
        created = writer.getresponse()
        assert created.status == 201, created.read()
        writer.close()

        path = f"/vacancies/{vacancy['vacancy_id']}"
        reads: list[tuple[int | None, int, dict[str, object]]] = []
        # Rounds of reads until both workers have answered: under load the second worker may
        # still be importing the app when the first round arrives. Bounded in rounds and time.
        deadline = time.monotonic() + 90
        with ThreadPoolExecutor(max_workers=8) as pool:
            while time.monotonic() < deadline and len(reads) < 10 * CONNECTIONS:
                reads += pool.map(
                    lambda _: _read_on_new_connection(srv, path, headers), range(CONNECTIONS)
                )
                if len({worker for worker, _, _ in reads if worker is not None}) == 2:
                    break
        log = srv.log_tail()

    statuses = {status for _, status, _ in reads}
    assert statuses == {200}, (statuses, log)
    assert all(body["headcount"] == 2 and body["title"] == vacancy["title"] for *_, body in reads)
    served_by = {worker for worker, _, _ in reads if worker is not None}
    assert len(served_by) == 2, f"workers seen: {served_by} of {[w for w, *_ in reads]}"
