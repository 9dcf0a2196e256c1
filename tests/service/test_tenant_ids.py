"""The cross-tenant id test: two platforms use the *same* ids, independently.

Tenants ``ta`` and ``tb`` each create, read, replace, patch, batch-upsert, match, give
feedback on and delete a vacancy ``V1`` and a candidate ``C1``, through the real app with a
real engine fitted on generated data (a third tenant ``tc`` holds the generated records).
Neither ever sees or changes the other's record; the other's ids look exactly like missing
ones; matches name only the caller's records; hires, deletion (with sealed personal data)
and the change log stay per tenant; admin keys address a shared id with ``?tenant_id=``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from data.generator import GeneratorConfig, generate, to_records
from data.records import Candidate, Vacancy, record_key
from data.settings import Settings
from data.store import (
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.changes import changes_since
from data.store.keys import issue_key
from data.store.repository import CONTACTS, OUTCOMES, get_candidate
from models.match import MatchEngine
from models.registry import save_artifact
from service.main import create_app
from service.matching import MATCH_ARTIFACT

PROBLEM_JSON = "application/problem+json"


@dataclass(frozen=True)
class World:
    """Generated records of tenant ``tc`` and the registry holding an engine fitted on them."""

    vacancies: dict[str, Vacancy]
    candidates: dict[str, Candidate]
    registry: Path


@dataclass
class Api:
    client: TestClient
    keys: dict[str, dict[str, str]]
    database_url: str


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    data = generate(GeneratorConfig(start="2025-01", end="2025-04", scale=30, seed=7))
    open_now = {"date_closed": None, "valid_through": None, "tenant_id": "tc"}
    vacancies = [
        record.model_copy(update=open_now) for record in to_records(data.vacancies, "vacancies")
    ]
    candidates = [
        record.model_copy(update={"tenant_id": "tc"})
        for record in to_records(data.candidates, "candidates")
    ]
    engine = MatchEngine().fit(data.candidates, data.vacancies, data.outcomes)
    registry = tmp_path_factory.mktemp("registry")
    save_artifact(
        engine, MATCH_ARTIFACT, data_range=("2025-01", "2025-04"), metrics={}, root=registry
    )
    return World(
        vacancies={v.vacancy_id: v for v in vacancies if isinstance(v, Vacancy)},
        candidates={c.candidate_id: c for c in candidates if isinstance(c, Candidate)},
        registry=registry,
    )


@pytest.fixture
def api(service_settings: Settings, world: World) -> Iterator[Api]:
    settings = service_settings.model_copy(update={"registry_dir": world.registry})
    store = make_engine(settings.database_url)
    upgrade_to_head(store)
    with session_scope(store) as session:
        keys = {
            "admin": issue_key(session, "admin")[1],
            "ta": issue_key(session, "platform", "ta")[1],
            "tb": issue_key(session, "platform", "tb")[1],
        }
        upsert_vacancies(session, world.vacancies.values())
        upsert_candidates(session, world.candidates.values())
    store.dispose()
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield Api(
            client, {name: {"X-API-Key": key} for name, key in keys.items()}, settings.database_url
        )


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def _problem(response: Any, status: int) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    return response.json()


def _a_matching_pair(api: Api, world: World) -> tuple[Vacancy, Candidate]:
    """A generated vacancy and its best candidate (so copies of both match each other)."""
    for vacancy_id in sorted(world.vacancies):
        page = _ok(
            api.client.get(
                f"/vacancies/{vacancy_id}/matches",
                params={"tenant_id": "tc"},
                headers=api.keys["admin"],
            )
        )
        if page["items"]:
            return world.vacancies[vacancy_id], world.candidates[page["items"][0]["candidate_id"]]
    raise AssertionError("the generated data should give some vacancy a match")


def _pairs(page: Any) -> set[tuple[str, str, str, str]]:
    return {
        (m["vacancy_tenant_id"], m["vacancy_id"], m["candidate_tenant_id"], m["candidate_id"])
        for m in page["items"]
    }


def test_two_tenants_use_the_same_ids_independently(api: Api, world: World) -> None:
    client, a, b, admin = api.client, api.keys["ta"], api.keys["tb"], api.keys["admin"]
    vacancy, person = _a_matching_pair(api, world)
    v1 = vacancy.model_dump(mode="json") | {"vacancy_id": "V1", "tenant_id": None}
    c1 = person.model_dump(mode="json") | {"candidate_id": "C1", "tenant_id": None}
    v1_b = v1 | {"title": f"{vacancy.title}（乙）"}

    # Create: the same ids in both tenants, each a new record (no 409, nothing revealed).
    assert _ok(client.post("/vacancies", json=v1, headers=a), 201)["tenant_id"] == "ta"
    assert _ok(client.post("/vacancies", json=v1_b, headers=b), 201)["tenant_id"] == "tb"
    contact_a = {"name": "甲方的人", "phone": "13800000001"}
    contact_b = {"name": "乙方的人", "phone": "13800000002"}
    _ok(client.post("/candidates", json=c1 | {"contact": contact_a}, headers=a), 201)
    _ok(client.post("/candidates", json=c1 | {"contact": contact_b}, headers=b), 201)

    # Read: each its own.
    assert _ok(client.get("/vacancies/V1", headers=a))["title"] == vacancy.title
    assert _ok(client.get("/vacancies/V1", headers=b))["title"] == v1_b["title"]
    assert _ok(client.get("/vacancies", headers=a))["total"] == 1

    # Replace (PUT), patch and batch: only the writer's record changes.
    _ok(client.put("/vacancies/V1", json=v1 | {"headcount": 3}, headers=a))
    _ok(client.patch("/candidates/C1", json={"experience_years": 33}, headers=b))
    batch = _ok(
        client.post(
            "/vacancies:batch",
            json={"items": [v1 | {"headcount": 4}, v1 | {"vacancy_id": "V2"}]},
            headers=a,
        )
    )
    assert [item["status"] for item in batch["items"]] == ["updated", "created"]
    assert _ok(client.get("/vacancies/V1", headers=a))["headcount"] == 4
    assert _ok(client.get("/vacancies/V1", headers=b))["headcount"] == vacancy.headcount
    assert _ok(client.get("/candidates/C1", headers=a))["experience_years"] == (
        person.experience_years
    )
    assert _ok(client.get("/candidates/C1", headers=b))["experience_years"] == 33

    # Another tenant's id looks exactly like a missing one.
    hidden = _problem(client.get("/vacancies/V2", headers=b), 404)
    missing = _problem(client.get("/vacancies/V3", headers=b), 404)
    assert hidden["detail"] == missing["detail"].replace("V3", "V2")
    _problem(client.delete("/vacancies/V2", headers=b), 404)
    _problem(client.get("/vacancies/V2/matches", headers=b), 404)
    _problem(client.patch("/vacancies/V2", json={"headcount": 2}, headers=b), 404)
    # Naming another tenant is refused alike, whether or not the id exists there.
    _problem(client.get("/vacancies/V1", params={"tenant_id": "ta"}, headers=b), 403)
    _problem(client.get("/vacancies/V9", params={"tenant_id": "ta"}, headers=b), 403)

    # Matches: each tenant's V1 finds its own C1, and only its own records.
    for tenant, key in (("ta", a), ("tb", b)):
        found = _pairs(_ok(client.get("/vacancies/V1/matches", headers=key)))
        assert (tenant, "V1", tenant, "C1") in found
        assert {(vt, ct) for vt, _, ct, _ in found} == {(tenant, tenant)}
        back = _pairs(_ok(client.get("/candidates/C1/matches", headers=key)))
        assert (tenant, "V1", tenant, "C1") in back
        assert {(vt, ct) for vt, _, ct, _ in back} == {(tenant, tenant)}

    # Admin: a shared id needs its tenant; then each is addressed; results name tenants.
    _problem(client.get("/vacancies/V1", headers=admin), 422)
    assert (
        _ok(client.get("/vacancies/V1", params={"tenant_id": "tb"}, headers=admin))["title"]
        == v1_b["title"]
    )
    everyone = _pairs(
        _ok(
            client.get(
                "/vacancies/V1/matches", params={"tenant_id": "ta", "size": 200}, headers=admin
            )
        )
    )
    assert {("ta", "V1", "ta", "C1"), ("ta", "V1", "tb", "C1")} <= everyone

    # Feedback per tenant: a's hire takes a's C1 out of a's matches, not b's C1 out of b's.
    hired_at = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    event = {"candidate_id": "C1", "vacancy_id": "V1", "event": "hired", "occurred_at": hired_at}
    assert _ok(client.post("/feedback", json=event, headers=a), 201)["tenant_id"] == "ta"
    assert _ok(client.post("/feedback", json=event | {"event": "viewed"}, headers=b), 201)
    _problem(client.post("/feedback", json=event, headers=admin), 422)  # whose C1?
    assert (
        _ok(client.post("/feedback", json=event | {"tenant_id": "ta"}, headers=admin))["created"]
        is False
    )  # the same event, already recorded
    assert ("ta", "V1", "ta", "C1") not in _pairs(
        _ok(client.get("/vacancies/V1/matches", headers=a))
    )
    assert ("tb", "V1", "tb", "C1") in _pairs(_ok(client.get("/vacancies/V1/matches", headers=b)))
    events = _ok(client.get("/feedback", params={"candidate_id": "C1"}, headers=admin))
    assert sorted((e["tenant_id"], e["event"]) for e in events["items"]) == [
        ("ta", "hired"),
        ("tb", "viewed"),
    ]
    only_b = _ok(
        client.get("/feedback", params={"candidate_id": "C1", "tenant_id": "tb"}, headers=admin)
    )
    assert [(e["tenant_id"], e["event"]) for e in only_b["items"]] == [("tb", "viewed")]

    # Delete a's C1: erased with its personal data and outcomes; b's C1 untouched.
    assert client.delete("/candidates/C1", headers=a).status_code == 204
    _problem(client.get("/candidates/C1", headers=a), 404)
    assert _ok(client.get("/candidates/C1", headers=b))["tenant_id"] == "tb"
    assert _ok(client.get("/candidates/C1", headers=admin))["tenant_id"] == "tb"  # one left
    store = make_engine(api.database_url)
    try:
        with session_scope(store) as session:
            for table in (CONTACTS, OUTCOMES):
                rows = select(table.c.tenant_id, func.count()).where(table.c.candidate_id == "C1")
                counts = dict(session.execute(rows.group_by(table.c.tenant_id)).all())
                assert counts == {"tb": 1}, table.name
            kept = get_candidate(session, "C1", "tb", include_personal=True)
            assert kept is not None and kept.contact is not None
            assert kept.contact.name == contact_b["name"]
            log = [(c.key, c.deleted) for c in changes_since(session, 0) if c.side == "candidates"]
            assert log[-1] == (record_key("ta", "C1"), True)
            assert (record_key("tb", "C1"), False) in log
    finally:
        store.dispose()
    assert ("tb", "V1", "tb", "C1") in _pairs(_ok(client.get("/vacancies/V1/matches", headers=b)))

    # Delete b's V1: a's V1 stays, and still matches.
    assert client.delete("/vacancies/V1", headers=b).status_code == 204
    _problem(client.get("/vacancies/V1", headers=b), 404)
    assert _ok(client.get("/vacancies/V1", headers=a))["tenant_id"] == "ta"
    _ok(client.get("/vacancies/V1/matches", headers=a))
    # b's C1 has no vacancy of b's left: it must never be given a's.
    assert {
        m["vacancy_tenant_id"]
        for m in _ok(client.get("/candidates/C1/matches", headers=b))["items"]
    } <= {"tb"}


def test_posted_vacancy_matches_say_how_its_occupation_was_coded(api: Api, world: World) -> None:
    vacancy, person = _a_matching_pair(api, world)
    body = vacancy.model_dump(mode="json") | {"tenant_id": None}
    for name in ("occupation_code", "occupation_code_source", "occupation_confidence"):
        body.pop(name)
    body.pop("occupation_needs_review")
    coded = _ok(
        api.client.post("/matches/candidates-for-vacancy", json=body, headers=api.keys["ta"])
    )
    coding = coded["occupation_coding"]
    assert coding is not None and coding["occupation_code_source"] == "coded"
    assert coding["occupation_code"].count("-") == 3
    assert 0.0 <= coding["occupation_confidence"] <= 1.0
    assert isinstance(coding["occupation_needs_review"], bool)
    # The same as a create would report for that body.
    created = _ok(
        api.client.post(
            "/vacancies", json=body | {"vacancy_id": "V-coded"}, headers=api.keys["ta"]
        ),
        201,
    )
    assert {k: created[k] for k in coding} == coding
    given = body | {"occupation_code": vacancy.occupation_code}
    plain = _ok(
        api.client.post("/matches/candidates-for-vacancy", json=given, headers=api.keys["ta"])
    )
    assert plain["occupation_coding"] is None
    candidate = person.model_dump(mode="json") | {"tenant_id": None}
    other_side = _ok(
        api.client.post("/matches/vacancies-for-candidate", json=candidate, headers=api.keys["ta"])
    )
    assert other_side["occupation_coding"] is None
