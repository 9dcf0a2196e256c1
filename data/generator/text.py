"""Chinese texts: vacancy titles as recruiters write them, descriptions and resumes.

Titles mix the official 大典 name, its aliases and curated recruiter titles with the usual
decorations (急招, 【高薪】, （五险一金）, city names). Descriptions and resumes are assembled
from the occupation's 大典 definition and 主要工作任务 plus skill phrases, so a text model sees
realistic vocabulary tied to the code.
"""

from __future__ import annotations

import numpy as np

from data.generator.occupations import OccupationProfile
from data.levels import (
    EDUCATION_LABELS,
    SKILL_LABELS,
    TITLE_LABELS,
    Education,
    SkillLevel,
    TitleLevel,
)

__all__ = ["resume_text", "vacancy_description", "vacancy_title"]

_PREFIXES = ("急招", "【急聘】", "高薪诚聘", "【直招】", "诚聘", "名企直招")
_FACTORY_SUFFIXES = (
    "（包吃住）",
    "（五险一金）",
    "（长白班）",
    "（计件多劳多得）",
    "（两班倒）",
    "（可预支）",
)
_OFFICE_SUFFIXES = ("（五险一金）", "（双休）", "（带薪年假）", "（六险一金）", "（弹性工作）")
_SERVICE_SUFFIXES = ("（包吃住）", "（五险）", "（月休4天）", "（提成高）", "（有员工餐）")
_WELFARE = {
    "factory": ("五险一金", "包吃包住", "加班补贴", "全勤奖", "年终奖", "节日福利", "免费班车"),
    "office": ("五险一金", "双休", "带薪年假", "年终奖", "补充医疗保险", "定期体检", "团建活动"),
    "service": ("五险", "包吃住", "提成", "员工餐", "节日福利", "带薪培训", "排班灵活"),
}


def vacancy_title(
    profile: OccupationProfile,
    welfare: str,
    city_short: str,
    salary_max: int,
    draw: np.ndarray,
) -> str:
    """A recruiter-style title such as ``急招普工/操作工（包吃住）`` or ``Java开发工程师-深圳``."""
    if draw[0] < 0.25 or not profile.titles:
        base = profile.name
    else:
        base = profile.titles[int(draw[1] * len(profile.titles))]
        if welfare == "factory" and draw[1] < 0.15:
            base = "普工/操作工" if profile.family in {"elec", "appliance", "textile"} else base
    title = base
    if draw[2] < 0.18:
        title = _PREFIXES[int(draw[3] * len(_PREFIXES))] + title
    if draw[3] < 0.35:
        pool = {"factory": _FACTORY_SUFFIXES, "office": _OFFICE_SUFFIXES}.get(
            welfare, _SERVICE_SUFFIXES
        )
        title += pool[int(draw[4] * len(pool))]
    elif draw[3] < 0.45:
        title += f"（月入{salary_max // 1000}K+）" if welfare != "office" else f"-{city_short}"
    elif draw[3] < 0.55:
        title += f"（{city_short}）"
    return title


def vacancy_description(
    profile: OccupationProfile,
    welfare: str,
    *,
    education: int | None,
    experience: int,
    certificates: tuple[str, ...],
    skills: tuple[str, ...],
    place: str,
    draw: np.ndarray,
) -> str:
    """岗位职责 from the 大典 tasks, 任职要求 from the requirements, 福利 and 工作地点.

    ``draw`` holds at least three uniforms picking the tasks and benefits.
    """
    tasks = list(profile.tasks) or [profile.definition]
    count = min(len(tasks), 3 + int(draw[0] * 3))
    first = int(draw[1] * len(tasks))
    chosen = sorted((first + k) % len(tasks) for k in range(count))
    duties = "；".join(f"{i + 1}.{tasks[k]}" for i, k in enumerate(chosen))
    if education is None:
        needs = ["学历不限"]
    elif education == Education.junior_high:
        needs = ["初中及以上学历"]
    else:
        needs = [f"{EDUCATION_LABELS[Education(education)]}及以上学历"]
    needs.append(f"{experience}年以上相关工作经验" if experience else "经验不限，可接受应届生")
    if certificates:
        needs.append("持有" + "、".join(certificates))
    if skills:
        needs.append("熟悉" + "、".join(skills))
    pool = _WELFARE[welfare]
    start = int(draw[2] * len(pool))
    welfare_text = "、".join(pool[(start + k) % len(pool)] for k in range(3))
    return (
        f"岗位职责：{duties}。任职要求：{'；'.join(needs)}。"
        f"福利待遇：{welfare_text}。工作地点：{place}。"
    )


def resume_text(
    profile: OccupationProfile,
    *,
    education: int | None,
    skill_level: int,
    title_level: int,
    experience: int,
    certificates: tuple[str, ...],
    skills: tuple[str, ...],
    industry_label: str,
    places: str,
    draw: float,
) -> str:
    """A short 个人简历 in the style of public job-service registrations."""
    parts = [f"求职意向：{profile.name}。"]
    edu = EDUCATION_LABELS[Education(education)] if education is not None else "学历未填"
    if experience:
        parts.append(f"{edu}，{experience}年{industry_label}行业工作经验。")
        tasks = list(profile.tasks) or [profile.definition]
        parts.append(f"曾负责{tasks[int(draw * len(tasks))]}。")
    else:
        parts.append(f"{edu}，应届毕业生/无相关经验，学习能力强。")
    if skill_level:
        parts.append(f"职业技能等级：{SKILL_LABELS[SkillLevel(skill_level)]}。")
    if title_level:
        parts.append(f"职称：{TITLE_LABELS[TitleLevel(title_level)]}。")
    if certificates:
        parts.append("持有证书：" + "、".join(certificates) + "。")
    if skills:
        parts.append("掌握技能：" + "、".join(skills) + "。")
    parts.append(f"期望工作地点：{places}。")
    return "".join(parts)
