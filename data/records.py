"""Record schemas for vacancies, candidates and match outcomes.

Field names follow schema.org ``JobPosting`` where one exists (``title``, ``description``,
``date_posted``, ``valid_through``, ``base_salary_min``...). Protected attributes (gender,
age, ethnicity, marital status, 户籍) and contact details are kept apart, in
:class:`ProtectedAttributes` and :class:`ContactDetails`, so that no feature builder can pick
them up by accident: matchers read only :data:`CANDIDATE_FEATURE_FIELDS`.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from data.errors import InvalidDataError
from data.levels import Education, SkillLevel, TitleLevel
from data.vocabulary.codes import (
    CITY_CODE,
    CITY_CODE_PATTERN,
    DISTRICT_CODE_PATTERN,
    INDUSTRY_CODE_PATTERN,
    NATURAL_KEY_PATTERN,
    OCCUPATION_CODE,
    OCCUPATION_CODE_PATTERN,
)

__all__ = [
    "CANDIDATE_FEATURE_FIELDS",
    "OCCUPATION_CODING_FIELDS",
    "PROTECTED_FIELDS",
    "VACANCY_FEATURE_FIELDS",
    "Candidate",
    "ContactDetails",
    "FieldOrderError",
    "Gender",
    "MatchOutcome",
    "OutcomeEvent",
    "ProtectedAttributes",
    "Vacancy",
    "keyed_record",
    "record_key",
    "split_record_key",
]

OccupationCode = Annotated[str, StringConstraints(pattern=OCCUPATION_CODE_PATTERN)]
CityCode = Annotated[str, StringConstraints(pattern=CITY_CODE_PATTERN)]
IndustryCode = Annotated[str, StringConstraints(pattern=INDUSTRY_CODE_PATTERN)]
NaturalKey = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=NATURAL_KEY_PATTERN)
]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ListItem = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
MAX_SKILLS, MAX_CERTIFICATES, MAX_DESIRED = 50, 20, 21
"""List bounds: a record is one person or posting, not a keyword dump; 21 = every city."""
Skills = Annotated[tuple[ListItem, ...], Field(max_length=MAX_SKILLS)]
Certificates = Annotated[tuple[ListItem, ...], Field(max_length=MAX_CERTIFICATES)]
DesiredCodes = Annotated[tuple[str, ...], Field(max_length=MAX_DESIRED)]


RECORD_KEY_SEPARATOR = "/"
"""Joins tenant and id in :func:`record_key`: never in a :data:`NaturalKey`, so unambiguous."""


def record_key(tenant_id: str, record_id: str) -> str:
    """The one key of a stored vacancy or candidate that is unique across tenants.

    Record ids are unique only within a tenant (two platforms may both have a vacancy
    ``V1``); whatever holds records of several tenants in one namespace — the match index,
    the change log — holds them by this key. Treat it as opaque; :func:`split_record_key`
    is its inverse.

    >>> record_key("platform-a", "V1")
    'platform-a/V1'
    >>> split_record_key(record_key("platform-a", "V1"))
    ('platform-a', 'V1')
    """
    return f"{tenant_id}{RECORD_KEY_SEPARATOR}{record_id}"


def split_record_key(key: str) -> tuple[str, str]:
    """``(tenant_id, record_id)`` of a :func:`record_key`.

    Raises
    ------
    ValueError
        ``key`` is not a record key (has no separator).
    """
    tenant_id, separator, record_id = key.partition(RECORD_KEY_SEPARATOR)
    if not separator or not tenant_id or not record_id:
        raise ValueError(f"{key!r} is not a record key (tenant/id)")
    return tenant_id, record_id


class FieldOrderError(InvalidDataError):
    """Two fields out of order (a minimum above its maximum, an end before its start).

    ``fields`` names both, so a report can point at each: the API's problem body lists
    ``body.base_salary_min`` *and* ``body.base_salary_max``.

    Examples
    --------
    >>> FieldOrderError(("base_salary_min", "base_salary_max"), "must not exceed").fields
    ('base_salary_min', 'base_salary_max')
    """

    def __init__(self, fields: tuple[str, str], reason: str) -> None:
        super().__init__(f"{fields[0]} {reason} {fields[1]}")
        self.fields = fields


def _check_order(record: BaseModel, low: str, high: str, reason: str) -> None:
    """Raise :class:`FieldOrderError` if both fields are set and ``low`` is above ``high``."""
    low_value, high_value = getattr(record, low), getattr(record, high)
    if low_value is not None and high_value is not None and low_value > high_value:
        raise FieldOrderError((low, high), reason)


class _Record(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Gender(StrEnum):
    female = "female"
    male = "male"
    other = "other"


class OutcomeEvent(StrEnum):
    """Funnel stages, in order; a later stage implies the earlier ones."""

    viewed = "viewed"
    applied = "applied"
    interviewed = "interviewed"
    hired = "hired"

    @property
    def rank(self) -> int:
        return list(OutcomeEvent).index(self)


class ProtectedAttributes(_Record):
    """Attributes the law forbids as match features; stored only for fairness audits."""

    gender: Gender | None = None
    birth_year: int | None = Field(default=None, ge=1940, le=2015)
    ethnicity: str | None = Field(default=None, max_length=20)
    marital_status: str | None = Field(default=None, max_length=20)
    hukou_city_code: str | None = Field(default=None, pattern=r"^\d{4}$")


class ContactDetails(_Record):
    """Personal data: never logged, never shown to planners."""

    name: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9 -]{6,20}$")
    id_number: str | None = Field(default=None, pattern=r"^[0-9]{17}[0-9Xx]$")
    email: str | None = Field(default=None, max_length=200)


class Vacancy(_Record):
    """A job posting (招聘岗位). ``headcount`` is demand: 需求人数."""

    vacancy_id: NaturalKey
    tenant_id: NaturalKey = "public"
    employer_id: NaturalKey | None = None
    title: ShortText
    description: str = Field(default="", max_length=20_000)
    occupation_code: OccupationCode | None = None
    occupation_code_source: Literal["given", "coded"] | None = Field(
        default=None,
        description="given: sent with the record; coded: filled from the title by the coder.",
    )
    occupation_confidence: float | None = Field(
        default=None, ge=0, le=1, description="Calibrated confidence of a coded occupation."
    )
    occupation_needs_review: bool = Field(
        default=False, description="Coded below the coder's review threshold: check it."
    )
    industry_code: IndustryCode | None = None
    city_code: CityCode
    district_code: str | None = Field(default=None, pattern=DISTRICT_CODE_PATTERN)
    date_posted: date
    valid_through: date | None = None
    date_closed: date | None = None
    headcount: int = Field(default=1, ge=1, le=10_000)
    base_salary_min: int | None = Field(default=None, ge=0, le=1_000_000)
    base_salary_max: int | None = Field(default=None, ge=0, le=1_000_000)
    education_requirement: Education | None = None
    skill_level_requirement: SkillLevel | None = None
    title_level_requirement: TitleLevel | None = None
    experience_years_min: int = Field(default=0, ge=0, le=50)
    required_certificates: Certificates = ()
    skills: Skills = ()
    gba_scope: bool = Field(
        default=False, description="Open to candidates anywhere in the Greater Bay Area."
    )

    @model_validator(mode="after")
    def _check_ranges(self) -> Self:
        _check_order(self, "base_salary_min", "base_salary_max", "must not exceed")
        for end in ("valid_through", "date_closed"):
            if getattr(self, end) is not None and getattr(self, end) < self.date_posted:
                raise FieldOrderError((end, "date_posted"), "must not precede")
        return self


class Candidate(_Record):
    """A job seeker (求职者). ``registered_on`` dates supply: 求职人数."""

    candidate_id: NaturalKey
    tenant_id: NaturalKey = "public"
    city_code: CityCode
    desired_city_codes: DesiredCodes = ()
    willing_gba: bool = False
    desired_occupation_codes: DesiredCodes = ()
    current_occupation_code: OccupationCode | None = None
    industry_code: IndustryCode | None = None
    education: Education | None = None
    skill_level: SkillLevel = SkillLevel.none
    title_level: TitleLevel = TitleLevel.none
    experience_years: int = Field(default=0, ge=0, le=60)
    certificates: Certificates = ()
    skills: Skills = ()
    expected_salary_min: int | None = Field(default=None, ge=0, le=1_000_000)
    expected_salary_max: int | None = Field(default=None, ge=0, le=1_000_000)
    available_from: date | None = None
    registered_on: date
    resume_text: str = Field(default="", max_length=20_000)
    contact: ContactDetails | None = None
    protected: ProtectedAttributes | None = None

    @model_validator(mode="after")
    def _check_ranges(self) -> Self:
        _check_order(self, "expected_salary_min", "expected_salary_max", "must not exceed")
        for code in self.desired_city_codes:
            if not CITY_CODE.fullmatch(code):
                raise ValueError(f"desired_city_codes: {code!r} is not a Guangdong city code")
        for code in self.desired_occupation_codes:
            if not OCCUPATION_CODE.fullmatch(code):
                raise ValueError(f"desired_occupation_codes: {code!r} is not a 大典 code")
        return self


class MatchOutcome(_Record):
    """One funnel event between a candidate and a vacancy, for ranker training."""

    candidate_id: NaturalKey
    vacancy_id: NaturalKey
    event: OutcomeEvent
    occurred_at: datetime
    tenant_id: NaturalKey = "public"


PROTECTED_FIELDS: frozenset[str] = frozenset(
    {"gender", "birth_year", "age", "ethnicity", "marital_status", "hukou_city_code", "hukou"}
)
CANDIDATE_FEATURE_FIELDS: tuple[str, ...] = (
    "city_code",
    "desired_city_codes",
    "willing_gba",
    "desired_occupation_codes",
    "current_occupation_code",
    "industry_code",
    "education",
    "skill_level",
    "title_level",
    "experience_years",
    "certificates",
    "skills",
    "expected_salary_min",
    "expected_salary_max",
    "available_from",
    "resume_text",
)
OCCUPATION_CODING_FIELDS: tuple[str, ...] = (
    "occupation_code_source",
    "occupation_confidence",
    "occupation_needs_review",
)
"""Provenance of a vacancy's occupation code (given or coded): bookkeeping, not a feature."""
VACANCY_FEATURE_FIELDS: tuple[str, ...] = tuple(
    name
    for name in Vacancy.model_fields
    if name not in {"tenant_id", "employer_id", *OCCUPATION_CODING_FIELDS}
)
assert not PROTECTED_FIELDS & set(CANDIDATE_FEATURE_FIELDS)  # noqa: S101 — import-time law check

_KeyedT = TypeVar("_KeyedT", Vacancy, Candidate)


def keyed_record(record: _KeyedT) -> _KeyedT:
    """A copy of ``record`` whose id field holds its :func:`record_key` (for the match
    index, which files records by their id field; never stored or returned)."""
    name = "vacancy_id" if isinstance(record, Vacancy) else "candidate_id"
    return record.model_copy(update={name: record_key(record.tenant_id, getattr(record, name))})
