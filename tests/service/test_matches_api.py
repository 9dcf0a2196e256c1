"""/vacancies/{id}/matches and /candidates/{id}/matches with a small engine fitted here on
generated data: hard requirements re-checked independently, explanations add up, tenant
isolation, determinism, 503 before training, 422 on insufficient data, deletes take effect,
and a tampered newer artifact never replaces the good one being served."""

from __future__ import annotations

import logging
import math
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from data.generator import GeneratorConfig, generate, to_records
from data.levels import (
    Education,
    meets_education,
    meets_skill_level,
    meets_title_level,
)
from data.records import Candidate, MatchOutcome, OutcomeEvent, Vacancy
from data.settings import Settings
from data.store import (
    insert_outcomes,
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.keys import issue_key
from data.taxonomy import cities
from models.match import MatchEngine, satisfies_certificates
from models.registry import list_versions, save_artifact
from service.main import create_app
from service.matching import MATCH_ARTIFACT, match_service

TENANTS = ("ta", "tb")
PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class Fitted:
    """Generated records (split over two tenants) and the registry holding their engine."""

    vacancies: dict[str, Vacancy]
    candidates: dict[str, Candidate]
    registry: Path
    model_version: str


@dataclass
class Api:
    app: FastAPI
    client: TestClient
    admin: dict[str, str]
    platform: dict[str, dict[str, str]]


def _tenant(index: int) -> str:
    return TENANTS[index % 2]


@pytest.fixture(scope="module")
def fitted(tmp_path_factory: pytest.TempPathFactory) -> Fitted:
    data = generate(GeneratorConfig(start="2025-01", end="2025-04", scale=30, seed=7))
    # Open today (lifecycle is tested in test_match_lifecycle.py): no close or expiry date.
    open_now = {"date_closed": None, "valid_through": None}
    vacancies = [
        record.model_copy(update={"tenant_id": _tenant(i), **open_now})
        for i, record in enumerate(to_records(data.vacancies, "vacancies"))
    ]
    candidates = [
        record.model_copy(update={"tenant_id": _tenant(i)})
        for i, record in enumerate(to_records(data.candidates, "candidates"))
    ]
    engine = MatchEngine().fit(data.candidates, data.vacancies, data.outcomes)
    registry = tmp_path_factory.mktemp("registry")
    save_artifact(
        engine, MATCH_ARTIFACT, data_range=("2025-01", "2025-04"), metrics={}, root=registry
    )
    return Fitted(
        vacancies={v.vacancy_id: v for v in vacancies if isinstance(v, Vacancy)},
        candidates={c.candidate_id: c for c in candidates if isinstance(c, Candidate)},
        registry=registry,
        model_version=str(engine.model_version_),
    )


@contextmanager
def running_api(settings: Settings, fitted: Fitted | None) -> Iterator[Api]:
    store = make_engine(settings.database_url)
    upgrade_to_head(store)
    with session_scope(store) as session:
        keys = {
            "admin": issue_key(session, "admin")[1],
            **{tenant: issue_key(session, "platform", tenant)[1] for tenant in TENANTS},
        }
        if fitted is not None:
            upsert_vacancies(session, fitted.vacancies.values())
            upsert_candidates(session, fitted.candidates.values())
    store.dispose()
    headers = {name: {"X-API-Key": key} for name, key in keys.items()}
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(app, client, headers["admin"], {t: headers[t] for t in TENANTS})


@pytest.fixture
def api(service_settings: Settings, fitted: Fitted) -> Iterator[Api]:
    settings = service_settings.model_copy(update={"registry_dir": fitted.registry})
    with running_api(settings, fitted) as running:
        yield running


def _matches(api: Api, path: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = api.client.get(path, params={"size": 200, **params}, headers=headers or api.admin)
    assert response.status_code == 200, response.text
    return response.json()


def _busy_vacancies(api: Api, fitted: Fitted, least: int = 3) -> list[tuple[str, Any]]:
    """(vacancy id, page) of vacancies with at least ``least`` matches."""
    found = []
    for vacancy_id in sorted(fitted.vacancies):
        page = _matches(api, f"/vacancies/{vacancy_id}/matches")
        if page["total"] >= least:
            found.append((vacancy_id, page))
    assert len(found) >= 3, "the generated data should give several vacancies with matches"
    return found


def _gba() -> set[str]:
    frame = cities()
    return set(frame.loc[frame["gba"], "city_code"])


def _meets_hard_requirements(c: Candidate, v: Vacancy) -> bool:
    """The hard rules restated from the records (occupation: same 中类, the default)."""
    place = v.city_code == c.city_code or v.city_code in c.desired_city_codes
    place |= v.gba_scope and c.willing_gba and c.city_code in _gba()
    codes = [*c.desired_occupation_codes, c.current_occupation_code]
    family = None if v.occupation_code is None else v.occupation_code[:4]  # 中类 '2-02'
    job = family is None or any(code is not None and code[:4] == family for code in codes)
    level = (
        meets_education(v.education_requirement, c.education, c.skill_level)
        and meets_skill_level(v.skill_level_requirement, c.skill_level, c.title_level)
        and meets_title_level(v.title_level_requirement, c.title_level, c.skill_level)
    )
    salary = (
        c.expected_salary_min is None
        or v.base_salary_max is None
        or c.expected_salary_min <= v.base_salary_max
    )
    start = (
        c.available_from is None or v.valid_through is None or c.available_from <= v.valid_through
    )
    papers = satisfies_certificates(c.certificates, v.required_certificates)
    return bool(place and job and level and salary and start and papers)


def test_results_meet_hard_requirements_and_explain_their_score(api: Api, fitted: Fitted) -> None:
    for vacancy_id, page in _busy_vacancies(api, fitted):
        scores = [item["score"] for item in page["items"]]
        assert scores == sorted(scores, reverse=True)
        assert page["total"] == len(page["items"])
        for item in page["items"]:
            assert item["vacancy_id"] == vacancy_id
            assert sum(item["components"].values()) == pytest.approx(item["score"], abs=1e-9)
            assert item["model_version"] == fitted.model_version
            assert 0.0 <= item["score"] <= 1.0
            chosen = fitted.candidates[item["candidate_id"]]
            assert _meets_hard_requirements(chosen, fitted.vacancies[vacancy_id])
            wanted = set(fitted.vacancies[vacancy_id].skills)
            assert set(item["matched_skills"]) | set(item["missing_skills"]) <= wanted


def test_vacancies_for_candidate_meet_hard_requirements(api: Api, fitted: Fitted) -> None:
    checked = 0
    for candidate_id in sorted(fitted.candidates)[:60]:
        response = api.client.get(f"/candidates/{candidate_id}/matches", headers=api.admin)
        if response.status_code == 422:  # not scorable: a problem, never a made-up score
            assert response.json()["type"] == "/problems/insufficient-data"
            continue
        for item in response.json()["items"]:
            vacancy = fitted.vacancies[item["vacancy_id"]]
            assert _meets_hard_requirements(fitted.candidates[candidate_id], vacancy)
            checked += 1
    assert checked > 0


def test_output_is_deterministic_and_pages_partition_it(api: Api, fitted: Fitted) -> None:
    vacancy_id, whole = _busy_vacancies(api, fitted)[0]
    path = f"/vacancies/{vacancy_id}/matches"
    assert _matches(api, path) == whole
    first = _matches(api, path, size=2, page=1)
    second = _matches(api, path, size=2, page=2)
    assert first["items"] + second["items"] == whole["items"][:4]
    assert first["total"] == whole["total"]
    beyond = _matches(api, path, size=200, page=50)
    assert beyond["items"] == [] and beyond["total"] == whole["total"]


def test_threshold_and_filters(api: Api, fitted: Fitted) -> None:
    vacancy_id, whole = _busy_vacancies(api, fitted)[0]
    path = f"/vacancies/{vacancy_id}/matches"
    cut = whole["items"][len(whole["items"]) // 2]["score"]
    above = _matches(api, path, threshold=cut)
    assert above["items"] and all(item["score"] >= cut for item in above["items"])
    assert above["items"] == [item for item in whole["items"] if item["score"] >= cut]

    city = fitted.candidates[whole["items"][0]["candidate_id"]].city_code
    in_city = _matches(api, path, city_code=city)["items"]
    assert in_city and {fitted.candidates[i["candidate_id"]].city_code for i in in_city} == {city}

    for level in Education:
        kept = _matches(api, path, min_education=int(level))["items"]
        expected = [
            item
            for item in whole["items"]
            if meets_education(
                level,
                fitted.candidates[item["candidate_id"]].education,
                fitted.candidates[item["candidate_id"]].skill_level,
            )
        ]
        assert [i["candidate_id"] for i in kept] == [i["candidate_id"] for i in expected]


def test_platforms_only_see_their_own_tenant(api: Api, fitted: Fitted) -> None:
    seen = 0
    for vacancy_id, whole in _busy_vacancies(api, fitted):
        owner = fitted.vacancies[vacancy_id].tenant_id
        other = next(t for t in TENANTS if t != owner)
        path = f"/vacancies/{vacancy_id}/matches"
        own = _matches(api, path, api.platform[owner])
        assert {fitted.candidates[i["candidate_id"]].tenant_id for i in own["items"]} <= {owner}
        # Exclusion happens before ranking: the tenant's view is the full view, filtered.
        # (scores agree to rounding: the ranker's batch sums differ in the last bits)
        expected = [
            i for i in whole["items"] if fitted.candidates[i["candidate_id"]].tenant_id == owner
        ]
        assert [i["candidate_id"] for i in own["items"]] == [i["candidate_id"] for i in expected]
        assert [i["score"] for i in own["items"]] == pytest.approx([i["score"] for i in expected])
        hidden = api.client.get(path, headers=api.platform[other])
        assert hidden.status_code == 404
        seen += len(own["items"])
    assert seen > 0


def test_deleted_candidate_is_gone_from_matches_and_new_one_appears(
    api: Api, fitted: Fitted
) -> None:
    vacancy_id, whole = _busy_vacancies(api, fitted)[0]
    path = f"/vacancies/{vacancy_id}/matches"
    top = whole["items"][0]["candidate_id"]
    owner = fitted.candidates[top].tenant_id
    assert api.client.delete(f"/candidates/{top}", headers=api.platform[owner]).status_code == 204
    after = _matches(api, path)
    assert top not in {item["candidate_id"] for item in after["items"]}
    assert after["total"] == whole["total"] - 1

    twin = fitted.candidates[top].model_dump(mode="json") | {"candidate_id": "twin-1"}
    created = api.client.post("/candidates", json=twin, headers=api.admin)
    assert created.status_code == 201, created.text
    assert _matches(api, path)["items"][0]["candidate_id"] == "twin-1"

    assert api.client.delete(f"/vacancies/{vacancy_id}", headers=api.admin).status_code == 204
    gone = api.client.get("/candidates/twin-1/matches", headers=api.admin).json()
    assert vacancy_id not in {item["vacancy_id"] for item in gone["items"]}


def test_insufficient_data_is_a_422_problem(api: Api) -> None:
    bare = {
        "candidate_id": "bare-1",
        "tenant_id": "ta",
        "city_code": "4401",
        "registered_on": date(2025, 2, 1).isoformat(),
    }
    assert api.client.post("/candidates", json=bare, headers=api.admin).status_code == 201
    response = api.client.get("/candidates/bare-1/matches", headers=api.admin)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.json()["type"] == "/problems/insufficient-data"


def test_a_vacancy_titled_only_urgent_has_insufficient_data(api: Api) -> None:
    """Title "急招" alone: no occupation, no meaningful text — 422, not 200 scores of 0.0."""
    urgent = {
        "vacancy_id": "urgent-1",
        "tenant_id": "ta",
        "title": "急招",
        "description": "",
        "city_code": "4401",
        "date_posted": "2025-01-01",
        "headcount": 1,
    }
    assert api.client.post("/vacancies", json=urgent, headers=api.admin).status_code == 201
    response = api.client.get("/vacancies/urgent-1/matches", headers=api.admin)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/insufficient-data"


def test_no_trained_model_is_503_naming_the_command(service_settings: Settings) -> None:
    with running_api(service_settings, None) as api:
        vacancy = {
            "vacancy_id": "v-1",
            "tenant_id": "ta",
            "title": "电工",
            "city_code": "4401",
            "date_posted": "2025-01-01",
        }
        assert api.client.post("/vacancies", json=vacancy, headers=api.admin).status_code == 201
        response = api.client.get("/vacancies/v-1/matches", headers=api.admin)
        assert response.status_code == 503
        assert response.headers["content-type"].startswith(PROBLEM_JSON)
        assert "yuecai train match" in response.json()["detail"]
        assert api.client.get("/vacancies/v-9/matches", headers=api.admin).status_code == 404


def test_tampered_newer_artifact_keeps_the_good_one_serving(
    service_settings: Settings, fitted: Fitted, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    registry = tmp_path / "own-registry"
    shutil.copytree(fitted.registry, registry)
    settings = service_settings.model_copy(update={"registry_dir": registry})
    with running_api(settings, fitted) as api:
        served = match_service(api.app)
        good = served.reload()
        vacancy_id = sorted(fitted.vacancies)[0]
        before = _matches(api, f"/vacancies/{vacancy_id}/matches")

        newer = save_artifact(
            MatchEngine(use_ranker=False).fit(
                list(fitted.candidates.values()), list(fitted.vacancies.values())
            ),
            MATCH_ARTIFACT,
            data_range=("2025-01", "2025-04"),
            metrics={},
            root=registry,
        )
        with newer.artifact_path.open("r+b") as handle:  # flip bytes: hash no longer matches
            handle.seek(64)
            handle.write(b"\x00tampered\x00")
        with caplog.at_level(logging.ERROR, logger="yuecai.service.matching"):
            assert served.reload() == good
            assert served.reload() == good  # the bad version is reported once, not per call
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert len(errors) == 1 and newer.version in errors[0].getMessage()
        assert _matches(api, f"/vacancies/{vacancy_id}/matches") == before

        fixed = save_artifact(
            MatchEngine(use_ranker=False).fit(
                list(fitted.candidates.values()), list(fitted.vacancies.values())
            ),
            MATCH_ARTIFACT,
            data_range=("2025-01", "2025-04"),
            metrics={},
            root=registry,
        )
        assert served.reload() == fixed.version == list_versions(MATCH_ARTIFACT, root=registry)[-1]
        items = _matches(api, f"/vacancies/{vacancy_id}/matches")["items"]
        assert {item["model_version"] for item in items} <= {served.model_version}
        assert served.model_version is not None and "scorer" in served.model_version


def test_metrics_record_match_latency_and_the_served_model(api: Api, fitted: Fitted) -> None:
    vacancy_id = sorted(fitted.vacancies)[0]
    _matches(api, f"/vacancies/{vacancy_id}/matches")
    text = api.client.get("/metrics", headers=api.admin).text
    assert 'yuecai_match_duration_seconds_count{direction="candidates_for_vacancy"} 1.0' in text
    served = match_service(api.app).version
    assert served is not None
    assert f'yuecai_model_info{{name="match",version="{served}"}} 1.0' in text


def _stored_counts(api: Api) -> tuple[int, int, int, int]:
    """Stored vacancies and candidates (as the admin lists them) and the index's id maps."""
    service = match_service(api.app)
    service.reload()  # the start-up build may still be running
    service.catch_up()
    engine = service._served
    assert engine is not None
    sizes = [
        api.client.get(path, params={"size": 1}, headers=api.admin).json()["total"]
        for path in ("/vacancies", "/candidates")
    ]
    return (*sizes, len(engine.index.vacancies), len(engine.index.candidates))


def test_a_posted_vacancy_profile_matches_like_the_stored_one_and_is_not_kept(
    api: Api, fitted: Fitted
) -> None:
    vacancy_id, stored_page = _busy_vacancies(api, fitted)[0]
    before = _stored_counts(api)
    body = fitted.vacancies[vacancy_id].model_dump(mode="json")
    posted = api.client.post(
        "/matches/candidates-for-vacancy", json=body, params={"size": 200}, headers=api.admin
    )
    assert posted.status_code == 200, posted.text
    assert posted.json() == stored_page
    # Under a new id: same ranking, and the id exists nowhere afterwards.
    fresh = body | {"vacancy_id": "not-stored-1"}
    page = api.client.post(
        "/matches/candidates-for-vacancy", json=fresh, params={"size": 200}, headers=api.admin
    ).json()
    assert [(m["candidate_id"], m["score"]) for m in page["items"]] == [
        (m["candidate_id"], m["score"]) for m in stored_page["items"]
    ]
    assert {m["vacancy_id"] for m in page["items"]} == {"not-stored-1"}
    assert api.client.get("/vacancies/not-stored-1", headers=api.admin).status_code == 404
    assert _stored_counts(api) == before
    assert "not-stored-1" not in match_service(api.app)._served.index.vacancies.rows  # type: ignore[union-attr]


def test_a_posted_candidate_profile_matches_like_the_stored_one_and_is_not_kept(
    api: Api, fitted: Fitted
) -> None:
    before = _stored_counts(api)
    compared = 0
    for candidate_id in sorted(fitted.candidates)[:40]:
        stored_page = _matches(api, f"/candidates/{candidate_id}/matches")
        if not stored_page["items"]:
            continue
        body = fitted.candidates[candidate_id].model_dump(mode="json") | {
            "candidate_id": "not-stored-c"
        }
        posted = api.client.post(
            "/matches/vacancies-for-candidate", json=body, params={"size": 200}, headers=api.admin
        )
        assert posted.status_code == 200, posted.text
        assert [(m["vacancy_id"], m["score"], m["components"]) for m in posted.json()["items"]] == [
            (m["vacancy_id"], m["score"], m["components"]) for m in stored_page["items"]
        ]
        compared += 1
    assert compared >= 3
    assert api.client.get("/candidates/not-stored-c", headers=api.admin).status_code == 404
    assert _stored_counts(api) == before


def test_posted_profiles_are_validated_like_a_create_and_see_only_the_own_tenant(
    api: Api, fitted: Fitted
) -> None:
    vacancy_id, _ = _busy_vacancies(api, fitted)[0]
    body = fitted.vacancies[vacancy_id].model_dump(mode="json")
    bad = api.client.post(
        "/matches/candidates-for-vacancy", json=body | {"city_code": "4499"}, headers=api.admin
    )
    assert bad.status_code == 422
    assert "body.city_code" in bad.text
    urgent = {k: v for k, v in body.items() if k not in {"occupation_code", "skills"}}
    urgent |= {"title": "急招", "description": "", "skills": []}
    for key in ("occupation_code_source", "occupation_confidence", "occupation_needs_review"):
        urgent.pop(key, None)
    response = api.client.post("/matches/candidates-for-vacancy", json=urgent, headers=api.admin)
    assert response.status_code == 422, response.text
    assert response.json()["type"] == "/problems/insufficient-data"
    own = api.client.post(
        "/matches/candidates-for-vacancy",
        json=body | {"tenant_id": None},
        params={"size": 200},
        headers=api.platform["tb"],
    )
    assert own.status_code == 200, own.text
    assert all(fitted.candidates[m["candidate_id"]].tenant_id == "tb" for m in own.json()["items"])
    other = api.client.post(
        "/matches/candidates-for-vacancy",
        json=body | {"tenant_id": "ta"},
        headers=api.platform["tb"],
    )
    assert other.status_code == 403


def test_max_commute_km_admits_vacancies_in_nearby_cities_only(api: Api, fitted: Fitted) -> None:
    seats = cities().set_index("city_code")

    def km(a: str, b: str) -> float:
        lon1, lat1, lon2, lat2 = map(
            math.radians, (seats.lon[a], seats.lat[a], seats.lon[b], seats.lat[b])
        )
        h = math.sin((lat2 - lat1) / 2) ** 2
        h += math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371.0 * math.asin(math.sqrt(h))

    grown = 0
    for candidate_id in sorted(fitted.candidates)[:60]:
        person = fitted.candidates[candidate_id]
        body = person.model_dump(mode="json") | {
            "candidate_id": "commuter",
            "city_code": "4419",  # 东莞, wanting only 东莞, no GBA-wide search
            "desired_city_codes": ["4419"],
            "willing_gba": False,
        }
        pages = {
            radius: api.client.post(
                "/matches/vacancies-for-candidate",
                json=body,
                params={"size": 200, **({} if radius is None else {"max_commute_km": radius})},
                headers=api.admin,
            )
            for radius in (None, 70.0)
        }
        if pages[None].status_code == 422:
            continue
        assert all(page.status_code == 200 for page in pages.values()), pages[None].text
        near = {m["vacancy_id"] for m in pages[70.0].json()["items"]}
        local = {m["vacancy_id"] for m in pages[None].json()["items"]}
        assert {fitted.vacancies[v].city_code for v in local} <= {"4419"}
        assert all(km("4419", fitted.vacancies[v].city_code) <= 70.0 for v in near)
        grown += bool(near - local)
    assert grown >= 1, "some 东莞 seeker should gain a vacancy across the boundary"
    bad = api.client.get(
        f"/vacancies/{sorted(fitted.vacancies)[0]}/matches",
        params={"max_commute_km": -1},
        headers=api.admin,
    )
    assert bad.status_code == 422


def test_total_is_the_eligible_count_not_the_page_or_window(api: Api, fitted: Fitted) -> None:
    """``total`` = candidates meeting the hard rules (restated independently), per tenant."""
    for vacancy_id, page in _busy_vacancies(api, fitted)[:5]:
        v = fitted.vacancies[vacancy_id]
        eligible = [c for c in fitted.candidates.values() if _meets_hard_requirements(c, v)]
        assert page["total"] == len(eligible), vacancy_id
        assert page["ranked"] == len(page["items"]) <= page["total"]
        small = _matches(api, f"/vacancies/{vacancy_id}/matches", size=1)
        assert (small["total"], len(small["items"])) == (len(eligible), 1)
        mine = api.platform[v.tenant_id]
        own = _matches(api, f"/vacancies/{vacancy_id}/matches", headers=mine)
        assert own["total"] == sum(c.tenant_id == v.tenant_id for c in eligible)


def test_hired_and_not_yet_registered_candidates_are_never_recommended(
    api: Api, fitted: Fitted, service_settings: Settings
) -> None:
    vacancy_id, page = _busy_vacancies(api, fitted)[0]
    taken = page["items"][0]["candidate_id"]
    tenant = fitted.candidates[taken].tenant_id  # an outcome joins records of one tenant
    elsewhere = next(
        v
        for v in sorted(fitted.vacancies)
        if v != vacancy_id and fitted.vacancies[v].tenant_id == tenant
    )
    store = make_engine(service_settings.database_url)
    with session_scope(store) as session:
        insert_outcomes(
            session,
            [
                MatchOutcome(
                    candidate_id=taken,
                    vacancy_id=elsewhere,
                    event=OutcomeEvent.hired,
                    occurred_at=datetime.now(UTC) - timedelta(hours=1),
                    tenant_id=tenant,
                )
            ],
        )
    store.dispose()
    after = _matches(api, f"/vacancies/{vacancy_id}/matches")
    assert taken not in {m["candidate_id"] for m in after["items"]}
    assert after["total"] == page["total"] - 1
    assert after["not_open"] is None
    hired = _matches(api, f"/candidates/{taken}/matches")
    # Not an unexplained empty page: the candidate is out of the market today.
    assert (hired["items"], hired["not_open"]) == ([], "candidate_not_available")
    # Registering in the future: stored or posted, not recommended before that day.
    future = fitted.candidates[page["items"][1]["candidate_id"]].model_dump(mode="json") | {
        "registered_on": (date.today() + timedelta(days=30)).isoformat()
    }
    assert api.client.post("/candidates", json=future, headers=api.admin).status_code == 200
    again = _matches(api, f"/vacancies/{vacancy_id}/matches")
    assert future["candidate_id"] not in {m["candidate_id"] for m in again["items"]}
    posted = api.client.post("/matches/vacancies-for-candidate", json=future, headers=api.admin)
    assert (posted.status_code, posted.json()["items"], posted.json()["total"]) == (200, [], 0)
    assert posted.json()["not_open"] == "candidate_not_available"
    # A vacancy past its valid_through gets no candidates, and the page says why.
    expired = fitted.vacancies[vacancy_id].model_dump(mode="json") | {
        "date_posted": (date.today() - timedelta(days=90)).isoformat(),
        "valid_through": (date.today() - timedelta(days=1)).isoformat(),
        "date_closed": None,
    }
    late = api.client.post("/matches/candidates-for-vacancy", json=expired, headers=api.admin)
    assert late.status_code == 200, late.text
    assert (late.json()["items"], late.json()["not_open"]) == ([], "vacancy_not_open")
