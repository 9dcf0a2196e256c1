"""Result and request types of the matching engine."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from models.match.encoding import CandidateArrays, VacancyArrays, Vocabularies
from models.match.vocab import PAD, geography

__all__ = [
    "CANDIDATE_NOT_AVAILABLE",
    "VACANCY_NOT_OPEN",
    "MatchFilters",
    "MatchResult",
    "NotOpen",
    "Ranked",
    "apply_filters",
    "skill_names",
]


@dataclass(frozen=True)
class MatchResult:
    """One ranked pair; ``components`` add up to ``score`` (the explanation)."""

    candidate_id: str
    vacancy_id: str
    score: float
    components: dict[str, float]
    matched_skills: tuple[str, ...]
    missing_skills: tuple[str, ...]
    unmet_soft_requirements: tuple[str, ...]
    model_version: str


#: Why a lifecycle query has no results at all (see ``Ranked.not_open``).
NotOpen = Literal["vacancy_not_open", "candidate_not_available"]
#: ``Ranked.not_open`` when the queried vacancy is closed, expired, filled or not yet posted.
VACANCY_NOT_OPEN: NotOpen = "vacancy_not_open"
#: ``Ranked.not_open`` when the queried candidate was hired since registering or is not yet
#: registered.
CANDIDATE_NOT_AVAILABLE: NotOpen = "candidate_not_available"


class Ranked(list[MatchResult]):
    """The top results of a query, and how many pairs were eligible for it.

    A plain list of :class:`MatchResult` (best first) with ``eligible``: the pairs that
    passed every hard requirement, the lifecycle and the request's filters (tenant,
    city, occupation, level, commute, exposure) *before* the ranker window, ``k`` and the
    score threshold cut them. A page's ``total`` is this count, not ``len(self)``.
    """

    def __init__(
        self,
        results: list[MatchResult] | None = None,
        *,
        eligible: int = 0,
        not_open: NotOpen | None = None,
    ) -> None:
        super().__init__(results or [])
        self.eligible = eligible
        #: Why a lifecycle query has no results at all: :data:`VACANCY_NOT_OPEN` or
        #: :data:`CANDIDATE_NOT_AVAILABLE` (the queried record itself is out of the market
        #: that day), None otherwise -- so an API can say so instead of an unexplained empty.
        self.not_open = not_open


@dataclass(frozen=True)
class MatchFilters:
    """Extra request filters on the *returned* side (on top of the hard requirements).

    Parameters
    ----------
    city_codes : tuple of str, optional
        Keep only results located in these cities (candidate home city / vacancy city).
    occupation_prefixes : tuple of str, optional
        Keep only vacancies whose code, or candidates with any code, starting with one.
    min_experience_years : int, optional
        Candidates only: at least this much experience.
    min_salary : int, optional
        Vacancies only: salary ceiling at least this.
    exclude_ids : frozenset of str
        Ids never to return (already applied, blocked ...).
    """

    city_codes: tuple[str, ...] | None = None
    occupation_prefixes: tuple[str, ...] | None = None
    min_experience_years: int | None = None
    min_salary: int | None = None
    exclude_ids: frozenset[str] = field(default_factory=frozenset)


Rows = npt.NDArray[np.int64]


def _occupation_ok(
    codes: npt.NDArray[np.int32], prefixes: tuple[str, ...], vocab: Vocabularies
) -> npt.NDArray[np.bool_]:
    values = vocab.occupations.codes.values
    matching = np.asarray([any(v.startswith(p) for p in prefixes) for v in values], dtype=bool)
    if matching.size == 0:
        return np.zeros(codes.shape[0], dtype=bool)
    hit = np.where(codes != PAD, matching[np.maximum(codes, 0)], False)
    return np.asarray(hit if hit.ndim == 1 else hit.any(axis=1), dtype=bool)


def apply_filters(
    side: CandidateArrays | VacancyArrays, rows: Rows, filters: MatchFilters, vocab: Vocabularies
) -> Rows:
    """The subset of ``rows`` (of the returned side) that passes ``filters``."""
    keep = np.ones(rows.size, dtype=bool)
    if filters.city_codes is not None:
        wanted = [geography().index_of(code) for code in filters.city_codes]
        keep &= np.isin(side.city[rows], wanted)
    if filters.exclude_ids:
        # A hash lookup per row: np.isin on object (string) arrays compares pairwise, which
        # took seconds when a small tenant excludes every other tenant's 10^5 records.
        excluded = filters.exclude_ids
        keep &= np.fromiter((i not in excluded for i in side.ids[rows]), bool, rows.size)
    if isinstance(side, CandidateArrays):
        if filters.occupation_prefixes is not None:
            keep &= _occupation_ok(side.occupations[rows], filters.occupation_prefixes, vocab)
        if filters.min_experience_years is not None:
            keep &= side.experience[rows] >= filters.min_experience_years
    else:
        if filters.occupation_prefixes is not None:
            keep &= _occupation_ok(side.occupation[rows], filters.occupation_prefixes, vocab)
        if filters.min_salary is not None:
            keep &= side.salary_max[rows] >= filters.min_salary
    return rows[keep]


def skill_names(c: CandidateArrays, row: int, vocab: Vocabularies) -> set[int]:
    """Skill ids a candidate row holds (read off the sorted key array)."""
    low = np.searchsorted(c.skill_keys, np.int64(row) << 32)
    high = np.searchsorted(c.skill_keys, np.int64(row + 1) << 32)
    return {int(k & 0xFFFFFFFF) for k in c.skill_keys[low:high]}


def explain_skills(
    c: CandidateArrays, cr: int, v: VacancyArrays, vr: int, vocab: Vocabularies
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(matched, missing) skill names of a pair, in the vacancy's order."""
    held = skill_names(c, cr, vocab)
    wanted = [int(s) for s in v.skills[vr] if s != PAD]
    names = vocab.skill_display
    matched = tuple(names.get(s, "?") for s in wanted if s in held)
    missing = tuple(names.get(s, "?") for s in wanted if s not in held)
    return matched, missing


def soft_gaps(
    c: CandidateArrays, cr: int, v: VacancyArrays, vr: int, missing_skills: tuple[str, ...]
) -> tuple[str, ...]:
    """Chinese labels of unmet soft requirements (skills, experience)."""
    gaps: list[str] = []
    if missing_skills:
        gaps.append("缺少技能：" + "、".join(missing_skills))
    need, have = int(v.experience_min[vr]), int(c.experience[cr])
    if have < need:
        gaps.append(f"工作经验不足：要求{need}年，现有{have}年")
    return tuple(gaps)
