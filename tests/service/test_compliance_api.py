"""The law at the API and the importer: discriminatory vacancies are refused, naming the
phrase, and counted per category; the API refuses what the importer refuses (codes)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from data.ingest import ingest_file
from data.store import make_engine
from tests.support.api import Api, vacancy


def posting(vacancy_id: str = "v-1", **change: Any) -> dict[str, Any]:
    return vacancy(vacancy_id, tenant_id="public", **change)


DISCRIMINATORY = [
    ({"title": "电工（限男性）"}, "body.title", "限男性", "gender"),
    ({"description": "要求已婚，负责仓库管理。"}, "body.description", "已婚", "marital"),
    ({"description": "限深圳户籍，负责后端开发。"}, "body.description", "深圳户籍", "hukou"),
    ({"description": "仅限汉族。"}, "body.description", "汉族", "ethnicity"),
    ({"description": "年龄20-35岁，负责后端开发。"}, "body.description", "年龄20-35岁", "age"),
]


@pytest.mark.parametrize(("change", "field", "phrase", "category"), DISCRIMINATORY)
def test_a_discriminatory_vacancy_is_refused_naming_the_phrase(
    api: Api, change: dict[str, str], field: str, phrase: str, category: str
) -> None:
    response = api.client.post("/vacancies", json=posting(**change), headers=api.admin)
    assert response.status_code == 422, response.text
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == [field]
    assert f"「{phrase}」" in errors[0]["reason"]
    assert api.client.get("/vacancies/v-1", headers=api.admin).status_code == 404
    metrics = api.client.get("/metrics", headers=api.admin).text
    assert f'yuecai_discriminatory_vacancies_total{{category="{category}"}} 1.0' in metrics


def test_lawful_wording_is_accepted(api: Api) -> None:
    body = posting(description="男女不限，户籍不限，年满18周岁，负责后端开发。")
    assert api.client.post("/vacancies", json=body, headers=api.admin).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"city_code": "4499"}, "body.city_code"),
        ({"occupation_code": "9-99-99-99"}, "body.occupation_code"),
        ({"district_code": "440106"}, "body.district_code"),  # 广州 天河 on a 深圳 vacancy
        ({"industry_code": "9999"}, "body.industry_code"),
    ],
)
def test_the_api_refuses_what_the_importer_refuses(
    api: Api, change: dict[str, str], field: str
) -> None:
    response = api.client.post("/vacancies", json=posting(**change), headers=api.admin)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_the_importer_reports_the_discriminatory_row(api: Api, tmp_path: Path) -> None:
    rows = [posting("ok"), posting("bad", title="电工（限男性）")]
    (tmp_path / "v.json").write_text(json.dumps(rows, ensure_ascii=False), "utf-8")
    engine = make_engine(api.settings.database_url)
    try:
        report = ingest_file(engine, "vacancies", tmp_path / "v.json", progress=False)
    finally:
        engine.dispose()
    assert report.inserted == 1
    assert [(e.line, e.field) for e in report.errors] == [(2, "title")]
    assert "「限男性」" in report.errors[0].reason
