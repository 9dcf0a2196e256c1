"""Reading and writing records: bulk upserts on natural keys, lookups, pages and deletes.

Writes go through Core ``executemany`` in chunks (one round trip per chunk, no ORM object
per row), which is what makes a 100k-row import take seconds rather than minutes. The
functions take a :class:`~sqlalchemy.orm.Session` and never commit: the caller's
:func:`data.store.session_scope` decides the transaction.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Table, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from data.records import Candidate, MatchOutcome, Vacancy
from data.store import convert
from data.store.changes import log_changes
from data.store.schema import (
    Base,
    CandidateContactRow,
    CandidateProtectedRow,
    CandidateRow,
    MatchOutcomeRow,
    VacancyRow,
    utc_now,
)

__all__ = [
    "UpsertCounts",
    "delete_candidate",
    "delete_vacancy",
    "get_candidate",
    "get_candidates",
    "get_vacancies",
    "get_vacancy",
    "hired_counts",
    "insert_outcomes",
    "list_candidates",
    "list_vacancies",
    "upsert_candidates",
    "upsert_vacancies",
]

CHUNK = 900  # keys per IN (...) lookup; well under SQLite's bound-parameter limit
_T = TypeVar("_T")
_Row = dict[str, Any]

VACANCIES: Table = Base.metadata.tables[VacancyRow.__tablename__]
CANDIDATES: Table = Base.metadata.tables[CandidateRow.__tablename__]
CONTACTS: Table = Base.metadata.tables[CandidateContactRow.__tablename__]
PROTECTED: Table = Base.metadata.tables[CandidateProtectedRow.__tablename__]
OUTCOMES: Table = Base.metadata.tables[MatchOutcomeRow.__tablename__]


@dataclass(frozen=True, slots=True)
class UpsertCounts:
    """How many records a write inserted, updated, or found already identical."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        """Records seen."""
        return self.inserted + self.updated + self.unchanged


def _chunks(items: Sequence[_T], size: int = CHUNK) -> Iterator[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unique_keys(keys: Iterable[Any], what: str) -> list[Any]:
    seen: set[Any] = set()
    for key in keys:
        if key in seen:
            raise ValueError(f"{what} {key!r} appears more than once in one write")
        seen.add(key)
    return list(seen)


def _existing(
    session: Session, table: Table, key: str, keys: Sequence[str], columns: Sequence[str]
) -> dict[str, _Row]:
    """Current column values of the rows whose natural key is in ``keys``."""
    found: dict[str, _Row] = {}
    selected = [table.c[name] for name in dict.fromkeys((key, *columns))]
    for chunk in _chunks(keys):
        for row in session.execute(select(*selected).where(table.c[key].in_(chunk))).mappings():
            found[row[key]] = {name: row[name] for name in columns}
    return found


def _update_many(session: Session, table: Table, key: str, rows: list[_Row]) -> None:
    """``UPDATE ... WHERE key = :key_`` for many rows in one executemany."""
    if not rows:
        return
    now = utc_now()
    params = [
        {"key_": row[key], "updated_at": now} | {k: v for k, v in row.items() if k != key}
        for row in rows
    ]
    session.execute(update(table).where(table.c[key] == bindparam("key_")), params)


def _insert_many(session: Session, table: Table, rows: list[_Row]) -> None:
    if rows:
        session.execute(insert(table), rows)


def upsert_vacancies(session: Session, records: Iterable[Vacancy]) -> UpsertCounts:
    """Insert new vacancies and update changed ones, keyed on ``vacancy_id``.

    Raises
    ------
    ValueError
        If a ``vacancy_id`` appears twice in ``records`` (which one should win is the
        caller's decision, not the store's).
    """
    rows = [convert.vacancy_row(record) for record in records]
    keys = _unique_keys((row["vacancy_id"] for row in rows), "vacancy_id")
    existing = _existing(session, VACANCIES, "vacancy_id", keys, convert.VACANCY_COLUMNS)
    fresh = [row for row in rows if row["vacancy_id"] not in existing]
    changed = [row for row in rows if existing.get(row["vacancy_id"], row) != row]
    _insert_many(session, VACANCIES, fresh)
    _update_many(session, VACANCIES, "vacancy_id", changed)
    log_changes(session, "vacancies", [r["vacancy_id"] for r in fresh + changed], deleted=False)
    return UpsertCounts(len(fresh), len(changed), len(rows) - len(fresh) - len(changed))


def upsert_candidates(session: Session, records: Iterable[Candidate]) -> UpsertCounts:
    """Insert new candidates and update changed ones, keyed on ``candidate_id``.

    A candidate is the feature row plus its contact and protected rows; a record whose
    ``contact`` (or ``protected``) is ``None`` removes any stored one.
    """
    triples = {}
    for record in records:
        if record.candidate_id in triples:
            raise ValueError(f"candidate_id {record.candidate_id!r} appears more than once")
        triples[record.candidate_id] = convert.candidate_rows(record)
    keys = list(triples)
    stored = _existing(session, CANDIDATES, "candidate_id", keys, convert.CANDIDATE_COLUMNS)
    contacts = _personal_rows(session, CONTACTS, keys)
    protected = _personal_rows(session, PROTECTED, keys)
    fresh, changed = [], []
    for key, triple in triples.items():
        if key not in stored:
            fresh.append(triple)
        elif triple != (stored[key], contacts.get(key), protected.get(key)):
            changed.append(triple)
    _insert_many(session, CANDIDATES, [main for main, _, _ in fresh])
    _update_many(session, CANDIDATES, "candidate_id", [main for main, _, _ in changed])
    changed_keys = [main["candidate_id"] for main, _, _ in changed]
    for chunk in _chunks(changed_keys):
        session.execute(delete(CONTACTS).where(CONTACTS.c.candidate_id.in_(chunk)))
        session.execute(delete(PROTECTED).where(PROTECTED.c.candidate_id.in_(chunk)))
    written = fresh + changed
    _insert_many(session, CONTACTS, [row for _, row, _ in written if row is not None])
    _insert_many(session, PROTECTED, [row for _, _, row in written if row is not None])
    log_changes(session, "candidates", [m["candidate_id"] for m, _, _ in written], deleted=False)
    return UpsertCounts(len(fresh), len(changed), len(triples) - len(fresh) - len(changed))


def insert_outcomes(session: Session, records: Iterable[MatchOutcome]) -> UpsertCounts:
    """Insert outcomes not stored yet; one already stored (same natural key) is left as is.

    The natural key is ``(candidate_id, vacancy_id, event, occurred_at)``, with
    ``occurred_at`` compared in UTC. Both the candidate and the vacancy must be stored.
    """
    rows = [convert.outcome_row(record) for record in records]

    def natural_key(row: _Row) -> tuple[Any, ...]:
        return row["candidate_id"], row["vacancy_id"], row["event"], row["occurred_at"]

    _unique_keys((natural_key(row) for row in rows), "outcome")
    candidate_ids = sorted({row["candidate_id"] for row in rows})
    stored: set[tuple[Any, ...]] = set()
    columns = [OUTCOMES.c[name] for name in ("candidate_id", "vacancy_id", "event", "occurred_at")]
    for chunk in _chunks(candidate_ids):
        query = select(*columns).where(OUTCOMES.c.candidate_id.in_(chunk))
        stored.update(tuple(row) for row in session.execute(query))
    fresh = [row | {"created_at": utc_now()} for row in rows if natural_key(row) not in stored]
    _insert_many(session, OUTCOMES, fresh)
    # A hire can fill a vacancy: log it as a change of the vacancy, for the match index.
    hired = dict.fromkeys(row["vacancy_id"] for row in fresh if row["event"] == "hired")
    log_changes(session, "vacancies", list(hired), deleted=False)
    return UpsertCounts(inserted=len(fresh), unchanged=len(rows) - len(fresh))


def get_vacancy(session: Session, vacancy_id: str) -> Vacancy | None:
    """The stored vacancy, or None."""
    query = select(VACANCIES).where(VACANCIES.c.vacancy_id == vacancy_id)
    row = session.execute(query).mappings().first()
    return None if row is None else convert.vacancy_from_row(row)


def _personal_rows(session: Session, table: Table, keys: Sequence[str]) -> dict[str, _Row]:
    columns = tuple(column.name for column in table.columns)
    return _existing(session, table, "candidate_id", keys, columns)


def _candidates_from(
    session: Session, rows: Sequence[Any], include_personal: bool
) -> list[Candidate]:
    keys = [row["candidate_id"] for row in rows]
    contacts = _personal_rows(session, CONTACTS, keys) if include_personal else {}
    protected = _personal_rows(session, PROTECTED, keys) if include_personal else {}
    return [
        convert.candidate_from_rows(row, contacts.get(key), protected.get(key))
        for key, row in zip(keys, rows, strict=True)
    ]


def get_candidate(
    session: Session, candidate_id: str, *, include_personal: bool = False
) -> Candidate | None:
    """The stored candidate, or None.

    ``contact`` and ``protected`` are filled only with ``include_personal=True``: personal
    data leaves the store only when a caller asks for it by name.
    """
    query = select(CANDIDATES).where(CANDIDATES.c.candidate_id == candidate_id)
    row = session.execute(query).mappings().first()
    return None if row is None else _candidates_from(session, [row], include_personal)[0]


def hired_counts(session: Session, vacancy_ids: Sequence[str] | None = None) -> dict[str, int]:
    """Distinct candidates hired per vacancy (only vacancies with a hire; all when None)."""
    query = (
        select(OUTCOMES.c.vacancy_id, func.count(func.distinct(OUTCOMES.c.candidate_id)))
        .where(OUTCOMES.c.event == "hired")
        .group_by(OUTCOMES.c.vacancy_id)
    )
    if vacancy_ids is None:
        return {str(v): int(n) for v, n in session.execute(query)}
    counts: dict[str, int] = {}
    for chunk in _chunks(list(vacancy_ids)):
        chunked = query.where(OUTCOMES.c.vacancy_id.in_(chunk))
        counts.update({str(v): int(n) for v, n in session.execute(chunked)})
    return counts


def get_vacancies(session: Session, vacancy_ids: Sequence[str]) -> list[Vacancy]:
    """The stored vacancies among ``vacancy_ids`` (absent ones are left out)."""
    found: list[Vacancy] = []
    for chunk in _chunks(list(vacancy_ids)):
        query = select(VACANCIES).where(VACANCIES.c.vacancy_id.in_(chunk))
        found += [convert.vacancy_from_row(row) for row in session.execute(query).mappings()]
    return found


def get_candidates(session: Session, candidate_ids: Sequence[str]) -> list[Candidate]:
    """The stored candidates among ``candidate_ids``, without personal data."""
    found: list[Candidate] = []
    for chunk in _chunks(list(candidate_ids)):
        query = select(CANDIDATES).where(CANDIDATES.c.candidate_id.in_(chunk))
        rows = session.execute(query).mappings().all()
        found += _candidates_from(session, rows, include_personal=False)
    return found


def delete_vacancy(session: Session, vacancy_id: str) -> bool:
    """Delete a vacancy and its outcomes; return whether it existed."""
    session.execute(delete(OUTCOMES).where(OUTCOMES.c.vacancy_id == vacancy_id))
    result = session.execute(delete(VACANCIES).where(VACANCIES.c.vacancy_id == vacancy_id))
    existed = bool(getattr(result, "rowcount", 0))
    if existed:
        log_changes(session, "vacancies", [vacancy_id], deleted=True)
    return existed


def delete_candidate(session: Session, candidate_id: str) -> bool:
    """Delete a candidate with its contact, protected attributes and outcomes.

    The foreign keys cascade too; deleting explicitly keeps erasure complete even on a
    connection where SQLite's foreign keys were left off.
    """
    for table in (OUTCOMES, CONTACTS, PROTECTED):
        session.execute(delete(table).where(table.c.candidate_id == candidate_id))
    result = session.execute(delete(CANDIDATES).where(CANDIDATES.c.candidate_id == candidate_id))
    existed = bool(getattr(result, "rowcount", 0))
    if existed:
        log_changes(session, "candidates", [candidate_id], deleted=True)
    return existed


def _occupation_filter(column: Any, code: str) -> ColumnElement[bool]:
    # An ancestor code ('2-02') selects all its descendants ('2-02-10-09').
    return or_(column == code, column.like(f"{code}-%"))


def _page(
    session: Session,
    table: Table,
    key: str,
    conditions: list[ColumnElement[bool]],
    offset: int,
    limit: int,
) -> tuple[Sequence[Any], int]:
    if offset < 0 or limit < 1:
        raise ValueError(f"need offset >= 0 and limit >= 1, got offset={offset}, limit={limit}")
    total = session.execute(select(func.count()).select_from(table).where(*conditions)).scalar()
    query = select(table).where(*conditions).order_by(table.c[key]).offset(offset).limit(limit)
    return session.execute(query).mappings().all(), int(total or 0)


def list_vacancies(
    session: Session,
    *,
    tenant_id: str | None = None,
    city_code: str | None = None,
    occupation_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
) -> tuple[list[Vacancy], int]:
    """One page of vacancies ordered by ``vacancy_id``, and how many match in all."""
    conditions: list[ColumnElement[bool]] = []
    if tenant_id is not None:
        conditions.append(VACANCIES.c.tenant_id == tenant_id)
    if city_code is not None:
        conditions.append(VACANCIES.c.city_code == city_code)
    if occupation_code is not None:
        conditions.append(_occupation_filter(VACANCIES.c.occupation_code, occupation_code))
    rows, total = _page(session, VACANCIES, "vacancy_id", conditions, offset, limit)
    return [convert.vacancy_from_row(row) for row in rows], total


def list_candidates(
    session: Session,
    *,
    tenant_id: str | None = None,
    city_code: str | None = None,
    occupation_code: str | None = None,
    offset: int = 0,
    limit: int = 50,
    include_personal: bool = False,
) -> tuple[list[Candidate], int]:
    """One page of candidates ordered by ``candidate_id``, and how many match in all.

    ``occupation_code`` filters on ``current_occupation_code``; personal data as in
    :func:`get_candidate`.
    """
    conditions: list[ColumnElement[bool]] = []
    if tenant_id is not None:
        conditions.append(CANDIDATES.c.tenant_id == tenant_id)
    if city_code is not None:
        conditions.append(CANDIDATES.c.city_code == city_code)
    if occupation_code is not None:
        column = CANDIDATES.c.current_occupation_code
        conditions.append(_occupation_filter(column, occupation_code))
    rows, total = _page(session, CANDIDATES, "candidate_id", conditions, offset, limit)
    return _candidates_from(session, rows, include_personal), total
