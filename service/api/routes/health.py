"""Liveness (``/health``), readiness (``/ready``) and Prometheus metrics (``/metrics``)."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel
from sqlalchemy import text
from starlette.responses import Response

from service.api.deps import MetricsDep, SettingsDep, app_engine
from service.core.errors import ServiceUnavailable
from service.core.openapi import problem_responses
from service.matching import match_service

__all__ = ["Health", "Readiness", "router"]

logger = logging.getLogger("yuecai.service.health")
router = APIRouter(tags=["health"])
RETRY_AFTER_SECONDS = "5"


class Health(BaseModel):
    """The process is up and serving."""

    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    """Every dependency answered; ``checks`` says what each one said."""

    status: Literal["ready"] = "ready"
    checks: dict[str, str]


@router.get("/health", response_model=Health, summary="Liveness: the process answers")
async def health() -> Health:
    """Liveness probe: touches nothing, so a slow database never gets the process killed."""
    return Health()


@router.get(
    "/ready",
    response_model=Readiness,
    summary="Readiness: database and registry reachable, match index built",
    responses=problem_responses(503),
)
def ready(request: Request, settings: SettingsDep) -> Readiness:
    """Readiness probe: ``SELECT 1`` on the database and a readable model registry folder.

    Plain ``def``: both checks block, so they run in the thread pool.
    """
    checks = {
        "database": _check_database(request),
        "registry": _check_registry(settings),
        "match_index": _check_match_index(request),
    }
    failing = sorted(name for name, outcome in checks.items() if outcome != "ok")
    if failing:
        raise ServiceUnavailable(
            f"Not ready: {', '.join(failing)}.",
            extensions={"checks": checks},
            headers={"Retry-After": RETRY_AFTER_SECONDS},
        )
    return Readiness(checks=checks)


@router.get(
    "/metrics",
    response_class=Response,
    summary="Prometheus metrics",
    responses={200: {"content": {"text/plain": {}}, "description": "Text exposition format"}},
)
def metrics(metrics: MetricsDep) -> Response:
    """Request counts, latency histograms and ``yuecai_model_info`` for Prometheus."""
    return Response(metrics.render(), media_type=metrics.content_type)


def _check_database(request: Request) -> str:
    try:
        with app_engine(request.app).connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()
    except Exception as exc:  # any failure means "not ready"; the reason goes to the log
        logger.warning("Readiness: database check failed: %s", type(exc).__name__)
        return "unavailable"
    return "ok"


def _check_match_index(request: Request) -> str:
    """``ok`` once the match index is built (or there is no model to build it from)."""
    state = match_service(request.app).state
    return "ok" if state in ("ready", "no model", "not started") else state


def _check_registry(settings: SettingsDep) -> str:
    registry: Path = settings.registry_dir
    if not registry.is_dir():
        return "missing"
    if not os.access(registry, os.R_OK | os.X_OK):
        return "unreadable"
    try:
        with os.scandir(registry) as entries:
            next(entries, None)
    except OSError:
        return "unreadable"
    return "ok"
