"""Request and response bodies of ``/vacancies``, ``/candidates`` and ``/feedback``.

Inputs are the store's own records (:mod:`data.records`, schema.org ``JobPosting`` names)
with ``tenant_id`` optional: the route decides it from the API key. Outputs never carry
personal data: :class:`CandidateOut` has no ``contact`` and no ``protected`` member at all,
so neither can reach a response by accident (write-only fields).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from enum import IntEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema, field_validator

from data.levels import (
    LEVEL_LABELS,
    Education,
    SkillLevel,
    TitleLevel,
    level_vocabulary,
    parse_level,
)
from data.records import Candidate, MatchOutcome, NaturalKey, OutcomeEvent, Vacancy
from data.store.schema import as_utc
from service.schemas.common import Problem

__all__ = [
    "CandidateIn",
    "CandidateOut",
    "EducationIn",
    "FeedbackIn",
    "FeedbackOut",
    "SkillLevelIn",
    "TitleLevelIn",
    "VacancyIn",
    "VacancyOut",
    "level_json_schema",
]

TENANT_DESCRIPTION = (
    "Owner of the record. Platform keys may omit it (their own tenant is used) and may not "
    "name another; admin keys must name it."
)
# NUL cannot be stored by PostgreSQL and lone surrogates cannot be encoded as UTF-8: refuse
# them as input errors (422 naming the field) rather than fail at the database (500). Dates
# are kept to a plausible span, which also keeps them inside what pandas can represent.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
EARLIEST_DATE, LATEST_DATE = date(1900, 1, 1), date(2100, 12, 31)
EARLIEST_EVENT = datetime(2000, 1, 1, tzinfo=UTC)
EVENT_CLOCK_SKEW = timedelta(days=1)


def _storable(value: Any) -> Any:
    """Field check of the input records: storable text, plausible dates."""
    parts: list[Any] = [value]
    if isinstance(value, BaseModel):
        parts = list(value.__dict__.values())
    elif isinstance(value, tuple | list):
        parts = list(value)
    if any(isinstance(part, str) and _UNSTORABLE.search(part) for part in parts):
        raise ValueError("text must not contain NUL characters or unpaired surrogates")
    if isinstance(value, date) and not EARLIEST_DATE <= value <= LATEST_DATE:
        raise ValueError(f"date must lie between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


def level_json_schema(level_type: type[IntEnum]) -> dict[str, Any]:
    """The OpenAPI schema of a level input: the integer or any text of its vocabulary.

    Each value's label is in ``x-enum-labels`` (and, for readers of the rendered docs, in the
    description); the accepted texts are :func:`data.levels.level_vocabulary`, the
    importer's own, so the API and ``yuecai ingest`` accept the same words.
    """
    labels = LEVEL_LABELS[level_type]
    table = "; ".join(
        f"{int(member)} = {label} ({member.name})" for member, label in labels.items()
    )
    return {
        "title": level_type.__name__,
        "anyOf": [
            {"type": "integer", "enum": [int(member) for member in labels]},
            {"type": "string", "enum": list(level_vocabulary(level_type))},
        ],
        "description": f"{level_type.__name__}: the number, its name or its label. {table}.",
        "x-enum-labels": {str(int(member)): label for member, label in labels.items()},
        "x-enum-varnames": [member.name for member in labels],
    }


def _parser(level_type: type[IntEnum]) -> BeforeValidator:
    return BeforeValidator(lambda value: parse_level(value, level_type))


def _documented(level_type: type[IntEnum]) -> WithJsonSchema:
    return WithJsonSchema(level_json_schema(level_type), mode="validation")


EducationIn = Annotated[Education, _parser(Education), _documented(Education)]
SkillLevelIn = Annotated[SkillLevel, _parser(SkillLevel), _documented(SkillLevel)]
TitleLevelIn = Annotated[TitleLevel, _parser(TitleLevel), _documented(TitleLevel)]


class VacancyIn(Vacancy):
    """A vacancy to create or replace (by ``vacancy_id``); levels may be given as labels."""

    tenant_id: NaturalKey | None = Field(default=None, description=TENANT_DESCRIPTION)  # type: ignore[assignment]
    education_requirement: EducationIn | None = None
    skill_level_requirement: SkillLevelIn | None = None
    title_level_requirement: TitleLevelIn | None = None

    _check_text = field_validator("*")(_storable)


class VacancyOut(Vacancy):
    """A stored vacancy (no personal data on this side)."""


class CandidateIn(Candidate):
    """A candidate to create or replace; ``contact`` and ``protected`` are write-only.

    Levels may be given as labels (``"本科"``, ``"技师"``, ``"中级"``).
    """

    tenant_id: NaturalKey | None = Field(default=None, description=TENANT_DESCRIPTION)  # type: ignore[assignment]
    education: EducationIn | None = None
    skill_level: SkillLevelIn = SkillLevel.none
    title_level: TitleLevelIn = TitleLevel.none

    _check_text = field_validator("*")(_storable)


class CandidateOut(BaseModel):
    """A stored candidate's profile: the matching features only, never contact or protected.

    The fields mirror :class:`data.records.Candidate` minus ``contact`` and ``protected``
    (a test keeps the two in step).
    """

    model_config = ConfigDict(frozen=True)

    candidate_id: str
    tenant_id: str
    city_code: str
    desired_city_codes: tuple[str, ...] = ()
    willing_gba: bool = False
    desired_occupation_codes: tuple[str, ...] = ()
    current_occupation_code: str | None = None
    industry_code: str | None = None
    education: Education | None = None
    skill_level: SkillLevel = SkillLevel.none
    title_level: TitleLevel = TitleLevel.none
    experience_years: int = 0
    certificates: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    expected_salary_min: int | None = None
    expected_salary_max: int | None = None
    available_from: date | None = None
    registered_on: date
    resume_text: str = ""

    @classmethod
    def of(cls, record: Candidate) -> CandidateOut:
        """The public view of ``record`` (personal parts dropped, whatever they hold)."""
        return cls.model_validate(record.model_dump(exclude={"contact", "protected"}))


class FeedbackIn(BaseModel):
    """One funnel event for a candidate–vacancy pair.

    ``occurred_at`` is required so that a retried request is the same event (the store keys
    outcomes on candidate, vacancy, event and time): sending it twice records it once.
    A naive time is read as China Standard Time (UTC+08:00).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    candidate_id: NaturalKey
    vacancy_id: NaturalKey
    event: OutcomeEvent
    occurred_at: datetime = Field(description="When it happened (2000-01-01 .. now).")
    tenant_id: NaturalKey | None = Field(
        default=None,
        description=(
            "The tenant of both records (ids are unique per tenant; an event joins a"
            " candidate and a vacancy of one tenant). Platform keys: their own, may be left"
            " out. Admin keys: needed while several tenants use the candidate's id."
        ),
    )

    @field_validator("occurred_at")
    @classmethod
    def _plausible_time(cls, value: datetime) -> datetime:
        # Years 1 and 9999 could overflow when converted to UTC; they are implausible anyway.
        plausible = 1 < value.year < 9999
        if (
            not plausible
            or not EARLIEST_EVENT <= as_utc(value) <= datetime.now(UTC) + EVENT_CLOCK_SKEW
        ):
            raise ValueError("must lie between 2000-01-01 and now")
        return value


class FeedbackOut(MatchOutcome):
    """A stored funnel event; ``created`` is False when it had been recorded before."""

    created: bool = Field(default=False, description="False when this event was already stored.")


MAX_BATCH = 1_000
PATCH_DESCRIPTION = (
    "JSON merge patch (RFC 7396) of the stored record: members given replace the stored "
    "ones, null removes one (its default applies), objects such as contact merge. The "
    "result is validated like a full create; the id and tenant cannot change."
)


class BatchIn(BaseModel):
    """Up to 1,000 records to create or replace, each validated on its own."""

    model_config = ConfigDict(extra="forbid")

    items: list[Any] = Field(
        min_length=1,
        max_length=MAX_BATCH,
        description=(
            "Records shaped like the single-record POST body; an item that is not one "
            "(even not an object) gets its own error result, the others still count."
        ),
        json_schema_extra={"items": {"type": "object"}},
    )


class BatchItemOut(BaseModel):
    """What became of one item: created, updated, or an error with its problem details."""

    index: int = Field(ge=0, description="Position of the item in the request.")
    id: str | None = Field(description="The item's id, if it had a readable one.")
    status: Literal["created", "updated", "error"]
    problem: Problem | None = Field(
        default=None, description="Why the item was refused (fields under body.items.<index>)."
    )


class BatchOut(BaseModel):
    """One result per item, in request order, and the tally."""

    items: list[BatchItemOut]
    created: int
    updated: int
    errors: int
