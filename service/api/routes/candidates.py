"""``/candidates``: create or replace (one or a batch), patch, read, list and delete job
seekers (求职者).

Contact details and protected attributes are write-only: accepted on POST and stored apart
(:mod:`data.store`), never read back by these routes (responses are :class:`CandidateOut`,
which has no member for them); a replace that omits them keeps the stored ones, ``null``
erases them. Tenant rules as for ``/vacancies`` (ids unique per tenant; admin keys address
a record by id with ``?tenant_id=``, required while several tenants use it). Deleting a candidate
erases it with its personal data and outcomes, and drops it from match results at once.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Request, Response
from sqlalchemy.orm import Session

from data.records import Candidate
from data.store import delete_candidate, get_candidate, list_candidates
from service.api.deps import PageDep, SessionDep
from service.api.routes.vacancies import (
    NATURAL_KEY_PATTERN,
    CityFilter,
    OccupationFilter,
    addressed,
    same_key,
    save,
    save_batch,
    save_patch,
    written,
)
from service.api.security import PlatformOrAdmin, Principal, TenantQuery, tenant_scope
from service.core.errors import NotFound
from service.core.openapi import problem_responses
from service.records import CANDIDATES
from service.schemas.common import Page
from service.schemas.records import PATCH_DESCRIPTION, BatchIn, BatchOut, CandidateIn, CandidateOut

__all__ = ["CandidateId", "own_candidate", "router"]

router = APIRouter(tags=["candidates"])

CandidateId = Annotated[
    str,
    Path(min_length=1, max_length=64, pattern=NATURAL_KEY_PATTERN, description="Candidate id."),
]


def own_candidate(
    session: Session,
    principal: Principal,
    candidate_id: str,
    tenant_id: str | None = None,
    *,
    include_personal: bool = False,
) -> Candidate:
    """The caller's tenant's candidate ``candidate_id`` (admin: of ``tenant_id``); 404 if none.

    Personal data only with ``include_personal`` (for a patch's carry-over, never a reply).
    """
    record = addressed(
        lambda tenant: get_candidate(
            session, candidate_id, tenant, include_personal=include_personal
        ),
        principal,
        tenant_id,
    )
    if not isinstance(record, Candidate):
        raise NotFound(f"No candidate {candidate_id!r}.")
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
def post_candidate(
    body: CandidateIn,
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
) -> CandidateOut:
    """Store a candidate: 201 when new, 200 when it replaced the one with the same id.

    ``contact`` and ``protected`` are stored but never returned; a replace that omits one
    keeps the stored one (``null`` erases it). Ids are unique per tenant: another tenant's
    candidate with this id is another record, never touched. 409 only for a lost race.
    """
    stored = save(CANDIDATES, body, principal, session, request)
    written(stored, CANDIDATES, response)
    return CandidateOut.of(stored.record)  # type: ignore[arg-type]


@router.put(
    "/candidates/{candidate_id}",
    response_model=CandidateOut,
    summary="Replace (or create) the candidate at this id",
    responses={
        201: {"description": "Created", "model": CandidateOut},
        **problem_responses(403, 409, 422),
    },
)
def put_candidate(
    candidate_id: CandidateId,
    body: CandidateIn,
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    response: Response,
) -> CandidateOut:
    """As ``POST /candidates``, addressed by path; the body's ``candidate_id`` must match."""
    same_key(CANDIDATES, body, candidate_id)
    stored = save(CANDIDATES, body, principal, session, request)
    written(stored, CANDIDATES, response)
    return CandidateOut.of(stored.record)  # type: ignore[arg-type]


@router.patch(
    "/candidates/{candidate_id}",
    response_model=CandidateOut,
    summary="Change some fields of a candidate (JSON merge patch)",
    responses=problem_responses(403, 404, 409, 422),
)
def patch_candidate(
    candidate_id: CandidateId,
    patch: Annotated[dict[str, Any], Body(description=PATCH_DESCRIPTION)],
    principal: PlatformOrAdmin,
    session: SessionDep,
    request: Request,
    tenant_id: TenantQuery = None,
) -> CandidateOut:
    """Apply ``patch`` to the stored candidate (``contact`` merges member by member)."""
    current = own_candidate(session, principal, candidate_id, tenant_id, include_personal=True)
    stored = save_patch(CANDIDATES, current, patch, principal, session, request)
    return CandidateOut.of(stored.record)  # type: ignore[arg-type]


@router.post(
    "/candidates:batch",
    response_model=BatchOut,
    summary="Create or replace up to 1,000 candidates, with a result per item",
    responses=problem_responses(403, 413, 422),
)
def batch_candidates(
    body: BatchIn, principal: PlatformOrAdmin, session: SessionDep, request: Request
) -> BatchOut:
    """Each item as ``POST /candidates`` would take it; one item's error leaves the others.

    Valid items are written in one transaction (per item if a concurrent write conflicts).
    """
    return save_batch(CANDIDATES, body, principal, session, request)


@router.get(
    "/candidates/{candidate_id}",
    response_model=CandidateOut,
    summary="One candidate (no contact or protected data)",
    responses=problem_responses(403, 404, 422),
)
def read_candidate(
    candidate_id: CandidateId,
    principal: PlatformOrAdmin,
    session: SessionDep,
    tenant_id: TenantQuery = None,
) -> CandidateOut:
    """The caller's tenant's profile with this id (404 if it has none)."""
    return CandidateOut.of(own_candidate(session, principal, candidate_id, tenant_id))


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
    responses=problem_responses(403, 404, 422),
)
def remove_candidate(
    candidate_id: CandidateId,
    principal: PlatformOrAdmin,
    session: SessionDep,
    tenant_id: TenantQuery = None,
) -> Response:
    """Erase the candidate (profile, contact, protected attributes, outcomes) and drop them
    from match results; another tenant's candidate with the same id is untouched."""
    record = own_candidate(session, principal, candidate_id, tenant_id)
    delete_candidate(session, candidate_id, record.tenant_id)
    session.commit()
    return Response(status_code=204)
