"""The planners' dashboard: server-rendered Chinese HTML pages (work without JavaScript).

``/`` overview · ``/catalogue`` editions · ``/catalogue/{id}`` entries with filters, paging and
the diff · ``/series/{city}/{occupation}`` history and forecast · ``/map`` shortage map ·
``/map/talent`` talent-stock maps (高技能 / 专业技术人才).
``/warnings`` is served by :mod:`service.api.routes.catalogue` (JSON or this dashboard's page).
Planner/admin only, logged in with the ``/login`` cookie; a browser without one is redirected
to the login form (:class:`service.dashboard.web.DashboardRoute`).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from fastapi import APIRouter, Path, Query, Request
from starlette.responses import HTMLResponse

from data.store.catalogue import EditionInfo, list_editions, list_entries
from data.taxonomy import cities
from data.vocabulary.grades import GRADE_LABELS
from data.vocabulary.zones import ZONES
from models.catalogue.talent_stock import KINDS as TALENT_KINDS
from models.display import count, is_missing, number, percent
from models.forecast.warning import series_label, series_level
from service.api.deps import EngineDep, ForecastDep, SessionDep, SettingsDep
from service.api.security import require_roles
from service.core.errors import InvalidInput, NotFound
from service.dashboard.charts import render_panel_svg
from service.dashboard.editions import (
    EntryFilters,
    city_summary,
    diff_with_previous,
    edition_entries,
    entries_page,
    frame_records,
    grade_counts,
    require_edition,
    suppress_record,
)
from service.dashboard.geo import (
    STOCK_PALETTE,
    CityShapes,
    MapCell,
    city_shapes,
    legend,
    render_map_svg,
)
from service.dashboard.series import series_view
from service.dashboard.talent import STOCK_METRICS, load_talent_stock
from service.dashboard.web import DashboardRoute, page, url_with

__all__ = ["router"]

router = APIRouter(
    route_class=DashboardRoute,
    dependencies=[require_roles("planner")],
    include_in_schema=False,
    default_response_class=HTMLResponse,
)
PAGE_SIZE = 20
TOP_SHORTAGES = 10
OptionalText = Annotated[str | None, Query()]
MAP_METRICS: dict[str, str] = {
    "severe": "4–5★ 紧缺条目数",
    "mean_index": "平均紧缺指数",
    "entries": "紧缺条目数",
}

MAP_TABS: dict[str, str] = {
    "/map": "紧缺地图",
    "/map/talent?kind=high_skilled": "高技能人才地图",
    "/map/talent?kind=professional": "专业技术人才地图",
}
"""The three maps of 人才地图, by their link (the tab bar on each map page)."""


def _latest(session: Any) -> EditionInfo | None:
    editions = list_editions(session)
    return editions[0] if editions else None


@router.get("/")
def overview(request: Request, session: SessionDep, settings: SettingsDep) -> HTMLResponse:
    """Latest edition: counts by grade, the top 特别紧缺 entries, links onwards."""
    edition = _latest(session)
    context: dict[str, Any] = {"edition": edition, "grade_names": GRADE_LABELS}
    if edition is not None:
        entries = edition_entries(session, edition.edition_id, settings.min_cell_size)
        context["counts"] = grade_counts(entries)
        top = entries[entries["stars"] == 5].head(TOP_SHORTAGES) if len(entries) else entries
        context["top"] = top.to_dict("records")
        context["cities_listed"] = int(entries["city_code"].nunique()) if len(entries) else 0
    return page(request, "overview.html", active="/", page_title="概览", **context)


@router.get("/catalogue")
def editions_page(request: Request, session: SessionDep) -> HTMLResponse:
    """Every published edition, newest first."""
    editions = list_editions(session)
    return page(
        request, "editions.html", active="/catalogue", page_title="紧缺目录", editions=editions
    )


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def _grade(value: str | None) -> int | None:
    text = _blank_to_none(value)
    if text is None:
        return None
    if not text.isdigit():
        raise InvalidInput("query.grade_min", f"{text!r} 不是 1–5 的整数")
    return int(text)


def _options(session: Any, edition_id: int) -> dict[str, list[tuple[str, str]]]:
    entries = edition_entries(session, edition_id, 1)
    if entries.empty:
        return {"industries": [], "occupations": []}
    industries = entries.drop_duplicates("industry_code").sort_values("industry_code")
    occupations = entries.drop_duplicates("occupation_code").sort_values("occupation_code")
    return {
        "industries": list(
            zip(industries["industry_code"], industries["industry_name"], strict=True)
        ),
        "occupations": list(
            zip(occupations["occupation_code"], occupations["occupation_name"], strict=True)
        ),
    }


@router.get("/catalogue/{edition_id}")
def edition_page(
    request: Request,
    edition_id: Annotated[int, Path(ge=1, le=2_147_483_647)],
    session: SessionDep,
    settings: SettingsDep,
    city_code: OptionalText = None,
    zone: OptionalText = None,
    industry_code: OptionalText = None,
    occupation_code: OptionalText = None,
    grade_min: OptionalText = None,
    page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
) -> HTMLResponse:
    """Entries of an edition with the filter form, pagination and the diff."""
    edition = require_edition(session, edition_id)
    error: InvalidInput | None = None
    try:
        filters = EntryFilters(
            _blank_to_none(city_code),
            _blank_to_none(zone),
            _blank_to_none(industry_code),
            _blank_to_none(occupation_code),
            _grade(grade_min),
        ).validated()
    except InvalidInput as invalid:
        error, filters = invalid, EntryFilters()
    rows, total = entries_page(
        session,
        edition_id,
        filters,
        offset=(page_number - 1) * PAGE_SIZE,
        limit=PAGE_SIZE,
        min_cell_size=settings.min_cell_size,
    )
    base, changes = diff_with_previous(session, edition_id)
    response = page(
        request,
        "edition.html",
        active="/catalogue",
        page_title=f"紧缺目录 {edition.period} 第 {edition.revision} 版",
        edition=edition,
        rows=rows,
        total=total,
        page_number=page_number,
        pages=max(1, -(-total // PAGE_SIZE)),
        filters=filters,
        query=filters.query(),
        error=error,
        cities=cities().to_dict("records"),
        zones=ZONES,
        grade_names=GRADE_LABELS,
        base=base,
        changes=frame_records(changes),
        change_counts=changes["change"].value_counts().to_dict(),
        **_options(session, edition_id),
    )
    if error is not None:
        response.status_code = 422
    return response


def _series_entry(session: Any, city_code: str, occupation_code: str, min_cell: int) -> Any:
    edition = _latest(session)
    if edition is None:
        return None, None
    rows, _total = list_entries(
        session, edition.edition_id, city_code=city_code, occupation_code=occupation_code, limit=1
    )
    return edition, (suppress_record(rows[0], min_cell) if rows else None)


@router.get("/series/{unique_id:path}")
def series_page(
    request: Request,
    unique_id: str,
    session: SessionDep,
    engine: EngineDep,
    settings: SettingsDep,
    forecast: ForecastDep,
) -> HTMLResponse:
    """History, forecast with intervals and evidence of a series at any level."""
    unique_id = unique_id.strip("/")
    label, level = series_label(unique_id), series_level(unique_id)
    if not unique_id or "其他" in level.split(" · "):
        raise NotFound(f"没有序列 {unique_id!r}。")
    view = series_view(engine, forecast, unique_id, min_cell_size=settings.min_cell_size)
    parts = unique_id.split("/")
    edition, entry = (
        _series_entry(session, parts[0], parts[1], settings.min_cell_size)
        if len(parts) == 2
        else (None, None)
    )
    charts = [
        render_panel_svg(panel, panel_id=f"chart-{name}")
        for name, panel in zip(("demand", "supply", "ratio"), view.panels, strict=True)
    ]
    history = view.history.tail(12).iloc[::-1]
    return page(
        request,
        "series.html",
        active="/warnings" if edition is None else "/catalogue",
        page_title=label,
        label=label,
        level=level,
        view=view,
        charts=charts,
        history=frame_records(history),
        edition=edition,
        entry=entry,
        min_cell_size=settings.min_cell_size,
    )


@router.get("/reports")
def reports_page(request: Request, session: SessionDep) -> HTMLResponse:
    """供给状况和流动趋势研判报告: one per published period, HTML and PDF."""
    periods = sorted({edition.period for edition in list_editions(session)}, reverse=True)
    return page(
        request, "reports.html", active="/reports", page_title="供给与流动报告", periods=periods
    )


@router.get("/map")
def map_page(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    metric: Annotated[Literal["severe", "mean_index", "entries"], Query()] = "severe",
    edition_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:
    """The 21 cities shaded by shortage in the chosen (default latest) edition."""
    edition = require_edition(session, edition_id) if edition_id else _latest(session)
    entries = (
        edition_entries(session, edition.edition_id, settings.min_cell_size)
        if edition is not None
        else pd.DataFrame(columns=["city_code", "stars", "shortage_index"])
    )
    summary = city_summary(entries)
    short_names = cities().set_index("city_code")["short_name"]
    root = request.scope.get("root_path", "")
    cells = []
    for row in summary.to_dict("records"):
        value = row[metric]
        value = None if is_missing(value) else float(value)
        shown = "无条目" if value is None else number(value, 1)
        href = (
            root + url_with(f"/catalogue/{edition.edition_id}", city_code=row["city_code"])
            if edition is not None
            else None
        )
        cells.append(
            MapCell(
                row["city_code"],
                row["name"],
                str(short_names[row["city_code"]]),
                value,
                f"{row['name']}：{MAP_METRICS[metric]} {shown}",
                href,
            )
        )
    shapes = _shapes(settings)
    svg = render_map_svg(cells, shapes, title=f"广东省人才紧缺地图：{MAP_METRICS[metric]}")
    return page(
        request,
        "map.html",
        active="/map",
        page_title="人才地图",
        map_tabs=MAP_TABS,
        map_tab="/map",
        edition=edition,
        svg=svg,
        shapes=shapes,
        legend=legend(cells),
        metric=metric,
        metrics=MAP_METRICS,
        summary=summary.to_dict("records"),
    )


def _shapes(settings: Any) -> CityShapes:
    return city_shapes(
        settings.boundary_file,
        review_number=settings.boundary_review_number,
        crs=settings.boundary_crs,
    )


@router.get("/map/talent")
def talent_map_page(
    request: Request,
    engine: EngineDep,
    session: SessionDep,
    settings: SettingsDep,
    kind: Annotated[Literal["high_skilled", "professional"], Query()] = "high_skilled",
    metric: Annotated[Literal["count", "share"], Query()] = "count",
    edition_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> HTMLResponse:
    """高技能人才地图 / 专业技术人才地图: the talent stock by city at the edition's period."""
    edition = require_edition(session, edition_id) if edition_id else _latest(session)
    stock: dict[str, Any] = {"rows": [], "window_start": "", "window_end": ""}
    if edition is not None:
        stock = load_talent_stock(
            engine, settings.var_dir, edition.period, min_cell_size=settings.min_cell_size
        )
    column = kind if metric == "count" else f"{kind}_share"
    shown_as = count if metric == "count" else percent
    title = f"广东省{TALENT_KINDS[kind]}地图：{STOCK_METRICS[metric]}"
    short_names = cities().set_index("city_code")["short_name"]
    cells = [
        MapCell(
            row["city_code"],
            row["name"],
            str(short_names[row["city_code"]]),
            row[column],
            f"{row['name']}：{TALENT_KINDS[kind]}{STOCK_METRICS[metric]} {shown_as(row[column])}",
        )
        for row in stock["rows"]
    ]
    shapes = _shapes(settings)
    return page(
        request,
        "talent_map.html",
        active="/map",
        page_title=f"{TALENT_KINDS[kind]}地图",
        map_tabs=MAP_TABS,
        map_tab=f"/map/talent?kind={kind}",
        edition=edition,
        svg=render_map_svg(cells, shapes, title=title, palette=STOCK_PALETTE),
        shapes=shapes,
        legend=legend(cells, STOCK_PALETTE, shown_as),
        kind=kind,
        kinds=TALENT_KINDS,
        metric=metric,
        metrics=STOCK_METRICS,
        stock=stock,
        min_cell_size=settings.min_cell_size,
    )
