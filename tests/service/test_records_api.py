"""/vacancies, /candidates and /feedback on a real app and a real store (SQLite; the round
trip also on PostgreSQL): CRUD, problem+json errors naming the field, write-only personal
data and tenant isolation."""

from __future__ import annotations

from typing import Any

import pytest

from data.ingest.readers import RawRow
from data.ingest.rows import parse_row, spec_for
from data.levels import EDUCATION_LABELS, SKILL_LABELS, TITLE_LABELS
from data.records import Candidate
from data.settings import Settings
from data.store import get_candidate, make_engine, session_scope
from service.schemas.records import CandidateOut
from tests.support.api import (
    ID_NUMBER,
    PHONE,
    Api,
    assert_problem,
    candidate,
    running_api,
    stored_personal,
    vacancy,
)


def test_round_trip_on_both_backends(db_url: str, service_settings: Settings) -> None:
    settings = service_settings.model_copy(update={"database_url": db_url})
    with running_api(settings) as api:
        client = api.client
        created = client.post("/vacancies", json=vacancy(), headers=api.a)
        assert created.status_code == 201, created.text
        assert created.headers["location"] == "/vacancies/v-1"
        assert created.json()["tenant_id"] == "ta"
        assert client.get("/vacancies/v-1", headers=api.a).json() == created.json()

        replaced = client.post("/vacancies", json=vacancy(headcount=5), headers=api.a)
        assert replaced.status_code == 200
        assert client.get("/vacancies/v-1", headers=api.a).json()["headcount"] == 5

        client.post("/vacancies", json=vacancy("v-2", city_code="4401"), headers=api.a)
        listed = client.get("/vacancies", params={"city_code": "4401"}, headers=api.a).json()
        assert [item["vacancy_id"] for item in listed["items"]] == ["v-2"]
        by_family = client.get("/vacancies", params={"occupation_code": "2-02"}, headers=api.a)
        assert by_family.json()["total"] == 2

        assert client.post("/candidates", json=candidate(), headers=api.a).status_code == 201
        assert client.get("/candidates/c-1", headers=api.a).json()["skills"] == ["Java"]
        assert client.post("/candidates", json=candidate(), headers=api.a).status_code == 200

        for path in ("/vacancies/v-1", "/candidates/c-1"):
            assert client.delete(path, headers=api.a).status_code == 204
            assert_problem(client.get(path, headers=api.a), 404)
            assert_problem(client.delete(path, headers=api.a), 404)


def test_contact_and_protected_are_write_only(api: Api) -> None:
    client = api.client
    responses = [
        client.post("/candidates", json=candidate(), headers=api.a),
        client.get("/candidates/c-1", headers=api.a),
        client.get("/candidates", headers=api.a),
        client.get("/candidates/c-1", headers=api.admin),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.text
        for secret in ("contact", "protected", PHONE, ID_NUMBER, "张三", "hukou", "1995"):
            assert secret not in response.text
    engine = make_engine(api.settings.database_url)
    with session_scope(engine) as session:  # accepted and stored, for audits only
        stored = get_candidate(session, "c-1", include_personal=True)
    engine.dispose()
    assert stored is not None and stored.contact is not None and stored.protected is not None
    assert stored.contact.phone == PHONE and stored.protected.birth_year == 1995


def test_candidate_out_mirrors_candidate_without_personal_data() -> None:
    personal = {"contact", "protected"}
    assert set(CandidateOut.model_fields) == set(Candidate.model_fields) - personal


@pytest.mark.parametrize(
    ("method", "path", "body", "params", "field"),
    [
        ("post", "/vacancies", vacancy(base_salary_min=-1), None, "body.base_salary_min"),
        ("post", "/vacancies", vacancy(city_code="1100"), None, "body.city_code"),
        ("post", "/vacancies", vacancy(title=""), None, "body.title"),
        ("post", "/vacancies", vacancy(title="a\x00b"), None, "body.title"),
        ("post", "/vacancies", vacancy(unknown=1), None, "body.unknown"),
        ("post", "/vacancies", vacancy(vacancy_id="has space"), None, "body.vacancy_id"),
        ("post", "/vacancies", vacancy(skills=["x"] * 51), None, "body.skills"),
        (
            "post",
            "/vacancies",
            vacancy(required_certificates=["证" * 101]),
            None,
            "body.required_certificates",
        ),
        ("post", "/candidates", candidate(certificates=[""]), None, "body.certificates.0"),
        (
            "post",
            "/candidates",
            candidate(desired_city_codes=["4401"] * 22),
            None,
            "body.desired_city_codes",
        ),
        ("post", "/candidates", candidate(experience_years=99), None, "body.experience_years"),
        ("post", "/candidates", candidate(contact={"phone": "x"}), None, "body.contact.phone"),
        ("get", "/vacancies/bad%20id", None, None, "path.vacancy_id"),
        ("get", "/candidates/bad%20id", None, None, "path.candidate_id"),
        ("get", "/vacancies", None, {"size": 201}, "query.size"),
        ("get", "/vacancies", None, {"page": 0}, "query.page"),
        ("get", "/candidates", None, {"page": 10**18}, "query.page"),
        ("get", "/feedback", None, {"page": 2**70}, "query.page"),
        ("get", "/candidates", None, {"city_code": "44"}, "query.city_code"),
        ("get", "/vacancies", None, {"occupation_code": "2-2"}, "query.occupation_code"),
    ],
)
def test_bad_input_is_a_problem_naming_the_field(
    api: Api,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    params: dict[str, Any] | None,
    field: str,
) -> None:
    response = api.client.request(method, path, json=body, params=params, headers=api.admin)
    problem = assert_problem(response, 422)
    if field is not None:
        assert any(error["field"].startswith(field) for error in problem["errors"]), problem


@pytest.mark.parametrize(
    ("kind", "wrong_order", "same"),
    [
        ("vacancies", {"base_salary_min": 9000, "base_salary_max": 8000}, 8000),
        ("candidates", {"expected_salary_min": 9000, "expected_salary_max": 8000}, 8000),
        ("vacancies", {"valid_through": "2025-02-01", "date_posted": "2025-03-01"}, "2025-03-01"),
    ],
)
def test_fields_out_of_order_are_a_problem_naming_both(
    api: Api, kind: str, wrong_order: dict[str, Any], same: Any
) -> None:
    body = vacancy() if kind == "vacancies" else candidate()
    response = api.client.post(f"/{kind}", json=body | wrong_order, headers=api.a)
    problem = assert_problem(response, 422)
    assert [error["field"] for error in problem["errors"]] == [f"body.{f}" for f in wrong_order]
    for error in problem["errors"]:
        assert all(field in error["reason"] for field in wrong_order), error
    equal = dict.fromkeys(wrong_order, same)
    assert api.client.post(f"/{kind}", json=body | equal, headers=api.a).status_code == 201


def test_keys_and_roles(api: Api) -> None:
    client = api.client
    assert_problem(client.get("/vacancies"), 401)
    assert_problem(client.get("/vacancies", headers={"X-API-Key": "yc_nope"}), 401)
    assert_problem(client.get("/candidates", headers=api.planner), 403)
    assert_problem(client.post("/vacancies", json=vacancy(), headers=api.planner), 403)
    # An admin must say whose record it writes; a platform may only name its own tenant.
    assert_problem(
        client.post("/vacancies", json=vacancy(), headers=api.admin), 422, "body.tenant_id"
    )
    assert_problem(client.post("/vacancies", json=vacancy(tenant_id="tb"), headers=api.a), 403)
    own = client.post("/vacancies", json=vacancy(tenant_id="ta"), headers=api.a)
    assert own.status_code == 201
    by_admin = client.post("/vacancies", json=vacancy("v-9", tenant_id="tb"), headers=api.admin)
    assert by_admin.json()["tenant_id"] == "tb"


@pytest.mark.parametrize("kind", ["vacancies", "candidates"])
def test_tenants_cannot_see_each_others_records(api: Api, kind: str) -> None:
    client = api.client
    body = vacancy("x-1") if kind == "vacancies" else candidate("x-1")
    assert client.post(f"/{kind}", json=body, headers=api.a).status_code == 201
    path = f"/{kind}/x-1"

    missing = assert_problem(client.get(f"/{kind}/x-2", headers=api.b), 404)
    hidden = assert_problem(client.get(path, headers=api.b), 404)
    assert hidden["detail"] == missing["detail"].replace("x-2", "x-1")  # indistinguishable
    assert_problem(client.delete(path, headers=api.b), 404)
    assert_problem(client.get(f"{path}/matches", headers=api.b), 404)
    assert client.get(f"/{kind}", headers=api.b).json()["total"] == 0
    # Ids are unique per tenant: b's create of the same id makes b's own record.
    assert client.post(f"/{kind}", json=body, headers=api.b).status_code == 201

    assert client.get(path, headers=api.a).json()["tenant_id"] == "ta"
    assert client.get(path, headers=api.b).json()["tenant_id"] == "tb"
    assert_problem(client.get(path, headers=api.admin), 422, "query.tenant_id")  # ambiguous
    by_admin = client.get(path, params={"tenant_id": "ta"}, headers=api.admin)
    assert by_admin.status_code == 200 and by_admin.json()["tenant_id"] == "ta"
    assert client.get(f"/{kind}", headers=api.admin).json()["total"] == 2


def test_list_pages_are_capped_and_ordered(api: Api) -> None:
    for number in range(5):
        api.client.post("/vacancies", json=vacancy(f"v-{number}"), headers=api.a)
    first = api.client.get("/vacancies", params={"size": 2}, headers=api.a).json()
    last = api.client.get("/vacancies", params={"size": 2, "page": 3}, headers=api.a).json()
    assert [item["vacancy_id"] for item in first["items"]] == ["v-0", "v-1"]
    assert [item["vacancy_id"] for item in last["items"]] == ["v-4"]
    assert first["total"] == last["total"] == 5 and first["size"] == 2


def test_feedback_is_idempotent_and_tenant_scoped(api: Api) -> None:
    client = api.client
    client.post("/vacancies", json=vacancy(), headers=api.a)
    client.post("/candidates", json=candidate(), headers=api.a)
    client.post("/vacancies", json=vacancy("v-b"), headers=api.b)
    event = {
        "candidate_id": "c-1",
        "vacancy_id": "v-1",
        "event": "applied",
        "occurred_at": "2025-03-05T10:00:00+08:00",
    }
    first = client.post("/feedback", json=event, headers=api.a)
    assert first.status_code == 201 and first.json()["created"] is True
    assert first.json()["tenant_id"] == "ta"
    again = client.post("/feedback", json=event, headers=api.a)
    assert again.status_code == 200 and again.json()["created"] is False

    assert_problem(client.post("/feedback", json=event | {"vacancy_id": "v-b"}, headers=api.a), 404)
    assert_problem(
        client.post("/feedback", json=event | {"candidate_id": "c-9"}, headers=api.a), 404
    )
    assert_problem(client.post("/feedback", json=event, headers=api.b), 404)
    future = event | {"occurred_at": "2999-01-01T00:00:00Z"}
    assert_problem(client.post("/feedback", json=future, headers=api.a), 422, "body.occurred_at")
    assert_problem(
        client.post("/feedback", json=event | {"event": "liked"}, headers=api.a), 422, "body.event"
    )

    listed = client.get("/feedback", params={"vacancy_id": "v-1"}, headers=api.admin)
    assert listed.status_code == 200
    assert [item["event"] for item in listed.json()["items"]] == ["applied"]
    assert (
        client.get("/feedback", params={"vacancy_id": "v-b"}, headers=api.admin).json()["total"]
        == 0
    )
    assert_problem(client.get("/feedback", headers=api.a), 403)

    client.delete("/candidates/c-1", headers=api.a)  # erasure takes the outcomes with it
    assert client.get("/feedback", headers=api.admin).json()["total"] == 0


@pytest.mark.parametrize(
    ("kind", "field", "label", "number"),
    [
        ("vacancies", "education_requirement", "本科", 3),
        ("vacancies", "education_requirement", "中专", 1),
        ("vacancies", "skill_level_requirement", "技师", 4),
        ("vacancies", "title_level_requirement", "中级", 2),
        ("vacancies", "title_level_requirement", "associate_senior", 3),
        ("candidates", "education", "大专", 2),
        ("candidates", "skill_level", "高级工", 3),
        ("candidates", "title_level", "副高", 3),
        ("candidates", "skill_level", 5, 5),
    ],
)
def test_levels_accept_the_importers_labels(
    api: Api, kind: str, field: str, label: str | int, number: int
) -> None:
    body = vacancy() if kind == "vacancies" else candidate()
    response = api.client.post(f"/{kind}", json=body | {field: label}, headers=api.a)
    assert response.status_code == 201, response.text
    assert response.json()[field] == number
    # The importer reads the same cell to the same number: one vocabulary.
    spec = spec_for("vacancies" if kind == "vacancies" else "candidates")
    row_values = {key: value for key, value in body.items() if not isinstance(value, dict | list)}
    record, errors = parse_row(RawRow(2, row_values | {field: str(label)}), spec)
    assert errors == [] and record is not None
    assert getattr(record, field) == number


@pytest.mark.parametrize(
    ("kind", "field", "label"),
    [
        ("vacancies", "education_requirement", "学士"),
        ("vacancies", "skill_level_requirement", 9),
        ("candidates", "title_level", "教授"),
    ],
)
def test_unknown_level_labels_are_a_problem_naming_the_field(
    api: Api, kind: str, field: str, label: str | int
) -> None:
    body = vacancy() if kind == "vacancies" else candidate()
    response = api.client.post(f"/{kind}", json=body | {field: label}, headers=api.a)
    problem = assert_problem(response, 422, f"body.{field}")
    if isinstance(label, str):
        assert "本科" in str(problem) or "中级" in str(problem)  # the labels are listed


def test_openapi_documents_each_level_label(api: Api) -> None:
    schemas = api.client.get("/openapi.json").json()["components"]["schemas"]
    for model, field, labels in [
        ("VacancyIn", "education_requirement", EDUCATION_LABELS),
        ("VacancyIn", "skill_level_requirement", SKILL_LABELS),
        ("CandidateIn", "title_level", TITLE_LABELS),
    ]:
        prop = schemas[model]["properties"][field]
        level = next(part for part in [prop, *prop["anyOf"]] if "x-enum-labels" in part)
        assert level["x-enum-labels"] == {str(int(k)): v for k, v in labels.items()}
        for label in labels.values():
            assert label in level["description"]
        texts = next(p for p in level["anyOf"] if p["type"] == "string")["enum"]
        assert set(labels.values()) <= set(texts)


@pytest.mark.parametrize("verb", ["post", "put"])
def test_replacing_with_the_read_body_keeps_write_only_fields(api: Api, verb: str) -> None:
    client = api.client
    assert client.post("/candidates", json=candidate(), headers=api.a).status_code == 201
    read_back = client.get("/candidates/c-1", headers=api.a).json()
    path = "/candidates" if verb == "post" else "/candidates/c-1"
    replaced = client.request(verb, path, json=read_back | {"experience_years": 5}, headers=api.a)
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["experience_years"] == 5
    kept = stored_personal(api)
    assert kept is not None and kept.experience_years == 5
    assert kept.contact is not None and kept.contact.phone == PHONE
    assert kept.protected is not None and kept.protected.birth_year == 1995
    # An explicit null erases.
    erased = client.request(verb, path, json=read_back | {"contact": None}, headers=api.a)
    assert erased.status_code == 200
    after = stored_personal(api)
    assert after is not None and after.contact is None and after.protected is not None


def test_put_addresses_the_record_of_its_path(api: Api) -> None:
    client = api.client
    created = client.put("/vacancies/v-7", json=vacancy("v-7"), headers=api.a)
    assert created.status_code == 201 and created.headers["location"] == "/vacancies/v-7"
    assert client.put("/vacancies/v-7", json=vacancy("v-7"), headers=api.a).status_code == 200
    mismatch = client.put("/vacancies/v-7", json=vacancy("v-8"), headers=api.a)
    assert_problem(mismatch, 422, "body.vacancy_id")
    assert_problem(client.put("/candidates/x", json=candidate("y"), headers=api.a), 422)
    assert client.post("/vacancies", json=vacancy("v-b"), headers=api.b).status_code == 201
    # b's "v-b" is b's: a PUT by a addresses a's own namespace, so it creates a's "v-b".
    assert client.put("/vacancies/v-b", json=vacancy("v-b"), headers=api.a).status_code == 201


def test_patch_changes_only_what_it_names(api: Api) -> None:
    client = api.client
    before = client.post("/vacancies", json=vacancy(), headers=api.a).json()
    patched = client.patch(
        "/vacancies/v-1",
        json={"headcount": 7, "education_requirement": "大专", "description": None},
        headers=api.a,
    )
    assert patched.status_code == 200, patched.text
    after = patched.json()
    assert after == before | {"headcount": 7, "education_requirement": 2, "description": ""}
    assert client.get("/vacancies/v-1", headers=api.a).json() == after


@pytest.mark.parametrize(
    ("patch", "fields"),
    [
        ({"base_salary_min": 30000}, ["body.base_salary_min", "body.base_salary_max"]),
        ({"city_code": "4499"}, ["body.city_code"]),
        ({"district_code": "440106"}, ["body.district_code"]),  # 天河区 is 广州's
        ({"title": None}, ["body.title"]),
        ({"vacancy_id": "v-2"}, ["body.vacancy_id"]),
        ({"tenant_id": "tb"}, ["body.tenant_id"]),
        ({"skill_level_requirement": "大师"}, ["body.skill_level_requirement"]),
    ],
)
def test_patch_is_validated_like_a_create(
    api: Api, patch: dict[str, Any], fields: list[str]
) -> None:
    client = api.client
    before = client.post("/vacancies", json=vacancy(), headers=api.a).json()
    problem = assert_problem(client.patch("/vacancies/v-1", json=patch, headers=api.admin), 422)
    assert [error["field"] for error in problem["errors"]] == fields
    assert client.get("/vacancies/v-1", headers=api.a).json() == before  # nothing written


def test_patch_merges_contact_and_respects_tenants(api: Api) -> None:
    client = api.client
    client.post("/candidates", json=candidate(), headers=api.a)
    patched = client.patch(
        "/candidates/c-1", json={"contact": {"phone": "13900139000"}, "skills": []}, headers=api.a
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["skills"] == [] and "139" not in patched.text
    stored = stored_personal(api)
    assert stored is not None and stored.contact is not None
    assert (stored.contact.phone, stored.contact.name) == ("13900139000", "张三")
    assert_problem(client.patch("/candidates/c-1", json={"skills": []}, headers=api.b), 404)
    assert_problem(client.patch("/candidates/c-9", json={"skills": []}, headers=api.a), 404)
    assert_problem(client.patch("/candidates/c-1", json=[1], headers=api.a), 422)


def test_patch_keeps_a_coded_occupation_coded(api: Api) -> None:
    client = api.client
    body = vacancy(occupation_code=None, title="急招电焊工（包吃住）")
    coded = client.post("/vacancies", json=body, headers=api.a).json()
    assert coded["occupation_code_source"] == "coded"
    patched = client.patch("/vacancies/v-1", json={"headcount": 3}, headers=api.a).json()
    assert patched == coded | {"headcount": 3}
    given = client.patch("/vacancies/v-1", json={"occupation_code": "6-18-02-04"}, headers=api.a)
    assert given.json()["occupation_code_source"] == "given"
