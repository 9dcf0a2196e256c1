"""Education, skill-level (职业技能等级) and 职称 levels, and the plan's equivalences.

Guangdong's talent plan (技能人才与专业技术人才职业发展贯通) makes, for hiring purposes:

==========  ==============  ===============
skill       职称 equivalent  education equivalent
==========  ==============  ===============
高级工      初级 (助理工程师)   大专
技师        中级 (工程师)       本科
高级技师    副高 (高级工程师)   本科
==========  ==============  ===============

So a vacancy asking for 大专 accepts a 高级工; one asking for a 中级职称 (工程师) accepts a
技师, and one asking for a 技师 accepts an 工程师. Education never stands in for a skill
certificate (a degree is not a 技师证). The table lives in ``taxonomies/level_equivalence.csv``
for planners to read; this module is its executable form and a test keeps the two equal.

Examples
--------
>>> meets_education(Education.college, skill_level=SkillLevel.senior_worker)
True
>>> meets_title_level(TitleLevel.intermediate, skill_level=SkillLevel.technician)
True
>>> meets_skill_level(SkillLevel.technician, education=Education.bachelor)
False
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum
from functools import cache
from typing import Any

from data.errors import InvalidDataError

__all__ = [
    "EDUCATION_LABELS",
    "LEVEL_LABELS",
    "LEVEL_TYPES",
    "SKILL_LABELS",
    "TITLE_LABELS",
    "Education",
    "SkillLevel",
    "TitleLevel",
    "UnknownLevelError",
    "education_equivalent",
    "level_vocabulary",
    "meets_education",
    "meets_skill_level",
    "meets_title_level",
    "parse_level",
    "title_equivalent",
]


class Education(IntEnum):
    """Highest education completed, ordered."""

    junior_high = 0  # 初中及以下
    senior_high = 1  # 高中/中专/技校
    college = 2  # 大专
    bachelor = 3  # 本科
    master = 4  # 硕士
    doctor = 5  # 博士


class SkillLevel(IntEnum):
    """职业技能等级 (国家职业资格 五级 → 一级)."""

    none = 0
    junior_worker = 1  # 初级工 (五级)
    intermediate_worker = 2  # 中级工 (四级)
    senior_worker = 3  # 高级工 (三级) — 高技能 from here up
    technician = 4  # 技师 (二级)
    senior_technician = 5  # 高级技师 (一级)


class TitleLevel(IntEnum):
    """专业技术职称."""

    none = 0
    junior = 1  # 初级 (助理工程师/员级)
    intermediate = 2  # 中级 (工程师)
    associate_senior = 3  # 副高 (高级工程师)
    senior = 4  # 正高 (正高级工程师)


EDUCATION_LABELS: dict[Education, str] = {
    Education.junior_high: "初中及以下",
    Education.senior_high: "高中/中专/技校",
    Education.college: "大专",
    Education.bachelor: "本科",
    Education.master: "硕士",
    Education.doctor: "博士",
}
SKILL_LABELS: dict[SkillLevel, str] = {
    SkillLevel.none: "无",
    SkillLevel.junior_worker: "初级工",
    SkillLevel.intermediate_worker: "中级工",
    SkillLevel.senior_worker: "高级工",
    SkillLevel.technician: "技师",
    SkillLevel.senior_technician: "高级技师",
}
TITLE_LABELS: dict[TitleLevel, str] = {
    TitleLevel.none: "无",
    TitleLevel.junior: "初级",
    TitleLevel.intermediate: "中级",
    TitleLevel.associate_senior: "副高",
    TitleLevel.senior: "正高",
}
LEVEL_LABELS: Mapping[type[IntEnum], Mapping[Any, str]] = {
    Education: EDUCATION_LABELS,
    SkillLevel: SKILL_LABELS,
    TitleLevel: TITLE_LABELS,
}
"""Each level type's Chinese labels: the one vocabulary of imports, the API and look-ups."""
LEVEL_TYPES: tuple[type[IntEnum], ...] = tuple(LEVEL_LABELS)


class UnknownLevelError(InvalidDataError):
    """A level given as text that is neither a number, a member name nor a label."""


@cache
def level_vocabulary(level_type: type[IntEnum]) -> dict[str, int]:
    """Every text ``level_type`` answers to: its labels, their ``/`` parts and member names.

    ``高中/中专/技校`` also answers to ``中专``; a part never overrides a whole label.

    >>> level_vocabulary(Education)["中专"], level_vocabulary(SkillLevel)["technician"]
    (1, 4)
    """
    vocabulary: dict[str, int] = {}
    for member, label in LEVEL_LABELS[level_type].items():
        vocabulary[label] = int(member)
        vocabulary[member.name] = int(member)
    for member, label in LEVEL_LABELS[level_type].items():
        for part in label.split("/"):
            vocabulary.setdefault(part, int(member))
    return vocabulary


def parse_level(value: Any, level_type: type[IntEnum]) -> Any:
    """``value`` with a level given as text replaced by its number; other values unchanged.

    Text may be the number itself (``"3"``), the member name or the Chinese label; the
    caller's schema then validates the number (so ``9`` still fails there, as out of range).

    >>> parse_level("本科", Education), parse_level("技师", SkillLevel), parse_level(2, TitleLevel)
    (3, 4, 2)
    >>> parse_level("学士", Education)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    data.levels.UnknownLevelError: '学士' is not a known level (use 0–5 or 初中及以下、...)
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    vocabulary = level_vocabulary(level_type)
    if text in vocabulary:
        return vocabulary[text]
    labels = "、".join(LEVEL_LABELS[level_type].values())
    raise UnknownLevelError(
        f"{text!r} is not a known level (use 0–{len(level_type) - 1} or {labels})"
    )


_SKILL_TO_TITLE = {
    SkillLevel.senior_worker: TitleLevel.junior,
    SkillLevel.technician: TitleLevel.intermediate,
    SkillLevel.senior_technician: TitleLevel.associate_senior,
}
_SKILL_TO_EDUCATION = {
    SkillLevel.senior_worker: Education.college,
    SkillLevel.technician: Education.bachelor,
    SkillLevel.senior_technician: Education.bachelor,
}


def title_equivalent(skill_level: SkillLevel) -> TitleLevel:
    """职称 a skill level counts as (高级工 → 初级, 技师 → 中级, 高级技师 → 副高)."""
    return _SKILL_TO_TITLE.get(SkillLevel(skill_level), TitleLevel.none)


def education_equivalent(skill_level: SkillLevel) -> Education | None:
    """Education a skill level counts as in hiring, or None below 高级工."""
    return _SKILL_TO_EDUCATION.get(SkillLevel(skill_level))


def meets_education(
    required: Education | None,
    education: Education | None = None,
    skill_level: SkillLevel = SkillLevel.none,
) -> bool:
    """Whether a candidate satisfies a minimum education, counting skill equivalence."""
    if required is None:
        return True
    if education is not None and education >= required:
        return True
    equivalent = education_equivalent(skill_level)
    return equivalent is not None and equivalent >= required


def meets_title_level(
    required: TitleLevel | None,
    title_level: TitleLevel = TitleLevel.none,
    skill_level: SkillLevel = SkillLevel.none,
) -> bool:
    """Whether a candidate satisfies a minimum 职称, counting skill equivalence."""
    if required is None or required == TitleLevel.none:
        return True
    return max(title_level, title_equivalent(skill_level)) >= required


def meets_skill_level(
    required: SkillLevel | None,
    skill_level: SkillLevel = SkillLevel.none,
    title_level: TitleLevel = TitleLevel.none,
    education: Education | None = None,
) -> bool:
    """Whether a candidate satisfies a minimum skill level, counting 职称 equivalence.

    ``education`` is accepted for symmetry but never counts: a degree is not a skill
    certificate.
    """
    if required is None or required == SkillLevel.none:
        return True
    if skill_level >= required:
        return True
    needed_title = title_equivalent(required)
    return needed_title != TitleLevel.none and title_level >= needed_title
