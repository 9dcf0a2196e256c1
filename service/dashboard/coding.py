"""``/coding``: how far the stored vacancies' occupation codes can be trusted.

For every city and every source (tenant: the platform or public service that sent them):
how many vacancies, the share whose occupation was coded from the title rather than given,
and the share flagged ``needs_review`` (coded below the coder's confidence threshold). A
catalogue reader can then discount a cell built mostly on flagged codes.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import case, func, select
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from data.store.repository import VACANCIES
from data.taxonomy import city_name
from service.api.deps import SessionDep
from service.api.security import require_roles
from service.dashboard.web import DashboardRoute, page

__all__ = ["coding_quality", "router"]

router = APIRouter(
    route_class=DashboardRoute,
    dependencies=[require_roles("planner")],
    include_in_schema=False,
    default_response_class=HTMLResponse,
)


def _rows(session: Session, key: Any | None) -> list[dict[str, Any]]:
    """n, coded share and flagged share per value of ``key`` (None: one row for all)."""
    coded = func.sum(case((VACANCIES.c.occupation_code_source == "coded", 1), else_=0))
    flagged = func.sum(case((VACANCIES.c.occupation_needs_review, 1), else_=0))
    columns = [func.count().label("n"), coded.label("coded"), flagged.label("flagged")]
    query = select(*columns) if key is None else select(key.label("key"), *columns)
    if key is not None:
        query = query.group_by(key).order_by(key)
    out = []
    for row in session.execute(query).mappings():
        n = int(row["n"])
        out.append(
            {
                "key": row.get("key", "全部"),
                "n": n,
                "coded_share": int(row["coded"] or 0) / n if n else 0.0,
                "flagged_share": int(row["flagged"] or 0) / n if n else 0.0,
            }
        )
    return out


def coding_quality(session: Session) -> dict[str, list[dict[str, Any]]]:
    """Counts and shares (coded, needs_review) overall, by city and by source tenant."""
    by_city = _rows(session, VACANCIES.c.city_code)
    for row in by_city:
        row["label"] = city_name(row["key"])
    by_source = _rows(session, VACANCIES.c.tenant_id)
    for row in by_source:
        row["label"] = row["key"]
    return {"total": _rows(session, None), "by_city": by_city, "by_source": by_source}


@router.get("/coding")
def coding_page(request: Request, session: SessionDep) -> HTMLResponse:
    """The coding-quality page."""
    return page(
        request,
        "coding.html",
        active="/coding",
        page_title="职业编码质量",
        **coding_quality(session),
    )
