"""Service test support: settings on temporary folders, and a REAL uvicorn server in a thread.

The fixtures built on these (``service_settings``, ``app``, ``client``, ``live_server``,
``live_server_factory``, ``api``) are in ``tests/service/conftest.py``; import from here when a
test outside that folder, or a module-scoped fixture, needs the same pieces.
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

from bench.common import scaled_timeout
from data.settings import Settings

__all__ = ["LOOPBACK", "LiveServerFactory", "make_service_settings", "run_live_server"]

LiveServerFactory = Callable[[FastAPI], AbstractContextManager[str]]
LOOPBACK = "127.0.0.1"
STARTUP_TIMEOUT_SECONDS = 60.0  # on a quiet machine; scaled by load and YUECAI_TIMEOUT_SCALE
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
    timeout = scaled_timeout(STARTUP_TIMEOUT_SECONDS)
    deadline = time.monotonic() + timeout
    while not server.started:
        if not thread.is_alive():
            pytest.fail("uvicorn exited during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            pytest.fail(f"uvicorn did not start within {timeout:.0f}s")
        time.sleep(0.01)
