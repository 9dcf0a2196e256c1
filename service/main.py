"""The FastAPI application factory (``uvicorn service.main:create_app --factory``).

``create_app`` wires, in one place: settings and lazily created DB engine on ``app.state``,
JSON logging, middleware (request id, access log, metrics, 500s, body limit), the
problem+json error handlers, offline Swagger UI and ReDoc, static files and every router listed in
:data:`service.api.routes.ROUTERS`, each behind the access policy of
:mod:`service.api.security`. Routes stay thin and get what they need through the
dependencies in :mod:`service.api.deps`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.staticfiles import StaticFiles

from data.settings import Settings, get_settings
from data.store.sealing import is_demo_key
from service.api.login import login_router
from service.api.routes import ROUTERS
from service.api.security import ACCESS_POLICY, install_security
from service.core.docs import docs_router
from service.core.errors import install_error_handlers
from service.core.logging import configure_logging
from service.core.memory import pin_malloc_thresholds
from service.core.metrics import AppMetrics
from service.core.middleware import install_middleware
from service.core.openapi import YueCaiAPI
from service.core.templating import STATIC_DIR
from service.matching import match_service
from service.occupation_coding import preload_title_coder

__all__ = ["APP_TITLE", "create_app", "package_version"]

APP_TITLE = "YueCai 粤才 API"
APP_DESCRIPTION = (
    "广东省人才供需预测、急需紧缺人才目录与人岗匹配服务。"
    " Talent supply–demand forecasting, shortage catalogue and candidate–vacancy matching"
    " for Guangdong's 21 cities. Errors are RFC 9457 `application/problem+json`."
)


def package_version() -> str:
    """The installed ``yuecai`` distribution's version (``0+unknown`` when not installed)."""
    try:
        return version("yuecai")
    except PackageNotFoundError:
        return "0+unknown"


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    # A serving process: freed index arrays must go back to the OS (see service.core.memory).
    pin_malloc_thresholds()
    if is_demo_key():
        logging.getLogger("yuecai.service").warning(
            "Candidates' contact data is sealed with the public demo key: set"
            " YUECAI_PERSONAL_DATA_KEY before real personal data reaches this store."
        )
    # The match index is built eagerly (``/ready`` is 503 until it is) and kept in step
    # with the store's change log by a background thread (service.matching).
    matching = match_service(app)
    matching.start()
    if app.state.settings.preload_title_coder:
        preload_title_coder(app)
    # The engine is created lazily by the first request that needs it; close its pool here.
    yield
    matching.stop()
    engine: Engine | None = app.state.engine
    if engine is not None:
        engine.dispose()
        app.state.engine = None


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the YueCai API.

    Parameters
    ----------
    settings
        Configuration for this app; default :func:`data.settings.get_settings` (environment,
        prefix ``YUECAI_``). Tests pass their own (temporary DB, registry folder).

    Returns
    -------
    FastAPI
        A new, independent app: own settings, engine, metrics registry.
    """
    settings = settings or get_settings()
    configure_logging()
    app = YueCaiAPI(
        title=APP_TITLE,
        description=APP_DESCRIPTION,
        version=package_version(),
        docs_url=None,  # replaced by the offline Swagger UI and ReDoc of service.core.docs
        redoc_url=None,
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.engine = None
    app.state.metrics = metrics = AppMetrics()

    install_error_handlers(app)
    install_middleware(app, metrics=metrics, max_body_bytes=settings.request_body_max_bytes)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    install_security(app)
    app.include_router(login_router, dependencies=[ACCESS_POLICY])
    # Every router passes the access policy: public allow-list, else a key (see security.py).
    app.include_router(docs_router, dependencies=[ACCESS_POLICY])
    for router in ROUTERS:
        app.include_router(router, dependencies=[ACCESS_POLICY])
    return app
