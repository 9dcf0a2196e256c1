"""A per-query commute radius (km) across city boundaries, both directions.

Distances are great-circle between city seats (cities.csv lon/lat), recomputed here
independently of :mod:`models.match.vocab`.
"""

from __future__ import annotations

import math

import pytest

from data.taxonomy import cities
from models.match import MatchEngine, MatchIndex
from tests.support.match_records import candidate, frame, vacancy

DONGGUAN, SHENZHEN, SHAOGUAN = "4419", "4403", "4402"


def _seat_km(a: str, b: str) -> float:
    seats = cities().set_index("city_code")
    lon1, lat1, lon2, lat2 = map(
        math.radians, (seats.lon[a], seats.lat[a], seats.lon[b], seats.lat[b])
    )
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6371.0 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def engine() -> MatchIndex:
    # Dongguan residents wanting only Dongguan; vacancies in Shenzhen, Dongguan and Shaoguan.
    people = [
        candidate("dg-1", city_code=DONGGUAN, desired_city_codes=(DONGGUAN,)),
        candidate("sz-1", city_code=SHENZHEN, desired_city_codes=(SHENZHEN,)),
        candidate("sg-1", city_code=SHAOGUAN, desired_city_codes=(SHAOGUAN,)),
    ]
    jobs = [
        vacancy("v-sz", city_code=SHENZHEN, valid_through=None),
        vacancy("v-dg", city_code=DONGGUAN, valid_through=None),
        vacancy("v-sg", city_code=SHAOGUAN, valid_through=None),
    ]
    return MatchEngine(use_ranker=False).fit_index(frame(people), frame(jobs))


def test_seat_distance_dongguan_shenzhen_is_about_60_km() -> None:
    assert 50 < _seat_km(DONGGUAN, SHENZHEN) < 70
    assert _seat_km(DONGGUAN, SHAOGUAN) > 150


@pytest.mark.parametrize("radius", [None, 0.0, 30.0, 60.0, 80.0, 200.0, 300.0])
def test_commuters_are_included_exactly_within_the_radius(
    engine: MatchIndex, radius: float | None
) -> None:
    homes = {"dg-1": DONGGUAN, "sz-1": SHENZHEN, "sg-1": SHAOGUAN}
    places = {"v-sz": SHENZHEN, "v-dg": DONGGUAN, "v-sg": SHAOGUAN}
    for vacancy_id, place in places.items():
        found = {
            r.candidate_id for r in engine.candidates_for_vacancy(vacancy_id, commute_km=radius)
        }
        expected = {
            c
            for c, home in homes.items()
            if home == place or (radius is not None and _seat_km(home, place) <= radius)
        }
        assert found == expected, (vacancy_id, radius)
    for candidate_id, home in homes.items():
        found = {
            r.vacancy_id for r in engine.vacancies_for_candidate(candidate_id, commute_km=radius)
        }
        expected = {
            v
            for v, place in places.items()
            if home == place or (radius is not None and _seat_km(home, place) <= radius)
        }
        assert found == expected, (candidate_id, radius)


def test_a_query_radius_does_not_change_the_fitted_rules(engine: MatchIndex) -> None:
    engine.candidates_for_vacancy("v-sz", commute_km=80.0)
    assert engine.engine.rules_.commute_radius_km is None
    assert {r.candidate_id for r in engine.candidates_for_vacancy("v-sz")} == {"sz-1"}
