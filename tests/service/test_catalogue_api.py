"""Catalogue API on a real SQLite store where two editions were published in the test."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from urllib.parse import unquote

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from service.main import create_app
from tests.support.catalogue import Published, publish_sample


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    return publish_sample(tmp_path_factory.mktemp("catalogue_api"))


@pytest.fixture(scope="module")
def client(published: Published) -> Iterator[TestClient]:
    with TestClient(create_app(published.settings), raise_server_exceptions=False) as test_client:
        test_client.headers.update(published.planner)
        yield test_client


def test_editions_are_paged_newest_first(client: TestClient, published: Published) -> None:
    body = client.get("/catalogue/editions", params={"size": 1}).json()
    assert body["total"] == 2 and body["size"] == 1 and len(body["items"]) == 1
    assert body["items"][0]["period"] == "2026Q4"
    second = client.get("/catalogue/editions", params={"size": 1, "page": 2}).json()
    assert second["items"][0]["edition_id"] == published.edition_ids[0]


def test_edition_detail_has_method_counts_and_hash(
    client: TestClient, published: Published
) -> None:
    old_id, new_id = published.edition_ids
    body = client.get(f"/catalogue/editions/{new_id}").json()
    assert body["method"].startswith("方法说明")
    assert len(body["content_sha256"]) == 64
    assert sum(body["counts_by_grade"].values()) == body["entry_count"] > 0
    assert set(body["counts_by_zone"]) <= {"一核", "一带", "一区"}
    assert body["previous_edition_id"] == old_id


@pytest.mark.parametrize(
    ("params", "check"),
    [
        ({"city_code": "4401"}, lambda e: e["city_code"] == "4401" and e["city_name"] == "广州市"),
        ({"zone": "一核"}, lambda e: e["zone"] == "一核"),
        ({"industry_code": "65"}, lambda e: e["industry_code"] == "65"),
        ({"occupation_code": "2-02-11-01"}, lambda e: e["occupation_code"] == "2-02-11-01"),
        ({"grade_min": 5}, lambda e: e["stars"] == 5),
    ],
)
def test_entry_filters(client: TestClient, published: Published, params, check) -> None:
    body = client.get(f"/catalogue/editions/{published.edition_ids[1]}/entries", params=params)
    assert body.status_code == 200, body.text
    items = body.json()["items"]
    assert items and all(check(item) for item in items)
    assert body.json()["total"] == len(items)


def test_entries_carry_evidence_and_page(client: TestClient, published: Published) -> None:
    url = f"/catalogue/editions/{published.edition_ids[1]}/entries"
    everything = client.get(url, params={"size": 200}).json()
    first = client.get(url, params={"size": 2}).json()
    second = client.get(url, params={"size": 2, "page": 2}).json()
    assert first["total"] == everything["total"] >= 3
    ranks = [item["rank"] for item in first["items"] + second["items"]]
    assert ranks == [item["rank"] for item in everything["items"][:4]]
    evidence = first["items"][0]["evidence"]
    assert {"demand", "supply", "ratio", "ratio_trend", "education_mode"} <= set(evidence)
    assert first["items"][0]["city_name"] == "深圳市"


def test_small_cells_are_suppressed(published: Published) -> None:
    strict = published.settings.model_copy(update={"min_cell_size": 10_000})
    with TestClient(create_app(strict)) as strict_client:
        url = f"/catalogue/editions/{published.edition_ids[1]}/entries"
        item = strict_client.get(url, headers=published.planner).json()["items"][0]
    evidence = item["evidence"]
    assert evidence["demand"] is None and evidence["ratio"] is None
    # every figure supply could be solved back from goes with it
    assert evidence["ratio_shrunk"] is None and evidence["ratio_shrunk_lo"] is None
    assert {"demand", "supply", "ratio", "ratio_shrunk", "ratio_shrunk_lo"} <= set(
        item["suppressed"]
    )


def test_diff_against_previous_edition(client: TestClient, published: Published) -> None:
    body = client.get(f"/catalogue/editions/{published.edition_ids[1]}/diff").json()
    assert body["previous_edition_id"] == published.edition_ids[0]
    changes = {(item["city_code"], item["change"]) for item in body["items"]}
    assert ("4406", "downgraded") in changes  # 佛山 电工电器: 5★ in 2026Q3, 4★ in 2026Q4
    assert sum(body["counts"].values()) == len(body["items"])
    assert all(item["change_label"] in {"新增", "移出", "升级", "降级"} for item in body["items"])
    first = client.get(f"/catalogue/editions/{published.edition_ids[0]}/diff").json()
    assert first["previous_edition_id"] is None and first["items"] == []


def _parse(fmt: str, content: bytes) -> str:
    if fmt == "json":
        return json.loads(content)["entries"][0]["city_name"]
    if fmt == "csv":
        return next(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))[
            "城市"
        ]  # Chinese headers by default
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content), read_only=True)["目录"]
        return str(next(iter(sheet.iter_rows(min_row=2, max_row=2, values_only=True)))[1])
    if fmt == "html":
        text = content.decode("utf-8")
        assert "http://" not in text and "https://" not in text
        return "深圳市" if "深圳市" in text else text[:100]
    assert content.startswith(b"%PDF-")
    return "深圳市"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("fmt", "media_type"),
    [
        ("json", "application/json"),
        ("csv", "text/csv; charset=utf-8"),
        ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        ("html", "text/html; charset=utf-8"),
        ("pdf", "application/pdf"),
    ],
)
def test_exports(client: TestClient, published: Published, fmt: str, media_type: str) -> None:
    response = client.get(f"/catalogue/editions/{published.edition_ids[1]}/export.{fmt}")
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == media_type
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="catalogue-2026Q4-r1.')
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    assert unquote(encoded) == f"广东省急需紧缺人才目录-2026Q4-r1.{fmt}"
    assert _parse(fmt, response.content) == "深圳市"


@pytest.mark.parametrize(
    ("url", "status", "field"),
    [
        ("/catalogue/editions/999", 404, None),
        ("/catalogue/editions/999/entries", 404, None),
        ("/catalogue/editions/999/diff", 404, None),
        ("/catalogue/editions/999/export.csv", 404, None),
        ("/catalogue/editions/{new}/export.doc", 422, "path.fmt"),
        ("/catalogue/editions/{new}/entries?city_code=9999", 422, "query.city_code"),
        ("/catalogue/editions/{new}/entries?zone=一圈", 422, "query.zone"),
        ("/catalogue/editions/{new}/entries?grade_min=7", 422, "query.grade_min"),
        ("/catalogue/editions/{new}/entries?industry_code=ZZ", 422, "query.industry_code"),
        ("/catalogue/editions/{new}/entries?occupation_code=9-99", 422, "query.occupation_code"),
        ("/catalogue/editions/{new}/entries?size=100000", 422, "query.size"),
        ("/reports/supply-flow?period=2026Q9", 422, "query.period"),
    ],
)
def test_problems(
    client: TestClient, published: Published, url: str, status: int, field: str | None
) -> None:
    response = client.get(url.format(new=published.edition_ids[1]))
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    if field is not None:
        assert field in [error["field"] for error in response.json()["errors"]]


def test_planner_role_required(published: Published) -> None:
    with TestClient(create_app(published.settings)) as anonymous:
        assert anonymous.get("/catalogue/editions").status_code == 401
        platform = anonymous.get("/catalogue/editions", headers=published.platform)
        assert platform.status_code == 403


@pytest.mark.slow
@pytest.mark.parametrize(("fmt", "media_type"), [("html", "text/html"), ("pdf", "application/pdf")])
def test_supply_flow_report(client: TestClient, fmt: str, media_type: str) -> None:
    response = client.get("/reports/supply-flow", params={"period": "2026Q4", "format": fmt})
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith(media_type)
    if fmt == "html":
        assert "供给状况和流动趋势研判报告" in response.text and "深圳市" in response.text
    else:
        assert response.content.startswith(b"%PDF-")


def test_warnings_json_without_a_forecast_artifact(client: TestClient) -> None:
    body = client.get("/warnings", headers={"Accept": "application/json"}).json()
    assert body["source"] == "history" and "预测" in body["note"]
    for item in body["items"]:
        assert item["level"] in {"红色", "橙色", "黄色"} and item["message_zh"]
