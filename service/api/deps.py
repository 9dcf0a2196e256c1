"""Dependencies routes declare by type: ``SettingsDep``, ``EngineDep``, ``SessionDep``,
``PageDep``, ``MetricsDep``, ``ForecastDep``.

Everything is read from ``request.app.state`` (set up by :func:`service.main.create_app`), never
from module globals, so several apps with different settings can live in one process::

    @router.get("/vacancies", response_model=Page[VacancyOut])
    def list_vacancies(session: SessionDep, paging: PageDep) -> Page[VacancyOut]:
        ...
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, FastAPI, Query, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.registry import FORECAST, ArtifactCache, Loaded, Registry
from data.settings import Settings
from data.store.engine import make_engine
from models.forecast.bundle import ForecastBundle
from service.core.errors import InvalidInput
from service.core.metrics import AppMetrics
from service.core.state import app_state_once
from service.schemas.common import PageParams

__all__ = [
    "DEFAULT_PAGE_SIZE",
    "EngineDep",
    "ForecastDep",
    "MetricsDep",
    "PageDep",
    "SessionDep",
    "SettingsDep",
    "app_engine",
    "get_engine",
    "get_metrics",
    "get_page_params",
    "get_session",
    "get_settings",
]

DEFAULT_PAGE_SIZE = 20
# Deeper pages than this are refused (422): offsets beyond it overflow database integers
# and no client pages a million deep; use filters instead.
MAX_PAGE = 1_000_000


async def get_settings(request: Request) -> Settings:
    """The settings the app was created with."""
    settings: Settings = request.app.state.settings
    return settings


def app_engine(app: FastAPI) -> Engine:
    """The app's engine, created on first use (so ``/health`` and tests never need a DB).

    Built by :func:`data.store.engine.make_engine` (SQLite folder creation, foreign keys on).
    """
    # Two first requests in threads must not build two pools.
    return app_state_once(app, "engine", lambda: make_engine(app.state.settings.database_url))


async def get_engine(request: Request) -> Engine:
    """The app's SQLAlchemy engine (see :func:`app_engine`)."""
    return app_engine(request.app)


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    """A session for one request; the route commits, anything uncommitted is rolled back."""
    with Session(engine, expire_on_commit=False) as session:
        yield session


def app_artifacts(app: FastAPI) -> ArtifactCache:
    """The app's one artifact cache (models loaded once per registry version)."""
    return app_state_once(app, "artifacts", ArtifactCache)


def get_forecast(request: Request) -> Loaded[ForecastBundle] | None:
    """The newest forecast bundle that verifies and loads, or None (none trained yet).

    A plain ``def``: a new version is unpickled in the thread pool, not on the event loop.
    """
    registry = Registry.from_settings(request.app.state.settings)
    return app_artifacts(request.app).get(registry, FORECAST, registry.load_forecast_bundle)


async def get_metrics(request: Request) -> AppMetrics:
    """The app's Prometheus metrics (e.g. ``metrics.set_model_info(name, version)``)."""
    metrics: AppMetrics = request.app.state.metrics
    return metrics


async def get_page_params(
    settings: Annotated[Settings, Depends(get_settings)],
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page number, counting from 1.")] = 1,
    size: Annotated[
        int, Query(ge=1, description="Items per page, at most the server's page_size_max.")
    ] = DEFAULT_PAGE_SIZE,
) -> PageParams:
    """Validated paging parameters; ``size`` above ``settings.page_size_max`` is a 422."""
    if size > settings.page_size_max:
        raise InvalidInput(
            "query.size", f"Input should be less than or equal to {settings.page_size_max}"
        )
    return PageParams(page=page, size=size)


# The trivial dependencies are ``async def``: FastAPI runs a plain ``def`` dependency in
# the thread pool, and each such hop (a self-pipe wake-up of the event loop) cost more
# than the dependency itself (py-spy on the match route).
SettingsDep = Annotated[Settings, Depends(get_settings)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
PageDep = Annotated[PageParams, Depends(get_page_params)]
MetricsDep = Annotated[AppMetrics, Depends(get_metrics)]
ForecastDep = Annotated[Loaded[ForecastBundle] | None, Depends(get_forecast)]
