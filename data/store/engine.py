"""Engines and transactions: the only place that knows SQLite needs coaxing."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from data.settings import get_settings

__all__ = ["make_engine", "session_scope"]


def _enable_sqlite_foreign_keys(dbapi_connection: Any, _record: Any) -> None:
    # SQLite ignores FOREIGN KEY clauses (and so ON DELETE CASCADE) unless asked per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _create_private(path: Path) -> None:
    """Create the SQLite file readable by its owner only (0600): it holds personal data.

    SQLite gives its journal and WAL files the database file's mode. An existing file is
    left as its owner set it."""
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        pass


def make_engine(url: str | None = None) -> Engine:
    """Create an engine for ``url`` (default: ``get_settings().database_url``).

    For an SQLite file the parent folder is created, the file is created 0600 (owner only:
    it holds personal data), and foreign keys are switched on for every connection so that
    deleting a candidate cascades to its personal data.

    Parameters
    ----------
    url
        Any SQLAlchemy URL. PostgreSQL options such as a search path can ride in the query
        string (``...?options=-csearch_path%3Dmy_schema``).

    Returns
    -------
    Engine
        A new engine; the caller disposes of it.
    """
    parsed = make_url(url or get_settings().database_url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            _create_private(Path(database))
        engine = create_engine(parsed)
        event.listen(engine, "connect", _enable_sqlite_foreign_keys)
        return engine
    return create_engine(parsed, pool_pre_ping=True)


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """Yield a session whose work is committed on success and rolled back on any error.

    Examples
    --------
    >>> engine = make_engine("sqlite://")
    >>> with session_scope(engine) as session:
    ...     session.connection().exec_driver_sql("select 1").scalar()
    1
    """
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
