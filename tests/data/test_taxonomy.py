"""Data contracts of the vendored taxonomies and the level equivalences."""

from __future__ import annotations

import re

import pytest

from data import taxonomy
from data.levels import (
    EDUCATION_LABELS,
    SKILL_LABELS,
    TITLE_LABELS,
    Education,
    SkillLevel,
    TitleLevel,
    education_equivalent,
    meets_education,
    meets_skill_level,
    meets_title_level,
    title_equivalent,
)


def test_21_cities_9_in_gba_and_zones_partition_them() -> None:
    cities = taxonomy.cities()
    assert len(cities) == 21
    assert cities["city_code"].is_unique
    assert cities["gba"].sum() == 9
    assert cities.groupby("zone").size().to_dict() == {"一核": 9, "一带": 7, "一区": 5}
    # the Pearl River Delta core is exactly the nine mainland GBA cities
    assert (cities["gba"] == (cities["zone"] == "一核")).all()
    assert cities["lon"].between(109.5, 117.5).all()
    assert cities["lat"].between(20.0, 25.6).all()


def test_every_district_belongs_to_one_of_the_21_cities() -> None:
    districts = taxonomy.districts()
    assert set(districts["city_code"]) <= set(taxonomy.cities()["city_code"])
    assert districts["district_code"].str.fullmatch(r"44\d{4}").all()


def test_occupation_hierarchy_matches_the_2022_edition() -> None:
    occupations = taxonomy.occupations()
    counts = occupations.groupby("level").size().to_dict()
    assert counts[1] == 8
    assert counts[2] == 79
    assert 449 <= counts[3] <= 450
    assert 1_630 <= counts[4] <= 1_650
    assert occupations["code"].is_unique
    patterns = {1: r"\d", 2: r"\d-\d{2}", 3: r"\d-\d{2}-\d{2}", 4: r"\d-\d{2}-\d{2}-\d{2}"}
    for level, pattern in patterns.items():
        codes = occupations.loc[occupations["level"] == level, "code"]
        assert codes.str.fullmatch(pattern).all(), level
    known = set(occupations["code"])
    children = occupations[occupations["level"] > 1]
    assert children["parent_code"].isin(known).all()
    assert (occupations["aliases"].map(len) > 0).sum() > 500


def test_occupation_ancestor_nests_by_prefix() -> None:
    assert taxonomy.occupation_ancestor("6-18-01-01", 3) == "6-18-01"
    assert taxonomy.occupation_ancestor("6-18-01-01", 1) == "6"
    with pytest.raises(ValueError, match="level must be"):
        taxonomy.occupation_ancestor("6-18-01-01", 5)
    with pytest.raises(ValueError, match="coarser"):
        taxonomy.occupation_ancestor("6-18", 3)


def test_gb4754_has_the_2017_edition_codes() -> None:
    industries = taxonomy.industries()
    assert industries.groupby("level").size().to_dict() == {1: 20, 2: 97, 3: 275, 4: 1380}
    assert taxonomy.industry_name("6520") == "集成电路设计"
    known = set(industries["code"])
    assert industries.loc[industries["level"] > 1, "parent_code"].isin(known).all()


def test_twenty_shuangshi_clusters_map_to_real_industry_codes() -> None:
    clusters = taxonomy.clusters()
    assert len(clusters) == 20
    assert clusters.groupby("kind").size().to_dict() == {
        "战略性支柱产业集群": 10,
        "战略性新兴产业集群": 10,
    }
    known = set(taxonomy.industries()["code"])
    for codes in clusters["industry_codes"]:
        assert codes and set(codes) <= known
    assert taxonomy.clusters_of_industry("3973") == ["C01", "C11"]


def test_accessors_return_copies() -> None:
    mutated = taxonomy.cities()
    mutated["name"] = "x"
    assert taxonomy.cities().loc[0, "name"] == "广州市"


def test_equivalence_table_and_code_agree() -> None:
    table = taxonomy.level_equivalence()
    by_label = {label: level for level, label in SKILL_LABELS.items()}
    title_by_label = {label: level for level, label in TITLE_LABELS.items()}
    education_by_label = {label: level for level, label in EDUCATION_LABELS.items()}
    assert len(table) == 3
    for row in table.itertuples():
        skill = by_label[row.skill_level]
        assert title_equivalent(skill) == title_by_label[row.title_level]
        assert education_equivalent(skill) == education_by_label[row.education]


@pytest.mark.parametrize(
    ("required", "education", "skill", "expected"),
    [
        (Education.college, Education.senior_high, SkillLevel.senior_worker, True),
        (Education.bachelor, Education.senior_high, SkillLevel.technician, True),
        (Education.bachelor, Education.senior_high, SkillLevel.senior_worker, False),
        (Education.master, Education.senior_high, SkillLevel.senior_technician, False),
        (Education.college, Education.college, SkillLevel.none, True),
        (Education.college, None, SkillLevel.intermediate_worker, False),
        (None, None, SkillLevel.none, True),
    ],
)
def test_education_requirement_counts_skill_equivalence(
    required: Education | None, education: Education | None, skill: SkillLevel, expected: bool
) -> None:
    assert meets_education(required, education, skill) is expected


@pytest.mark.parametrize(
    ("required", "title", "skill", "expected"),
    [
        (TitleLevel.intermediate, TitleLevel.none, SkillLevel.technician, True),
        (TitleLevel.associate_senior, TitleLevel.none, SkillLevel.technician, False),
        (TitleLevel.associate_senior, TitleLevel.none, SkillLevel.senior_technician, True),
        (TitleLevel.junior, TitleLevel.none, SkillLevel.intermediate_worker, False),
        (TitleLevel.senior, TitleLevel.associate_senior, SkillLevel.senior_technician, False),
    ],
)
def test_title_requirement_counts_skill_equivalence(
    required: TitleLevel, title: TitleLevel, skill: SkillLevel, expected: bool
) -> None:
    assert meets_title_level(required, title, skill) is expected


@pytest.mark.parametrize(
    ("required", "skill", "title", "education", "expected"),
    [
        (SkillLevel.technician, SkillLevel.none, TitleLevel.intermediate, None, True),
        (SkillLevel.technician, SkillLevel.none, TitleLevel.junior, None, False),
        (SkillLevel.technician, SkillLevel.none, TitleLevel.none, Education.doctor, False),
        (SkillLevel.intermediate_worker, SkillLevel.none, TitleLevel.senior, None, False),
        (SkillLevel.senior_worker, SkillLevel.technician, TitleLevel.none, None, True),
    ],
)
def test_skill_requirement_counts_title_but_never_education(
    required: SkillLevel,
    skill: SkillLevel,
    title: TitleLevel,
    education: Education | None,
    expected: bool,
) -> None:
    assert meets_skill_level(required, skill, title, education) is expected


def test_labels_cover_every_level() -> None:
    assert set(EDUCATION_LABELS) == set(Education)
    assert set(SKILL_LABELS) == set(SkillLevel)
    assert set(TITLE_LABELS) == set(TitleLevel)
    assert re.fullmatch(r"[\u4e00-\u9fff/]+", "".join(EDUCATION_LABELS.values()))
