"""Candidates not available are never recommended (hypothesis), in either direction.

Random availability is drawn for every indexed candidate (registration day; no hire, a
hire before registering again, or a hire after registering) and a random "today"; every
candidate returned for a vacancy, and every candidate given vacancies, must be one that an
independent reading of its record and hire day says is available that day. Vacancies are
kept open so that lifecycle does not hide the effect.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.generator import GeneratorConfig, generate, to_records
from data.records import Candidate, Vacancy
from models.match import MatchEngine, MatchIndex
from models.match.encoding import records_frame

DAY0 = date(2025, 1, 1)


@pytest.fixture(scope="module")
def fitted() -> tuple[MatchIndex, list[Vacancy], list[Candidate]]:
    data = generate(GeneratorConfig(start="2025-01", end="2025-02", scale=10, seed=5))
    always_open = {"date_posted": DAY0, "date_closed": None, "valid_through": None}
    vacancies = [
        v.model_copy(update=always_open)
        for v in to_records(data.vacancies, "vacancies")
        if isinstance(v, Vacancy)
    ]
    candidates = [c for c in to_records(data.candidates, "candidates") if isinstance(c, Candidate)]
    engine = MatchEngine(use_ranker=False).fit_index(
        records_frame(candidates), records_frame(vacancies)
    )
    return engine, vacancies[:80], candidates


def _availability(seed: int, n: int) -> list[tuple[int, int | None]]:
    """``n`` random (registered day, hire day or None) offsets from DAY0."""
    rng = random.Random(seed)
    return [
        (rng.randint(0, 60), None if rng.random() < 0.4 else rng.randint(0, 90)) for _ in range(n)
    ]


def _available(candidate: Candidate, hired: date | None, today: date) -> bool:
    if candidate.registered_on > today:
        return False
    return hired is None or hired < candidate.registered_on or hired > today


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), today_offset=st.integers(0, 120))
def test_no_result_involves_a_candidate_not_available_today(
    fitted: tuple[MatchIndex, list[Vacancy], list[Candidate]],
    seed: int,
    today_offset: int,
) -> None:
    engine, vacancies, candidates = fitted
    today = DAY0 + timedelta(days=today_offset)
    lived, hired_on = [], {}
    for candidate, (registered, hired) in zip(
        candidates, _availability(seed, len(candidates)), strict=True
    ):
        lived.append(
            candidate.model_copy(update={"registered_on": DAY0 + timedelta(days=registered)})
        )
        if hired is not None:
            hired_on[candidate.candidate_id] = DAY0 + timedelta(days=hired)
    engine.replace("candidates", records_frame(lived))
    engine.record_candidate_hires(hired_on)
    by_id = {c.candidate_id: c for c in lived}

    def available(candidate_id: str) -> bool:
        return _available(by_id[candidate_id], hired_on.get(candidate_id), today)

    matched = 0
    for vacancy in vacancies:
        everyone = engine.candidates_for_vacancy(vacancy, 500)
        matched += len(everyone)
        results = engine.candidates_for_vacancy(vacancy, 500, open_on=today)
        assert all(available(r.candidate_id) for r in results)
        # Exactly the available ones are kept: availability filters, nothing else changes.
        assert {r.candidate_id for r in results} == {
            r.candidate_id for r in everyone if available(r.candidate_id)
        }
        assert results.eligible == sum(available(r.candidate_id) for r in everyone)
    assert matched > 0, "the generated vacancies should have candidates to filter"
    for candidate in lived[:60]:
        offered = engine.vacancies_for_candidate(candidate.candidate_id, 20, open_on=today)
        assert not offered or available(candidate.candidate_id)
        # A posted (unstored) profile registered in the future gets nothing either.
        future = candidate.model_copy(update={"registered_on": today + timedelta(days=1)})
        assert list(engine.vacancies_for_candidate(future, 20, open_on=today)) == []


def test_a_hire_after_registering_hides_a_candidate_and_registering_again_restores_them(
    fitted: tuple[MatchIndex, list[Vacancy], list[Candidate]],
) -> None:
    engine, vacancies, candidates = fitted
    engine.replace("candidates", records_frame(candidates))
    vacancy, first = next(
        (v, found[0])
        for v in vacancies
        if (found := engine.candidates_for_vacancy(v, 50, open_on=date(2025, 6, 1)))
    )
    person = next(c for c in candidates if c.candidate_id == first.candidate_id)
    hire_day = person.registered_on + timedelta(days=3)
    engine.record_candidate_hires({person.candidate_id: hire_day})

    def shown(day: date) -> bool:
        found = engine.candidates_for_vacancy(vacancy, 500, open_on=day)
        return person.candidate_id in {r.candidate_id for r in found}

    assert shown(hire_day - timedelta(days=1))
    assert not shown(hire_day)
    assert not shown(date(2026, 1, 1))
    assert engine.vacancies_for_candidate(person.candidate_id, 20, open_on=hire_day) == []
    again = person.model_copy(update={"registered_on": hire_day + timedelta(days=10)})
    engine.upsert("candidates", [again])
    engine.record_candidate_hires({person.candidate_id: hire_day})
    assert shown(hire_day + timedelta(days=10))
