"""The service skeleton in-process: problem+json errors, middleware, metrics, health, paging."""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import APIRouter, FastAPI, Query
from fastapi.testclient import TestClient
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from data.settings import Settings
from service.api.deps import PageDep
from service.core import errors
from service.core.logging import JsonFormatter, RedactingFilter, redact, redact_text
from service.core.middleware import REQUEST_ID_HEADER
from service.core.templating import templates
from service.main import APP_TITLE, create_app
from service.schemas.common import Page, Problem

PROBLEM_JSON = "application/problem+json"


class SalaryProbe(BaseModel):
    title: str
    base_salary_min: int = Field(ge=0)


def _probe_router() -> APIRouter:
    """Routes that exist only in these tests, to provoke each kind of error."""
    router = APIRouter(prefix="/probe")

    @router.post("/vacancy")
    def create(vacancy: SalaryProbe, size: Annotated[int, Query(ge=1)] = 10) -> dict[str, int]:
        return {"size": size}

    @router.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals: password=hunter2")

    @router.get("/raise/{name}")
    def raise_named(name: str) -> None:
        if name == "InvalidInput":
            raise errors.InvalidInput("body.city_code", "not a Guangdong city", more=[("x", "y")])
        raise getattr(errors, name)(f"{name} happened")

    @router.get("/paged", response_model=Page[int])
    def paged(paging: PageDep) -> Page[int]:
        items = list(range(paging.offset, paging.offset + paging.size))
        return Page.of(items, total=1000, params=paging)

    @router.post("/echo")
    async def echo(payload: dict[str, Any]) -> dict[str, int]:
        return {"keys": len(payload)}

    return router


@pytest.fixture
def probe_client(service_settings: Settings) -> Iterator[TestClient]:
    settings = service_settings.model_copy(update={"request_body_max_bytes": 1000})
    app = create_app(settings)
    app.include_router(_probe_router())
    with TestClient(app, raise_server_exceptions=False, client=("127.0.0.1", 50000)) as client:
        yield client


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    Problem.model_validate(body)
    assert body["status"] == status
    assert body["request_id"] == response.headers[REQUEST_ID_HEADER]
    return body


def test_app_identity(app: FastAPI) -> None:
    assert app.title == APP_TITLE
    assert app.version == "0.1.0"
    assert app.redoc_url is None


def test_health_is_ok_and_carries_request_id(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers[REQUEST_ID_HEADER]) == 32


@pytest.mark.parametrize(
    ("incoming", "echoed"),
    [("abc-123.x:y_z", True), ("bad id with spaces", False), ("x" * 129, False)],
)
def test_request_id_is_echoed_only_when_safe(
    client: TestClient, incoming: str, echoed: bool
) -> None:
    response = client.get("/health", headers={REQUEST_ID_HEADER: incoming})
    assert (response.headers[REQUEST_ID_HEADER] == incoming) is echoed


def test_unknown_route_is_not_found_problem(client: TestClient) -> None:
    body = _problem(client.get("/no/such/route"), 404)
    assert body["type"] == "/problems/not-found"
    assert body["instance"] == "/no/such/route"


def test_wrong_method_is_405_problem_with_allow(client: TestClient) -> None:
    response = client.delete("/health")
    body = _problem(response, 405)
    assert body["type"] == "about:blank"
    assert body["title"] == "Method Not Allowed"
    assert response.headers["allow"] == "GET"


def test_validation_error_names_each_field(probe_client: TestClient) -> None:
    response = probe_client.post(
        "/probe/vacancy?size=0", json={"title": "焊工", "base_salary_min": -1}
    )
    body = _problem(response, 422)
    assert body["type"] == "/problems/invalid-input"
    assert {error["field"] for error in body["errors"]} == {"body.base_salary_min", "query.size"}
    assert "-1" not in json.dumps(body)  # rejected input values are not echoed


def test_missing_body_field_is_named(probe_client: TestClient) -> None:
    body = _problem(probe_client.post("/probe/vacancy", json={"base_salary_min": 1}), 422)
    assert [error["field"] for error in body["errors"]] == ["body.title"]


@pytest.mark.parametrize(
    ("name", "status", "slug"),
    [
        ("NotFound", 404, "not-found"),
        ("Conflict", 409, "conflict"),
        ("InsufficientData", 422, "insufficient-data"),
        ("Unauthorized", 401, "unauthorized"),
        ("Forbidden", 403, "forbidden"),
        ("PayloadTooLarge", 413, "payload-too-large"),
        ("ServiceUnavailable", 503, "service-unavailable"),
    ],
)
def test_each_error_maps_to_its_problem(
    probe_client: TestClient, name: str, status: int, slug: str
) -> None:
    body = _problem(probe_client.get(f"/probe/raise/{name}"), status)
    assert body["type"] == f"/problems/{slug}"
    assert body["detail"] == f"{name} happened"
    assert probe_client.get(body["type"]).json()["status"] == status


def test_invalid_input_lists_its_fields(probe_client: TestClient) -> None:
    body = _problem(probe_client.get("/probe/raise/InvalidInput"), 422)
    assert body["errors"] == [
        {"field": "body.city_code", "reason": "not a Guangdong city"},
        {"field": "x", "reason": "y"},
    ]
    assert body["detail"] == "2 invalid fields."


def test_unhandled_error_is_generic_500_and_logged(
    probe_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="yuecai"):
        response = probe_client.get("/probe/boom")
    body = _problem(response, 500)
    assert body["type"] == "/problems/internal-error"
    assert "secret" not in response.text and "hunter2" not in response.text
    logged = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert logged and logged[0].exc_info is not None
    assert "secret internals" in str(logged[0].exc_info[1])


def test_declared_body_over_limit_is_413(probe_client: TestClient) -> None:
    body = _problem(probe_client.post("/probe/echo", json={"k": "x" * 2000}), 413)
    assert body["type"] == "/problems/payload-too-large"


def test_chunked_body_over_limit_is_413(probe_client: TestClient) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"k": "'
        for _ in range(20):
            yield b"x" * 100
        yield b'"}'

    response = probe_client.post(
        "/probe/echo", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    _problem(response, 413)


def test_body_under_limit_passes(probe_client: TestClient) -> None:
    response = probe_client.post("/probe/echo", json={"a": 1, "b": "粤" * 100})
    assert response.status_code == 200
    assert response.json() == {"keys": 2}


def test_paging_defaults_and_envelope(probe_client: TestClient) -> None:
    response = probe_client.get("/probe/paged", params={"page": 3, "size": 5})
    assert response.json() == {"items": [10, 11, 12, 13, 14], "total": 1000, "page": 3, "size": 5}
    assert probe_client.get("/probe/paged").json()["size"] == 20


@pytest.mark.parametrize(
    ("query", "field"), [("size={max_size}", "query.size"), ("page=0", "query.page")]
)
def test_paging_limits_are_422(probe_client: TestClient, query: str, field: str) -> None:
    max_size = probe_client.app.state.settings.page_size_max + 1  # type: ignore[attr-defined]
    body = _problem(probe_client.get(f"/probe/paged?{query.format(max_size=max_size)}"), 422)
    assert [error["field"] for error in body["errors"]] == [field]


def test_ready_when_database_and_registry_answer(client: TestClient, app: FastAPI) -> None:
    assert app.state.engine is None  # created lazily, not at startup
    response = client.get("/ready")
    assert response.status_code == 200
    checks = {"database": "ok", "registry": "ok", "match_index": "ok"}
    assert response.json() == {"status": "ready", "checks": checks}


@pytest.mark.parametrize(
    ("break_what", "failing"), [("registry", "registry"), ("database", "database")]
)
def test_not_ready_is_503_problem(
    service_settings: Settings, tmp_path: Path, break_what: str, failing: str
) -> None:
    update: dict[str, object] = {"registry_dir": tmp_path / "absent"}
    if break_what == "database":  # a directory is not an SQLite file
        update = {"database_url": f"sqlite:///{tmp_path}"}
    with TestClient(create_app(service_settings.model_copy(update=update))) as client:
        response = client.get("/ready")
    body = _problem(response, 503)
    assert body["checks"][failing] != "ok"
    assert response.headers["retry-after"] == "5"


@pytest.mark.postgres
def test_ready_against_postgres(service_settings: Settings) -> None:
    url = os.environ.get("YUECAI_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("YUECAI_TEST_POSTGRES_URL is not set")
    settings = service_settings.model_copy(update={"database_url": url})
    with TestClient(create_app(settings)) as client:
        assert client.get("/ready").json()["checks"]["database"] == "ok"


def test_engine_is_disposed_at_shutdown(app: FastAPI) -> None:
    with TestClient(app) as client:
        client.get("/ready")
        assert app.state.engine is not None
    assert app.state.engine is None


def test_metrics_count_by_route_template(probe_client: TestClient) -> None:
    probe_client.get("/problems/not-found")
    probe_client.get("/problems/conflict")
    probe_client.get("/nowhere")
    app: FastAPI = probe_client.app  # type: ignore[assignment]
    app.state.metrics.set_model_info("forecast", "v1")
    app.state.metrics.set_model_info("forecast", "v2")
    response = probe_client.get("/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    route = 'route="/problems/{slug}",status="200"'
    assert f'yuecai_http_requests_total{{method="GET",{route}}} 2.0' in text
    assert f'yuecai_http_request_duration_seconds_count{{method="GET",{route}}} 2.0' in text
    assert 'route="<unmatched>",status="404"' in text
    assert 'yuecai_model_info{name="forecast",version="v2"} 1.0' in text
    assert 'version="v1"' not in text


def test_metrics_registries_are_per_app(service_settings: Settings) -> None:
    first, second = create_app(service_settings), create_app(service_settings)
    with TestClient(first) as client:
        client.get("/health")
    assert first.state.metrics.registry is not second.state.metrics.registry
    assert b'route="/health"' not in second.state.metrics.render()


def test_openapi_documents_problem_bodies(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"] == {
        "title": APP_TITLE,
        "version": "0.1.0",
        "description": schema["info"]["description"],
    }
    assert {"/health", "/ready", "/metrics", "/meta", "/problems/{slug}"} <= set(schema["paths"])
    assert "/docs" not in schema["paths"]
    components = schema["components"]["schemas"]
    assert {"Problem", "FieldError"} <= set(components)
    assert "HTTPValidationError" not in components
    not_found = schema["paths"]["/problems/{slug}"]["get"]["responses"]
    assert not_found["422"]["content"] == {
        PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}
    }
    assert "application/problem+json" in not_found["404"]["content"]
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            assert operation["responses"], operation
    assert '"#/components/schemas/' in json.dumps(schema)
    referenced = {
        ref.rsplit("/", 1)[1] for ref in _refs(schema) if ref.startswith("#/components/schemas/")
    }
    assert referenced <= set(components)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def test_meta_reports_version(client: TestClient) -> None:
    assert client.get("/meta").json() == {"name": "yuecai", "title": APP_TITLE, "version": "0.1.0"}
    assert client.get("/redoc").status_code == 200


def test_base_template_is_chinese_and_local() -> None:
    template = templates.env.from_string(
        "{% extends 'base.html' %}{% block content %}<h1>紧缺人才目录</h1>{% endblock %}"
    )
    html = template.render(page_title="目录", version="0.1.0")
    assert '<html lang="zh-CN">' in html
    assert "<h1>紧缺人才目录</h1>" in html and "目录 · 粤才" in html
    assert 'href="/static/css/yuecai.css"' in html
    assert "http://" not in html and "https://" not in html


def test_stylesheet_is_served(client: TestClient) -> None:
    response = client.get("/static/css/yuecai.css")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/css")


# --- redaction -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("手机 13812345678。", "手机 [mobile]。"),
        ("+86 13912345678 / 86-15012345678", "[mobile] / [mobile]"),
        ("身份证 44010619900101123X", "身份证 [id_number]"),
        ("身份证 440106199001011234 号", "身份证 [id_number] 号"),
        ("order 123813812345678", "order 123813812345678"),  # longer number: not a mobile
        ("12812345678 is not mobile", "12812345678 is not mobile"),  # 2nd digit 2
        ("vacancy 4401-2-02-10-09", "vacancy 4401-2-02-10-09"),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_redact_masks_sensitive_keys_recursively() -> None:
    logged = {
        "candidate": {"name": "张三", "phone": "+86 138", "id_number": "x", "Email": "a@b.cn"},
        "notes": ("call 13812345678",),
        "city_code": "4401",
    }
    assert redact(logged) == {
        "candidate": {"name": "***", "phone": "***", "id_number": "***", "Email": "***"},
        "notes": ("call [mobile]",),
        "city_code": "4401",
    }


def test_log_lines_are_redacted_json() -> None:
    record = logging.LogRecord(
        "yuecai.test", logging.INFO, __file__, 1, "candidate %s rang from %s", None, None
    )
    record.args = ({"name": "李四", "city": "深圳"}, "13912345678")
    record.__dict__.update({"email": "li@example.cn", "detail": {"id_number": "1"}})
    assert RedactingFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "candidate {'name': '***', 'city': '深圳'} rang from [mobile]"
    assert line["email"] == "***"
    assert line["detail"] == {"id_number": "***"}
    assert "李四" not in json.dumps(line, ensure_ascii=False)


def test_access_log_is_one_redacted_line(
    client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="yuecai.access"):
        client.get("/candidates/13812345678", headers={REQUEST_ID_HEADER: "rid-1"})
    (record,) = [r for r in caplog.records if r.name == "yuecai.access"]
    line = json.loads(JsonFormatter().format(record))
    assert line["path"] == "/candidates/[mobile]"
    assert {key: line[key] for key in ("method", "status", "request_id")} == {
        "method": "GET",
        "status": 401,  # a real route, asked without a key
        "request_id": "rid-1",
    }
    assert isinstance(line["duration_ms"], float)


@given(
    before=st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), max_size=20),
    mobile=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True),
    after=st.text(alphabet=st.characters(categories=["L", "Zs", "P"]), max_size=20),
)
def test_no_mobile_number_survives_redaction(before: str, mobile: str, after: str) -> None:
    assert mobile not in redact_text(before + mobile + after)
