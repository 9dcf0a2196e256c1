"""Hard requirements, vectorised over aligned (candidate row, vacancy row) pairs.

Every check takes index arrays ``cand_rows``/``vac_rows`` of equal length (one side is
usually constant: one vacancy against many candidates or the reverse) and returns a boolean
"passes" array; nothing loops over pairs in Python. Education, skill level and 职称 use
truth tables computed *by calling* :mod:`data.levels`' functions on every level combination,
so the vectorised rule is that module's rule, equivalences (高级工 ≈ 大专 ≈ 助理工程师 …)
included.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from data.levels import (
    Education,
    SkillLevel,
    TitleLevel,
    meets_education,
    meets_skill_level,
    meets_title_level,
)
from models.match.encoding import NO_DATE, Bools, CandidateArrays, VacancyArrays, Vocabularies
from models.match.vocab import PAD, geography

__all__ = [
    "EDUCATION_OK",
    "REASON_LABELS",
    "HardReason",
    "HardRules",
    "contains",
    "hard_checks",
    "hard_pass",
]

Rows = npt.NDArray[np.int64]


class HardReason(StrEnum):
    """Reason codes for a failed hard requirement (for "why not" explanations)."""

    location = "location"
    occupation = "occupation"
    education = "education"
    skill_level = "skill_level"
    title_level = "title_level"
    certificate = "certificate"
    salary = "salary"
    availability = "availability"


REASON_LABELS: dict[HardReason, str] = {
    HardReason.location: "工作地点不在求职意向范围内",
    HardReason.occupation: "职业类别不符",
    HardReason.education: "学历未达到要求（含技能等级等同）",
    HardReason.skill_level: "职业技能等级未达到要求（含职称贯通）",
    HardReason.title_level: "职称未达到要求（含技能等级贯通）",
    HardReason.certificate: "缺少必需证书（含港澳互认证书）",
    HardReason.salary: "期望薪资高于岗位薪资上限",
    HardReason.availability: "可到岗日期晚于岗位截止日期",
}


@dataclass(frozen=True)
class HardRules:
    """Configuration of the hard filter.

    Parameters
    ----------
    occupation_level : int
        Shared 大典 level required (1 大类, 2 中类 (default), 3 小类, 4 same occupation).
    commute_radius_km : float or None
        Also accept candidates whose home city centre lies within this distance of the
        vacancy city (daily commuters), beyond their desired cities.
    """

    occupation_level: int = 2
    commute_radius_km: float | None = None

    def __post_init__(self) -> None:
        if self.occupation_level not in (1, 2, 3, 4):
            raise ValueError(f"occupation_level must be 1..4, got {self.occupation_level}")
        if self.commute_radius_km is not None and self.commute_radius_km < 0:
            raise ValueError("commute_radius_km must be non-negative")


def _truth_table(rule: Callable[[int, int, int], bool], shape: tuple[int, ...]) -> Bools:
    table = np.zeros(shape, dtype=bool)
    for index in np.ndindex(*shape):
        table[index] = rule(*index)
    return table


# Index 0 of a "required"/"education" axis means None; level k sits at k + 1.
EDUCATION_OK = _truth_table(
    lambda req, edu, skill: meets_education(
        None if req == 0 else Education(req - 1),
        None if edu == 0 else Education(edu - 1),
        SkillLevel(skill),
    ),
    (len(Education) + 1, len(Education) + 1, len(SkillLevel)),
)
""":func:`data.levels.meets_education` as a table, ``[required + 1, education + 1, skill]``
over the encoded levels (-1 = none required / education unknown): the hard filter and the
service's ``min_education`` query filter both read it, so they cannot disagree."""
_TITLE_OK = _truth_table(
    lambda req, title, skill: meets_title_level(
        None if req == 0 else TitleLevel(req - 1), TitleLevel(title), SkillLevel(skill)
    ),
    (len(TitleLevel) + 1, len(TitleLevel), len(SkillLevel)),
)
_SKILL_OK = _truth_table(
    lambda req, skill, title: meets_skill_level(
        None if req == 0 else SkillLevel(req - 1), SkillLevel(skill), TitleLevel(title)
    ),
    (len(SkillLevel) + 1, len(SkillLevel), len(TitleLevel)),
)


def contains(sorted_keys: npt.NDArray[np.int64], queries: npt.NDArray[np.int64]) -> Bools:
    """Vectorised membership of ``queries`` in a sorted key array."""
    if sorted_keys.size == 0:
        return np.zeros(queries.shape, dtype=bool)
    position = np.minimum(np.searchsorted(sorted_keys, queries), sorted_keys.size - 1)
    return np.asarray(sorted_keys[position] == queries)


@dataclass(frozen=True, slots=True)
class _Pairs:
    """What every check reads: candidate rows ``cr`` of ``c`` aligned with vacancy rows ``vr``
    of ``v``, under ``rules``; one object so the checks share one signature."""

    c: CandidateArrays
    cr: Rows
    v: VacancyArrays
    vr: Rows
    rules: HardRules
    vocab: Vocabularies


def _location(p: _Pairs) -> Bools:
    geo = geography()
    vc = p.v.city[p.vr].astype(np.int64)
    cc = p.c.city[p.cr].astype(np.int64)
    known = vc >= 0
    shift = np.where(known, vc, 0).astype(np.uint32)
    ok = known & ((cc == vc) | ((p.c.desired_mask[p.cr] >> shift) & 1).astype(bool))
    home_known = cc >= 0
    home = np.where(home_known, cc, 0)
    gba_home = home_known & geo.gba[home]
    ok |= known & p.v.gba_scope[p.vr] & gba_home & p.c.willing_gba[p.cr]
    if p.rules.commute_radius_km is not None:
        distance = geo.distance_km[home, np.where(known, vc, 0)]
        ok |= known & home_known & (distance <= p.rules.commute_radius_km)
    return np.asarray(ok)


def _occupation(p: _Pairs) -> Bools:
    wanted = p.v.occupation[p.vr]
    no_requirement = wanted == PAD
    ancestor = p.vocab.occupations.ancestor(p.rules.occupation_level)
    slots = p.c.occupations[p.cr]
    slot_ancestors = np.where(slots != PAD, ancestor[np.maximum(slots, 0)], -1)
    wanted_ancestor = np.where(no_requirement, -2, ancestor[np.maximum(wanted, 0)])
    return np.asarray(no_requirement | (slot_ancestors == wanted_ancestor[:, None]).any(axis=1))


def _education(p: _Pairs) -> Bools:
    c, cr = p.c, p.cr
    return np.asarray(EDUCATION_OK[p.v.education[p.vr] + 1, c.education[cr] + 1, c.skill_level[cr]])


def _title(p: _Pairs) -> Bools:
    c, cr = p.c, p.cr
    return np.asarray(_TITLE_OK[p.v.title_level[p.vr] + 1, c.title_level[cr], c.skill_level[cr]])


def _skill(p: _Pairs) -> Bools:
    c, cr = p.c, p.cr
    return np.asarray(_SKILL_OK[p.v.skill_level[p.vr] + 1, c.skill_level[cr], c.title_level[cr]])


def _certificate(p: _Pairs) -> Bools:
    ok = np.ones(len(p.cr), dtype=bool)
    required = p.v.certificates[p.vr]
    owner = p.cr.astype(np.int64) << 32
    for slot in range(required.shape[1]):
        group = required[:, slot].astype(np.int64)
        needed = group != PAD
        held = contains(p.c.certificate_keys, owner | np.maximum(group, 0))
        ok &= ~needed | held
    return ok


def _salary(p: _Pairs) -> Bools:
    expected, ceiling = p.c.salary_min[p.cr], p.v.salary_max[p.vr]
    return np.asarray((expected < 0) | (ceiling < 0) | (expected <= ceiling))


def _availability(p: _Pairs) -> Bools:
    start, deadline = p.c.available_from[p.cr], p.v.valid_through[p.vr]
    return np.asarray((start == NO_DATE) | (deadline == NO_DATE) | (start <= deadline))


_CHECKS: dict[HardReason, Callable[[_Pairs], Bools]] = {
    HardReason.location: _location,
    HardReason.occupation: _occupation,
    HardReason.salary: _salary,
    HardReason.education: _education,
    HardReason.skill_level: _skill,
    HardReason.title_level: _title,
    HardReason.availability: _availability,
    HardReason.certificate: _certificate,
}


def hard_checks(
    c: CandidateArrays,
    cand_rows: Rows,
    v: VacancyArrays,
    vac_rows: Rows,
    rules: HardRules,
    vocab: Vocabularies,
) -> dict[HardReason, Bools]:
    """Every check's pass/fail array (True = passes), for explanations."""
    pairs = _Pairs(c, cand_rows, v, vac_rows, rules, vocab)
    return {reason: check(pairs) for reason, check in _CHECKS.items()}


def hard_pass(
    c: CandidateArrays,
    cand_rows: Rows,
    v: VacancyArrays,
    vac_rows: Rows,
    rules: HardRules,
    vocab: Vocabularies,
) -> Bools:
    """True where a pair passes every hard requirement.

    Checks run cheapest-first on the shrinking set of survivors, so later (costlier) checks
    touch only rows that are still eligible.
    """
    alive = np.arange(len(cand_rows))
    for check in _CHECKS.values():
        if alive.size == 0:
            break
        passed = check(_Pairs(c, cand_rows[alive], v, vac_rows[alive], rules, vocab))
        alive = alive[passed]
    result = np.zeros(len(cand_rows), dtype=bool)
    result[alive] = True
    return result
