"""The planner-facing columns of a real 急需紧缺人才目录 (Guangzhou, GBA, Hangzhou, Guangxi
catalogues carry them), computed per listed cell from its records.

* 产业集群 (``industry_cluster``): the 双十 clusters (粤府函〔2020〕82号) whose GB/T 4754 codes
  cover the cell's industry, or part of it (:func:`data.taxonomy.clusters_of_industry`).
* 岗位名称 (``job_titles``): the 3 commonest market job titles of the cell's vacancies in the
  trailing 12 months (recruiter prefixes such as 急招 and suffixes such as （包吃住） removed).
* 能力要求 (``skills_required``): the 5 skills the cell's vacancies ask for most often.
* 专业要求 (``major``): the field of study the occupation's 大典 中类 implies (records carry no
  major; stated as 推定).
* 人才类别 (``talent_category``): 专业技术人才 (大典 大类 2) / 技能人才 (大类 4–6) / 其他.
* 紧缺类型 (``shortage_type``): 数量型 when there are too few seekers at all (supply below
  half the demand); 结构型 when seekers exist but fewer than half of the demand's worth meet
  the cell's modal education / skill-level requirement (the matcher's hard filter,
  :func:`data.levels.meets_education`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import cache, lru_cache

import numpy as np
import numpy.typing as npt
import pandas as pd

from data.levels import Education, SkillLevel, TitleLevel, meets_education, meets_skill_level
from data.supply import supply_rows
from data.taxonomy import clusters, clusters_of_industry
from models.catalogue.periods import PeriodWindow

__all__ = ["MAJOR_BY_PREFIX", "catalogue_columns", "shortage_type", "talent_category"]

#: 大典 code prefix → implied field of study (longest prefix wins).
MAJOR_BY_PREFIX: dict[str, str] = {
    "2-01": "理学类",
    "2-02-10": "计算机类、电子信息类",
    "2-02-38": "计算机类、电子信息类",
    "2-02-11": "电气类、自动化类",
    "2-02-07": "机械类",
    "2-02-13": "化工与制药类",
    "2-02-30": "管理科学与工程类",
    "2-02": "工学（相关工程类）",
    "2-03": "农学类",
    "2-05": "医学类（临床、护理、药学）",
    "2-06": "经济学、工商管理类",
    "2-07": "金融学类",
    "2-08": "教育学类",
    "2-09": "新闻传播学、文学类",
    "2-10": "艺术学类",
    "4-04-05": "计算机类、大数据技术类",
    "4-04": "电子信息类（职业教育）",
    "4-10": "健康管理与促进类（职业教育）",
    "6-31": "装备制造大类（职业教育）",
    "6-2": "装备制造、电子与信息大类（职业教育）",
    "6": "相关制造类专业（职业教育）或不限",
}
_DECORATION = re.compile(r"^(【[^】]*】|急招|急聘|高薪诚聘|诚聘|直招)|（[^）]*）$")


@cache
def _clusters_touching(industry_code: str) -> tuple[str, ...]:
    """双十 clusters covering the industry, or part of it (a 大类 holding a cluster's 中类);
    cached: the cluster table is static and a province edition asks once per cell."""
    table = clusters()
    found = list(clusters_of_industry(industry_code))
    for cluster_id, codes in zip(table["cluster_id"], table["industry_codes"], strict=True):
        if cluster_id not in found and any(str(c).startswith(industry_code) for c in codes):
            found.append(cluster_id)
    return tuple(found)


def talent_category(occupation_code: str) -> str:
    """专业技术人才 (大典 大类 2) / 技能人才 (4–6) / 其他人才."""
    head = str(occupation_code)[:1]
    return "专业技术人才" if head == "2" else ("技能人才" if head in "456" else "其他人才")


def _major(code: str) -> str:
    for length in (7, 4, 3, 1):
        major = MAJOR_BY_PREFIX.get(code[:length])
        if major is not None:
            return f"{major}（推定）"
    return "不限"


def shortage_type(demand: float, supply: float, qualified: float) -> str:
    """数量型 (too few seekers at all) or 结构型 (seekers exist, too few meet requirements)."""
    if supply < 0.5 * demand:
        return "数量型"
    return "结构型" if qualified < 0.5 * demand else "数量型"


@lru_cache(maxsize=1 << 16)  # titles repeat: few distinct among hundreds of thousands
def _clean_title(title: object) -> str:
    text = str(title or "").strip()
    for _ in range(3):
        text = _DECORATION.sub("", text).strip()
    return text


def _top(values: Sequence[object], n: int) -> str | None:
    counts = Counter(v for v in values if v)
    if not counts:
        return None
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    return "、".join(str(value) for value, _ in ranked[:n])


@cache
def _passes(need_edu: int, need_skill: int, edu: int, level: int, title: int) -> bool:
    """Whether one seeker's (education, skill level, 职称) meets the minimums (-1: unknown /
    none asked); the hard filter's own rules, cached per combination -- there are a few
    hundred combinations and millions of seekers."""
    held_skill = SkillLevel(max(level, 0))
    ok_edu = meets_education(
        None if need_edu < 0 else Education(need_edu),
        None if edu < 0 else Education(edu),
        held_skill,
    )
    ok_skill = meets_skill_level(
        None if need_skill < 0 else SkillLevel(need_skill), held_skill, TitleLevel(max(title, 0))
    )
    return bool(ok_edu and ok_skill)


def _levels(frame: pd.DataFrame, column: str) -> npt.NDArray[np.int64]:
    """A level column as integers, -1 where unknown (or absent)."""
    if column not in frame:
        return np.full(len(frame), -1, dtype=np.int64)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.where(np.isnan(values), -1, values).astype(np.int64)


def _qualified_share(cell_seekers: pd.DataFrame, education: float, skill: float) -> float:
    """Share of the cell's seekers who pass the modal education / skill-level minimum."""
    if cell_seekers.empty:
        return 0.0
    need_edu = -1 if pd.isna(education) else int(education)
    need_skill = -1 if pd.isna(skill) else int(skill)
    held = np.stack(
        [_levels(cell_seekers, c) for c in ("education", "skill_level", "title_level")], axis=1
    )
    combos, counts = np.unique(held, axis=0, return_counts=True)
    passed = sum(
        int(n)
        for (edu, level, title), n in zip(combos.tolist(), counts, strict=True)
        if _passes(need_edu, need_skill, edu, level, title)
    )
    return passed / len(cell_seekers)


def _mode(values: pd.Series) -> float:
    """The most frequent integer value (the smallest on a tie); NaN when none is known.
    numpy, not ``value_counts``: this runs once per cell and column."""
    array = (
        values.to_numpy(dtype=float, na_value=np.nan)
        if pd.api.types.is_numeric_dtype(values.dtype)
        else pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    )
    known = array[~np.isnan(array)]
    if not known.size:
        return float("nan")
    unique, counts = np.unique(known.astype(int), return_counts=True)
    return float(unique[counts == counts.max()].min())


def catalogue_columns(
    cells: pd.DataFrame,
    jobs: pd.DataFrame,
    candidates: pd.DataFrame,
    window: PeriodWindow,
) -> pd.DataFrame:
    """The columns above for each ``city_code, industry_code, occupation_code`` cell.

    ``cells`` also carries ``demand_city_occupation`` and ``supply``; ``jobs`` are
    :func:`~models.catalogue.indicators.prepare_vacancies` rows, ``candidates`` the raw frame.
    """
    keys = ["city_code", "industry_code", "occupation_code"]
    names = clusters().set_index("cluster_id")["name"]
    trailing = jobs[(jobs["month"] >= window.trend_months[0]) & (jobs["month"] < window.end)]
    trailing = trailing[trailing.set_index(keys).index.isin(cells.set_index(keys).index)]
    groups = dict(tuple(trailing.groupby(keys, sort=False)))
    registered = pd.to_datetime(candidates["registered_on"])
    recent = candidates[(registered >= window.start) & (registered < window.end)]
    seekers = supply_rows(recent.reset_index(drop=True)) if len(recent) else recent
    if len(seekers):  # only the listed cells' seekers are grouped (all pairs took most of it)
        pairs = pd.MultiIndex.from_frame(cells[["city_code", "occupation_code"]].astype(str))
        seekers = seekers[seekers.set_index(["city_code", "occupation_code"]).index.isin(pairs)]
    pair_groups = (
        dict(tuple(seekers.groupby(["city_code", "occupation_code"], sort=False)))
        if len(seekers)
        else {}
    )
    records = []
    for row in cells.to_dict("records"):
        key = tuple(str(row[k]) for k in keys)
        group = groups.get(key, trailing.iloc[0:0])
        titles = [_clean_title(t) for t in group.get("title", pd.Series(dtype=object))]
        skills = [
            s for values in group.get("skills", pd.Series(dtype=object)) for s in (values or ())
        ]
        education, skill = (
            _mode(group.get("education_requirement", pd.Series(dtype=float))),
            _mode(group.get("skill_level_requirement", pd.Series(dtype=float))),
        )
        cell_seekers = pair_groups.get(
            (key[0], key[2]), seekers.iloc[0:0] if len(seekers) else recent.iloc[0:0]
        )
        demand = float(row.get("demand_city_occupation") or 0.0)
        supply = float(row.get("supply") or 0.0)
        qualified = supply * _qualified_share(cell_seekers, education, skill)
        cluster_ids = _clusters_touching(key[1])
        records.append(
            {
                **dict(zip(keys, key, strict=True)),
                "industry_cluster": "、".join(names[c] for c in cluster_ids) or None,
                "job_titles": _top(titles, 3),
                "skills_required": _top(skills, 5),
                "major": _major(key[2]),
                "talent_category": talent_category(key[2]),
                "qualified_supply": round(qualified, 2),
                "shortage_type": shortage_type(demand, supply, qualified),
            }
        )
    columns = [
        *keys,
        "industry_cluster",
        "job_titles",
        "skills_required",
        "major",
        "talent_category",
        "qualified_supply",
        "shortage_type",
    ]
    return pd.DataFrame.from_records(records, columns=columns)
