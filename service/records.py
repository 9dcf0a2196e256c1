"""Writing vacancies and candidates: one implementation for both sides and every verb.

``POST`` (create or replace), ``PUT /{id}`` (replace), ``PATCH /{id}`` (JSON merge patch,
RFC 7396) and ``POST /…:batch`` all come down to :func:`store`: the import's validation
(:func:`check_record`), the tenant rules, the occupation coder for a vacancy without a code,
and the carry-over of write-only fields. A :class:`Side` holds what differs between
vacancies and candidates, so each operation is written once.

Ids are unique per tenant (the store's natural key is ``(tenant_id, id)``): a write goes to
the caller's tenant (:func:`service.api.security.tenant_for_write`) and only ever finds or
replaces that tenant's record, so another tenant using the same id is invisible — no
conflict, no hint that the id exists elsewhere.

Write-only fields (a candidate's ``contact`` and ``protected``) cannot be read back, so a
client that replaces a record with the body it got from ``GET`` never has them: a replace
that *omits* one keeps the stored value; sending ``null`` erases it.

Batches validate every item on its own (an item's error never fails the others), then write
all valid items in one transaction; if that transaction loses a race with a concurrent
create (a unique-key conflict, or an id found new that was no longer new when written),
it is rolled back and each item is retried in its own transaction, so the results still
say item by item what was stored (a raced id is then reported as the update it became,
never counted as created; only the caller's own tenant's record can be the one raced).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Literal, TypeVar

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.compliance import discriminatory_requirements
from data.ingest.checks import taxonomy_faults
from data.occupation_coding import TitleCoding, code_missing_occupation
from data.records import Candidate, Vacancy
from data.store import (
    UpsertCounts,
    delete_candidate,
    delete_vacancy,
    get_candidate,
    get_vacancy,
    list_candidates,
    list_vacancies,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.keys import Principal
from service.api.tenants import tenant_for_write, tenant_scope
from service.core.errors import Conflict, InvalidInput, YueCaiError, from_pydantic_error
from service.core.metrics import AppMetrics
from service.schemas.records import CandidateIn, CandidateOut, VacancyIn, VacancyOut

__all__ = [
    "CANDIDATES",
    "VACANCIES",
    "Incoming",
    "ItemResult",
    "R",
    "Record",
    "Side",
    "Stored",
    "check_record",
    "commit",
    "merge_patch",
    "parse",
    "prepare",
    "store",
    "store_batch",
]

Record = Vacancy | Candidate
Incoming = VacancyIn | CandidateIn


R = TypeVar("R", Vacancy, Candidate)


@dataclass(frozen=True)
class Side(Generic[R]):
    """What differs between a vacancy and a candidate, for writing and for serving them.

    The store's functions for the side's records of type ``R`` (each takes the id and the
    tenant, None meaning "whichever tenant has it"), its input and public schemas, and the
    names the routes and messages use.
    """

    noun: str
    collection: str
    key: str
    schema: type[VacancyIn] | type[CandidateIn]
    record: type[R]
    public: type[VacancyOut] | type[CandidateOut]
    write_only: tuple[str, ...]
    read: Callable[[Session, str, str | None], R | None]
    """The stored record *with* its write-only fields (for the carry-over, never a reply)."""
    find: Callable[[Session, str, str | None], R | None]
    """The stored record without its write-only fields (what a reply may show)."""
    listing: Callable[..., tuple[list[R], int]]
    delete: Callable[[Session, str, str | None], bool]
    upsert: Callable[[Session, list[Any]], UpsertCounts]

    def shown(self, record: Record) -> VacancyOut | CandidateOut:
        """The public view of ``record``: its write-only fields dropped, whatever they hold."""
        return self.public.model_validate(record.model_dump(exclude=set(self.write_only)))


VACANCIES = Side[Vacancy](
    noun="vacancy",
    collection="/vacancies",
    key="vacancy_id",
    schema=VacancyIn,
    record=Vacancy,
    public=VacancyOut,
    write_only=(),
    read=get_vacancy,
    find=get_vacancy,  # no write-only fields on this side
    listing=list_vacancies,
    delete=delete_vacancy,
    upsert=upsert_vacancies,
)
CANDIDATES = Side[Candidate](
    noun="candidate",
    collection="/candidates",
    key="candidate_id",
    schema=CandidateIn,
    record=Candidate,
    public=CandidateOut,
    write_only=("contact", "protected"),
    read=partial(get_candidate, include_personal=True),
    find=get_candidate,
    listing=list_candidates,
    delete=delete_candidate,
    upsert=upsert_candidates,
)


@dataclass(frozen=True)
class Stored:
    """A record as written, and whether it was new."""

    record: Record
    created: bool


def check_record(
    record: Record, metrics: AppMetrics, location: Sequence[int | str] = ("body",)
) -> None:
    """The import's validation, for the API: taxonomy codes and discriminatory requirements.

    Raises
    ------
    InvalidInput
        Naming each faulty ``<location>.<field>`` (a discriminatory phrase is quoted in the
        reason, and counted per category in ``/metrics``).
    """
    faults = taxonomy_faults(type(record), record.model_dump())
    if not faults:
        return
    if isinstance(record, Vacancy):
        for finding in discriminatory_requirements(f"{record.title}\n{record.description}"):
            metrics.discriminatory_vacancies.labels(category=finding.category).inc()
    prefix = ".".join(str(part) for part in location)
    (field, reason), *more = [(f"{prefix}.{name}", why) for name, why in faults]
    raise InvalidInput(field, reason, more=more)


def parse(side: Side[Any], payload: Any, location: Sequence[int | str] = ("body",)) -> Incoming:
    """``payload`` validated as ``side``'s input; a 422 naming each field under ``location``."""
    try:
        return side.schema.model_validate(payload)
    except ValidationError as error:
        raise from_pydantic_error(error, location) from error


def _relocated(error: InvalidInput, location: Sequence[int | str]) -> InvalidInput:
    """``error`` with its ``body.…`` fields moved under ``location`` (a batch item's)."""
    prefix = ".".join(str(part) for part in location)
    (field, reason), *more = [
        (prefix + e["field"].removeprefix("body"), e["reason"]) for e in error.errors
    ]
    return InvalidInput(field, reason, more=more)


def merge_patch(target: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """RFC 7396 JSON merge patch: members replace, ``null`` removes, objects merge.

    >>> merge_patch({"a": 1, "c": {"x": 1, "y": 2}}, {"a": None, "b": 2, "c": {"y": None}})
    {'c': {'x': 1}, 'b': 2}
    """
    merged = dict(target)
    for name, value in patch.items():
        if value is None:
            merged.pop(name, None)
        elif isinstance(value, Mapping) and isinstance(merged.get(name), Mapping):
            merged[name] = merge_patch(merged[name], value)
        else:
            merged[name] = value
    return merged


def prepare(
    session: Session,
    principal: Principal,
    side: Side[Any],
    incoming: Incoming,
    *,
    metrics: AppMetrics,
    coder: Callable[[], TitleCoding],
    recode: bool = True,
    location: Sequence[int | str] = ("body",),
) -> Stored:
    """The record ``incoming`` will be stored as, validated and with write-only fields kept
    (nothing written: :func:`store` writes one, :func:`store_batch` many at once).

    ``recode=False`` keeps a stored coded occupation as it is (a PATCH that leaves
    ``occupation_code`` alone must not turn a coded code into a "given" one).

    Raises
    ------
    InvalidInput, Forbidden
        Bad values or tenant; nothing written.
    """
    try:
        tenant = tenant_for_write(principal, incoming.tenant_id)
    except InvalidInput as error:
        raise _relocated(error, location) from error
    record: Record = side.record.model_validate(incoming.model_dump() | {"tenant_id": tenant})
    if isinstance(record, Vacancy) and recode:
        (record,) = code_missing_occupation([record], coder)
    check_record(record, metrics, location)
    existing = side.read(session, getattr(record, side.key), tenant)
    kept = {
        name: getattr(existing, name)
        for name in side.write_only
        if existing is not None and name not in incoming.model_fields_set
    }
    if kept:
        record = record.model_copy(update=kept)
    return Stored(record, created=existing is None)


def store(
    session: Session, principal: Principal, side: Side[Any], incoming: Incoming, **options: Any
) -> Stored:
    """:func:`prepare` and write the record (the caller commits); same options and errors."""
    stored = prepare(session, principal, side, incoming, **options)
    if side.upsert(session, [stored.record]).inserted != int(stored.created):
        key = getattr(stored.record, side.key)
        raise Conflict(f"{side.key} {key!r} was written concurrently.")
    return stored


class _RaceLost(Exception):
    """A record :func:`prepare` found new was there by the time it was written: a
    concurrent create took its id (and the upsert would have replaced that record)."""


def commit(session: Session, side: Side[Any], key: str) -> None:
    """Commit; a unique-key race lost to a concurrent create is a 409, not a 500."""
    try:
        session.commit()
    except IntegrityError as error:
        session.rollback()
        raise Conflict(f"{side.key} {key!r} was written concurrently.") from error


@dataclass(frozen=True)
class ItemResult:
    """What became of one batch item: ``record`` when stored, ``error`` when refused."""

    index: int
    key: str | None
    status: Literal["created", "updated", "error"]
    record: Record | None = None
    error: YueCaiError | None = None


def _key_of(item: Any, side: Side[Any]) -> str | None:
    key = item.get(side.key) if isinstance(item, Mapping) else None
    return key if isinstance(key, str) else None


def store_batch(
    session: Session,
    principal: Principal,
    side: Side[Any],
    items: Sequence[Any],
    *,
    metrics: AppMetrics,
    coder: Callable[[], TitleCoding],
) -> list[ItemResult]:
    """Validate each item, then write the valid ones together (see the module docstring)."""
    results: list[ItemResult | None] = [None] * len(items)
    valid: list[tuple[int, Incoming]] = []
    seen: set[tuple[str | None, str]] = set()
    for index, item in enumerate(items):
        key = _key_of(item, side)
        try:
            incoming = parse(side, item, ("body", "items", index))
            key = getattr(incoming, side.key)
            tenant = tenant_scope(principal) or incoming.tenant_id
            if (tenant, key) in seen:  # the same id in two tenants is two records
                raise InvalidInput(
                    f"body.items.{index}.{side.key}", "appears earlier in this batch"
                )
            seen.add((tenant, key))
            valid.append((index, incoming))
        except YueCaiError as error:
            results[index] = ItemResult(index, key, "error", error=error)
    write = partial(_write_all, session, principal, side, metrics=metrics, coder=coder)
    try:
        written = write(valid)
        session.commit()
    except (IntegrityError, _RaceLost):  # a concurrent writer took an id: one transaction each
        session.rollback()
        written = [_write_alone(write, session, side, item) for item in valid]
    for result in written:
        results[result.index] = result
    return [result for result in results if result is not None]


def _write_all(
    session: Session,
    principal: Principal,
    side: Side[Any],
    valid: Sequence[tuple[int, Incoming]],
    **context: Any,
) -> list[ItemResult]:
    written: list[ItemResult] = []
    for index, incoming in valid:
        key = getattr(incoming, side.key)
        try:
            location = ("body", "items", index)
            stored = prepare(session, principal, side, incoming, location=location, **context)
        except YueCaiError as error:
            written.append(ItemResult(index, key, "error", error=error))
            continue
        status: Literal["created", "updated"] = "created" if stored.created else "updated"
        written.append(ItemResult(index, key, status, record=stored.record))
    counts = side.upsert(session, [result.record for result in written if result.record])
    if counts.inserted != sum(result.status == "created" for result in written):
        raise _RaceLost
    return written


def _write_alone(
    write: Callable[[Sequence[tuple[int, Incoming]]], list[ItemResult]],
    session: Session,
    side: Side[Any],
    item: tuple[int, Incoming],
) -> ItemResult:
    """``write`` (:func:`_write_all` bound to the batch) one item in its own transaction."""
    index, incoming = item
    key = getattr(incoming, side.key)
    try:
        (result,) = write([item])
        if result.error is None:
            commit(session, side, key)
    except (_RaceLost, Conflict, IntegrityError):
        session.rollback()
        conflict = Conflict(f"{side.key} {key!r} was written concurrently.")
        result = ItemResult(index, key, "error", error=conflict)
    return result
