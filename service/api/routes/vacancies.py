"""``/vacancies``: create or replace, read, list and delete job postings (招聘岗位).

Platform keys work inside their own tenant: what they write is owned by their tenant, and
another tenant's vacancy is, to them, not there (404). Admin keys may write any tenant.
Every change is logged in the store (:mod:`data.store.changes`); each serving process
applies it before its next match.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.compliance import discriminatory_requirements
from data.ingest.checks import taxonomy_faults
from data.occupation_coding import code_missing_occupation
from data.records import Candidate, Vacancy
from data.store import delete_vacancy, get_vacancy, list_vacancies, upsert_vacancies
from service.api.deps import PageDep, SessionDep
from service.api.security import (
    PlatformOrAdmin,
    Principal,
    ensure_tenant,
    tenant_for_write,
    tenant_scope,
)
from service.core.errors import Conflict, InvalidInput, NotFound
from service.core.openapi import problem_responses
from service.occupation_coding import get_title_coder
from service.schemas.common import Page
from service.schemas.records import VacancyIn, VacancyOut

__all__ = [
    "CITY_CODE_PATTERN",
    "NATURAL_KEY_PATTERN",
    "OCCUPATION_PREFIX_PATTERN",
    "CityFilter",
    "OccupationFilter",
    "VacancyId",
    "checked",
    "own_vacancy",
    "router",
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


def checked(record: Vacancy | Candidate, request: Request) -> None:
    """The import's validation, for the API: taxonomy codes and discriminatory requirements.

    Raises
    ------
    InvalidInput
        Naming each faulty ``body.<field>`` (a discriminatory phrase is quoted in the
        reason, and counted per category in ``/metrics``).
    """
    model = Vacancy if isinstance(record, Vacancy) else Candidate
    faults = taxonomy_faults(model, record.model_dump())
    if not faults:
        return
    if isinstance(record, Vacancy):
        counter = request.app.state.metrics.discriminatory_vacancies
        for finding in discriminatory_requirements(f"{record.title}\n{record.description}"):
            counter.labels(category=finding.category).inc()
    (field, reason), *more = [(f"body.{name}", why) for name, why in faults]
    raise InvalidInput(field, reason, more=more)


def own_vacancy(session: Session, principal: Principal, vacancy_id: str) -> Vacancy:
    """The stored vacancy if ``principal`` may see it; 404 (same detail) otherwise."""
    missing = f"No vacancy {vacancy_id!r}."
    record = get_vacancy(session, vacancy_id)
    if record is None:
        raise NotFound(missing)
    ensure_tenant(principal, record.tenant_id, detail=missing)
    return record


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
def put_vacancy(
    body: VacancyIn,
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
) -> VacancyOut:
    """Store a vacancy: 201 when new, 200 when it replaced the one with the same id.

    A platform key cannot take over an id that another tenant already uses (409).
    """
    tenant = tenant_for_write(principal, body.tenant_id)
    record = Vacancy.model_validate(body.model_dump() | {"tenant_id": tenant})
    (record,) = code_missing_occupation([record], lambda: get_title_coder(request.app))
    checked(record, request)
    existing = get_vacancy(session, record.vacancy_id)
    if existing is not None and tenant_scope(principal) not in (None, existing.tenant_id):
        raise Conflict(f"vacancy_id {record.vacancy_id!r} is already in use.")
    try:
        upsert_vacancies(session, [record])
        session.commit()
    except IntegrityError as error:  # a concurrent create of the same id won
        session.rollback()
        raise Conflict(f"vacancy_id {record.vacancy_id!r} was written concurrently.") from error
    response.status_code = 200 if existing is not None else 201
    response.headers["Location"] = f"/vacancies/{record.vacancy_id}"
    return VacancyOut.model_validate(record.model_dump())


@router.get(
    "/vacancies/{vacancy_id}",
    response_model=VacancyOut,
    summary="One vacancy",
    responses=problem_responses(404),
)
def read_vacancy(
    vacancy_id: VacancyId, principal: PlatformOrAdmin, session: SessionDep
) -> VacancyOut:
    """The stored vacancy (404 if absent or another tenant's)."""
    return VacancyOut.model_validate(own_vacancy(session, principal, vacancy_id).model_dump())


@router.get("/vacancies", response_model=Page[VacancyOut], summary="List vacancies")
def read_vacancies(
    principal: PlatformOrAdmin,
    session: SessionDep,
    paging: PageDep,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
) -> Page[VacancyOut]:
    """Vacancies visible to the caller, ordered by id, optionally filtered."""
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
    responses=problem_responses(404),
)
def remove_vacancy(
    vacancy_id: VacancyId, principal: PlatformOrAdmin, session: SessionDep
) -> Response:
    """Delete the vacancy and its recorded outcomes, and drop it from match results."""
    own_vacancy(session, principal, vacancy_id)
    delete_vacancy(session, vacancy_id)
    session.commit()
    return Response(status_code=204)
