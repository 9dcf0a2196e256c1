"""Schema migrations, run from code (there is no ``alembic.ini``).

The Alembic scripts live in ``data/store/migrations``: ``env.py`` and ``versions/`` with
one file per revision, ``r<id>_<slug>.py``, ids ``0001``, ``0002``, ... in order.
:func:`upgrade_to_head` is what the CLI, the service and the tests call.

Adding a revision (e.g. catalogue editions, API keys)
------------------------------------------------------
1. Add or change declarative table classes on :class:`data.store.schema.Base`, in
   ``schema.py`` or in a module of their own under ``data/store/`` (every module there is
   imported by :func:`load_table_modules`, so Alembic sees its tables).
2. Let Alembic write the diff against a database at the current head::

       .venv/bin/python -c "from data.store.migrate import make_revision; \\
           print(make_revision('add catalogue editions'))"

   This upgrades a scratch SQLite file to head, autogenerates ``versions/r0002_...py``
   with ``batch_alter_table`` blocks (needed for SQLite), formats it with ruff and prints
   its path. Application types are written as the plain type they store (``UtcDateTime``
   becomes ``sa.DateTime(timezone=True)``) so old revisions never import moving code.
3. Read the file: add any data migration by hand, check ``downgrade()``.
4. Run ``.venv/bin/pytest tests/data/test_store.py -k migration``: it upgrades SQLite and
   PostgreSQL from empty and checks the migrated schema equals the ORM metadata.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine

from data.store.engine import make_engine

__all__ = [
    "MIGRATIONS_DIR",
    "alembic_config",
    "current_revision",
    "head_revision",
    "load_table_modules",
    "make_revision",
    "open_store",
    "upgrade_to_head",
]

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    """An Alembic :class:`Config` built in code; ``connection`` wins over ``url``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: '%%' is a literal '%'.
    config.set_main_option("file_template", "r%%(rev)s_%%(slug)s")
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def load_table_modules() -> None:
    """Import every module of :mod:`data.store`, so ``Base.metadata`` holds every table.

    Autogenerate and the schema-equality test compare against the metadata; a table whose
    module nobody imported would look like one to drop.
    """
    package = __name__.rpartition(".")[0]
    for module in pkgutil.iter_modules([str(Path(__file__).parent)]):
        if not module.ispkg:
            importlib.import_module(f"{package}.{module.name}")


def head_revision() -> str:
    """Id of the newest revision in ``versions/``."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    if head is None:  # pragma: no cover - the initial revision is committed
        raise RuntimeError(f"no migrations under {MIGRATIONS_DIR}")
    return head


def current_revision(engine: Engine) -> str | None:
    """Revision the database is at, or None if it was never migrated."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade_to_head(url_or_engine: str | Engine | None = None) -> str:
    """Bring the database to the newest revision (a no-op when it is there already).

    Parameters
    ----------
    url_or_engine
        An engine (left open), a URL, or None for ``get_settings().database_url``.

    Returns
    -------
    str
        The head revision id.
    """
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "head")
    finally:
        if engine is not url_or_engine:
            engine.dispose()
    return head_revision()


@contextmanager
def open_store(
    url_or_engine: str | Engine | None = None, *, migrate: bool = True
) -> Iterator[Engine]:
    """The store, migrated to head, for the length of a ``with`` block; disposed after.

    The one way a use case, a command or a notebook opens the store::

        with open_store(db) as engine:
            report = ingest_file(engine, "vacancies", path)

    Parameters
    ----------
    url_or_engine
        A URL, None for ``get_settings().database_url``, or an engine (used as it is and
        left open: its owner disposes it).
    migrate
        Bring the schema to head first (a no-op when it is there). False for read-only
        checks that must not create tables in a store that turns out to be the wrong one.
    """
    owned = not isinstance(url_or_engine, Engine)
    engine = url_or_engine if isinstance(url_or_engine, Engine) else make_engine(url_or_engine)
    try:
        if migrate:
            upgrade_to_head(engine)
        yield engine
    finally:
        if owned:
            engine.dispose()


def make_revision(message: str, *, autogenerate: bool = True) -> Path:
    """Write the next revision file (autogenerated from :mod:`data.store.schema`).

    Returns
    -------
    Path
        The new file in ``migrations/versions``.
    """
    next_id = f"{int(head_revision()) + 1:04d}"
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{Path(scratch) / 'head.sqlite3'}"
        upgrade_to_head(url)
        config = alembic_config(url=url)
        config.set_section_option("post_write_hooks", "hooks", "ruff")
        config.set_section_option("post_write_hooks", "ruff.type", "exec")
        ruff = Path(sys.executable).with_name("ruff")
        config.set_section_option("post_write_hooks", "ruff.executable", str(ruff))
        config.set_section_option(
            "post_write_hooks", "ruff.options", "format REVISION_SCRIPT_FILENAME"
        )
        script = command.revision(
            config, message=message, autogenerate=autogenerate, rev_id=next_id
        )
    if script is None or isinstance(script, list):  # pragma: no cover - single head
        raise RuntimeError("alembic did not write exactly one revision")
    return Path(script.path)
