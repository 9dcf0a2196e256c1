"""Law: features come only from CANDIDATE_FEATURE_FIELDS; protected attributes never matter."""

from __future__ import annotations

import dataclasses
import re

import pytest

from data.records import CANDIDATE_FEATURE_FIELDS, PROTECTED_FIELDS, Gender, ProtectedAttributes
from models.match import MatchEngine
from models.match.encoding import CandidateArrays, allowed_candidate_frame
from models.match.features import BASE_FEATURES
from models.match.ranker import expand_features
from tests.support.match_records import candidate, frame, outcome, vacancy

VARIANTS = [
    {
        "gender": Gender.female,
        "birth_year": 1970,
        "ethnicity": "壮族",
        "marital_status": "已婚",
        "hukou_city_code": "4405",
    },
    {
        "gender": Gender.male,
        "birth_year": 2002,
        "ethnicity": "汉族",
        "marital_status": "未婚",
        "hukou_city_code": "4401",
    },
    {"gender": Gender.other, "birth_year": 1985},
    {},
]


def _people(protected: dict[str, object]) -> list:  # type: ignore[type-arg]
    attributes = ProtectedAttributes(**protected)
    return [
        candidate(f"c{i}", protected=attributes, experience_years=i, skills=skills)
        for i, skills in enumerate([("电气安装",), ("PLC",), ("电气安装", "PLC"), ()])
    ]


def _all_scores(protected: dict[str, object]) -> dict[tuple[str, str], dict[str, float]]:
    people = _people(protected)
    vacancies = [vacancy("v1"), vacancy("v2", skills=("PLC",))]
    outcomes = frame(
        [
            outcome("c2", "v1", "hired", 1),
            outcome("c1", "v1", "viewed", 2),
            outcome("c1", "v2", "applied", 3),
            outcome("c0", "v2", "viewed", 4),
        ]
    )
    engine = MatchEngine(negatives_per_query=2).fit_index(frame(people), frame(vacancies), outcomes)
    scores = {}
    for v in ("v1", "v2"):
        for r in engine.candidates_for_vacancy(v, k=50):
            scores[(r.candidate_id, v)] = {"score": r.score, **r.components}
    for c in people:
        for r in engine.vacancies_for_candidate(c.candidate_id, k=50):
            scores[(c.candidate_id, r.vacancy_id)] = {"score": r.score, **r.components}
    return scores


@pytest.mark.parametrize("protected", VARIANTS[1:])
def test_changing_protected_attributes_leaves_every_score_unchanged(
    protected: dict[str, object],
) -> None:
    assert _all_scores(protected) == _all_scores(VARIANTS[0])


def test_protected_fields_never_appear_in_feature_names() -> None:
    names = set(expand_features({n: __import__("numpy").zeros(1) for n in BASE_FEATURES})[1])
    encoded = {f.name for f in dataclasses.fields(CandidateArrays)}
    for name in names | encoded:
        for part in name.split("×"):
            # whole-word match: "age" must not flag "skill_coverage"
            assert not any(re.search(rf"(^|_){f}(_|$)", part) for f in PROTECTED_FIELDS), part


def test_encoder_reads_only_the_allow_list() -> None:
    raw = frame(_people(VARIANTS[0]))
    raw["gender"] = "female"
    raw["birth_year"] = 1970
    allowed = allowed_candidate_frame(raw)
    assert list(allowed.columns) == ["candidate_id", *CANDIDATE_FEATURE_FIELDS]
    assert not set(allowed.columns) & (PROTECTED_FIELDS | {"protected", "contact"})
