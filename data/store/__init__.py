"""The relational store: SQLAlchemy tables, migrations, bulk upserts and analytic reads.

Typical use::

    from data.store import make_engine, session_scope, upgrade_to_head, upsert_vacancies

    with open_store() as engine:      # YUECAI_DATABASE_URL, migrated to head, disposed after
        with session_scope(engine) as session:
            counts = upsert_vacancies(session, records)

Modules: :mod:`~data.store.schema` (tables), :mod:`~data.store.engine`,
:mod:`~data.store.repository` (writes, lookups, pages), :mod:`~data.store.frames`
(DataFrames for analytics), :mod:`~data.store.migrate` (Alembic).
"""

from __future__ import annotations

from data.store.engine import make_engine, session_scope
from data.store.frames import read_candidates_frame, read_outcomes_frame, read_vacancies_frame
from data.store.migrate import current_revision, head_revision, open_store, upgrade_to_head
from data.store.repository import (
    UpsertCounts,
    delete_candidate,
    delete_vacancy,
    get_candidate,
    get_vacancy,
    insert_outcomes,
    list_candidates,
    list_vacancies,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.schema import Base

__all__ = [
    "Base",
    "UpsertCounts",
    "current_revision",
    "delete_candidate",
    "delete_vacancy",
    "get_candidate",
    "get_vacancy",
    "head_revision",
    "insert_outcomes",
    "list_candidates",
    "list_vacancies",
    "make_engine",
    "open_store",
    "read_candidates_frame",
    "read_outcomes_frame",
    "read_vacancies_frame",
    "session_scope",
    "upgrade_to_head",
    "upsert_candidates",
    "upsert_vacancies",
]
