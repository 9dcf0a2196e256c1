"""Fixtures for service tests: settings on temporary folders, an app, a TestClient, a REAL
uvicorn server on a free loopback port, and an app with keys for every role (``api``).

The pieces behind them live in :mod:`tests.support.service` and :mod:`tests.support.api`.
Use the fixtures in your own ``tests/service/test_*.py`` (they need no import)::

    def test_vacancies_over_http(live_server: str) -> None:
        response = httpx.get(f"{live_server}/vacancies")

    def test_with_my_db(service_settings: Settings, live_server_factory: LiveServerFactory):
        settings = service_settings.model_copy(update={"database_url": my_url})
        with live_server_factory(create_app(settings)) as base_url:
            ...
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from data.settings import Settings
from service.main import create_app
from tests.support.api import Api, running_api
from tests.support.service import LiveServerFactory, make_service_settings, run_live_server


@pytest.fixture
def service_settings(tmp_path: Path) -> Settings:
    """Settings on a fresh temporary SQLite file and (existing, empty) model registry."""
    return make_service_settings(tmp_path)


@pytest.fixture
def app(service_settings: Settings) -> FastAPI:
    """A new app for ``service_settings``."""
    return create_app(service_settings)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """In-process client (lifespan run); server errors become responses, not raises."""
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real uvicorn server running the default app (one per test module)."""
    settings = make_service_settings(tmp_path_factory.mktemp("live_server"))
    with run_live_server(create_app(settings)) as base_url:
        yield base_url


@pytest.fixture(scope="session")
def live_server_factory() -> LiveServerFactory:
    """:func:`run_live_server`: ``with live_server_factory(app) as base_url: ...``."""
    return run_live_server


@pytest.fixture
def api(service_settings: Settings) -> Iterator[Api]:
    """:func:`~tests.support.api.running_api` on ``service_settings``: keys for every role."""
    with running_api(service_settings) as running:
        yield running
