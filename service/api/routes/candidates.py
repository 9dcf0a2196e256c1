"""``/candidates``: create or replace, read, list and delete job seekers (求职者).

Contact details and protected attributes are write-only: accepted on POST and stored apart
(:mod:`data.store`), never read back by these routes (responses are :class:`CandidateOut`,
which has no member for them). Tenant rules as for ``/vacancies``. Deleting a candidate
erases it with its personal data and outcomes, and drops it from match results at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from data.records import Candidate
from data.store import delete_candidate, get_candidate, list_candidates, upsert_candidates
from service.api.deps import PageDep, SessionDep
from service.api.routes.vacancies import (
    NATURAL_KEY_PATTERN,
    CityFilter,
    OccupationFilter,
    checked,
)
from service.api.security import (
    PlatformOrAdmin,
    Principal,
    ensure_tenant,
    tenant_for_write,
    tenant_scope,
)
from service.core.errors import Conflict, NotFound
from service.core.openapi import problem_responses
from service.schemas.common import Page
from service.schemas.records import CandidateIn, CandidateOut

__all__ = ["CandidateId", "own_candidate", "router"]

router = APIRouter(tags=["candidates"])

CandidateId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=NATURAL_KEY_PATTERN, description="Candidate id."),
]


def own_candidate(session: Session, principal: Principal, candidate_id: str) -> Candidate:
    """The stored candidate (no personal data) if ``principal`` may see it; 404 otherwise."""
    missing = f"No candidate {candidate_id!r}."
    record = get_candidate(session, candidate_id)
    if record is None:
        raise NotFound(missing)
    ensure_tenant(principal, record.tenant_id, detail=missing)
    return record


@router.post(
    "/candidates",
    response_model=CandidateOut,
    status_code=201,
    summary="Create or replace a candidate (by candidate_id)",
    responses={
        200: {"description": "Replaced an existing candidate", "model": CandidateOut},
        **problem_responses(403, 409, 422),
    },
)
def put_candidate(
    body: CandidateIn,
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
) -> CandidateOut:
    """Store a candidate: 201 when new, 200 when it replaced the one with the same id.

    ``contact`` and ``protected`` are stored (replacing any earlier ones; omitted = erased)
    but never returned. A platform key cannot take over another tenant's id (409).
    """
    tenant = tenant_for_write(principal, body.tenant_id)
    record = Candidate.model_validate(body.model_dump() | {"tenant_id": tenant})
    checked(record, request)
    existing = get_candidate(session, record.candidate_id)
    if existing is not None and tenant_scope(principal) not in (None, existing.tenant_id):
        raise Conflict(f"candidate_id {record.candidate_id!r} is already in use.")
    try:
        upsert_candidates(session, [record])
        session.commit()
    except IntegrityError as error:  # a concurrent create of the same id won
        session.rollback()
        raise Conflict(f"candidate_id {record.candidate_id!r} was written concurrently.") from error
    response.status_code = 200 if existing is not None else 201
    response.headers["Location"] = f"/candidates/{record.candidate_id}"
    return CandidateOut.of(record)


@router.get(
    "/candidates/{candidate_id}",
    response_model=CandidateOut,
    summary="One candidate (no contact or protected data)",
    responses=problem_responses(404),
)
def read_candidate(
    candidate_id: CandidateId, principal: PlatformOrAdmin, session: SessionDep
) -> CandidateOut:
    """The stored profile (404 if absent or another tenant's)."""
    return CandidateOut.of(own_candidate(session, principal, candidate_id))


@router.get("/candidates", response_model=Page[CandidateOut], summary="List candidates")
def read_candidates(
    principal: PlatformOrAdmin,
    session: SessionDep,
    paging: PageDep,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
) -> Page[CandidateOut]:
    """Candidates visible to the caller, ordered by id; ``occupation_code`` filters on the
    current occupation (an ancestor code selects its descendants)."""
    records, total = list_candidates(
        session,
        tenant_id=tenant_scope(principal),
        city_code=city_code,
        occupation_code=occupation_code,
        offset=paging.offset,
        limit=paging.size,
    )
    return Page[CandidateOut].of([CandidateOut.of(record) for record in records], total, paging)


@router.delete(
    "/candidates/{candidate_id}",
    status_code=204,
    response_class=Response,
    summary="Delete a candidate and all their personal data",
    responses=problem_responses(404),
)
def remove_candidate(
    candidate_id: CandidateId, principal: PlatformOrAdmin, session: SessionDep
) -> Response:
    """Erase the candidate (profile, contact, protected attributes, outcomes) and drop them
    from match results."""
    own_candidate(session, principal, candidate_id)
    delete_candidate(session, candidate_id)
    session.commit()
    return Response(status_code=204)
