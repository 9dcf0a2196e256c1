"""Indicator tracking: the store on SQLite and PostgreSQL, the JSON API and the Chinese page."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from data.indicators import plan_indicators
from data.settings import Settings
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.indicators import (
    UnknownIndicatorError,
    current_observations,
    latest_observations,
    observation_history,
    record_observation,
)
from data.store.keys import issue_key
from service.main import create_app
from tests.support.service import make_service_settings

HIGH_SKILLED = "high_skilled_workers_total"  # baseline 445, target 580 (万人)
SHARE = "high_skilled_share_of_skilled"  # a percentage
T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Keys:
    planner: str
    admin: str
    platform: str

    def header(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {getattr(self, role)}"}


def _prepare(settings: Settings) -> Keys:
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            keys = Keys(
                planner=issue_key(session, "planner")[1],
                admin=issue_key(session, "admin")[1],
                platform=issue_key(session, "platform", "ta")[1],
            )
    finally:
        engine.dispose()
    return keys


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[TestClient, Keys]]:
    settings = make_service_settings(tmp_path)
    keys = _prepare(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client, keys


def _post(client: TestClient, keys: Keys, indicator_id: str, body: dict[str, Any],
          role: str = "planner") -> Any:  # fmt: skip
    return client.post(f"/indicators/{indicator_id}/observations", json=body,
                       headers=keys.header(role))  # fmt: skip


# --- store, both backends ------------------------------------------------------------------


def test_store_keeps_history_and_reads_the_newest_version(engine: Engine) -> None:
    with session_scope(engine) as session:
        record_observation(session, HIGH_SKILLED, "2021", 450.0, entered_by="k1", entered_at=T0)
        record_observation(session, HIGH_SKILLED, "2022Q2", 460.0, entered_by="k1",
                           entered_at=T0 + timedelta(hours=1))  # fmt: skip
        # A correction of 2021 entered later, and a value of another indicator.
        record_observation(session, HIGH_SKILLED, "2021", 456.0, entered_by="k2",
                           note="经济日报 2022-02", entered_at=T0 + timedelta(hours=2))  # fmt: skip
        record_observation(session, SHARE, "2021", 33.6, entered_by="k2", entered_at=T0)
    with session_scope(engine) as session:
        history = observation_history(session, HIGH_SKILLED)
        current = current_observations(session, HIGH_SKILLED)
        latest = latest_observations(session)
    assert [(h.period, h.value, h.entered_by) for h in history] == [
        ("2021", 450.0, "k1"), ("2021", 456.0, "k2"), ("2022Q2", 460.0, "k1"),
    ]  # fmt: skip
    assert history[1].entered_at == T0 + timedelta(hours=2)  # aware UTC on both backends
    assert [(c.period, c.value) for c in current] == [("2021", 456.0), ("2022Q2", 460.0)]
    assert (latest[HIGH_SKILLED].period, latest[HIGH_SKILLED].value) == ("2022Q2", 460.0)
    assert latest[SHARE].value == 33.6


def test_store_orders_periods_in_time_not_as_text(engine: Engine) -> None:
    with session_scope(engine) as session:
        for offset, period in enumerate(["2024", "2024Q3", "2023Q4", "2024Q1"]):
            record_observation(session, HIGH_SKILLED, period, 450.0 + offset, entered_by="k",
                               entered_at=T0 + timedelta(minutes=offset))  # fmt: skip
    with session_scope(engine) as session:
        periods = [c.period for c in current_observations(session, HIGH_SKILLED)]
        latest = latest_observations(session)[HIGH_SKILLED]
    assert periods == ["2023Q4", "2024Q1", "2024Q3", "2024"]
    assert latest.period == "2024"


@pytest.mark.parametrize(
    ("indicator_id", "period", "value", "error", "match"),
    [("nope", "2021", 1.0, UnknownIndicatorError, "no indicator"),
     (HIGH_SKILLED, "2021-06", 1.0, ValueError, "period must look like"),
     (SHARE, "2021", 120.0, ValueError, "at most 100")],
)  # fmt: skip
def test_store_rejects_bad_entries(
    engine: Engine, indicator_id: str, period: str, value: float, error: type[Exception],
    match: str,
) -> None:  # fmt: skip
    with session_scope(engine) as session, pytest.raises(error, match=match):
        record_observation(session, indicator_id, period, value, entered_by="k")


def test_api_round_trip_on_each_backend(db_url: str, tmp_path: Path) -> None:
    settings = make_service_settings(tmp_path).model_copy(update={"database_url": db_url})
    keys = _prepare(settings)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        assert (
            _post(client, keys, HIGH_SKILLED, {"period": "2021", "value": 475}).status_code == 201
        )
        detail = client.get(f"/indicators/{HIGH_SKILLED}", headers=keys.header("planner")).json()
    assert detail["latest"]["value"] == 475.0
    assert detail["status"] == "on_track"


# --- JSON API --------------------------------------------------------------------------------


def test_list_before_any_entry(env: tuple[TestClient, Keys]) -> None:
    client, keys = env
    response = client.get("/indicators", headers=keys.header("planner"))
    assert response.status_code == 200
    items = response.json()
    assert [i["indicator_id"] for i in items] == plan_indicators()["indicator_id"].tolist()
    assert {i["status"] for i in items} == {"no_data"}
    skills = next(i for i in items if i["indicator_id"] == HIGH_SKILLED)
    assert (skills["baseline_2020"], skills["target_2025"], skills["verified"]) == (445, 580, True)
    withheld = next(i for i in items if i["indicator_id"] == "professional_technical_talent_total")
    assert withheld["baseline_2020"] is None  # [略] in the plan: withheld, not invented


def test_entry_correction_and_progress(env: tuple[TestClient, Keys]) -> None:
    client, keys = env
    first = _post(client, keys, HIGH_SKILLED, {"period": "2023", "value": 450.0})
    assert first.status_code == 201
    assert first.json()["entered_by"] == keys.planner.split("_")[1]
    behind = client.get("/indicators", headers=keys.header("planner")).json()
    item = next(i for i in behind if i["indicator_id"] == HIGH_SKILLED)
    assert (item["status"], item["on_track"]) == ("behind", False)
    assert item["expected_value"] == pytest.approx(526.0)
    assert item["progress"] == pytest.approx(5 / 135)

    corrected = _post(client, keys, HIGH_SKILLED,
                      {"period": "2023", "value": 530, "note": "更正"}, role="admin")  # fmt: skip
    earlier = _post(client, keys, HIGH_SKILLED, {"period": " 2022q2 ", "value": 449})
    assert (corrected.status_code, earlier.status_code) == (201, 201)
    assert earlier.json()["period"] == "2022Q2"
    detail = client.get(f"/indicators/{HIGH_SKILLED}", headers=keys.header("planner")).json()
    assert [(h["period"], h["value"]) for h in detail["history"]] == [
        ("2022Q2", 449.0), ("2023", 450.0), ("2023", 530.0),
    ]  # fmt: skip
    assert (detail["latest"]["period"], detail["latest"]["value"]) == ("2023", 530.0)
    assert detail["latest"]["note"] == "更正"
    assert detail["status"] == "on_track"


@pytest.mark.parametrize(
    ("indicator_id", "body", "field"),
    [(HIGH_SKILLED, {"period": "2023-06", "value": 1}, "body.period"),
     (HIGH_SKILLED, {"period": "1999", "value": 1}, "body.period"),
     (HIGH_SKILLED, {"value": 1}, "body.period"),
     (HIGH_SKILLED, {"period": "2023", "value": "450"}, "body.value"),
     (HIGH_SKILLED, {"period": "2023", "value": None}, "body.value"),
     (HIGH_SKILLED, {"period": "2023", "value": True}, "body.value"),
     (HIGH_SKILLED, {"period": "2023", "value": -5}, "body.value"),
     (SHARE, {"period": "2023", "value": 101}, "body.value"),
     (HIGH_SKILLED, {"period": "2023", "value": 1, "by": "x"}, "body.by")],
)  # fmt: skip
def test_invalid_entries_are_422_naming_the_field(
    env: tuple[TestClient, Keys], indicator_id: str, body: dict[str, Any], field: str
) -> None:
    client, keys = env
    response = _post(client, keys, indicator_id, body)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == field


def test_unknown_indicator_is_404(env: tuple[TestClient, Keys]) -> None:
    client, keys = env
    assert _post(client, keys, "nope", {"period": "2023", "value": 1}).status_code == 404
    response = client.get("/indicators/nope", headers=keys.header("planner"))
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/not-found"


@pytest.mark.parametrize(("role", "status"), [("platform", 403), (None, 401)])
def test_only_planners_and_admins(
    env: tuple[TestClient, Keys], role: str | None, status: int
) -> None:
    client, keys = env
    headers = keys.header(role) if role else {}
    assert client.get("/indicators", headers=headers).status_code == status
    body = {"period": "2023", "value": 1}
    response = client.post(f"/indicators/{HIGH_SKILLED}/observations", json=body, headers=headers)
    assert response.status_code == status


# --- the page --------------------------------------------------------------------------------


def test_page_in_chinese_with_progress_and_form(env: tuple[TestClient, Keys]) -> None:
    client, keys = env
    _post(client, keys, HIGH_SKILLED, {"period": "2023", "value": 530.0})
    assert client.post("/login", data={"key": keys.planner}).status_code == 200
    page = client.get("/indicators", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    assert '<html lang="zh-CN">' in html
    assert "“十四五”规划主要指标跟踪" in html and "符合进度" in html and "暂无数据" in html
    assert 'role="progressbar"' in html and 'aria-valuenow="63"' in html  # 85/135 of the way
    assert 'id="observation-form"' in html
    assert "http://" not in html.split("<table")[0]  # no external assets in the head
    detail = client.get(f"/indicators/{HIGH_SKILLED}", headers={"accept": "text/html"})
    assert detail.status_code == 200 and "录入历史" in detail.text and "530" in detail.text


def test_page_redirects_to_login_and_cookie_cannot_post(env: tuple[TestClient, Keys]) -> None:
    client, keys = env
    response = client.get("/indicators", headers={"accept": "text/html"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"].startswith("/login?next=")
    client.post("/login", data={"key": keys.planner})
    body = {"period": "2023", "value": 1}
    posted = client.post(f"/indicators/{HIGH_SKILLED}/observations", json=body)
    assert posted.status_code == 401  # the cookie is for GET only


def _form_token(html: str) -> str:
    import re

    found = re.search(r'name="csrf_token" value="([0-9a-f]{32})"', html)
    assert found, "the entry form carries no CSRF token"
    return found.group(1)


def test_form_entry_on_the_login_cookie(env: tuple[TestClient, Keys]) -> None:
    """No key re-pasted: the cookie plus the page's token saves; the list says what."""
    client, keys = env
    client.post("/login", data={"key": keys.planner})
    html = client.get("/indicators", headers={"accept": "text/html"}).text
    assert 'type="password"' not in html.split('id="observation-form"')[1]
    form = {
        "csrf_token": _form_token(html),
        "indicator_id": HIGH_SKILLED,
        "period": "2024q4",
        "value": "512.5",
        "note": "省人社厅统计公报",
    }
    saved = client.post("/indicators/entry", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"].startswith(f"/indicators?saved={HIGH_SKILLED}")
    after = client.get(saved.headers["location"], headers={"accept": "text/html"}).text
    assert "已保存：高技能人才人数，2024Q4 期为 512.5 万人" in after
    history = client.get(f"/indicators/{HIGH_SKILLED}", headers=keys.header("planner")).json()
    assert [(h["period"], h["value"], h["note"]) for h in history["history"]] == [
        ("2024Q4", 512.5, "省人社厅统计公报")
    ]
    assert history["history"][0]["entered_by"] == keys.planner.split("_")[1]


@pytest.mark.parametrize(
    ("field", "bad", "reason"),
    [
        ("period", "2024-06", "期别应为年份（如 2023）或季度（如 2024Q2）"),
        ("period", "1999", "期别年份应在"),
        ("value", "abc", "数值必须是数字"),
        ("value", "-3", "不能为负数"),
    ],
)
def test_form_errors_in_chinese_keep_the_values(
    env: tuple[TestClient, Keys], field: str, bad: str, reason: str
) -> None:
    client, keys = env
    client.post("/login", data={"key": keys.planner})
    token = _form_token(client.get("/indicators", headers={"accept": "text/html"}).text)
    form = {"csrf_token": token, "indicator_id": HIGH_SKILLED, "period": "2024", "value": "500"}
    form[field] = bad
    response = client.post("/indicators/entry", data=form, follow_redirects=False)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("text/html")
    assert reason in response.text and "未保存" in response.text
    assert f'value="{bad}"' in response.text  # what the planner typed is still there
    history = client.get(f"/indicators/{HIGH_SKILLED}", headers=keys.header("planner")).json()
    assert history["history"] == []


def test_cookie_post_without_the_token_is_refused(env: tuple[TestClient, Keys]) -> None:
    """A cross-site form (it cannot read the page, so has no token) changes nothing."""
    client, keys = env
    client.post("/login", data={"key": keys.planner})
    form = {"indicator_id": HIGH_SKILLED, "period": "2024", "value": "500"}
    for token in (None, "0" * 32):
        data = form if token is None else {**form, "csrf_token": token}
        response = client.post("/indicators/entry", data=data, follow_redirects=False)
        assert response.status_code == 401
    other = client.post(
        f"/indicators/{HIGH_SKILLED}/observations",
        json={"period": "2024", "value": 500.0},
        headers={"X-CSRF-Token": "f" * 32},
    )
    assert other.status_code == 401
    history = client.get(f"/indicators/{HIGH_SKILLED}", headers=keys.header("planner")).json()
    assert history["history"] == []


def test_json_api_accepts_the_cookie_with_the_token_header(env: tuple[TestClient, Keys]) -> None:
    client, keys = env
    client.post("/login", data={"key": keys.planner})
    token = _form_token(client.get("/indicators", headers={"accept": "text/html"}).text)
    response = client.post(
        f"/indicators/{SHARE}/observations",
        json={"period": "2025", "value": 34.0},
        headers={"X-CSRF-Token": token},
    )
    assert response.status_code == 201
