"""The 预警 page: the feed with filters (city, zone, level, rule, grade) and the method text."""

from __future__ import annotations

from collections import Counter

from fastapi import Request
from starlette.responses import HTMLResponse

from app.warnings_feed import METHOD_ZH, WarningFeed, WarningFilters
from data.taxonomy import cities
from data.vocabulary.warning_rules import RULE_LABELS
from data.vocabulary.zones import ZONES
from service.dashboard.web import page

__all__ = ["warnings_page"]


def _param(request: Request, name: str) -> str | None:
    value = request.query_params.get(name, "").strip()
    return value or None


def warnings_page(request: Request, feed: WarningFeed) -> HTMLResponse:
    """Render the feed filtered by the request's query parameters."""
    filters = WarningFilters(
        city_code=_param(request, "city_code"),
        zone=_param(request, "zone"),
        level_name=_param(request, "level_name"),
        rule=_param(request, "rule"),
        grade=_param(request, "grade"),
    )
    items = [item for item in feed.items if filters.keep(item)]
    return page(
        request,
        "warnings.html",
        active="/warnings",
        page_title="预警",
        feed=feed,
        items=items,
        filters=filters,
        cities=cities().to_dict("records"),
        zones=ZONES,
        level_names=sorted({str(item["level_name"]) for item in feed.items}),
        rule_labels=RULE_LABELS,
        grade_counts=Counter(str(item["level"]) for item in items),
        method=METHOD_ZH,
    )
