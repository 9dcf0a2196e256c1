"""The API on a real app and store, with one key per role, and request bodies to send it.

:func:`running_api` migrates the store, issues an admin, a planner and two platform keys
(tenants ``ta`` and ``tb``) and opens a TestClient; :func:`vacancy` and :func:`candidate` are
valid create bodies (override any field); :func:`assert_problem` checks a problem+json answer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from data.records import Candidate
from data.settings import Settings
from data.store import get_candidate, make_engine, session_scope, upgrade_to_head
from data.store.keys import issue_key
from service.main import create_app

__all__ = [
    "ID_NUMBER",
    "PHONE",
    "PROBLEM_JSON",
    "Api",
    "Headers",
    "assert_problem",
    "candidate",
    "issue_keys",
    "running_api",
    "stored_personal",
    "vacancy",
]

PROBLEM_JSON = "application/problem+json"
PHONE = "13800138000"
ID_NUMBER = "44010619900101123X"
Headers = dict[str, str]


@dataclass
class Api:
    """A running app with keys: admin, planner, and platforms of tenants 'ta' and 'tb'."""

    app: FastAPI
    client: TestClient
    settings: Settings
    admin: Headers
    planner: Headers
    a: Headers
    b: Headers


def issue_keys(database_url: str) -> dict[str, Headers]:
    """Migrate the database and issue one key per role (platforms for 'ta' and 'tb')."""
    engine = make_engine(database_url)
    try:
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            plain = {
                "admin": issue_key(session, "admin")[1],
                "planner": issue_key(session, "planner")[1],
                "a": issue_key(session, "platform", "ta")[1],
                "b": issue_key(session, "platform", "tb")[1],
            }
    finally:
        engine.dispose()
    return {name: {"Authorization": f"Bearer {key}"} for name, key in plain.items()}


@contextmanager
def running_api(settings: Settings) -> Iterator[Api]:
    """An app on ``settings`` (database migrated, keys issued) with its TestClient."""
    keys = issue_keys(settings.database_url)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield Api(app, client, settings, keys["admin"], keys["planner"], keys["a"], keys["b"])


def vacancy(vacancy_id: str = "v-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "vacancy_id": vacancy_id,
        "title": "Java 开发工程师",
        "description": "负责后端服务开发。",
        "occupation_code": "2-02-10-03",
        "city_code": "4403",
        "date_posted": "2025-03-01",
        "valid_through": "2025-06-30",
        "headcount": 2,
        "base_salary_min": 15000,
        "base_salary_max": 25000,
        "education_requirement": 3,
        "skills": ["Java", "MySQL"],
    }
    return body | changes


def candidate(candidate_id: str = "c-1", **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "candidate_id": candidate_id,
        "city_code": "4403",
        "desired_occupation_codes": ["2-02-10-03"],
        "education": 3,
        "experience_years": 4,
        "skills": ["Java"],
        "expected_salary_min": 12000,
        "registered_on": "2025-02-01",
        "resume_text": "四年 Java 后端经验。",
        "contact": {"name": "张三", "phone": PHONE, "id_number": ID_NUMBER},
        "protected": {"gender": "female", "birth_year": 1995, "hukou_city_code": "4451"},
    }
    return body | changes


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if field is not None:
        assert field in [error["field"] for error in body.get("errors", [])], body
    return body


def stored_personal(api: Api, candidate_id: str = "c-1") -> Candidate | None:
    engine = make_engine(api.settings.database_url)
    with session_scope(engine) as session:
        stored = get_candidate(session, candidate_id, include_personal=True)
    engine.dispose()
    return stored
