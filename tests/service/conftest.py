"""Fixtures for service tests: settings on temporary folders, an app, a TestClient, and a
REAL uvicorn server on a free loopback port (``live_server`` / :func:`run_live_server`).

Reuse in your own ``tests/service/test_*.py`` (fixtures need no import)::

    def test_vacancies_over_http(live_server: str) -> None:
        response = httpx.get(f"{live_server}/vacancies")

    def test_with_my_db(service_settings: Settings, live_server_factory: LiveServerFactory):
        settings = service_settings.model_copy(update={"database_url": my_url})
        with live_server_factory(create_app(settings)) as base_url:
            ...
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, closing, contextmanager
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from bench.common import scaled_timeout
from data.settings import Settings
from service.main import create_app

LiveServerFactory = Callable[[FastAPI], AbstractContextManager[str]]
LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 15.0
SHUTDOWN_TIMEOUT_SECONDS = 15.0


def make_service_settings(root: Path) -> Settings:
    """Settings whose database, registry and working folder all live under ``root``."""
    registry = root / "registry"
    registry.mkdir(parents=True, exist_ok=True)
    return Settings(
        database_url=f"sqlite:///{root / 'service.sqlite3'}",
        registry_dir=registry,
        var_dir=root / "var",
    )


@contextmanager
def run_live_server(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a background thread; yield ``http://127.0.0.1:<port>``.

    The listening socket is bound here (port 0: the kernel picks a free port), so there is no
    race between choosing a port and binding it. Shutdown is ``should_exit`` + join, which
    runs the app's lifespan shutdown and leaves no thread, socket or warning behind.
    """
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((LOOPBACK, 0))
        port = sock.getsockname()[1]
        config = uvicorn.Config(
            app,
            lifespan="on",
            http="h11",
            ws="none",
            loop="asyncio",
            log_config=None,  # keep the test process's logging untouched
            access_log=False,  # the app writes its own access log
            timeout_graceful_shutdown=5,
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(
            target=server.run, kwargs={"sockets": [sock]}, name=f"uvicorn-{port}", daemon=True
        )
        thread.start()
        try:
            _wait_until_started(server, thread)
            yield f"http://{LOOPBACK}:{port}"
        finally:
            server.should_exit = True
            thread.join(SHUTDOWN_TIMEOUT_SECONDS)
            if thread.is_alive():  # pragma: no cover - a hung shutdown is a test failure
                server.force_exit = True
                thread.join(SHUTDOWN_TIMEOUT_SECONDS)
                pytest.fail("uvicorn did not shut down in time")


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + scaled_timeout(STARTUP_TIMEOUT_SECONDS)
    while not server.started:
        if not thread.is_alive():
            pytest.fail("uvicorn exited during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail("uvicorn did not start in time")
        time.sleep(0.01)


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
