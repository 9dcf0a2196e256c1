"""Every router of the API, mounted by :func:`service.main.create_app` in this order.

To add an area, write ``service/api/routes/<area>.py`` with ``router = APIRouter(...)`` and
add one line to :data:`ROUTERS`.
"""

from __future__ import annotations

from fastapi import APIRouter

from service.api.routes import (
    candidates,
    catalogue,
    dashboard,
    feedback,
    health,
    indicators,
    lookups,
    matches,
    meta,
    occupations,
    vacancies,
)
from service.dashboard import coding as dashboard_coding

__all__ = ["ROUTERS"]

ROUTERS: list[APIRouter] = [
    health.router,
    meta.router,
    vacancies.router,
    candidates.router,
    matches.router,
    feedback.router,
    catalogue.router,
    dashboard.router,
    indicators.router,
    occupations.router,
    lookups.router,
    dashboard_coding.router,
]
