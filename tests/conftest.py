"""Shared fixtures: a database URL on both backends, and an engine migrated to head.

``db_url`` is parametrized over SQLite (a temporary file) and PostgreSQL (the server named
by ``YUECAI_TEST_POSTGRES_URL``; marked ``postgres``). Each PostgreSQL test gets a fresh
schema, named after this test session, put first on the search path through the URL, and
dropped afterwards; whatever this session leaves behind is dropped when it ends. An
unreachable server makes the PostgreSQL tests fail, never skip: a green run must mean both
backends were exercised.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from data.store import make_engine, upgrade_to_head

POSTGRES_URL_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
SESSION_TAG = f"t_{uuid.uuid4().hex[:10]}"
_schema_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """A connection-per-use engine on the test server, for creating and dropping schemas."""
    url = make_url(os.environ.get("YUECAI_TEST_POSTGRES_URL", POSTGRES_URL_DEFAULT))
    admin = create_engine(url, poolclass=NullPool)
    try:
        with admin.connect():
            pass
    except OperationalError as error:
        admin.dispose()
        pytest.fail(
            f"PostgreSQL at {url.render_as_string(hide_password=True)} is unreachable "
            f"({error.orig}). Start it with `make postgres` or set YUECAI_TEST_POSTGRES_URL.",
            pytrace=False,
        )
    yield admin
    with admin.begin() as connection:
        leftovers = connection.execute(
            text("SELECT nspname FROM pg_namespace WHERE nspname LIKE :prefix"),
            {"prefix": f"{SESSION_TAG}\\_%"},
        ).scalars()
        for schema in list(leftovers):
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(
    params=[pytest.param("sqlite"), pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of an empty database: an SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'yuecai.sqlite3'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    schema = f"{SESSION_TAG}_{next(_schema_numbers)}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = admin.url.update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.begin() as connection:
        # A leaked connection must not hang the run: give up on the lock, the session drops it.
        connection.execute(text("SET LOCAL lock_timeout = '10s'"))
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    """An engine on ``db_url`` with the schema migrated to head; disposed afterwards."""
    engine = make_engine(db_url)
    upgrade_to_head(engine)
    yield engine
    engine.dispose()
