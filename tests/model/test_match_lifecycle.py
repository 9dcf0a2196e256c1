"""Closed, expired, filled and not-yet-posted vacancies are never recommended (hypothesis).

Random lifecycles are drawn for every indexed vacancy (posting day, close day, valid-through,
hires against headcount) and a random "today"; every result of both directions must be a
vacancy that an independent reading of its record fields says is open that day.
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
    data = generate(GeneratorConfig(start="2025-01", end="2025-02", scale=10, seed=3))
    vacancies = [v for v in to_records(data.vacancies, "vacancies") if isinstance(v, Vacancy)]
    candidates = [c for c in to_records(data.candidates, "candidates") if isinstance(c, Candidate)]
    engine = MatchEngine(use_ranker=False).fit_index(data.candidates, data.vacancies)
    return engine, vacancies[:300], candidates[:40]


def _lifecycles(seed: int, n: int) -> list[tuple[int, int | None, int | None, int]]:
    """``n`` random (posted, closed after, valid for, hires) tuples from one seed."""
    rng = random.Random(seed)

    def maybe() -> int | None:
        return None if rng.random() < 0.3 else rng.randint(0, 60)

    return [(rng.randint(0, 60), maybe(), maybe(), rng.randint(0, 3)) for _ in range(n)]


def _is_open(vacancy: Vacancy, hires: int, today: date) -> bool:
    return (
        vacancy.date_posted <= today
        and (vacancy.date_closed is None or vacancy.date_closed > today)
        and (vacancy.valid_through is None or vacancy.valid_through >= today)
        and hires < vacancy.headcount
    )


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(seed=st.integers(0, 2**32 - 1), today_offset=st.integers(0, 120))
def test_no_result_is_a_vacancy_not_open_today(
    fitted: tuple[MatchIndex, list[Vacancy], list[Candidate]],
    seed: int,
    today_offset: int,
) -> None:
    engine, vacancies, candidates = fitted
    lives = _lifecycles(seed, len(vacancies))
    today = DAY0 + timedelta(days=today_offset)
    lived, hires = [], {}
    for vacancy, (posted, closed, valid, hired) in zip(vacancies, lives, strict=True):
        start = DAY0 + timedelta(days=posted)
        lived.append(
            vacancy.model_copy(
                update={
                    "date_posted": start,
                    "date_closed": None if closed is None else start + timedelta(days=closed),
                    "valid_through": None if valid is None else start + timedelta(days=valid),
                }
            )
        )
        hires[vacancy.vacancy_id] = hired
    engine.replace("vacancies", records_frame(lived))
    engine.record_hires(hires)
    by_id = {v.vacancy_id: v for v in lived}
    shown = 0
    for candidate in candidates:
        for result in engine.vacancies_for_candidate(candidate.candidate_id, 50, open_on=today):
            assert _is_open(by_id[result.vacancy_id], hires[result.vacancy_id], today), result
            shown += 1
    for vacancy in lived[:60]:
        results = engine.candidates_for_vacancy(vacancy.vacancy_id, 5, open_on=today)
        assert not results or _is_open(vacancy, hires[vacancy.vacancy_id], today)
    # Without a day the same index answers for every vacancy (evaluation on history).
    assert shown <= sum(len(engine.vacancies_for_candidate(c.candidate_id, 50)) for c in candidates)
