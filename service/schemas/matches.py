"""Response body of the match routes: one explained candidate–vacancy pair."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from data.records import Vacancy, split_record_key
from models.match import MatchResult
from models.match.results import NotOpen
from service.schemas.common import Page

__all__ = ["MatchOut", "MatchPage", "OccupationCoding"]


def _split(key: str) -> tuple[str | None, str]:
    """Tenant and id of an engine result id (a :func:`data.records.record_key`)."""
    try:
        return split_record_key(key)
    except ValueError:  # not a record key: an id as given
        return None, key


class MatchOut(BaseModel):
    """A ranked pair and why: ``components`` add up to ``score``.

    Every returned pair meets all hard requirements of the vacancy (location, occupation,
    education/skill/title levels with their equivalences, certificates, salary, dates);
    what it lacks softly is listed in ``unmet_soft_requirements``.
    """

    model_config = ConfigDict(frozen=True)

    candidate_id: str
    vacancy_id: str
    candidate_tenant_id: str | None = Field(
        default=None, description="Tenant of the candidate (ids are unique per tenant)."
    )
    vacancy_tenant_id: str | None = Field(
        default=None, description="Tenant of the vacancy (ids are unique per tenant)."
    )
    score: float = Field(description="Ranking score; higher is a better fit.")
    components: dict[str, float] = Field(
        description="Additive parts of the score (their sum is the score)."
    )
    matched_skills: list[str] = Field(description="The vacancy's skills the candidate has.")
    missing_skills: list[str] = Field(description="The vacancy's skills the candidate lacks.")
    unmet_soft_requirements: list[str] = Field(
        description="Soft requirements not met (Chinese labels), e.g. missing skills."
    )
    model_version: str = Field(description="Version of the matching model that ranked it.")

    @classmethod
    def of(cls, result: MatchResult) -> MatchOut:
        """The response view of one engine result (its record keys back to tenant and id)."""
        candidate_tenant, candidate_id = _split(result.candidate_id)
        vacancy_tenant, vacancy_id = _split(result.vacancy_id)
        return cls(
            candidate_id=candidate_id,
            vacancy_id=vacancy_id,
            candidate_tenant_id=candidate_tenant,
            vacancy_tenant_id=vacancy_tenant,
            score=result.score,
            components=dict(result.components),
            matched_skills=list(result.matched_skills),
            missing_skills=list(result.missing_skills),
            unmet_soft_requirements=list(result.unmet_soft_requirements),
            model_version=result.model_version,
        )


class OccupationCoding(BaseModel):
    """The occupation the coder gave a posted vacancy from its title, as a create reports it
    (``occupation_code_source`` "coded"), so a caller sees what the match was made for."""

    model_config = ConfigDict(frozen=True)

    occupation_code: str = Field(description="大典 code chosen from the title.")
    occupation_code_source: Literal["coded"] = "coded"
    occupation_confidence: float | None = Field(
        description="Calibrated confidence of the coded occupation."
    )
    occupation_needs_review: bool = Field(
        description="Coded below the coder's review threshold: check it."
    )

    @classmethod
    def of(cls, vacancy: Vacancy) -> OccupationCoding | None:
        """What the coder chose for ``vacancy``, or None if its code was given."""
        if vacancy.occupation_code_source != "coded" or vacancy.occupation_code is None:
            return None
        return cls(
            occupation_code=vacancy.occupation_code,
            occupation_confidence=vacancy.occupation_confidence,
            occupation_needs_review=vacancy.occupation_needs_review,
        )


class MatchPage(Page[MatchOut]):
    """A page of ranked pairs; ``total`` is the eligible count, ``ranked`` what can be paged.

    ``total`` counts every pair passing the hard requirements, the lifecycle and the
    request's filters (tenant, city, occupation, levels, commute) — not capped by the
    ranker window. With ``threshold`` > 0 it is instead the number of ranked pairs scoring
    at least the threshold (pairs outside the window get no final score, so no count of
    them above a threshold is claimed). Only the best ``ranked`` pairs (at most the
    engine's window, 200 by default) are served: pages past them are empty.
    """

    ranked: int = Field(ge=0, description="Pairs ranked and pageable (at most the window).")
    not_open: NotOpen | None = Field(
        default=None,
        description=(
            "Why there are no pairs at all, when the queried record itself is out of the"
            " market today: a vacancy closed, expired (past valid_through), filled or not yet"
            " posted; a candidate hired since registering or not yet registered. Null"
            " otherwise (an empty page then means no pair passed the requirements and filters)."
        ),
    )
    occupation_coding: OccupationCoding | None = Field(
        default=None,
        description=(
            "Posted-profile routes only: set when the posted vacancy had no occupation_code"
            " and it was coded from the free title (code, confidence, needs_review, as a"
            " create reports them); null when the code was given (a candidate is never coded)."
        ),
    )
