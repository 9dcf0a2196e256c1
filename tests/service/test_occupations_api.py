"""``POST /occupations/code`` on a real app with a real coder."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data.settings import Settings
from tests.support.api import Api, running_api
from tests.support.service import make_service_settings


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    settings: Settings = make_service_settings(tmp_path_factory.mktemp("occupations"))
    with running_api(settings) as running:
        yield running


def test_codes_a_batch_with_confidence_and_top3(api: Api) -> None:
    body = {
        "items": [{"title": "急招电焊工（包吃住）"}, {"title": "货车司机", "description": "C1"}]
    }
    response = api.client.post("/occupations/code", json=body, headers=api.a)
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["title"] for item in items] == ["急招电焊工（包吃住）", "货车司机"]
    assert items[0]["occupation_code"] == "6-18-02-04"
    assert items[1]["occupation_code"] == "4-02-02-02"
    for item in items:
        assert 0 <= item["confidence"] <= 1 and len(item["top"]) == 3
        assert item["needs_review"] == (item["confidence"] < response.json()["review_threshold"])


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"items": []}, "body.items"),
        ({"items": [{"title": ""}]}, "body.items.0.title"),
        ({"items": [{"title": "厨师"}] * 1001}, "body.items"),
    ],
)
def test_bad_batches_are_problems_naming_the_field(api: Api, body: object, field: str) -> None:
    response = api.client.post("/occupations/code", json=body, headers=api.a)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert field in [error["field"] for error in response.json()["errors"]]


def test_vacancy_without_code_is_coded_and_says_so(api: Api) -> None:
    body = {
        "vacancy_id": "v-coded-1",
        "title": "急招电焊工（包吃住）",
        "city_code": "4403",
        "date_posted": "2026-11-01",
    }
    response = api.client.post("/vacancies", json=body, headers=api.a)
    assert response.status_code == 201, response.text
    stored = response.json()
    assert stored["occupation_code"] == "6-18-02-04"
    assert stored["occupation_code_source"] == "coded"
    assert 0 <= stored["occupation_confidence"] <= 1
    given = body | {"vacancy_id": "v-given-1", "occupation_code": "6-18-02-04"}
    response = api.client.post("/vacancies", json=given, headers=api.a)
    assert response.json()["occupation_code_source"] == "given"
    assert response.json()["occupation_confidence"] is None


def test_coding_quality_page_shows_shares_by_city_and_source(api: Api) -> None:
    body = {"title": "仓库打包员", "city_code": "4419", "date_posted": "2026-11-01"}
    for vacancy_id, extra in (("v-q-1", {}), ("v-q-2", {"occupation_code": "6-31-05-00"})):
        response = api.client.post(
            "/vacancies", json=body | {"vacancy_id": vacancy_id} | extra, headers=api.b
        )
        assert response.status_code == 201, response.text
    key = api.planner["Authorization"].removeprefix("Bearer ")
    login = api.client.post("/login", data={"key": key, "next": "/"}, follow_redirects=False)
    assert login.status_code == 303
    page = api.client.get("/coding")
    assert page.status_code == 200
    assert "职业编码质量" in page.text and "东莞市" in page.text and "tb" in page.text
    assert "50.0%" in page.text  # one of tb's two vacancies was coded from its title
    assert 'href="/coding"' in api.client.get("/").text


def test_needs_a_key(api: Api) -> None:
    assert (
        api.client.post("/occupations/code", json={"items": [{"title": "厨师"}]}).status_code == 401
    )
