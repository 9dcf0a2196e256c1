"""The record change log: what every serving process replays to keep its match index true.

Each write of a vacancy or candidate — API on any worker, ``yuecai ingest``, a delete —
appends ``(seq, side, record_key, deleted)`` to ``record_changes`` in the writer's own
transaction (:func:`log_changes`, called by :mod:`data.store.repository`). A reader remembers
the highest ``seq`` it applied and asks for the rows after it (:func:`changes_since`).

Commit order equals ``seq`` order, so "everything after the highest seq seen" never skips a
write that commits late: on PostgreSQL the writer takes a transaction-scoped advisory lock
just before allocating its seqs (held to commit); on SQLite the database write lock already
serialises writers. Rolled-back writes leave gaps, which readers ignore.

A change names its record by :func:`data.records.record_key` (tenant and id in one opaque
string), since record ids are unique per tenant only: two tenants' ``V1`` are two records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Table, func, insert, select, text
from sqlalchemy.orm import Session

from data.store.schema import Base, RecordChangeRow, utc_now

__all__ = ["CHANGE_LOCK_KEY", "RecordChange", "Side", "changes_since", "latest_seq", "log_changes"]

Side = Literal["vacancies", "candidates"]
CHANGES: Table = Base.metadata.tables[RecordChangeRow.__tablename__]
CHANGE_LOCK_KEY = 0x5943_0012  # "YC" + issue: the advisory lock writers serialise on


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One logged write: the record's side and key, and whether it was deleted."""

    seq: int
    side: Side
    key: str
    """The record's :func:`data.records.record_key` (tenant-qualified id)."""
    deleted: bool


def log_changes(session: Session, side: Side, keys: Iterable[str], *, deleted: bool) -> None:
    """Append one change per record key (in the caller's transaction; no commit)."""
    now = utc_now()
    rows = [
        {"side": side, "record_key": key, "deleted": deleted, "changed_at": now} for key in keys
    ]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": CHANGE_LOCK_KEY})
    session.execute(insert(CHANGES), rows)


def latest_seq(session: Session) -> int:
    """The highest committed change seq (0 for none)."""
    return int(session.execute(select(func.max(CHANGES.c.seq))).scalar() or 0)


def changes_since(session: Session, seq: int, limit: int = 10_000) -> list[RecordChange]:
    """Changes after ``seq``, oldest first, at most ``limit``."""
    query = select(CHANGES).where(CHANGES.c.seq > seq).order_by(CHANGES.c.seq).limit(limit)
    return [
        RecordChange(int(r["seq"]), r["side"], str(r["record_key"]), bool(r["deleted"]))
        for r in session.execute(query).mappings()
    ]
