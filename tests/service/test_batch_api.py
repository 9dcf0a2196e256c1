"""``POST /vacancies:batch`` and ``/candidates:batch`` on a real app and store (SQLite; the
1,000-record batch also on PostgreSQL): a result per item, in order, one item's fault never
failing the others, and the single-record rules (tenants, write-only fields) kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data.records import Candidate
from data.settings import Settings
from data.store import get_candidate, session_scope, upsert_candidates
from data.store.keys import Principal
from service.core.metrics import AppMetrics
from service.records import CANDIDATES, store_batch
from tests.support.api import (
    PHONE,
    Api,
    assert_problem,
    candidate,
    running_api,
    stored_personal,
    vacancy,
)


def fields_of(item: dict[str, Any]) -> list[str]:
    return [error["field"] for error in (item["problem"] or {}).get("errors", [])]


def test_a_mixed_batch_reports_each_item_and_stores_the_good_ones(api: Api) -> None:
    client = api.client
    assert client.post("/vacancies", json=vacancy("v-old"), headers=api.a).status_code == 201
    items: list[Any] = [
        vacancy("v-1"),
        vacancy("v-old", headcount=9),
        vacancy("v-2", city_code="4499"),
        vacancy("v-3", title="电工（限男性）"),
        vacancy("v-1", headcount=4),
        5,
        vacancy("v-4", education_requirement="本科", base_salary_min=9, base_salary_max=1),
        vacancy("v-5", skill_level_requirement="技师"),
    ]
    response = client.post("/vacancies:batch", json={"items": items}, headers=api.a)
    assert response.status_code == 200, response.text
    report = response.json()
    assert [(i["index"], i["id"], i["status"]) for i in report["items"]] == [
        (0, "v-1", "created"),
        (1, "v-old", "updated"),
        (2, "v-2", "error"),
        (3, "v-3", "error"),
        (4, "v-1", "error"),
        (5, None, "error"),
        (6, "v-4", "error"),
        (7, "v-5", "created"),
    ]
    assert (report["created"], report["updated"], report["errors"]) == (2, 1, 5)
    problems = report["items"]
    assert fields_of(problems[2]) == ["body.items.2.city_code"]
    assert fields_of(problems[3]) == ["body.items.3.title"]
    assert "限男性" in problems[3]["problem"]["errors"][0]["reason"]
    assert fields_of(problems[4]) == ["body.items.4.vacancy_id"]
    assert fields_of(problems[5]) == ["body.items.5"]
    assert fields_of(problems[6]) == [
        "body.items.6.base_salary_min",
        "body.items.6.base_salary_max",
    ]
    for item in problems:
        if item["status"] == "error":
            assert item["problem"]["status"] == 422 and item["problem"]["type"]
        else:
            assert item["problem"] is None

    listed = client.get("/vacancies", headers=api.a).json()
    assert [v["vacancy_id"] for v in listed["items"]] == ["v-1", "v-5", "v-old"]
    assert client.get("/vacancies/v-1", headers=api.a).json()["headcount"] == 2  # not item 4
    assert client.get("/vacancies/v-old", headers=api.a).json()["headcount"] == 9
    assert client.get("/vacancies/v-5", headers=api.a).json()["skill_level_requirement"] == 4


def test_a_batch_of_only_bad_items_writes_nothing(api: Api) -> None:
    items = [vacancy(" v-1", city_code="4499"), vacancy("v-1 ", headcount=0), "x"]
    report = api.client.post("/vacancies:batch", json={"items": items}, headers=api.a)
    assert report.status_code == 200, report.text
    assert [item["id"] for item in report.json()["items"]] == [
        "v-1",
        "v-1 ",
        None,
    ]  # raw if unreadable
    assert report.json()["errors"] == 3
    assert api.client.get("/vacancies", headers=api.a).json()["total"] == 0
    padded = [vacancy("v-2"), vacancy(" v-2 ")]  # the same id once whitespace is stripped
    statuses = [
        item["status"]
        for item in api.client.post(
            "/vacancies:batch", json={"items": padded}, headers=api.a
        ).json()["items"]
    ]
    assert statuses == ["created", "error"]


def test_batch_keeps_tenants_apart(api: Api) -> None:
    client = api.client
    client.post("/candidates", json=candidate("c-b"), headers=api.b)
    items = [candidate("c-b"), candidate("c-a"), candidate("c-t", tenant_id="tb")]
    report = client.post("/candidates:batch", json={"items": items}, headers=api.a).json()
    statuses = [(item["status"], (item["problem"] or {}).get("status")) for item in report["items"]]
    # b's "c-b" is no obstacle (ids are unique per tenant): a gets its own "c-b".
    assert statuses == [("created", None), ("created", None), ("error", 403)]
    assert client.get("/candidates/c-b", headers=api.b).json()["tenant_id"] == "tb"
    assert client.get("/candidates/c-b", headers=api.a).json()["tenant_id"] == "ta"
    assert client.get("/candidates", headers=api.a).json()["total"] == 2
    assert client.get("/candidates", headers=api.b).json()["total"] == 1
    assert_problem(
        client.post("/candidates:batch", json={"items": [candidate("c-z")]}, headers=api.planner),
        403,
    )
    by_admin = client.post(
        "/candidates:batch", json={"items": [candidate("c-z")]}, headers=api.admin
    )
    assert fields_of(by_admin.json()["items"][0]) == ["body.items.0.tenant_id"]


def test_batch_updates_keep_write_only_fields(api: Api) -> None:
    client = api.client
    client.post("/candidates", json=candidate(), headers=api.a)
    public = client.get("/candidates/c-1", headers=api.a).json()
    report = client.post(
        "/candidates:batch", json={"items": [public | {"experience_years": 6}]}, headers=api.a
    )
    assert report.json()["items"][0]["status"] == "updated", report.text
    stored = stored_personal(api)
    assert stored is not None and stored.experience_years == 6
    assert stored.contact is not None and stored.contact.phone == PHONE
    assert PHONE not in report.text


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "body.items"),
        ({"items": [vacancy(f"v-{n}") for n in range(1001)]}, "body.items"),
        ({"items": [vacancy()], "extra": 1}, "body.extra"),
        ([vacancy()], "body"),
    ],
)
def test_batch_envelope_is_bounded(api: Api, body: Any, field: str) -> None:
    response = api.client.post("/vacancies:batch", json=body, headers=api.a)
    problem = assert_problem(response, 422)
    assert any(error["field"].startswith(field) for error in problem["errors"]), problem


def test_a_full_batch_on_both_backends(db_url: str, service_settings: Settings) -> None:
    settings = service_settings.model_copy(update={"database_url": db_url})
    with running_api(settings) as api:
        items = [candidate(f"c-{n:04d}", experience_years=n % 40) for n in range(1000)]
        first = api.client.post("/candidates:batch", json={"items": items}, headers=api.a)
        assert first.status_code == 200, first.text
        assert (first.json()["created"], first.json()["errors"]) == (1000, 0)
        again = api.client.post("/candidates:batch", json={"items": items}, headers=api.a).json()
        assert (again["created"], again["updated"], again["errors"]) == (0, 1000, 0)
        listed = api.client.get("/candidates", params={"size": 1}, headers=api.a).json()
        assert listed["total"] == 1000
        assert api.client.get("/candidates/c-0041", headers=api.a).json()["experience_years"] == 1


def test_a_batch_that_loses_a_race_reports_it_per_item(engine: Engine) -> None:
    """A concurrent writer creates one id (in the batch's tenant) between validation and
    write: the batch's one transaction finds fewer inserts than it counted, so each item is
    retried on its own and the report tells the truth — the raced item replaced the record
    written meanwhile ("updated", as a later PUT would), the other was created."""
    raced = Candidate(
        candidate_id="c-race", tenant_id="ta", city_code="4419", registered_on=date(2025, 1, 1)
    )

    def read_then_race(session: Session, key: str, tenant: str) -> Any:
        found = CANDIDATES.read(session, key, tenant)
        if key == raced.candidate_id and found is None:
            with session_scope(engine) as other:  # commits before the batch writes
                upsert_candidates(other, [raced])
        return found

    side = replace(CANDIDATES, read=read_then_race)
    items = [candidate("c-race"), candidate("c-calm")]
    with Session(engine) as session:
        results = store_batch(
            session,
            Principal("k", "platform", "ta"),
            side,
            items,
            metrics=AppMetrics(),
            coder=lambda: pytest.fail("no vacancy here needs coding"),
        )
    assert [(r.key, r.status) for r in results] == [("c-race", "updated"), ("c-calm", "created")]
    with session_scope(engine) as session:
        assert get_candidate(session, "c-race").city_code == "4403"  # type: ignore[union-attr]
        assert get_candidate(session, "c-calm") is not None
