"""SIGKILL during ``yuecai ingest vacancies``: the store holds all rows or none, never some.

The import validates every row first, then writes the good ones in one transaction. The test
waits until that transaction has really started writing — on SQLite the rollback journal
appears (the schema is migrated beforehand, so the CLI's own migration writes nothing); on
PostgreSQL the import's connection (tagged by ``application_name``) holds a transaction id —
then kills the process with SIGKILL, checks the store, and imports again to completion.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, make_url, select, text
from sqlalchemy.pool import NullPool

from data.generator import GeneratorConfig, generate
from data.generator.io import flatten_for_csv
from data.store import make_engine, upgrade_to_head
from data.store.repository import VACANCIES

ROWS_WANTED = 1500  # validation takes a few seconds; the write about a second
WRITE_WAIT_SECONDS = 90.0
POLL_SECONDS = 0.005


@pytest.fixture(scope="module")
def vacancies_csv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int]:
    """A generated vacancies CSV of about ROWS_WANTED rows, and its row count."""
    data = generate(GeneratorConfig(start="2024-01", end="2024-06", scale=ROWS_WANTED / 6))
    path = tmp_path_factory.mktemp("ingest") / "vacancies.csv"
    flatten_for_csv(data.vacancies).to_csv(path, index=False, lineterminator="\n")
    return path, len(data.vacancies)


def _ingest_command(path: Path, url: str) -> list[str]:
    cli = "from training.cli import app; app(prog_name='yuecai')"
    return [sys.executable, "-c", cli, "ingest", "vacancies", str(path), "--db", url]


def _sqlite_writing(url: str) -> Callable[[], bool]:
    journal = Path(f"{make_url(url).database}-journal")
    return lambda: journal.exists() and journal.stat().st_size > 0


def _postgres_writing(admin: Engine, tag: str) -> Callable[[], bool]:
    query = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE application_name = :tag AND backend_xid IS NOT NULL"
    )

    def writing() -> bool:
        with admin.connect() as connection:
            return bool(connection.execute(query, {"tag": tag}).scalar_one())

    return writing


def _count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return int(connection.execute(select(func.count()).select_from(VACANCIES)).scalar_one())
    finally:
        engine.dispose()


def _kill_while_writing(command: list[str], writing: Callable[[], bool]) -> None:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + WRITE_WAIT_SECONDS
    try:
        while not writing():
            if process.poll() is not None:
                pytest.fail(
                    f"ingest ended (exit {process.returncode}) before it was caught writing"
                )
            if time.monotonic() > deadline:
                pytest.fail("ingest never started writing")
            time.sleep(POLL_SECONDS)
        assert process.poll() is None, "ingest finished before the kill"
        os.kill(process.pid, signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(30)
        assert process.stderr is not None
        process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def test_sigkill_mid_transaction_leaves_all_or_nothing(
    db_url: str, vacancies_csv: tuple[Path, int], request: pytest.FixtureRequest
) -> None:
    path, expected = vacancies_csv
    engine = make_engine(db_url)
    upgrade_to_head(engine)  # the CLI's migration then writes nothing: any write is the import
    engine.dispose()
    if db_url.startswith("sqlite"):
        writing = _sqlite_writing(db_url)
        url = db_url
    else:
        tag = f"ingest-kill-{uuid.uuid4().hex[:8]}"
        url = make_url(db_url).update_query_dict({"application_name": tag})
        url = url.render_as_string(hide_password=False)
        admin = create_engine(make_url(db_url).set(query={}), poolclass=NullPool)
        request.addfinalizer(admin.dispose)
        writing = _postgres_writing(admin, tag)

    _kill_while_writing(_ingest_command(path, url), writing)

    if db_url.startswith("sqlite"):
        assert Path(f"{make_url(db_url).database}-journal").exists()  # killed mid-transaction
    after_kill = _count(db_url)  # also: the store opens (SQLite rolls the hot journal back)
    assert after_kill in (0, expected), f"partial import: {after_kill} of {expected} rows"
    if db_url.startswith("sqlite"):
        sqlite = make_engine(db_url)
        with sqlite.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"
        sqlite.dispose()

    rerun = subprocess.run(_ingest_command(path, url), capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert _count(db_url) == expected
