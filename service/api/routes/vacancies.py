"""``/vacancies``: create or replace (one or a batch), patch, read, list and delete job
postings (招聘岗位). The writes share :mod:`service.records` with ``/candidates``; the
glue both use (save, save_patch, save_batch) is here.

Ids are unique per tenant: each tenant has its own namespace, so two platforms may both
have a vacancy ``V1`` and each create, read, replace, patch, delete and match its own.
Platform keys work inside their own tenant: what they write is owned by their tenant, and
another tenant's vacancy is, to them, not there (404 on reads; a create of the same id simply
creates their own). Admin keys may write any tenant (the body names it, ``tenant_id``) and
address a record by id with ``?tenant_id=`` (required only while several tenants use the
id: 422 otherwise).
Every change is logged in the store (:mod:`data.store.changes`); each serving process
applies it before its next match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, Response
from sqlalchemy.orm import Session

from data.records import Vacancy
from data.store import delete_vacancy, get_vacancy, list_vacancies
from data.store.repository import AmbiguousRecordError
from service.api.deps import PageDep, SessionDep
from service.api.security import (
    PlatformOrAdmin,
    Principal,
    TenantQuery,
    tenant_for_read,
    tenant_scope,
)
from service.core.errors import InvalidInput, NotFound
from service.core.openapi import problem_responses
from service.occupation_coding import get_title_coder
from service.records import (
    VACANCIES,
    Incoming,
    ItemResult,
    Record,
    Side,
    Stored,
    commit,
    merge_patch,
    parse,
    store,
    store_batch,
)
from service.schemas.common import Page, Problem
from service.schemas.records import (
    PATCH_DESCRIPTION,
    BatchIn,
    BatchItemOut,
    BatchOut,
    VacancyIn,
    VacancyOut,
)

__all__ = [
    "CITY_CODE_PATTERN",
    "NATURAL_KEY_PATTERN",
    "OCCUPATION_PREFIX_PATTERN",
    "CityFilter",
    "OccupationFilter",
    "VacancyId",
    "addressed",
    "batch_out",
    "own_vacancy",
    "router",
    "same_key",
    "save",
    "save_batch",
    "save_patch",
    "written",
]

NATURAL_KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"
CITY_CODE_PATTERN = r"^44\d{2}$"
OCCUPATION_PREFIX_PATTERN = r"^\d(-\d{2}){0,3}$"

router = APIRouter(tags=["vacancies"])

VacancyId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=NATURAL_KEY_PATTERN, description="Vacancy id."),
]
CityFilter = Annotated[
    str | None, Query(pattern=CITY_CODE_PATTERN, description="City code, e.g. '4401' (广州).")
]
OccupationFilter = Annotated[
    str | None,
    Query(
        pattern=OCCUPATION_PREFIX_PATTERN,
        description="大典 occupation code or ancestor, e.g. '2-02' (all its descendants).",
    ),
]


def addressed(
    read: Callable[[str | None], Record | None], principal: Principal, tenant_id: str | None
) -> Record | None:
    """``read(tenant)`` for the tenant the request addresses (:func:`tenant_for_read`); an
    admin's id used by several tenants, with none named, is a 422 on ``query.tenant_id``."""
    try:
        return read(tenant_for_read(principal, tenant_id))
    except AmbiguousRecordError as error:
        raise InvalidInput(
            "query.tenant_id", "required: several tenants use this id (name one)"
        ) from error


def own_vacancy(
    session: Session, principal: Principal, vacancy_id: str, tenant_id: str | None = None
) -> Vacancy:
    """The caller's tenant's vacancy ``vacancy_id`` (admin: of ``tenant_id``); 404 if none.

    Another tenant's vacancy of that id is never read, so the 404 is the same either way.
    """
    record = addressed(
        lambda tenant: get_vacancy(session, vacancy_id, tenant), principal, tenant_id
    )
    if not isinstance(record, Vacancy):
        raise NotFound(f"No vacancy {vacancy_id!r}.")
    return record


def written(stored: Stored, side: Side, response: Response) -> None:
    """Status 201 for a new record (200 for a replaced one) and its ``Location``."""
    response.status_code = 201 if stored.created else 200
    response.headers["Location"] = f"{side.collection}/{getattr(stored.record, side.key)}"


def same_key(side: Side, incoming: Incoming, path_key: str) -> None:
    """A PUT/PATCH body must address the record of its path (422 naming the body's id)."""
    if getattr(incoming, side.key) != path_key:
        raise InvalidInput(f"body.{side.key}", f"must equal the path's {side.key} {path_key!r}")


def batch_out(results: list[ItemResult], instance: str) -> BatchOut:
    """The per-item report of :func:`service.records.store_batch`."""
    items = [
        BatchItemOut(
            index=result.index,
            id=result.key,
            status=result.status,
            problem=None
            if result.error is None
            else Problem.model_validate(result.error.problem(instance)),
        )
        for result in results
    ]
    tally = Counter(result.status for result in results)
    return BatchOut(
        items=items, created=tally["created"], updated=tally["updated"], errors=tally["error"]
    )


def save(
    side: Side,
    body: Incoming,
    principal: Principal,
    session: Session,
    request: Request,
    **options: Any,
) -> Stored:
    """:func:`service.records.store` with this app's metrics and coder, then commit."""
    stored = store(
        session,
        principal,
        side,
        body,
        metrics=request.app.state.metrics,
        coder=lambda: get_title_coder(request.app),
        **options,
    )
    commit(session, side, getattr(stored.record, side.key))
    return stored


def save_patch(
    side: Side,
    stored: Record,
    patch: dict[str, Any],
    principal: Principal,
    session: Session,
    request: Request,
) -> Stored:
    """Merge ``patch`` into ``stored`` (with its write-only fields) and save the result.

    The id and tenant cannot change (422). A patch that leaves ``occupation_code`` alone
    keeps how it was obtained (given or coded).
    """
    incoming = parse(side, merge_patch(stored.model_dump(mode="json"), patch))
    for name in (side.key, "tenant_id"):
        if getattr(incoming, name) != getattr(stored, name):
            raise InvalidInput(f"body.{name}", "cannot be changed by a patch")
    recode = "occupation_code" in patch
    return save(side, incoming, principal, session, request, recode=recode)


def save_batch(
    side: Side, body: BatchIn, principal: Principal, session: Session, request: Request
) -> BatchOut:
    """:func:`service.records.store_batch` with this app's metrics and coder, as a report."""
    results = store_batch(
        session,
        principal,
        side,
        body.items,
        metrics=request.app.state.metrics,
        coder=lambda: get_title_coder(request.app),
    )
    return batch_out(results, request.url.path)


@router.post(
    "/vacancies",
    response_model=VacancyOut,
    status_code=201,
    summary="Create or replace a vacancy (by vacancy_id)",
    responses={
        200: {"description": "Replaced an existing vacancy", "model": VacancyOut},
        **problem_responses(403, 409, 422),
    },
)
def post_vacancy(
    body: VacancyIn,
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
) -> VacancyOut:
    """Store a vacancy: 201 when new, 200 when it replaced the one with the same id *in the
    same tenant* (ids are unique per tenant; another tenant's ``V1`` is another record).

    409 only when a concurrent write to the same id won the race.
    """
    stored = save(VACANCIES, body, principal, session, request)
    written(stored, VACANCIES, response)
    return VacancyOut.model_validate(stored.record.model_dump())


@router.put(
    "/vacancies/{vacancy_id}",
    response_model=VacancyOut,
    summary="Replace (or create) the vacancy at this id",
    responses={
        201: {"description": "Created", "model": VacancyOut},
        **problem_responses(403, 409, 422),
    },
)
def put_vacancy(
    vacancy_id: VacancyId,
    body: VacancyIn,
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
) -> VacancyOut:
    """As ``POST /vacancies``, addressed by path; the body's ``vacancy_id`` must match."""
    same_key(VACANCIES, body, vacancy_id)
    stored = save(VACANCIES, body, principal, session, request)
    written(stored, VACANCIES, response)
    return VacancyOut.model_validate(stored.record.model_dump())


@router.patch(
    "/vacancies/{vacancy_id}",
    response_model=VacancyOut,
    summary="Change some fields of a vacancy (JSON merge patch)",
    responses=problem_responses(403, 404, 409, 422),
)
def patch_vacancy(
    vacancy_id: VacancyId,
    patch: Annotated[dict[str, Any], Body(description=PATCH_DESCRIPTION)],
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    tenant_id: TenantQuery = None,
) -> VacancyOut:
    """Apply ``patch`` to the stored vacancy and validate the result like a create.

    Leaving ``occupation_code`` alone keeps it (given or coded); setting it to ``null`` has
    the coder fill it from the (new) title.
    """
    current = own_vacancy(session, principal, vacancy_id, tenant_id)
    stored = save_patch(VACANCIES, current, patch, principal, session, request)
    return VacancyOut.model_validate(stored.record.model_dump())


@router.post(
    "/vacancies:batch",
    response_model=BatchOut,
    summary="Create or replace up to 1,000 vacancies, with a result per item",
    responses=problem_responses(403, 413, 422),
)
def batch_vacancies(
    body: BatchIn, principal: PlatformOrAdmin, session: SessionDep, request: Request
) -> BatchOut:
    """Each item as ``POST /vacancies`` would take it; one item's error leaves the others.

    Valid items are written in one transaction (per item if a concurrent write conflicts).
    """
    return save_batch(VACANCIES, body, principal, session, request)


@router.get(
    "/vacancies/{vacancy_id}",
    response_model=VacancyOut,
    summary="One vacancy",
    responses=problem_responses(403, 404, 422),
)
def read_vacancy(
    vacancy_id: VacancyId,
    principal: PlatformOrAdmin,
    session: SessionDep,
    tenant_id: TenantQuery = None,
) -> VacancyOut:
    """The caller's tenant's vacancy with this id (404 if it has none)."""
    record = own_vacancy(session, principal, vacancy_id, tenant_id)
    return VacancyOut.model_validate(record.model_dump())


@router.get("/vacancies", response_model=Page[VacancyOut], summary="List vacancies")
def read_vacancies(
    principal: PlatformOrAdmin,
    session: SessionDep,
    paging: PageDep,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
) -> Page[VacancyOut]:
    """Vacancies visible to the caller, ordered by id (then tenant), optionally filtered."""
    records, total = list_vacancies(
        session,
        tenant_id=tenant_scope(principal),
        city_code=city_code,
        occupation_code=occupation_code,
        offset=paging.offset,
        limit=paging.size,
    )
    items = [VacancyOut.model_validate(record.model_dump()) for record in records]
    return Page[VacancyOut].of(items, total, paging)


@router.delete(
    "/vacancies/{vacancy_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a vacancy",
    responses=problem_responses(403, 404, 422),
)
def remove_vacancy(
    vacancy_id: VacancyId,
    principal: PlatformOrAdmin,
    session: SessionDep,
    tenant_id: TenantQuery = None,
) -> Response:
    """Delete the vacancy and its recorded outcomes, and drop it from match results."""
    record = own_vacancy(session, principal, vacancy_id, tenant_id)
    delete_vacancy(session, vacancy_id, record.tenant_id)
    session.commit()
    return Response(status_code=204)
