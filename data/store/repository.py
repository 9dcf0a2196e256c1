"""Reading and writing records: bulk upserts on natural keys, lookups, pages and deletes.

A record's natural key is ``(tenant_id, record_id)``: ids are unique per tenant only (two
platforms may each have a vacancy ``V1``). Functions that take one id take its tenant too;
with ``tenant_id=None`` the id must be used by one tenant at most (else
:class:`AmbiguousRecordError`), which keeps single-tenant callers (the CLI, tests) simple.
Functions that read or report many records across tenants (for the match index and the
change log) speak :func:`data.records.record_key`, the one opaque key unique across tenants.

Writes go through Core ``executemany`` in chunks (one round trip per chunk, no ORM object
per row), which is what makes a 100k-row import take seconds rather than minutes. The
functions take a :class:`~sqlalchemy.orm.Session` and never commit: the caller's
:func:`data.store.session_scope` decides the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, TypeVar, Unpack

from sqlalchemy import (
    ColumnElement,
    RowMapping,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from data.errors import InvalidDataError
from data.records import Candidate, MatchOutcome, Vacancy, record_key, split_record_key
from data.store import convert
from data.store.changes import Side, log_changes
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
    "AmbiguousRecordError",
    "ListingFilters",
    "UpsertCounts",
    "delete_candidate",
    "delete_vacancy",
    "get_candidate",
    "get_candidates",
    "get_vacancies",
    "get_vacancy",
    "hired_candidates",
    "hired_counts",
    "insert_outcomes",
    "latest_hires",
    "list_candidates",
    "list_vacancies",
    "upsert_candidates",
    "upsert_vacancies",
]

CHUNK = 900  # keys per IN (...) lookup; well under SQLite's bound-parameter limit
_T = TypeVar("_T")
_Row = dict[str, Any]
_Key = tuple[str, str]
"""``(tenant_id, record_id)``: a record's natural key."""

VACANCIES: Table = Base.metadata.tables[VacancyRow.__tablename__]
CANDIDATES: Table = Base.metadata.tables[CandidateRow.__tablename__]
CONTACTS: Table = Base.metadata.tables[CandidateContactRow.__tablename__]
PROTECTED: Table = Base.metadata.tables[CandidateProtectedRow.__tablename__]
OUTCOMES: Table = Base.metadata.tables[MatchOutcomeRow.__tablename__]


class AmbiguousRecordError(InvalidDataError):
    """An id given without its tenant is used by several tenants: name the tenant."""

    def __init__(self, id_field: str, record_id: str) -> None:
        super().__init__(f"{id_field} {record_id!r} is used by several tenants; name the tenant")
        self.id_field = id_field
        self.record_id = record_id


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


def _by_tenant(keys: Iterable[_Key]) -> dict[str, list[str]]:
    """Ids grouped by tenant, so a lookup is ``tenant_id = :t AND id IN (...)`` per tenant."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for tenant_id, record_id in keys:
        grouped[tenant_id].append(record_id)
    return grouped


def _split_all(keys: Iterable[str]) -> list[_Key]:
    return [split_record_key(key) for key in dict.fromkeys(keys)]


def _key(row: _Row, id_field: str) -> _Key:
    return row["tenant_id"], row[id_field]


def _unique_keys(keys: Iterable[_Key], id_field: str) -> list[_Key]:
    """``keys`` in order, refusing any that repeats (which one should win is not ours)."""
    seen: dict[_Key, None] = {}
    for key in keys:
        if key in seen:
            tenant_id, record_id = key
            raise ValueError(
                f"{id_field} {record_id!r} appears more than once in one write"
                f" (tenant {tenant_id!r})"
            )
        seen[key] = None
    return list(seen)


def _existing(
    session: Session, table: Table, id_field: str, keys: Sequence[_Key], columns: Sequence[str]
) -> dict[_Key, _Row]:
    """Current column values of the rows whose natural key is in ``keys``."""
    found: dict[_Key, _Row] = {}
    selected = [table.c[name] for name in dict.fromkeys(("tenant_id", id_field, *columns))]
    for tenant_id, ids in _by_tenant(keys).items():
        for chunk in _chunks(ids):
            query = select(*selected).where(
                table.c.tenant_id == tenant_id, table.c[id_field].in_(chunk)
            )
            for row in session.execute(query).mappings():
                found[_key(dict(row), id_field)] = {name: row[name] for name in columns}
    return found


def _where_key(table: Table, id_field: str, tenant_id: str, record_id: str) -> Any:
    return (table.c.tenant_id == tenant_id) & (table.c[id_field] == record_id)


def _update_many(session: Session, table: Table, id_field: str, rows: list[_Row]) -> None:
    """``UPDATE ... WHERE tenant_id = :tenant_ AND id = :key_`` for many rows at once."""
    if not rows:
        return
    now = utc_now()
    params = [
        {"tenant_": row["tenant_id"], "key_": row[id_field], "updated_at": now}
        | {k: v for k, v in row.items() if k not in (id_field, "tenant_id")}
        for row in rows
    ]
    condition = (table.c.tenant_id == bindparam("tenant_")) & (
        table.c[id_field] == bindparam("key_")
    )
    session.execute(update(table).where(condition), params)


def _insert_many(session: Session, table: Table, rows: list[_Row]) -> None:
    if rows:
        session.execute(insert(table), rows)


def _tenant_of(
    session: Session, table: Table, id_field: str, record_id: str, tenant_id: str | None
) -> str | None:
    """The tenant whose record ``record_id`` is (``tenant_id`` if it has one), or None.

    Raises
    ------
    AmbiguousRecordError
        ``tenant_id`` is None and several tenants use ``record_id``.
    """
    query = select(table.c.tenant_id).where(table.c[id_field] == record_id)
    if tenant_id is not None:
        query = query.where(table.c.tenant_id == tenant_id)
    tenants = session.execute(query.limit(2)).scalars().all()
    if len(tenants) > 1:
        raise AmbiguousRecordError(id_field, record_id)
    return tenants[0] if tenants else None


def upsert_vacancies(session: Session, records: Iterable[Vacancy]) -> UpsertCounts:
    """Insert new vacancies and update changed ones, keyed on ``(tenant_id, vacancy_id)``.

    Raises
    ------
    ValueError
        If a vacancy (tenant and id) appears twice in ``records`` (which one should win is
        the caller's decision, not the store's).
    """
    rows = [convert.vacancy_row(record) for record in records]
    keys = _unique_keys((_key(row, "vacancy_id") for row in rows), "vacancy_id")
    existing = _existing(session, VACANCIES, "vacancy_id", keys, convert.VACANCY_COLUMNS)
    fresh = [row for row in rows if _key(row, "vacancy_id") not in existing]
    changed = [row for row in rows if existing.get(_key(row, "vacancy_id"), row) != row]
    _insert_many(session, VACANCIES, fresh)
    _update_many(session, VACANCIES, "vacancy_id", changed)
    written = [record_key(*_key(row, "vacancy_id")) for row in fresh + changed]
    log_changes(session, "vacancies", written, deleted=False)
    return UpsertCounts(len(fresh), len(changed), len(rows) - len(fresh) - len(changed))


def upsert_candidates(session: Session, records: Iterable[Candidate]) -> UpsertCounts:
    """Insert new candidates and update changed ones, keyed on ``(tenant_id, candidate_id)``.

    A candidate is the feature row plus its contact and protected rows; a record whose
    ``contact`` (or ``protected``) is ``None`` removes any stored one.
    """
    listed = list(records)
    keys = _unique_keys(((r.tenant_id, r.candidate_id) for r in listed), "candidate_id")
    triples = {key: convert.candidate_rows(r) for key, r in zip(keys, listed, strict=True)}
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
    for tenant_id, ids in _by_tenant(_key(main, "candidate_id") for main, _, _ in changed).items():
        for chunk in _chunks(ids):
            for table in (CONTACTS, PROTECTED):
                condition = (table.c.tenant_id == tenant_id) & table.c.candidate_id.in_(chunk)
                session.execute(delete(table).where(condition))
    written = fresh + changed
    _insert_many(session, CONTACTS, [row for _, row, _ in written if row is not None])
    _insert_many(session, PROTECTED, [row for _, _, row in written if row is not None])
    keys_written = [record_key(*_key(main, "candidate_id")) for main, _, _ in written]
    log_changes(session, "candidates", keys_written, deleted=False)
    return UpsertCounts(len(fresh), len(changed), len(triples) - len(fresh) - len(changed))


_OUTCOME_KEY = ("tenant_id", "candidate_id", "vacancy_id", "event", "occurred_at")


def insert_outcomes(session: Session, records: Iterable[MatchOutcome]) -> UpsertCounts:
    """Insert outcomes not stored yet; one already stored (same natural key) is left as is.

    The natural key is ``(tenant_id, candidate_id, vacancy_id, event, occurred_at)``, with
    ``occurred_at`` compared in UTC. The candidate and the vacancy must both be stored in
    the outcome's tenant.
    """
    rows = [convert.outcome_row(record) for record in records]

    def natural_key(row: _Row) -> tuple[Any, ...]:
        return tuple(row[name] for name in _OUTCOME_KEY)

    seen: set[tuple[Any, ...]] = set()
    for row in rows:
        if natural_key(row) in seen:
            raise ValueError(f"outcome {natural_key(row)!r} appears more than once in one write")
        seen.add(natural_key(row))
    stored: set[tuple[Any, ...]] = set()
    columns = [OUTCOMES.c[name] for name in _OUTCOME_KEY]
    candidates = sorted({_key(row, "candidate_id") for row in rows})
    for tenant_id, ids in _by_tenant(candidates).items():
        for chunk in _chunks(ids):
            query = select(*columns).where(
                OUTCOMES.c.tenant_id == tenant_id, OUTCOMES.c.candidate_id.in_(chunk)
            )
            stored.update(tuple(row) for row in session.execute(query))
    fresh = [row | {"created_at": utc_now()} for row in rows if natural_key(row) not in stored]
    _insert_many(session, OUTCOMES, fresh)
    # A hire can fill a vacancy: log it as a change of the vacancy, for the match index.
    hired = dict.fromkeys(
        record_key(row["tenant_id"], row["vacancy_id"]) for row in fresh if row["event"] == "hired"
    )
    log_changes(session, "vacancies", list(hired), deleted=False)
    return UpsertCounts(inserted=len(fresh), unchanged=len(rows) - len(fresh))


def get_vacancy(session: Session, vacancy_id: str, tenant_id: str | None = None) -> Vacancy | None:
    """The stored vacancy ``vacancy_id`` of ``tenant_id``, or None.

    Raises
    ------
    AmbiguousRecordError
        ``tenant_id`` is None and several tenants have a vacancy ``vacancy_id``.
    """
    row = _row_of(session, VACANCIES, "vacancy_id", vacancy_id, tenant_id)
    return None if row is None else convert.vacancy_from_row(row)


def _row_of(
    session: Session, table: Table, id_column: str, record_id: str, tenant_id: str | None
) -> RowMapping | None:
    """The row of record ``record_id`` of ``tenant_id`` (any tenant's if it is the only one)."""
    # A known tenant costs one primary-key read; else first find the only tenant using the id.
    tenant = tenant_id or _tenant_of(session, table, id_column, record_id, None)
    if tenant is None:
        return None
    query = select(table).where(_where_key(table, id_column, tenant, record_id))
    return session.execute(query).mappings().first()


def _personal_rows(session: Session, table: Table, keys: Sequence[_Key]) -> dict[_Key, _Row]:
    columns = tuple(column.name for column in table.columns)
    return _existing(session, table, "candidate_id", keys, columns)


def _candidates_from(
    session: Session, rows: Sequence[Any], include_personal: bool
) -> list[Candidate]:
    keys = [(row["tenant_id"], row["candidate_id"]) for row in rows]
    contacts = _personal_rows(session, CONTACTS, keys) if include_personal else {}
    protected = _personal_rows(session, PROTECTED, keys) if include_personal else {}
    return [
        convert.candidate_from_rows(row, contacts.get(key), protected.get(key))
        for key, row in zip(keys, rows, strict=True)
    ]


def get_candidate(
    session: Session,
    candidate_id: str,
    tenant_id: str | None = None,
    *,
    include_personal: bool = False,
) -> Candidate | None:
    """The stored candidate ``candidate_id`` of ``tenant_id``, or None.

    ``contact`` and ``protected`` are filled only with ``include_personal=True``: personal
    data leaves the store only when a caller asks for it by name.

    Raises
    ------
    AmbiguousRecordError
        ``tenant_id`` is None and several tenants have a candidate ``candidate_id``.
    """
    row = _row_of(session, CANDIDATES, "candidate_id", candidate_id, tenant_id)
    return None if row is None else _candidates_from(session, [row], include_personal)[0]


def hired_counts(session: Session, vacancy_keys: Sequence[str] | None = None) -> dict[str, int]:
    """Distinct candidates hired per vacancy, by :func:`~data.records.record_key` (only
    vacancies with a hire; all when None)."""
    query = (
        select(
            OUTCOMES.c.tenant_id,
            OUTCOMES.c.vacancy_id,
            func.count(func.distinct(OUTCOMES.c.candidate_id)),
        )
        .where(OUTCOMES.c.event == "hired")
        .group_by(OUTCOMES.c.tenant_id, OUTCOMES.c.vacancy_id)
    )
    if vacancy_keys is None:
        return {record_key(t, v): int(n) for t, v, n in session.execute(query)}
    counts: dict[str, int] = {}
    for tenant_id, ids in _by_tenant(_split_all(vacancy_keys)).items():
        for chunk in _chunks(ids):
            chunked = query.where(
                OUTCOMES.c.tenant_id == tenant_id, OUTCOMES.c.vacancy_id.in_(chunk)
            )
            counts.update({record_key(t, v): int(n) for t, v, n in session.execute(chunked)})
    return counts


def latest_hires(
    session: Session, candidate_keys: Sequence[str] | None = None
) -> dict[str, datetime]:
    """Each candidate's latest ``hired`` outcome time, by record key (all when None)."""
    query = (
        select(OUTCOMES.c.tenant_id, OUTCOMES.c.candidate_id, func.max(OUTCOMES.c.occurred_at))
        .where(OUTCOMES.c.event == "hired")
        .group_by(OUTCOMES.c.tenant_id, OUTCOMES.c.candidate_id)
    )
    if candidate_keys is None:
        return {record_key(t, c): moment for t, c, moment in session.execute(query)}
    found: dict[str, datetime] = {}
    for tenant_id, ids in _by_tenant(_split_all(candidate_keys)).items():
        for chunk in _chunks(ids):
            chunked = query.where(
                OUTCOMES.c.tenant_id == tenant_id, OUTCOMES.c.candidate_id.in_(chunk)
            )
            found.update({record_key(t, c): moment for t, c, moment in session.execute(chunked)})
    return found


def hired_candidates(session: Session, vacancy_keys: Sequence[str]) -> list[str]:
    """Record keys of the candidates with a ``hired`` outcome in any of ``vacancy_keys``."""
    found: dict[str, None] = {}
    for tenant_id, ids in _by_tenant(_split_all(vacancy_keys)).items():
        for chunk in _chunks(ids):
            query = (
                select(OUTCOMES.c.candidate_id)
                .where(
                    OUTCOMES.c.event == "hired",
                    OUTCOMES.c.tenant_id == tenant_id,
                    OUTCOMES.c.vacancy_id.in_(chunk),
                )
                .distinct()
            )
            found.update(dict.fromkeys(record_key(tenant_id, c) for c in session.scalars(query)))
    return list(found)


def _rows_by_keys(session: Session, table: Table, id_field: str, keys: Sequence[str]) -> list[Any]:
    rows: list[Any] = []
    for tenant_id, ids in _by_tenant(_split_all(keys)).items():
        for chunk in _chunks(ids):
            query = select(table).where(
                table.c.tenant_id == tenant_id, table.c[id_field].in_(chunk)
            )
            rows += session.execute(query).mappings().all()
    return rows


def get_vacancies(session: Session, keys: Sequence[str]) -> list[Vacancy]:
    """The stored vacancies among the record keys ``keys`` (absent ones are left out)."""
    return [
        convert.vacancy_from_row(row)
        for row in _rows_by_keys(session, VACANCIES, "vacancy_id", keys)
    ]


def get_candidates(session: Session, keys: Sequence[str]) -> list[Candidate]:
    """The stored candidates among the record keys ``keys``, without personal data."""
    rows = _rows_by_keys(session, CANDIDATES, "candidate_id", keys)
    return _candidates_from(session, rows, include_personal=False)


def delete_vacancy(session: Session, vacancy_id: str, tenant_id: str | None = None) -> bool:
    """Delete a vacancy and its outcomes; return whether it existed.

    Raises
    ------
    AmbiguousRecordError
        ``tenant_id`` is None and several tenants have a vacancy ``vacancy_id``.
    """
    children = (OUTCOMES,)
    return _delete_record(session, "vacancies", children, vacancy_id, tenant_id)


def delete_candidate(session: Session, candidate_id: str, tenant_id: str | None = None) -> bool:
    """Delete a candidate with its contact, protected attributes and outcomes.

    The foreign keys cascade too; deleting explicitly keeps erasure complete even on a
    connection where SQLite's foreign keys were left off.

    Raises
    ------
    AmbiguousRecordError
        ``tenant_id`` is None and several tenants have a candidate ``candidate_id``.
    """
    children = (OUTCOMES, CONTACTS, PROTECTED)
    return _delete_record(session, "candidates", children, candidate_id, tenant_id)


def _delete_record(
    session: Session, side: Side, children: tuple[Table, ...], record_id: str, tenant_id: str | None
) -> bool:
    """Delete a record and its rows in ``children``; log the deletion; whether it existed."""
    table, id_column = (
        (VACANCIES, "vacancy_id") if side == "vacancies" else (CANDIDATES, "candidate_id")
    )
    tenant = _tenant_of(session, table, id_column, record_id, tenant_id)
    if tenant is None:
        return False
    for child in children:
        session.execute(delete(child).where(_where_key(child, id_column, tenant, record_id)))
    condition = _where_key(table, id_column, tenant, record_id)
    existed = bool(getattr(session.execute(delete(table).where(condition)), "rowcount", 0))
    if existed:
        log_changes(session, side, [record_key(tenant, record_id)], deleted=True)
    return existed


def _occupation_filter(column: Any, code: str) -> ColumnElement[bool]:
    # An ancestor code ('2-02') selects all its descendants ('2-02-10-09').
    return or_(column == code, column.like(f"{code}-%"))


def _filters(
    table: Table,
    occupation_column: str,
    tenant_id: str | None,
    city_code: str | None,
    occupation_code: str | None,
) -> list[ColumnElement[bool]]:
    """A listing's filters that are given: tenant and city exactly, the occupation with its
    descendants (on ``occupation_column``)."""
    conditions: list[ColumnElement[bool]] = []
    if tenant_id is not None:
        conditions.append(table.c.tenant_id == tenant_id)
    if city_code is not None:
        conditions.append(table.c.city_code == city_code)
    if occupation_code is not None:
        conditions.append(_occupation_filter(table.c[occupation_column], occupation_code))
    return conditions


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
    # Ids repeat across tenants: the tenant breaks ties, so pages never overlap.
    order = (table.c[key], table.c.tenant_id)
    query = select(table).where(*conditions).order_by(*order).offset(offset).limit(limit)
    return session.execute(query).mappings().all(), int(total or 0)


class ListingFilters(TypedDict, total=False):
    """What a listing may be narrowed by, and which page of it (every key optional).

    ``tenant_id`` and ``city_code`` match exactly; ``occupation_code`` matches the code and its
    descendants (a vacancy's ``occupation_code``, a candidate's ``current_occupation_code``);
    ``offset`` (default 0) and ``limit`` (default 50) choose the page.
    """

    tenant_id: str | None
    city_code: str | None
    occupation_code: str | None
    offset: int
    limit: int


def _listed(
    session: Session, table: Table, key: str, occupation_column: str, filters: ListingFilters
) -> tuple[Sequence[Any], int]:
    unknown = sorted(set(filters) - set(ListingFilters.__annotations__))
    if unknown:
        raise TypeError(f"unknown listing filters: {', '.join(unknown)}")
    conditions = _filters(
        table,
        occupation_column,
        filters.get("tenant_id"),
        filters.get("city_code"),
        filters.get("occupation_code"),
    )
    offset, limit = filters.get("offset", 0), filters.get("limit", 50)
    return _page(session, table, key, conditions, offset, limit)


def list_vacancies(
    session: Session, **filters: Unpack[ListingFilters]
) -> tuple[list[Vacancy], int]:
    """One page of vacancies ordered by ``vacancy_id``, and how many match in all
    (``filters``: :class:`ListingFilters`)."""
    rows, total = _listed(session, VACANCIES, "vacancy_id", "occupation_code", filters)
    return [convert.vacancy_from_row(row) for row in rows], total


def list_candidates(
    session: Session, *, include_personal: bool = False, **filters: Unpack[ListingFilters]
) -> tuple[list[Candidate], int]:
    """One page of candidates ordered by ``candidate_id``, and how many match in all
    (``filters``: :class:`ListingFilters`, the occupation on ``current_occupation_code``);
    personal data as in :func:`get_candidate`."""
    occupation = "current_occupation_code"
    rows, total = _listed(session, CANDIDATES, "candidate_id", occupation, filters)
    return _candidates_from(session, rows, include_personal), total
