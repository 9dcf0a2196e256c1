"""Hard requirements: property test against a slow per-pair reference, plus unit cases."""

from __future__ import annotations

import math
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.levels import (
    Education,
    SkillLevel,
    TitleLevel,
    meets_education,
    meets_skill_level,
    meets_title_level,
)
from data.records import Candidate, Vacancy
from data.taxonomy import cities
from models.match import MatchEngine, satisfies_certificates
from tests.support.match_records import ELECTRICIAN, WELDER, candidate, frame, vacancy

CITY_CODES = ["4401", "4403", "4406", "4413", "4405", "4402"]  # 4405 汕头/4402 韶关: not GBA
OCCUPATIONS = [ELECTRICIAN, "6-31-01-05", "6-31-02-01", WELDER, "2-02-10-03", "2-02-10-09"]
CERTIFICATES = ["电工证", "香港电工牌照", "澳门电工执照", "焊工证", "香港焊工证", "叉车证"]


def _distance_km(a: str, b: str) -> float:
    table = cities().set_index("city_code")
    lat1, lon1 = map(math.radians, table.loc[a, ["lat", "lon"]])
    lat2, lon2 = map(math.radians, table.loc[b, ["lat", "lon"]])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def reference_eligible(
    c: Candidate, v: Vacancy, *, occupation_level: int = 2, radius_km: float | None = None
) -> bool:
    """Obviously-correct, per-pair statement of every hard requirement."""
    gba = dict(zip(cities()["city_code"], cities()["gba"], strict=True))
    location = (
        c.city_code == v.city_code
        or v.city_code in c.desired_city_codes
        or (v.gba_scope and gba[c.city_code] and c.willing_gba)
        or (radius_km is not None and _distance_km(c.city_code, v.city_code) <= radius_km)
    )
    prefix = {1: 1, 2: 4, 3: 7, 4: 10}[occupation_level]
    codes = [*c.desired_occupation_codes, *([c.current_occupation_code] or [])]
    codes = [code for code in codes if code]
    occupation = v.occupation_code is None or any(
        code[:prefix] == v.occupation_code[:prefix] for code in codes
    )
    return (
        location
        and occupation
        and meets_education(v.education_requirement, c.education, c.skill_level)
        and meets_skill_level(v.skill_level_requirement, c.skill_level, c.title_level)
        and meets_title_level(v.title_level_requirement, c.title_level, c.skill_level)
        and satisfies_certificates(c.certificates, v.required_certificates)
        and (
            c.expected_salary_min is None
            or v.base_salary_max is None
            or c.expected_salary_min <= v.base_salary_max
        )
        and (
            c.available_from is None
            or v.valid_through is None
            or c.available_from <= v.valid_through
        )
    )


def _optional(strategy: st.SearchStrategy) -> st.SearchStrategy:  # type: ignore[type-arg]
    return st.none() | strategy


@st.composite
def candidates(draw: st.DrawFn, index: int) -> Candidate:
    salary = draw(_optional(st.integers(2000, 20000)))
    return candidate(
        f"c{index}",
        city_code=draw(st.sampled_from(CITY_CODES)),
        desired_city_codes=tuple(draw(st.lists(st.sampled_from(CITY_CODES), max_size=2))),
        willing_gba=draw(st.booleans()),
        desired_occupation_codes=tuple(draw(st.lists(st.sampled_from(OCCUPATIONS), max_size=2))),
        current_occupation_code=draw(_optional(st.sampled_from(OCCUPATIONS))),
        education=draw(_optional(st.sampled_from(list(Education)))),
        skill_level=draw(st.sampled_from(list(SkillLevel))),
        title_level=draw(st.sampled_from(list(TitleLevel))),
        certificates=tuple(draw(st.lists(st.sampled_from(CERTIFICATES), max_size=2))),
        expected_salary_min=salary,
        expected_salary_max=None,
        available_from=draw(_optional(st.dates(date(2024, 1, 1), date(2024, 12, 31)))),
        resume_text="电工 焊工 程序员",
    )


@st.composite
def vacancies(draw: st.DrawFn, index: int) -> Vacancy:
    posted = date(2024, 3, 1)
    return vacancy(
        f"v{index}",
        city_code=draw(st.sampled_from(CITY_CODES)),
        gba_scope=draw(st.booleans()),
        occupation_code=draw(_optional(st.sampled_from(OCCUPATIONS))),
        education_requirement=draw(_optional(st.sampled_from(list(Education)))),
        skill_level_requirement=draw(_optional(st.sampled_from(list(SkillLevel)))),
        title_level_requirement=draw(_optional(st.sampled_from(list(TitleLevel)))),
        required_certificates=tuple(draw(st.lists(st.sampled_from(CERTIFICATES), max_size=2))),
        base_salary_min=None,
        base_salary_max=draw(_optional(st.integers(3000, 20000))),
        valid_through=draw(_optional(st.just(posted + timedelta(days=draw(st.integers(0, 200)))))),
    )


@st.composite
def worlds(draw: st.DrawFn) -> tuple[list[Candidate], list[Vacancy], int, float | None]:
    n_c = draw(st.integers(1, 12))
    n_v = draw(st.integers(1, 5))
    cs = [draw(candidates(i)) for i in range(n_c)]
    vs = [draw(vacancies(i)) for i in range(n_v)]
    level = draw(st.sampled_from([1, 2, 3, 4]))
    radius = draw(st.sampled_from([None, 30.0, 120.0]))
    return cs, vs, level, radius


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_returned_pairs_never_violate_hard_requirements(
    world: tuple[list[Candidate], list[Vacancy], int, float | None],
) -> None:
    cs, vs, level, radius = world
    engine = MatchEngine(occupation_level=level, commute_radius_km=radius).fit_index(
        frame(cs), frame(vs)
    )
    by_id = {c.candidate_id: c for c in cs}
    for v in vs:
        results = engine.candidates_for_vacancy(v.vacancy_id, k=50)
        returned = {r.candidate_id for r in results}
        expected = {
            c.candidate_id
            for c in cs
            if reference_eligible(c, v, occupation_level=level, radius_km=radius)
        }
        assert returned == expected  # no violation, and no eligible candidate lost
        for r in results:
            assert reference_eligible(
                by_id[r.candidate_id], v, occupation_level=level, radius_km=radius
            )
    for c in cs:
        returned = {r.vacancy_id for r in engine.vacancies_for_candidate(c.candidate_id, k=50)}
        expected = {
            v.vacancy_id
            for v in vs
            if reference_eligible(c, v, occupation_level=level, radius_km=radius)
        }
        assert returned == expected


@pytest.mark.parametrize(
    ("candidate_overrides", "vacancy_overrides", "reasons"),
    [
        ({}, {}, []),
        ({"city_code": "4406"}, {}, ["location"]),
        ({"city_code": "4406", "willing_gba": True}, {"gba_scope": True}, []),
        ({"city_code": "4402", "willing_gba": True}, {"gba_scope": True}, ["location"]),
        ({"desired_occupation_codes": (WELDER,)}, {}, ["occupation"]),
        ({"desired_occupation_codes": ("6-31-01-05",)}, {}, []),  # same 中类 6-31
        (
            {"education": Education.senior_high},
            {"education_requirement": Education.college},
            ["education"],
        ),
        (
            {"education": Education.senior_high, "skill_level": SkillLevel.senior_worker},
            {"education_requirement": Education.college},
            [],
        ),  # 高级工 ≈ 大专
        (
            {"title_level": TitleLevel.intermediate},
            {"skill_level_requirement": SkillLevel.technician},
            [],
        ),  # 工程师 ≈ 技师
        (
            {"skill_level": SkillLevel.technician},
            {"title_level_requirement": TitleLevel.intermediate},
            [],
        ),
        (
            {"education": Education.doctor},
            {"skill_level_requirement": SkillLevel.technician},
            ["skill_level"],
        ),
        ({"certificates": ("香港电工牌照",)}, {"required_certificates": ("低压电工作业证",)}, []),
        ({"certificates": ("澳门电工执照",)}, {"required_certificates": ("电工证",)}, []),
        ({"certificates": ("焊工证",)}, {"required_certificates": ("电工证",)}, ["certificate"]),
        ({"expected_salary_min": 12000, "expected_salary_max": 15000}, {}, ["salary"]),
        ({"available_from": date(2024, 8, 1)}, {}, ["availability"]),
    ],
)
def test_why_not_names_each_failed_requirement(
    candidate_overrides: dict[str, object],
    vacancy_overrides: dict[str, object],
    reasons: list[str],
) -> None:
    c, v = candidate(**candidate_overrides), vacancy(**vacancy_overrides)
    engine = MatchEngine().fit_index(frame([c]), frame([v]))
    failed = engine.why_not(c, v)
    assert [code for code, _label in failed] == reasons
    assert all(label for _code, label in failed)
    assert (c.candidate_id in {r.candidate_id for r in engine.candidates_for_vacancy(v)}) is (
        not reasons
    )


def test_commute_radius_admits_nearby_home_city() -> None:
    c, v = candidate(city_code="4406"), vacancy()  # 佛山 → 广州, ~20 km
    assert MatchEngine().fit_index(frame([c]), frame([v])).why_not(c, v) == [
        ("location", "工作地点不在求职意向范围内")
    ]
    near = MatchEngine(commute_radius_km=40).fit_index(frame([c]), frame([v]))
    assert near.why_not(c, v) == []
