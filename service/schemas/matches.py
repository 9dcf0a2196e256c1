"""Response body of the match routes: one explained candidate–vacancy pair."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from models.match import MatchResult
from service.schemas.common import Page

__all__ = ["MatchOut", "MatchPage"]


class MatchOut(BaseModel):
    """A ranked pair and why: ``components`` add up to ``score``.

    Every returned pair meets all hard requirements of the vacancy (location, occupation,
    education/skill/title levels with their equivalences, certificates, salary, dates);
    what it lacks softly is listed in ``unmet_soft_requirements``.
    """

    model_config = ConfigDict(frozen=True)

    candidate_id: str
    vacancy_id: str
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
        """The response view of one engine result."""
        return cls(
            candidate_id=result.candidate_id,
            vacancy_id=result.vacancy_id,
            score=result.score,
            components=dict(result.components),
            matched_skills=list(result.matched_skills),
            missing_skills=list(result.missing_skills),
            unmet_soft_requirements=list(result.unmet_soft_requirements),
            model_version=result.model_version,
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
