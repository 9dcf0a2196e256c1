"""Engine behaviour: explanations add up, monotonicity, robustness, determinism, index edits."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.match import ExposureTracker, MatchEngine, MatchFilters, MatchIndex, UnscorableProfile
from models.match.ranker import PairwiseLogisticRanker
from models.match.serving_index import CANDIDATES, VACANCIES
from tests.support.match_records import (
    WELDER,
    candidate,
    frame,
    outcome,
    vacancy,
)

SKILL_POOL = ["电气安装", "PLC", "变频器", "焊接", "CAD", "仪表调试", "高压操作", "布线"]


def _people() -> list:  # type: ignore[type-arg]
    return [
        candidate("c1"),
        candidate("c2", skills=("电气安装",), experience_years=1),
        candidate("c3", skills=("布线",), resume_text="物业电工，负责小区线路维护"),
        candidate("c4", city_code="4403", desired_city_codes=("4401",), skills=("PLC", "CAD")),
        candidate("c5", skills=(), resume_text="电工学徒"),
    ]


def _outcomes() -> pd.DataFrame:
    events = [
        outcome("c1", "v1", "hired", 1),
        outcome("c4", "v1", "applied", 2),
        outcome("c2", "v1", "viewed", 3),
        outcome("c1", "v2", "interviewed", 4),
        outcome("c3", "v2", "viewed", 5),
        outcome("c4", "v2", "applied", 6),
    ]
    return frame(events)


@pytest.fixture(scope="module")
def engine() -> MatchIndex:
    vacancies = [vacancy("v1"), vacancy("v2", skills=("PLC", "CAD"), city_code="4401")]
    return MatchEngine(negatives_per_query=4).fit_index(
        frame(_people()), frame(vacancies), _outcomes()
    )


def test_ranker_is_fitted_and_components_add_up(engine: MatchIndex) -> None:
    assert engine.engine.ranker_ is not None
    results = engine.candidates_for_vacancy("v1", k=10)
    assert results
    for r in results:
        assert 0.0 <= r.score <= 1.0
        assert sum(r.components.values()) == pytest.approx(r.score, abs=1e-12)
        assert r.model_version.startswith("match-ranker-")


def test_exact_match_ranks_first(engine: MatchIndex) -> None:
    results = engine.candidates_for_vacancy(vacancy("probe"), k=5)
    assert results[0].candidate_id == "c1"  # same city, occupation, skills, certificate
    assert results[0].matched_skills == ("电气安装", "PLC")
    assert results[0].missing_skills == ()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.sampled_from(SKILL_POOL), min_size=1, max_size=5, unique=True),
    st.lists(st.sampled_from(SKILL_POOL), max_size=4, unique=True),
    st.sampled_from(SKILL_POOL),
)
def test_adding_a_required_skill_the_candidate_has_never_lowers_its_score(
    held: list[str], required: list[str], extra: str
) -> None:
    engine = _module_engine()
    probe = candidate("probe", skills=(*held, extra))
    before = vacancy("probe-v", skills=tuple(s for s in required if s != extra))
    after = vacancy("probe-v", skills=(*before.skills, extra))
    c, cr = engine.resolve(CANDIDATES, probe)
    for method in ("learned", "scorer"):
        scores = []
        for v in (before, after):
            arrays, vr = engine.resolve(VACANCIES, v)
            scores.append(
                engine.engine.pair_scores(
                    c, np.asarray([cr]), arrays, np.asarray([vr]), method, engine.vocab
                )[0]
            )
        assert scores[1] >= scores[0] - 1e-12


_ENGINE: list[MatchIndex] = []


def _module_engine() -> MatchIndex:
    if not _ENGINE:
        vacancies = [vacancy("v1"), vacancy("v2", skills=("PLC", "CAD"))]
        _ENGINE.append(
            MatchEngine(negatives_per_query=4).fit_index(
                frame(_people()), frame(vacancies), _outcomes()
            )
        )
    return _ENGINE[0]


@pytest.mark.parametrize(
    "title", ["电工（急聘）", "【高薪诚聘】电工", "电工 - 长白班", "招聘电工", "电工!!"]
)
def test_cosmetic_title_rewording_barely_moves_scores(engine: MatchIndex, title: str) -> None:
    plain = {r.candidate_id: r.score for r in engine.candidates_for_vacancy(vacancy("x"))}
    reworded = {
        r.candidate_id: r.score for r in engine.candidates_for_vacancy(vacancy("x", title=title))
    }
    assert reworded.keys() == plain.keys()
    for candidate_id, score in plain.items():
        assert abs(reworded[candidate_id] - score) < 0.02


def test_ties_are_broken_by_id_and_results_are_deterministic() -> None:
    twins = [candidate(f"c{i}") for i in (3, 1, 2)]
    engine = MatchEngine().fit_index(frame(twins), frame([vacancy()]))
    first = engine.candidates_for_vacancy("v1")
    assert [r.candidate_id for r in first] == ["c1", "c2", "c3"]
    assert first == engine.candidates_for_vacancy("v1")


@pytest.mark.parametrize(
    "profile",
    [
        {"desired_occupation_codes": (), "resume_text": "", "skills": ()},
        {"desired_occupation_codes": (), "resume_text": "   ", "skills": ()},
    ],
)
def test_insufficient_candidate_profile_raises(engine: MatchIndex, profile: dict) -> None:  # type: ignore[type-arg]
    with pytest.raises(UnscorableProfile, match="occupation"):
        engine.vacancies_for_candidate(candidate("thin", **profile))


def test_insufficient_vacancy_raises(engine: MatchIndex) -> None:
    thin = {
        **vacancy("thin").model_dump(),
        "occupation_code": None,
        "title": " ",
        "description": "",
        "skills": (),
    }
    with pytest.raises(UnscorableProfile, match="occupation code"):
        engine.candidates_for_vacancy(thin)


def _urgent(**overrides: Any) -> dict[str, Any]:
    """A vacancy titled "急招" with nothing else to go on (boilerplate normalises away)."""
    return {
        **vacancy("urgent").model_dump(),
        "occupation_code": None,
        "title": "急招",
        "description": "",
        "skills": (),
        **overrides,
    }


@pytest.mark.parametrize(
    ("overrides", "enough"),
    [
        ({}, False),
        # A code the title coder guessed below its threshold says no more than the title.
        (
            {
                "occupation_code": "6-31-01-03",
                "occupation_code_source": "coded",
                "occupation_confidence": 0.12,
                "occupation_needs_review": True,
            },
            False,
        ),
        (
            {
                "occupation_code": "6-31-01-03",
                "occupation_code_source": "coded",
                "occupation_confidence": 0.93,
                "occupation_needs_review": False,
            },
            True,
        ),
        ({"occupation_code": "6-31-01-03", "occupation_code_source": "given"}, True),
        ({"skills": ("电气安装",)}, True),
        ({"description": "负责厂区低压配电维护"}, True),
    ],
)
def test_what_a_vacancy_needs_to_be_matched(
    engine: MatchIndex, overrides: dict[str, Any], enough: bool
) -> None:
    profile = _urgent(**overrides)
    if enough:
        assert isinstance(engine.candidates_for_vacancy(profile), list)
    else:
        with pytest.raises(UnscorableProfile, match="nothing to match on"):
            engine.candidates_for_vacancy(profile)


def test_a_candidate_with_skills_only_is_matched(engine: MatchIndex) -> None:
    skilled = candidate("skilled", desired_occupation_codes=(), resume_text="", skills=("PLC",))
    assert isinstance(engine.vacancies_for_candidate(skilled), list)


def test_unscorable_indexed_profiles_are_never_returned() -> None:
    thin = candidate("thin", desired_occupation_codes=(), resume_text="", skills=())
    engine = MatchEngine().fit_index(
        frame([candidate("c1"), thin]), frame([vacancy(occupation_code=None)])
    )
    assert [r.candidate_id for r in engine.candidates_for_vacancy("v1")] == ["c1"]


def test_add_and_remove_single_records(engine: MatchIndex) -> None:
    local = MatchEngine().fit_index(frame(_people()), frame([vacancy("v1")]))
    local.upsert("candidates", [candidate("new", skills=("电气安装", "PLC"))])
    assert "new" in {r.candidate_id for r in local.candidates_for_vacancy("v1", k=50)}
    assert local.remove("candidates", "new")
    assert "new" not in {r.candidate_id for r in local.candidates_for_vacancy("v1", k=50)}
    local.upsert("vacancies", [vacancy("v9", occupation_code=WELDER, title="焊工")])
    assert local.candidates_for_vacancy("v9") == []
    local.upsert("vacancies", [vacancy("v9")])  # replaced by id
    assert local.candidates_for_vacancy("v9")
    assert not local.remove("vacancies", "missing", missing_ok=True)


def test_filters_threshold_and_exposure_cap(engine: MatchIndex) -> None:
    only_sz = engine.candidates_for_vacancy("v1", filters=MatchFilters(city_codes=("4403",)))
    assert [r.candidate_id for r in only_sz] == ["c4"]
    assert engine.candidates_for_vacancy("v1", threshold=1.01) == []
    everyone = [r.candidate_id for r in engine.candidates_for_vacancy("v1", k=50)]
    assert len(everyone) >= 2
    kept = engine.candidates_for_vacancy(
        "v1", k=50, filters=MatchFilters(exclude_ids=frozenset(everyone[:1]) | {"nobody"})
    )
    assert [r.candidate_id for r in kept] == everyone[1:]
    tracker = ExposureTracker(cap_per_headcount=0.5)  # v1/v2 have headcount 2: one show each
    first = engine.vacancies_for_candidate("c1", exposure=tracker)
    second = engine.vacancies_for_candidate("c1", exposure=tracker)
    assert {r.vacancy_id for r in first} == {"v1", "v2"}
    assert second == []


def test_ranker_contributions_are_exact_and_weights_respect_signs() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((200, 3))
    grades = (X[:, 0] * 4).astype(int)
    ranker = PairwiseLogisticRanker().fit(
        X, grades, np.repeat(np.arange(20), 10), ("text_similarity", "proximity", "skill_coverage")
    )
    parts = ranker.contributions(X)
    assert np.allclose(sum(parts.values()), ranker.predict_score(X))
    assert ranker.coef_[0] > 0 and ranker.coef_[2] >= 0


def test_rewrites_keep_the_index_bounded_and_equal_to_a_fresh_build() -> None:
    """A bounded pool of ids written over and over (as platforms do) must not grow the index:
    tombstones are compacted, and what remains ranks exactly like a fresh index."""
    import copy

    from models.match.serving_index import COMPACT_MIN_DEAD

    base = MatchEngine().fit_index(frame(_people()), frame([vacancy("v1"), vacancy("v2")]))
    local = copy.deepcopy(base)
    final: dict[str, object] = {c.candidate_id: c for c in _people()}
    for step in range(3 * COMPACT_MIN_DEAD):
        candidate_id = f"pool{step % 7}"
        record = candidate(candidate_id, skills=tuple(SKILL_POOL[: 1 + step % 5]))
        local.upsert("candidates", [record])
        final[candidate_id] = record
        last_v2 = vacancy("v2", skills=(SKILL_POOL[step % 8],))
        local.upsert("vacancies", [last_v2])
    assert local.remove("candidates", "pool3")
    del final["pool3"]
    for arrays, live in ((local.candidates.arrays, len(final)), (local.vacancies.arrays, 2)):
        assert live <= arrays.ids.size <= live + COMPACT_MIN_DEAD
        assert int(arrays.active.sum()) == live
    assert local.candidates.parts.pending_keys.size <= COMPACT_MIN_DEAD * 8
    fresh = copy.deepcopy(base)
    fresh.replace("candidates", frame(list(final.values())))
    fresh.replace("vacancies", frame([vacancy("v1"), last_v2]))
    for vacancy_id in ("v1", "v2"):
        got = [(r.candidate_id, r.score) for r in local.candidates_for_vacancy(vacancy_id, k=50)]
        want = [(r.candidate_id, r.score) for r in fresh.candidates_for_vacancy(vacancy_id, k=50)]
        assert got == want and got
    for candidate_id in final:
        got_v = [(r.vacancy_id, r.score) for r in local.vacancies_for_candidate(candidate_id)]
        want_v = [(r.vacancy_id, r.score) for r in fresh.vacancies_for_candidate(candidate_id)]
        assert got_v == want_v


def test_eligible_counts_pairs_beyond_the_ranker_window() -> None:
    people = [candidate(f"c{i:02d}") for i in range(30)]
    narrow = MatchEngine(window=5, use_ranker=False).fit_index(
        frame(people), frame([vacancy("v1")])
    )
    ranked = narrow.candidates_for_vacancy("v1", k=50)
    assert (len(ranked), ranked.eligible) == (5, 30)
    assert narrow.vacancies_for_candidate("c00").eligible == 1
    assert (
        narrow.candidates_for_vacancy("v1", filters=MatchFilters(city_codes=("4403",))).eligible
        == 0
    )
