"""The catalogue API (planner/admin): editions, entries with evidence, diffs, exports, the
supply and flow report, and the latest early warnings.

Every list is a :class:`~service.schemas.common.Page`; unknown editions are 404 problems and
bad filters 422 problems naming the field (``query.city_code``...). Head counts below
``settings.min_cell_size`` are suppressed in every response (see
:mod:`service.dashboard.editions`). ``GET /warnings`` answers JSON, or the dashboard page
when a browser asks for HTML.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal
from urllib.parse import quote

from fastapi import APIRouter, Path, Query, Request
from starlette.responses import Response

from app.editions import ColumnHeaders, render_edition
from app.warnings_feed import latest_warnings
from data.store.catalogue import list_editions, read_entries_frame
from data.vocabulary.changes import CHANGE_KINDS
from data.vocabulary.formats import ExportFormat
from models.catalogue.render import MEDIA_TYPES
from service.api.deps import EngineDep, ForecastDep, PageDep, SessionDep, SettingsDep
from service.api.security import require_roles
from service.core.openapi import problem_responses
from service.dashboard.alerts_page import warnings_page
from service.dashboard.editions import (
    IDENTITY_COLUMNS,
    EntryFilters,
    diff_with_previous,
    edition_entries,
    entries_page,
    frame_records,
    grade_counts,
    require_edition,
)
from service.dashboard.reports import REPORT_MEDIA_TYPES, render_supply_report
from service.dashboard.web import DashboardRoute, wants_html
from service.schemas.catalogue import (
    DiffItem,
    EditionDetail,
    EditionDiff,
    EditionSummary,
    EntryOut,
    WarningItem,
    WarningList,
    Zone,
)
from service.schemas.common import Page

__all__ = ["content_disposition", "router"]

router = APIRouter(tags=["catalogue"], dependencies=[require_roles("planner")])
# Ids are 32-bit integers in the store: a larger number is a 422, not a database overflow.
EditionId = Annotated[int, Path(ge=1, le=2_147_483_647, description="The edition's id.")]
NOT_FOUND = problem_responses(404)
INVALID = problem_responses(404, 422)


def _file_responses(
    problems: dict[int | str, dict[str, Any]], media_types: Iterable[str], description: str
) -> dict[int | str, dict[str, Any]]:
    """``responses=`` of a route answering a file in one of ``media_types``, or ``problems``."""
    return {**problems, 200: {"content": {m: {} for m in media_types}, "description": description}}


def content_disposition(filename: str, fallback: str) -> str:
    """``attachment`` with an ASCII ``filename`` and the UTF-8 ``filename*`` of RFC 5987/6266."""
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@router.get("/catalogue/editions", response_model=Page[EditionSummary])
def list_catalogue_editions(session: SessionDep, paging: PageDep) -> Page[EditionSummary]:
    """Published editions, newest period and revision first."""
    editions = list_editions(session)
    chosen = editions[paging.offset : paging.offset + paging.size]
    items = [EditionSummary.model_validate(info, from_attributes=True) for info in chosen]
    return Page.of(items, len(editions), paging)


@router.get("/catalogue/editions/{edition_id}", response_model=EditionDetail, responses=NOT_FOUND)
def get_catalogue_edition(
    edition_id: EditionId, session: SessionDep, settings: SettingsDep
) -> EditionDetail:
    """An edition's 方法说明, counts by grade and zone, content hash and meta."""
    info = require_edition(session, edition_id)
    entries = edition_entries(session, edition_id, settings.min_cell_size)
    zones = entries["zone"].value_counts() if "zone" in entries else None
    base, _changes = diff_with_previous(session, edition_id)
    meta = info.meta or {}
    return EditionDetail(
        **EditionSummary.model_validate(info, from_attributes=True).model_dump(),
        method=str(meta.get("method", "")),
        counts_by_grade={str(k): v for k, v in grade_counts(entries).items()},
        counts_by_zone={str(k): int(v) for k, v in (zones.items() if zones is not None else [])},
        previous_edition_id=None if base is None else base.edition_id,
        forecast_used=meta.get("forecast_used"),
        forecast_note=meta.get("forecast_note"),
        meta=meta,
    )


def _entry(record: dict[str, Any]) -> EntryOut:
    identity = {key: record.get(key) for key in IDENTITY_COLUMNS}
    evidence = {
        key: value
        for key, value in record.items()
        if key not in IDENTITY_COLUMNS and key != "suppressed"
    }
    return EntryOut.model_validate(
        {**identity, "evidence": evidence, "suppressed": record.get("suppressed", [])}
    )


@router.get(
    "/catalogue/editions/{edition_id}/entries", response_model=Page[EntryOut], responses=INVALID
)
def list_catalogue_entries(
    edition_id: EditionId,
    session: SessionDep,
    settings: SettingsDep,
    paging: PageDep,
    city_code: Annotated[str | None, Query(description="City code, e.g. '4403'.")] = None,
    zone: Annotated[Zone | None, Query(description="一核 / 一带 / 一区.")] = None,
    industry_code: Annotated[str | None, Query(description="GB/T 4754 大类, e.g. '65'.")] = None,
    occupation_code: Annotated[str | None, Query(description="大典 细类 code.")] = None,
    grade_min: Annotated[int | None, Query(ge=1, le=5, description="Minimum stars.")] = None,
) -> Page[EntryOut]:
    """An edition's entries in rank order, with their evidence, filtered and paged."""
    require_edition(session, edition_id)
    filters = EntryFilters(city_code, zone, industry_code, occupation_code, grade_min).validated()
    rows, total = entries_page(
        session,
        edition_id,
        filters,
        offset=paging.offset,
        limit=paging.size,
        min_cell_size=settings.min_cell_size,
    )
    return Page.of([_entry(row) for row in rows], total, paging)


@router.get(
    "/catalogue/editions/{edition_id}/diff", response_model=EditionDiff, responses=NOT_FOUND
)
def diff_catalogue_edition(edition_id: EditionId, session: SessionDep) -> EditionDiff:
    """New, removed, upgraded and downgraded entries against the previous edition."""
    require_edition(session, edition_id)
    base, changes = diff_with_previous(session, edition_id)
    items = [DiffItem.model_validate(record) for record in frame_records(changes)]
    counts: dict[str, int] = {
        kind: sum(item.change == kind for item in items) for kind in CHANGE_KINDS
    }
    return EditionDiff(
        edition_id=edition_id,
        previous_edition_id=None if base is None else base.edition_id,
        counts=counts,
        items=items,
    )


@router.get(
    "/catalogue/editions/{edition_id}/export.{fmt}",
    responses=_file_responses(INVALID, MEDIA_TYPES.values(), "File"),
    response_class=Response,
)
def export_catalogue_edition(
    edition_id: EditionId,
    fmt: ExportFormat,
    session: SessionDep,
    settings: SettingsDep,
    headers: Annotated[
        ColumnHeaders, Query(description="CSV/XLSX column headers: 中文 or field names.")
    ] = "zh",
) -> Response:
    """The edition as a JSON, CSV (UTF-8 BOM), XLSX, HTML or PDF file."""
    info = require_edition(session, edition_id)
    entries = read_entries_frame(session, edition_id)
    payload = render_edition(entries, info, fmt, settings, headers=headers)
    stem = f"{info.period}-r{info.revision}.{fmt}"
    disposition = content_disposition(f"广东省急需紧缺人才目录-{stem}", f"catalogue-{stem}")
    return Response(
        payload, media_type=MEDIA_TYPES[fmt], headers={"Content-Disposition": disposition}
    )


@router.get(
    "/reports/supply-flow",
    responses=_file_responses(problem_responses(422), REPORT_MEDIA_TYPES.values(), "Report"),
    response_class=Response,
)
def supply_flow_report(
    engine: EngineDep,
    settings: SettingsDep,
    period: Annotated[str, Query(description="'2026Q4', '2026-11' or '2026'.")],
    fmt: Annotated[Literal["html", "pdf"], Query(alias="format")] = "html",
) -> Response:
    """供给状况和流动趋势研判报告 of a period, from the store's records (small cells blank)."""
    payload = render_supply_report(engine, period, fmt, settings)
    headers = {}
    if fmt == "pdf":
        headers["Content-Disposition"] = content_disposition(
            f"供给状况和流动趋势研判报告-{period}.pdf", f"supply-flow-{period}.pdf"
        )
    return Response(payload, media_type=REPORT_MEDIA_TYPES[fmt], headers=headers)


def warnings_endpoint(
    request: Request, engine: EngineDep, forecast: ForecastDep
) -> Response | WarningList:
    """The latest early warnings, most severe first (HTML for browsers)."""
    feed = latest_warnings(engine, forecast)
    body = WarningList(
        source="forecast" if feed.source == "forecast" else "history",
        model_version=feed.model_version,
        note=feed.note,
        items=[WarningItem.model_validate(item) for item in feed.items],
    )
    if wants_html(request):
        return warnings_page(request, feed)
    return body


router.add_api_route(
    "/warnings",
    warnings_endpoint,
    methods=["GET"],
    response_model=WarningList,
    summary="Latest early warnings",
    route_class_override=DashboardRoute,
)
