"""Relational tables for vacancies, candidates (features apart from personal data) and outcomes.

Why the shapes are what they are:

* every record table has a surrogate integer ``id`` (cheap joins) and a natural key unique
  *per tenant*, ``(tenant_id, vacancy_id)`` / ``(tenant_id, candidate_id)``, that importers
  and the API upsert on: two platforms may each have a vacancy ``V1`` (outside the store,
  :func:`data.records.record_key` joins the pair into one opaque key);
* list fields (skills, certificates, desired cities) are JSON arrays: they are read whole,
  never queried element by element, and JSON keeps SQLite and PostgreSQL identical;
* level enums (:mod:`data.levels`) are stored as their integer value, so ``>=`` works in SQL;
* contact details and protected attributes sit in their own tables, keyed by
  ``(tenant_id, candidate_id)`` with ``ON DELETE CASCADE``, so a feature query can never
  pick them up by accident and deleting a candidate erases them;
* timestamps are stored in UTC (:class:`UtcDateTime`); a naive timestamp is read as China
  Standard Time (UTC+08:00), the only civil time in Guangdong.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Dialect,
    Float,
    ForeignKeyConstraint,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator

from data.store.sealing import Sealed

__all__ = [
    "CHINA_STANDARD_TIME",
    "Base",
    "CandidateContactRow",
    "CandidateProtectedRow",
    "CandidateRow",
    "MatchOutcomeRow",
    "RecordChangeRow",
    "UtcDateTime",
    "VacancyRow",
    "as_utc",
]

CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")

# Deterministic constraint names: Alembic batch mode on SQLite needs them to alter tables.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def as_utc(moment: datetime) -> datetime:
    """Return ``moment`` as an aware UTC datetime; naive values are taken as UTC+08:00."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=CHINA_STANDARD_TIME)
    return moment.astimezone(UTC)


def utc_now() -> datetime:
    """Current time, aware, in UTC."""
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and always read back as an aware UTC datetime.

    SQLite has no time zones and PostgreSQL answers in the session's zone; normalising on
    both sides makes equality of records survive the round trip on either backend.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        moment = as_utc(value)
        # SQLite would silently drop the offset; store the naive UTC wall time instead.
        return moment.replace(tzinfo=None) if dialect.name == "sqlite" else moment

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base holding the one :class:`MetaData` Alembic migrates."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: dict[Any, Any] = {  # noqa: RUF012 — SQLAlchemy reads it as a class attr
        datetime: UtcDateTime(),
        date: Date(),
        bool: Boolean(),
        int: Integer(),
    }


class _Timestamps:
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now, onupdate=utc_now)


class VacancyRow(_Timestamps, Base):
    """One :class:`data.records.Vacancy`."""

    __tablename__ = "vacancies"
    __table_args__ = (UniqueConstraint("tenant_id", "vacancy_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    employer_id: Mapped[str | None] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    occupation_code: Mapped[str | None] = mapped_column(String(10), index=True)
    occupation_code_source: Mapped[str | None] = mapped_column(String(5))
    occupation_confidence: Mapped[float | None] = mapped_column(Float)
    occupation_needs_review: Mapped[bool] = mapped_column(default=False, server_default=false())
    industry_code: Mapped[str | None] = mapped_column(String(4))
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    district_code: Mapped[str | None] = mapped_column(String(6))
    date_posted: Mapped[date] = mapped_column(index=True)
    valid_through: Mapped[date | None]
    date_closed: Mapped[date | None]
    headcount: Mapped[int]
    base_salary_min: Mapped[int | None]
    base_salary_max: Mapped[int | None]
    education_requirement: Mapped[int | None] = mapped_column(SmallInteger)
    skill_level_requirement: Mapped[int | None] = mapped_column(SmallInteger)
    title_level_requirement: Mapped[int | None] = mapped_column(SmallInteger)
    experience_years_min: Mapped[int]
    required_certificates: Mapped[list[str]] = mapped_column(JSON)
    skills: Mapped[list[str]] = mapped_column(JSON)
    gba_scope: Mapped[bool]


class CandidateRow(_Timestamps, Base):
    """The feature part of one :class:`data.records.Candidate` (no contact, no protected)."""

    __tablename__ = "candidates"
    __table_args__ = (UniqueConstraint("tenant_id", "candidate_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(64))
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    city_code: Mapped[str] = mapped_column(String(4), index=True)
    desired_city_codes: Mapped[list[str]] = mapped_column(JSON)
    willing_gba: Mapped[bool]
    desired_occupation_codes: Mapped[list[str]] = mapped_column(JSON)
    current_occupation_code: Mapped[str | None] = mapped_column(String(10), index=True)
    industry_code: Mapped[str | None] = mapped_column(String(4))
    education: Mapped[int | None] = mapped_column(SmallInteger)
    skill_level: Mapped[int] = mapped_column(SmallInteger)
    title_level: Mapped[int] = mapped_column(SmallInteger)
    experience_years: Mapped[int]
    certificates: Mapped[list[str]] = mapped_column(JSON)
    skills: Mapped[list[str]] = mapped_column(JSON)
    expected_salary_min: Mapped[int | None]
    expected_salary_max: Mapped[int | None]
    available_from: Mapped[date | None]
    registered_on: Mapped[date] = mapped_column(index=True)
    resume_text: Mapped[str] = mapped_column(Text)


def _candidate_fk() -> ForeignKeyConstraint:
    """``(tenant_id, candidate_id)`` → the candidate; deleting the candidate deletes the row."""
    return ForeignKeyConstraint(
        ["tenant_id", "candidate_id"],
        ["candidates.tenant_id", "candidates.candidate_id"],
        ondelete="CASCADE",
    )


class _CandidatePart:
    """A table of one candidate's data kept apart: keyed and deleted with the candidate."""

    @declared_attr.directive
    def __table_args__(cls) -> tuple[Any, ...]:
        return (_candidate_fk(),)  # a constraint belongs to one table: a new one for each

    # sort_order: the key columns first, as in the migrations (a mixin's would come last).
    tenant_id: Mapped[str] = mapped_column(String(64), primary_key=True, sort_order=-1)
    candidate_id: Mapped[str] = mapped_column(String(64), primary_key=True, sort_order=-1)


class CandidateContactRow(_CandidatePart, Base):
    """:class:`data.records.ContactDetails` of one candidate: personal data, kept apart."""

    __tablename__ = "candidate_contacts"

    # Sealed: AES-GCM at rest with the settings' key (data.store.sealing); plain in Python.
    name: Mapped[str | None] = mapped_column(Sealed(50))
    phone: Mapped[str | None] = mapped_column(Sealed(20))
    id_number: Mapped[str | None] = mapped_column(Sealed(18))
    email: Mapped[str | None] = mapped_column(Sealed(200))


class CandidateProtectedRow(_CandidatePart, Base):
    """:class:`data.records.ProtectedAttributes` of one candidate: for fairness audits only."""

    __tablename__ = "candidate_protected"

    gender: Mapped[str | None] = mapped_column(String(8))
    birth_year: Mapped[int | None] = mapped_column(SmallInteger)
    ethnicity: Mapped[str | None] = mapped_column(String(20))
    marital_status: Mapped[str | None] = mapped_column(String(20))
    hukou_city_code: Mapped[str | None] = mapped_column(String(4))


class MatchOutcomeRow(Base):
    """One :class:`data.records.MatchOutcome`; both ends must exist in the outcome's tenant
    (deleting either cascades)."""

    __tablename__ = "match_outcomes"
    __table_args__ = (
        # Explicit name: the conventional one would pass PostgreSQL's 63-character limit.
        UniqueConstraint(
            "tenant_id",
            "candidate_id",
            "vacancy_id",
            "event",
            "occurred_at",
            name="uq_match_outcomes_natural_key",
        ),
        _candidate_fk(),
        ForeignKeyConstraint(
            ["tenant_id", "vacancy_id"],
            ["vacancies.tenant_id", "vacancies.vacancy_id"],
            ondelete="CASCADE",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[str] = mapped_column(String(64))
    vacancy_id: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(16))
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    tenant_id: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class RecordChangeRow(Base):
    """One write to a vacancy or candidate: the store-level change sequence (outbox).

    Every insert, update and delete of a record appends a row here in the same transaction
    (:mod:`data.store.changes`), whoever wrote it (any API worker, a CLI import), so a
    serving process can apply exactly the changes it has not seen: ``seq`` only grows, and
    commits become visible in ``seq`` order (writers serialise on the change log).
    """

    __tablename__ = "record_changes"
    __table_args__ = {"sqlite_autoincrement": True}  # noqa: RUF012 — never reuse a seq

    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    side: Mapped[str] = mapped_column(String(16))
    # data.records.record_key(tenant_id, record_id): ids are unique per tenant only.
    record_key: Mapped[str] = mapped_column(String(129))
    deleted: Mapped[bool]
    changed_at: Mapped[datetime] = mapped_column(default=utc_now)
