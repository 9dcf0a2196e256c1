"""Tianchi 智联招聘 loader and official metric on a hand-made miniature file set."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from data.loaders.tianchi import load_tianchi, official_metric, parse_salary_id
from data.records import Candidate, MatchOutcome, Vacancy

FIXTURES = Path(__file__).parent / "fixtures" / "tianchi"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0400106000", (4001, 6000)),
        ("0000001000", (0, 1000)),
        ("-", (None, None)),
        ("0000000000", (None, None)),
    ],
)
def test_parse_salary_id(value: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_salary_id(value) == expected


def test_load_maps_guangdong_rows_to_valid_records() -> None:
    data = load_tianchi(FIXTURES)
    assert sorted(data.candidates["candidate_id"]) == ["zl_u001", "zl_u002", "zl_u004"]
    assert sorted(data.vacancies["vacancy_id"]) == ["zl_j01", "zl_j02", "zl_j04"]
    assert data.dropped == {
        "users_outside_guangdong": 1,
        "jds_outside_guangdong": 1,
        "events_with_dropped_side": 3,
    }
    for row in data.candidates.to_dict("records"):
        Candidate(**{k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v))})
    for row in data.vacancies.to_dict("records"):
        Vacancy(**{k: v for k, v in row.items() if not (isinstance(v, float) and pd.isna(v))})
    for row in data.outcomes.to_dict("records"):
        MatchOutcome(**row)
    u001 = data.candidates.set_index("candidate_id").loc["zl_u001"]
    assert u001["desired_city_codes"] == ("4401", "4403")
    assert (u001["expected_salary_min"], u001["expected_salary_max"]) == (8001, 10000)
    assert u001["education"] == 3 and u001["experience_years"] == 4
    assert u001["skills"] == ("Java", "Spring", "MySQL")
    j02 = data.vacancies.set_index("vacancy_id").loc["zl_j02"]
    assert j02["valid_through"] is None and j02["experience_years_min"] == 1
    assert j02["date_posted"] == date(2019, 7, 10)


def test_birthday_is_only_a_protected_attribute() -> None:
    data = load_tianchi(FIXTURES)
    assert "birth_year" not in data.candidates.columns
    assert data.candidates.set_index("candidate_id").loc["zl_u004", "protected"] == {
        "birth_year": 1979
    }


def test_actions_become_funnel_events() -> None:
    events = load_tianchi(FIXTURES).outcomes
    u001 = events[events["candidate_id"] == "zl_u001"]
    assert sorted(zip(u001["vacancy_id"], u001["event"], strict=True)) == [
        ("zl_j01", "applied"),
        ("zl_j01", "interviewed"),
        ("zl_j01", "viewed"),
        ("zl_j02", "viewed"),
    ]


def test_city_map_must_stay_in_guangdong() -> None:
    with pytest.raises(ValueError, match="Guangdong"):
        load_tianchi(FIXTURES, city_map={"530": "1101"})


def test_official_metric_perfect_and_reversed_rankings() -> None:
    actions = pd.DataFrame(
        {
            "user_id": ["a", "a", "a", "b", "b"],
            "jd_no": ["1", "2", "3", "1", "2"],
            "delivered": [1, 1, 0, 0, 1],
            "satisfied": [1, 0, 0, 0, 0],
        }
    )
    perfect = actions.assign(score=[3.0, 2.0, 1.0, 0.0, 1.0])[["user_id", "jd_no", "score"]]
    assert official_metric(perfect, actions) == pytest.approx(1.0)
    worst = actions.assign(score=[1.0, 2.0, 3.0, 1.0, 0.0])[["user_id", "jd_no", "score"]]
    # satisfied: AP(a) = 1/3; delivered: AP(a) = (1/2 + 2/3)/2, AP(b) = 1/2
    expected = 0.7 * (1 / 3) + 0.3 * (((1 / 2 + 2 / 3) / 2 + 1 / 2) / 2)
    assert official_metric(worst, actions) == pytest.approx(expected)
