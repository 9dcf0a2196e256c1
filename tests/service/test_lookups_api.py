"""``/lookups`` on a real app: every code offered is one the write routes accept, searches
find by name and alias, paging and roles hold, and unknown cities are a 404."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from data import taxonomy
from data.levels import EDUCATION_LABELS, SKILL_LABELS, TITLE_LABELS
from data.settings import Settings
from tests.support.api import Api, assert_problem, running_api, vacancy


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    from tests.support.service import make_service_settings

    settings: Settings = make_service_settings(tmp_path_factory.mktemp("lookups"))
    with running_api(settings) as running:
        yield running


def test_every_role_may_look_up_but_not_anonymous(api: Api) -> None:
    for headers in (api.admin, api.planner, api.a):
        response = api.client.get("/lookups/cities", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["total"] == 21
    assert_problem(api.client.get("/lookups/cities"), 401)


def test_cities_and_their_districts_are_what_writes_accept(api: Api) -> None:
    cities = api.client.get("/lookups/cities", params={"size": 50}, headers=api.a).json()
    cities = cities["items"]
    assert {city["city_code"] for city in cities} == set(taxonomy.cities()["city_code"])
    districts = api.client.get(
        "/lookups/cities/4403/districts", params={"size": 50}, headers=api.a
    ).json()
    names = {item["name"] for item in districts["items"]}
    assert {"福田区", "南山区", "龙岗区"} <= names and "天河区" not in names
    chosen = districts["items"][0]["district_code"]
    body = vacancy("v-district", district_code=chosen, city_code="4403")
    assert api.client.post("/vacancies", json=body, headers=api.a).status_code == 201
    wrong_city = vacancy("v-wrong", district_code=chosen, city_code="4401")
    assert_problem(api.client.post("/vacancies", json=wrong_city, headers=api.a), 422)
    assert_problem(api.client.get("/lookups/cities/4499/districts", headers=api.a), 404)
    assert_problem(api.client.get("/lookups/cities/1100/districts", headers=api.a), 422)


@pytest.mark.parametrize(
    ("query", "expected_code"),
    [("电工", "6-31-01-03"), ("水电工", "6-31-01-03"), ("电 工", "6-31-01-03")],
)
def test_occupations_are_found_by_name_or_alias(api: Api, query: str, expected_code: str) -> None:
    found = api.client.get("/lookups/occupations", params={"q": query}, headers=api.a).json()
    assert found["items"][0]["code"] == expected_code, found["items"][:3]
    assert all(item["level"] == 4 for item in found["items"])


def test_occupation_pages_cover_the_taxonomy_once(api: Api) -> None:
    expected = set(taxonomy.occupations(4)["code"])
    seen: list[str] = []
    page = 1
    while True:
        body = api.client.get(
            "/lookups/occupations", params={"size": 200, "page": page}, headers=api.a
        ).json()
        seen += [item["code"] for item in body["items"]]
        if not body["items"]:
            break
        page += 1
    assert body["total"] == len(expected) and len(seen) == len(set(seen)) and set(seen) == expected
    under = api.client.get(
        "/lookups/occupations", params={"under": "2-02", "size": 200}, headers=api.a
    ).json()
    assert under["total"] > 0 and all(i["code"].startswith("2-02") for i in under["items"])
    assert_problem(api.client.get("/lookups/occupations", params={"size": 201}, headers=api.a), 422)


def test_industries_by_level_parent_and_name(api: Api) -> None:
    get = api.client.get
    sections = get("/lookups/industries", params={"level": 1, "size": 50}, headers=api.a).json()
    assert sections["total"] == 20 and sections["items"][2]["code"] == "C"
    manufacturing = get(
        "/lookups/industries", params={"parent": "C", "size": 50}, headers=api.a
    ).json()
    assert manufacturing["total"] == 31 and manufacturing["items"][0]["code"] == "13"
    software = get("/lookups/industries", params={"q": "软件开发"}, headers=api.a).json()
    assert "6511" in [item["code"] for item in software["items"]]


def test_clusters_levels_and_certificate_groups(api: Api) -> None:
    get = api.client.get
    clusters = get("/lookups/clusters", params={"size": 50}, headers=api.a).json()
    assert clusters["total"] == 20 and clusters["items"][0]["industry_codes"]
    levels = get("/lookups/levels", headers=api.a).json()
    for name, labels in [
        ("Education", EDUCATION_LABELS),
        ("SkillLevel", SKILL_LABELS),
        ("TitleLevel", TITLE_LABELS),
    ]:
        assert [(v["value"], v["label"]) for v in levels["levels"][name]] == [
            (int(k), v) for k, v in labels.items()
        ]
    assert {"skill_level": "技师", "title_level": "中级"}.items() <= levels["equivalence"][
        1
    ].items()
    groups = get("/lookups/certificate-groups", params={"q": "电工"}, headers=api.a).json()
    assert [group["group"] for group in groups["items"]] == ["electrician"]
    regions = {c["region"] for c in groups["items"][0]["certificates"]}
    assert regions == {"内地", "香港", "澳门"}
    everything = get("/lookups/certificate-groups", headers=api.a).json()
    assert everything["total"] > 10
