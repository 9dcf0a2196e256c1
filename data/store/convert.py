"""Lossless record ⇄ row conversion.

Rows are plain dicts of column values (enums as ``int``, tuples as ``list``), which is what
Core ``executemany`` wants and what comes back from a ``select``, so "did this record
change?" is a plain dict comparison, without building ORM objects.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from data.records import Candidate, ContactDetails, MatchOutcome, ProtectedAttributes, Vacancy
from data.store.schema import as_utc

__all__ = [
    "CANDIDATE_COLUMNS",
    "CONTACT_COLUMNS",
    "OUTCOME_COLUMNS",
    "PROTECTED_COLUMNS",
    "VACANCY_COLUMNS",
    "candidate_from_rows",
    "candidate_rows",
    "outcome_from_row",
    "outcome_row",
    "vacancy_from_row",
    "vacancy_row",
]

VACANCY_COLUMNS: tuple[str, ...] = tuple(Vacancy.model_fields)
CANDIDATE_COLUMNS: tuple[str, ...] = tuple(
    name for name in Candidate.model_fields if name not in {"contact", "protected"}
)
CONTACT_COLUMNS: tuple[str, ...] = tuple(ContactDetails.model_fields)
PROTECTED_COLUMNS: tuple[str, ...] = tuple(ProtectedAttributes.model_fields)
OUTCOME_COLUMNS: tuple[str, ...] = tuple(MatchOutcome.model_fields)


def _columns_needing(model: type[BaseModel], kind: type) -> frozenset[str]:
    """Fields of ``model`` whose (optional) annotation is a subclass of ``kind``."""
    names = set()
    for name, info in model.model_fields.items():
        for candidate in (info.annotation, *get_args(info.annotation)):
            origin = get_origin(candidate) or candidate
            if isinstance(origin, type) and issubclass(origin, kind):
                names.add(name)
    return frozenset(names)


# Precomputed per model, so a 100k-row write converts only the cells that need it.
_ENUM_FIELDS: dict[type[BaseModel], frozenset[str]] = {
    model: _columns_needing(model, Enum)
    for model in (Vacancy, Candidate, ContactDetails, ProtectedAttributes, MatchOutcome)
}
_TUPLE_FIELDS: dict[type[BaseModel], frozenset[str]] = {
    model: _columns_needing(model, tuple) for model in _ENUM_FIELDS
}


def _row(record: BaseModel, columns: tuple[str, ...]) -> dict[str, Any]:
    values = record.__dict__
    row = {name: values[name] for name in columns}
    for name in _ENUM_FIELDS[type(record)]:
        if row.get(name) is not None:
            row[name] = row[name].value
    for name in _TUPLE_FIELDS[type(record)]:
        if name in row:
            row[name] = list(row[name])
    return row


def vacancy_row(record: Vacancy) -> dict[str, Any]:
    """Column values of one vacancy."""
    return _row(record, VACANCY_COLUMNS)


def vacancy_from_row(row: Mapping[Any, Any]) -> Vacancy:
    """Rebuild a :class:`Vacancy` from its column values."""
    return Vacancy.model_validate({name: row[name] for name in VACANCY_COLUMNS})


def candidate_rows(
    record: Candidate,
) -> tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any] | None]:
    """Feature row, contact row (or None) and protected row (or None) of one candidate.

    The contact and protected rows carry ``tenant_id`` and ``candidate_id`` so they can be
    inserted as is.
    """
    key = {"tenant_id": record.tenant_id, "candidate_id": record.candidate_id}
    contact = None if record.contact is None else key | _row(record.contact, CONTACT_COLUMNS)
    protected = (
        None if record.protected is None else key | _row(record.protected, PROTECTED_COLUMNS)
    )
    return _row(record, CANDIDATE_COLUMNS), contact, protected


def candidate_from_rows(
    row: Mapping[Any, Any],
    contact: Mapping[Any, Any] | None = None,
    protected: Mapping[Any, Any] | None = None,
) -> Candidate:
    """Rebuild a :class:`Candidate`; personal parts only when their rows are given."""
    payload: dict[str, Any] = {name: row[name] for name in CANDIDATE_COLUMNS}
    if contact is not None:
        payload["contact"] = {name: contact[name] for name in CONTACT_COLUMNS}
    if protected is not None:
        payload["protected"] = {name: protected[name] for name in PROTECTED_COLUMNS}
    return Candidate.model_validate(payload)


def outcome_row(record: MatchOutcome) -> dict[str, Any]:
    """Column values of one outcome, ``occurred_at`` normalised to aware UTC."""
    row = _row(record, OUTCOME_COLUMNS)
    row["occurred_at"] = as_utc(record.occurred_at)
    return row


def outcome_from_row(row: Mapping[Any, Any]) -> MatchOutcome:
    """Rebuild a :class:`MatchOutcome` from its column values."""
    return MatchOutcome.model_validate({name: row[name] for name in OUTCOME_COLUMNS})
