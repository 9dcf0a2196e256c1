"""Tracking the 14th Five-Year Plan indicators (专栏1): baselines, targets, entered values.

``GET /indicators`` lists every indicator with its latest value and progress (JSON, or the
Chinese page for a browser); ``GET /indicators/{id}`` adds the full entry history;
``POST /indicators/{id}/observations`` appends a value (a correction is a new version, see
:mod:`data.store.indicators`). Planner or admin only.

The page's entry form is a plain HTML form (no script) posting to ``POST /indicators/entry``
on the planner's login cookie with the page's CSRF token
(:func:`service.api.security.csrf_token`), so nobody re-pastes a key; a mistake comes back as
the same page, status 422, with the values kept and the reason in Chinese (the validators' own
wording, :class:`data.indicators.IndicatorInputError`); a saved value redirects (303) to the
list, which says what was saved.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from data.indicators import (
    IndicatorInputError,
    indicator,
    plan_indicators,
    validate_period,
    validate_value,
)
from data.store.indicators import (
    Observation,
    latest_observations,
    observation_history,
    record_observation,
)
from data.vocabulary.indicators import STATUS_LABELS
from models.indicators import Assessment, assess
from service.api.deps import SessionDep
from service.api.security import COOKIE_NAME, PlannerOrAdmin, csrf_token, require_roles
from service.core.errors import Conflict, InvalidInput, NotFound
from service.core.openapi import problem_responses
from service.core.templating import templates
from service.dashboard.web import NAV_ITEMS, DashboardRoute, wants_html

__all__ = ["IndicatorDetail", "IndicatorOut", "ObservationIn", "ObservationOut", "router"]

router = APIRouter(tags=["indicators"], dependencies=[require_roles("planner")])
IndicatorId = Annotated[str, Path(max_length=64, description="The indicator's id.")]
PAGE_NAV = NAV_ITEMS  # 专栏1 is in the dashboard navigation


class ObservationIn(BaseModel):
    """A value to record for a period (``'2023'`` = year end, ``'2024Q2'`` = quarter end)."""

    model_config = ConfigDict(extra="forbid")

    period: str = Field(max_length=16, examples=["2024", "2024Q2"])
    value: float = Field(allow_inf_nan=False, strict=True, examples=[456.0])
    note: str = Field("", max_length=500, description="Where the figure comes from.")


class ObservationOut(BaseModel):
    """A stored value (one version: corrections are later versions of the same period)."""

    period: str
    value: float
    note: str
    entered_by: str
    entered_at: str


class IndicatorOut(BaseModel):
    """An indicator, its plan numbers and sources, and where its latest value stands."""

    indicator_id: str
    name: str
    unit: str
    baseline_2020: float | None
    target_2025: float | None
    direction: Literal["increase", "decrease"]
    kind: str
    source_url: str
    verified: bool
    note: str
    latest: ObservationOut | None
    progress: float | None = Field(description="Share of the 2020→2025 distance covered.")
    expected_progress: float | None = Field(description="Share on the linear path.")
    expected_value: float | None = Field(description="Linear-path value for the period.")
    status: Literal["achieved", "on_track", "behind", "unknown", "no_data"]
    on_track: bool | None


class IndicatorDetail(IndicatorOut):
    """An indicator with every stored version of its values, by period, oldest first."""

    history: list[ObservationOut]


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _observation_out(item: Observation) -> ObservationOut:
    return ObservationOut(
        period=item.period,
        value=item.value,
        note=item.note,
        entered_by=item.entered_by,
        entered_at=item.entered_at.isoformat(),
    )


def _indicator_out(spec: dict[str, Any], latest: Observation | None) -> IndicatorOut:
    baseline, target = _number(spec["baseline_2020"]), _number(spec["target_2025"])
    found: Assessment = assess(
        baseline,
        target,
        spec["direction"],
        latest.period if latest else None,
        latest.value if latest else None,
    )
    return IndicatorOut(
        **{key: spec[key] for key in ("indicator_id", "name", "unit", "direction", "kind")},
        **{key: spec[key] for key in ("source_url", "verified", "note")},
        baseline_2020=baseline,
        target_2025=target,
        latest=_observation_out(latest) if latest else None,
        progress=found.progress,
        expected_progress=found.expected_progress,
        expected_value=found.expected_value,
        status=found.status,
        on_track=found.on_track,
    )


def _require(indicator_id: str) -> dict[str, Any]:
    spec = indicator(indicator_id)
    if spec is None:
        raise NotFound(f"No indicator {indicator_id!r}.")
    return spec


def _page(request: Request, template: str, **context: Any) -> HTMLResponse:
    return templates.TemplateResponse(
        request,
        f"indicators/{template}",
        {
            "nav_items": PAGE_NAV,
            "active": "/indicators",
            "root": request.scope.get("root_path", ""),
            "status_labels": STATUS_LABELS,
            "fmt": format_number,
            "plan_flags": _plan_flags(),
            "csrf_token": _page_csrf_token(request),
            **context,
        },
    )


def _page_csrf_token(request: Request) -> str | None:
    """The entry form's token for a cookie login (None when the page was fetched with a key
    header: such a client posts JSON to the API instead)."""
    cookie = request.cookies.get(COOKIE_NAME)
    return csrf_token(cookie) if cookie else None


def _plan_flags() -> dict[str, dict[str, bool]]:
    """indicator_id → {cumulative, withheld} from the plan table (专栏1 [] and [略])."""
    table = plan_indicators()
    return {
        str(row["indicator_id"]): {
            "cumulative": bool(row["cumulative"]),
            "withheld": bool(row["withheld"]),
        }
        for row in table.to_dict("records")
    }


def format_number(value: float | None, digits: int = 2) -> str:
    """``value`` with at most ``digits`` decimals and no trailing zeros; '—' for None."""
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _all_indicators(session: Session) -> list[IndicatorOut]:
    latest = latest_observations(session)
    return [
        _indicator_out({str(k): v for k, v in spec.items()}, latest.get(str(spec["indicator_id"])))
        for spec in plan_indicators().to_dict("records")
    ]


def list_indicators_endpoint(
    request: Request,
    session: SessionDep,
    saved: Annotated[str | None, Query(max_length=64, include_in_schema=False)] = None,
) -> Response | list[Any]:
    """Every plan indicator with its latest value, progress and on-track flag (HTML too)."""
    items = _all_indicators(session)
    if wants_html(request):
        saved_item = next((item for item in items if item.indicator_id == saved), None)
        return _page(request, "list.html", page_title="指标跟踪", items=items, saved=saved_item)
    return items


def indicator_detail_endpoint(
    request: Request, indicator_id: IndicatorId, session: SessionDep
) -> Response | IndicatorDetail:
    """One indicator, its progress and every stored version of its values."""
    spec = _require(indicator_id)
    history = observation_history(session, indicator_id)
    latest = latest_observations(session).get(indicator_id)
    detail = IndicatorDetail(
        **_indicator_out(spec, latest).model_dump(),
        history=[_observation_out(item) for item in history],
    )
    if wants_html(request):
        return _page(request, "detail.html", page_title=str(spec["name"]), item=detail)
    return detail


router.add_api_route(
    "/indicators",
    list_indicators_endpoint,
    methods=["GET"],
    response_model=list[IndicatorOut],
    summary="Plan indicators and their progress",
    route_class_override=DashboardRoute,
)
router.add_api_route(
    "/indicators/{indicator_id}",
    indicator_detail_endpoint,
    methods=["GET"],
    response_model=IndicatorDetail,
    summary="One plan indicator with its history",
    responses=problem_responses(404),
    route_class_override=DashboardRoute,
)


@router.post(
    "/indicators/{indicator_id}/observations",
    response_model=ObservationOut,
    status_code=201,
    responses=problem_responses(404, 409, 422),
)
def add_observation(
    indicator_id: IndicatorId,
    body: ObservationIn,
    principal: PlannerOrAdmin,
    session: SessionDep,
) -> ObservationOut:
    """Record a value for a period; entering a period again adds a corrected version."""
    spec = _require(indicator_id)
    try:
        period = validate_period(body.period)
    except ValueError as error:
        raise InvalidInput("body.period", str(error)) from error
    try:
        value = validate_value(body.value, str(spec["unit"]))
    except ValueError as error:
        raise InvalidInput("body.value", str(error)) from error
    try:
        stored = record_observation(
            session, indicator_id, period, value, entered_by=principal.key_id, note=body.note
        )
        session.commit()
    except IntegrityError as error:  # two entries of one period in the same microsecond
        session.rollback()
        raise Conflict("This period was entered at the same moment; try again.") from error
    return _observation_out(stored)


def _form_again(
    request: Request,
    session: Session,
    entered: dict[str, str],
    errors: dict[str, str],
    *,
    status: int,
) -> HTMLResponse:
    """The list page again, the form holding what was typed and each error in Chinese."""
    page = _page(
        request,
        "list.html",
        page_title="指标跟踪",
        items=_all_indicators(session),
        errors=errors,
        entered=entered,
    )
    page.status_code = status
    return page


@router.post("/indicators/entry", include_in_schema=False, response_class=HTMLResponse)
def add_observation_form(
    request: Request,
    principal: PlannerOrAdmin,
    session: SessionDep,
    indicator_id: Annotated[str, Form(max_length=64)],
    period: Annotated[str, Form(max_length=16)] = "",
    value: Annotated[str, Form(max_length=64)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """The dashboard's entry form (cookie + CSRF token): 303 to the list, or 422 in Chinese."""
    spec = indicator(indicator_id)
    errors: dict[str, str] = {}
    if spec is None:
        errors["indicator_id"] = "请选择规划中的指标。"
    try:
        clean_period = validate_period(period)
    except IndicatorInputError as error:
        errors["period"] = error.zh
    try:
        number = float(value.replace(",", "").strip())
    except ValueError:
        errors["value"] = "数值必须是数字。" if value.strip() else "请填写数值。"
    else:
        if spec is not None:
            try:
                number = validate_value(number, str(spec["unit"]))
            except IndicatorInputError as error:
                errors["value"] = error.zh
    entered = {"indicator_id": indicator_id, "period": period, "value": value, "note": note}
    if errors or spec is None:
        return _form_again(request, session, entered, errors, status=422)
    try:
        record_observation(
            session, indicator_id, clean_period, number, entered_by=principal.key_id, note=note
        )
        session.commit()
    except IntegrityError:
        session.rollback()
        errors = {"period": "同一时刻已有人录入该期别，请重试。"}
        return _form_again(request, session, entered, errors, status=409)
    root = request.scope.get("root_path", "")
    return RedirectResponse(f"{root}/indicators?saved={indicator_id}#row-{indicator_id}", 303)
