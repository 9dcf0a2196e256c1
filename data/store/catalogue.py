"""Catalogue editions: immutable, versioned publications of the 急需紧缺人才目录.

An edition is one publication of a period (``'2026Q4'``). Publishing a period again never
touches what was published: it adds revision 2, 3, ... Immutability is enforced three times
over: the repository only ever inserts; ORM flushes and bulk UPDATE/DELETE statements against
these tables raise :class:`ImmutableEditionError`; and database triggers (created by the
migration and by ``create_all``) reject row updates and deletes on SQLite and PostgreSQL.

Each edition stores ``content_sha256``, the SHA-256 of a canonical JSON of its period,
entries and meta (not of revision or time, so equal content hashes equal);
:func:`verify_edition` recomputes it from the stored rows.

Entries keep the whole flat record (``content`` JSON, column order preserved) plus the
columns planners filter on (city, zone, industry, occupation, stars) as real columns.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    DDL,
    JSON,
    Float,
    ForeignKey,
    SmallInteger,
    String,
    Table,
    UniqueConstraint,
    event,
    func,
    select,
)
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from data.errors import ConflictError
from data.jsonable import jsonable
from data.store.schema import Base, utc_now
from data.vocabulary.periods import match_period

__all__ = [
    "CatalogueEditionRow",
    "CatalogueEntryRow",
    "EditionInfo",
    "ImmutableEditionError",
    "canonical_records",
    "content_sha256",
    "diff_editions",
    "diff_entries",
    "entry_key",
    "get_edition",
    "list_editions",
    "list_entries",
    "previous_edition",
    "publish_edition",
    "read_entries_frame",
    "verify_edition",
]

KEY_COLUMNS = ("city_code", "industry_code", "occupation_code")
IMMUTABLE_TABLES = ("catalogue_editions", "catalogue_entries")


class ImmutableEditionError(ConflictError, RuntimeError):
    """Raised on any attempt to change or delete a published edition."""


class CatalogueEditionRow(Base):
    """One published revision of a period's catalogue."""

    __tablename__ = "catalogue_editions"
    __table_args__ = (UniqueConstraint("period", "revision"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    period: Mapped[str] = mapped_column(String(8), index=True)
    revision: Mapped[int]
    published_at: Mapped[datetime] = mapped_column(default=utc_now)
    content_sha256: Mapped[str] = mapped_column(String(64))
    entry_count: Mapped[int]
    meta: Mapped[dict[str, Any]] = mapped_column(JSON)


class CatalogueEntryRow(Base):
    """One listed city × industry × occupation of an edition."""

    __tablename__ = "catalogue_entries"
    __table_args__ = (UniqueConstraint("edition_id", "entry_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("catalogue_editions.id"), index=True)
    entry_key: Mapped[str] = mapped_column(String(24))
    rank: Mapped[int]
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    zone: Mapped[str | None] = mapped_column(String(4))
    industry_code: Mapped[str] = mapped_column(String(4))
    occupation_code: Mapped[str] = mapped_column(String(10), index=True)
    shortage_index: Mapped[float] = mapped_column(Float)
    stars: Mapped[int] = mapped_column(SmallInteger)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)


# --- immutability ---------------------------------------------------------------------------

SQLITE_TRIGGERS = tuple(
    f"CREATE TRIGGER {table}_immutable_{verb.lower()} BEFORE {verb} ON {table} "
    f"BEGIN SELECT RAISE(ABORT, 'catalogue editions are immutable'); END"
    for table in IMMUTABLE_TABLES
    for verb in ("UPDATE", "DELETE")
)
POSTGRES_FUNCTION = (
    "CREATE OR REPLACE FUNCTION catalogue_reject_change() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'catalogue editions are immutable'; END $$ LANGUAGE plpgsql"
)
POSTGRES_TRIGGERS = tuple(
    f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
    "FOR EACH ROW EXECUTE FUNCTION catalogue_reject_change()"
    for table in IMMUTABLE_TABLES
)


def _ddl(statement: str, dialect: str) -> Any:
    return DDL(statement).execute_if(dialect=dialect)  # type: ignore[no-untyped-call]


def _attach_trigger_ddl() -> None:
    # Only for create_all (tests, scratch DBs); the migration creates the same triggers.
    for table in (CatalogueEditionRow.__table__, CatalogueEntryRow.__table__):
        assert isinstance(table, Table)  # noqa: S101 — declarative tables are Tables
        mine = [s for s in SQLITE_TRIGGERS if f" ON {table.name} " in s]
        for statement in mine:
            event.listen(table, "after_create", _ddl(statement, "sqlite"))
        event.listen(table, "after_create", _ddl(POSTGRES_FUNCTION, "postgresql"))
        for statement in [s for s in POSTGRES_TRIGGERS if f" ON {table.name} " in s]:
            event.listen(table, "after_create", _ddl(statement, "postgresql"))


_attach_trigger_ddl()


def _reject(*_args: Any) -> None:
    raise ImmutableEditionError("catalogue editions are immutable; publish a new revision")


for _row_class in (CatalogueEditionRow, CatalogueEntryRow):
    event.listen(_row_class, "before_update", _reject)
    event.listen(_row_class, "before_delete", _reject)


@event.listens_for(Session, "do_orm_execute")
def _reject_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in IMMUTABLE_TABLES:
        _reject()


# --- canonical content ----------------------------------------------------------------------


def canonical_records(entries: pd.DataFrame) -> list[dict[str, Any]]:
    """Entries as JSON-safe dicts, in their row order with their column order."""
    return [jsonable(record) for record in entries.to_dict("records")]


def content_sha256(period: str, records: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an edition's content (sorted keys, compact)."""
    payload = {"period": period, "entries": records, "meta": jsonable(meta)}
    text = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def entry_key(record: Mapping[Any, Any]) -> str:
    """``city|industry|occupation``: the identity of an entry across editions."""
    return "|".join(str(record[column]) for column in KEY_COLUMNS)


# --- repository -----------------------------------------------------------------------------


@dataclass(frozen=True)
class EditionInfo:
    """What identifies a published edition."""

    edition_id: int
    period: str
    revision: int
    published_at: datetime
    content_sha256: str
    entry_count: int = 0
    meta: dict[str, Any] | None = None


def _info(row: CatalogueEditionRow) -> EditionInfo:
    return EditionInfo(
        edition_id=row.id,
        period=row.period,
        revision=row.revision,
        published_at=row.published_at,
        content_sha256=row.content_sha256,
        entry_count=row.entry_count,
        meta=dict(row.meta),
    )


def publish_edition(
    session: Session, period: str, entries: pd.DataFrame, meta: dict[str, Any]
) -> EditionInfo:
    """Insert ``entries`` as the next revision of ``period`` (1 if it is the first).

    ``entries`` needs ``rank, city_code, industry_code, occupation_code, shortage_index,
    stars`` (and ``zone`` if known); every column is kept. Nothing existing is modified.
    """
    if match_period(period) is None:
        raise ValueError(f"period {period!r} must look like '2026Q4', '2026-11' or '2026'")
    required = {"rank", *KEY_COLUMNS, "shortage_index", "stars"}
    missing = sorted(required - set(entries.columns))
    if missing:
        raise ValueError(f"entries are missing columns {missing}")
    records = canonical_records(entries.sort_values("rank", kind="stable"))
    keys = [entry_key(record) for record in records]
    if len(set(keys)) != len(keys):
        raise ValueError("entries repeat a city × industry × occupation key")
    clean_meta = jsonable(dict(meta))
    latest = session.scalar(
        select(func.max(CatalogueEditionRow.revision)).where(CatalogueEditionRow.period == period)
    )
    edition = CatalogueEditionRow(
        period=period,
        revision=int(latest or 0) + 1,
        published_at=utc_now(),
        content_sha256=content_sha256(period, records, clean_meta),
        entry_count=len(records),
        meta=clean_meta,
    )
    session.add(edition)
    session.flush()
    rows = [_entry_row(edition.id, key, record) for key, record in zip(keys, records, strict=True)]
    session.add_all(rows)
    session.flush()
    return _info(edition)


def _entry_row(edition_id: int, key: str, record: dict[str, Any]) -> CatalogueEntryRow:
    return CatalogueEntryRow(
        edition_id=edition_id,
        entry_key=key,
        rank=int(record["rank"]),
        city_code=str(record["city_code"]),
        zone=record.get("zone"),
        industry_code=str(record["industry_code"]),
        occupation_code=str(record["occupation_code"]),
        shortage_index=float(record["shortage_index"]),
        stars=int(record["stars"]),
        content=record,
    )


def list_editions(session: Session, period: str | None = None) -> list[EditionInfo]:
    """Editions, newest period and revision first."""
    query = select(CatalogueEditionRow)
    if period is not None:
        query = query.where(CatalogueEditionRow.period == period)
    rows = session.scalars(query).all()
    ordered = sorted(rows, key=lambda row: (_period_key(row.period), row.revision), reverse=True)
    return [_info(row) for row in ordered]


def _period_key(period: str) -> date:
    """When ``period`` ends: '2026', '2026Q4' and '2026-12' tie (the revision decides)."""
    parsed = match_period(period)
    if parsed is None:
        raise ValueError(f"stored period {period!r} is not a period label")
    return parsed.end


def get_edition(session: Session, edition_id: int) -> EditionInfo | None:
    """One edition, or None."""
    row = session.get(CatalogueEditionRow, edition_id)
    return None if row is None else _info(row)


def list_entries(
    session: Session,
    edition_id: int,
    *,
    city_code: str | None = None,
    zone: str | None = None,
    industry_code: str | None = None,
    occupation_code: str | None = None,
    grade_min: int | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[dict[str, Any]], int]:
    """A page of an edition's entries (rank order) and the total matching the filters."""
    if offset < 0 or limit < 1:
        raise ValueError("offset must be >= 0 and limit >= 1")
    entry = CatalogueEntryRow
    conditions = [entry.edition_id == edition_id]
    filters = {
        entry.city_code: city_code,
        entry.zone: zone,
        entry.industry_code: industry_code,
        entry.occupation_code: occupation_code,
    }
    conditions += [column == value for column, value in filters.items() if value is not None]
    if grade_min is not None:
        conditions.append(entry.stars >= grade_min)
    total = session.scalar(select(func.count()).select_from(entry).where(*conditions)) or 0
    page = session.scalars(
        select(entry).where(*conditions).order_by(entry.rank).offset(offset).limit(limit)
    ).all()
    return [dict(row.content) for row in page], int(total)


def _stored_records(session: Session, edition_id: int) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(CatalogueEntryRow)
        .where(CatalogueEntryRow.edition_id == edition_id)
        .order_by(CatalogueEntryRow.rank)
    ).all()
    return [dict(row.content) for row in rows]


def read_entries_frame(session: Session, edition_id: int) -> pd.DataFrame:
    """All entries of an edition as a DataFrame (rank order, original columns)."""
    records = _stored_records(session, edition_id)
    return pd.DataFrame.from_records(records) if records else pd.DataFrame(columns=["rank"])


def verify_edition(session: Session, edition_id: int) -> bool:
    """Whether the stored entries and meta still hash to the edition's ``content_sha256``."""
    row = session.get(CatalogueEditionRow, edition_id)
    if row is None:
        raise KeyError(edition_id)
    records = _stored_records(session, edition_id)
    return content_sha256(row.period, records, dict(row.meta)) == row.content_sha256


def previous_edition(session: Session, edition_id: int) -> EditionInfo | None:
    """The edition a given one is compared with: the same period's previous revision, else
    the latest revision of the closest earlier period; None for the very first."""
    current = get_edition(session, edition_id)
    if current is None:
        raise KeyError(edition_id)
    for info in list_editions(session):  # newest first
        same_earlier = info.period == current.period and info.revision < current.revision
        older_period = _period_key(info.period) < _period_key(current.period)
        if same_earlier or older_period:
            return info
    return None


def diff_entries(old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
    """Compare two entry frames by city × industry × occupation.

    Returns ``key, city_code, industry_code, occupation_code, change, old_grade, new_grade``
    (grades are star counts; ``change`` is new/removed/upgraded/downgraded/unchanged),
    sorted by change then key.
    """
    columns = [*KEY_COLUMNS, "stars"]
    before = old.reindex(columns=columns).rename(columns={"stars": "old_grade"})
    after = new.reindex(columns=columns).rename(columns={"stars": "new_grade"})
    merged = before.merge(after, on=list(KEY_COLUMNS), how="outer")
    merged.insert(0, "key", [entry_key(record) for record in merged.to_dict("records")])
    old_grade = pd.to_numeric(merged["old_grade"])
    new_grade = pd.to_numeric(merged["new_grade"])
    merged["change"] = np.select(
        [old_grade.isna(), new_grade.isna(), new_grade > old_grade, new_grade < old_grade],
        ["new", "removed", "upgraded", "downgraded"],
        default="unchanged",
    )
    merged["old_grade"] = old_grade.astype("Int64")
    merged["new_grade"] = new_grade.astype("Int64")
    order = ["key", *KEY_COLUMNS, "change", "old_grade", "new_grade"]
    return merged[order].sort_values(["change", "key"], ignore_index=True)


def diff_editions(session: Session, old_edition_id: int, new_edition_id: int) -> pd.DataFrame:
    """:func:`diff_entries` of two stored editions."""
    for edition_id in (old_edition_id, new_edition_id):
        if session.get(CatalogueEditionRow, edition_id) is None:
            raise KeyError(edition_id)
    return diff_entries(
        read_entries_frame(session, old_edition_id), read_entries_frame(session, new_edition_id)
    )
