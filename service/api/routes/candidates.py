"""``/candidates``: create or replace (one or a batch), patch, read, list and delete job
seekers (求职者), with the routes :func:`service.api.record_routes.record_router` builds for
every side.

Contact details and protected attributes are write-only: accepted on POST and stored apart
(:mod:`data.store`), never read back by these routes (responses are :class:`CandidateOut`,
which has no member for them); a replace that omits them keeps the stored ones, ``null``
erases them. Tenant rules as for ``/vacancies`` (ids unique per tenant; admin keys address
a record by id with ``?tenant_id=``, required while several tenants use it). Deleting a candidate
erases it with its personal data and outcomes, and drops it from match results at once.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated

from sqlalchemy.orm import Session

from data.records import Candidate
from data.store import delete_candidate, get_candidate, list_candidates
from service.api.record_routes import RecordRoutes, key_path, own, record_router
from service.api.security import Principal
from service.records import CANDIDATES
from service.schemas.records import CandidateOut

__all__ = ["CANDIDATE_ROUTES", "CandidateId", "own_candidate", "router"]

CandidateId = Annotated[str, key_path(CANDIDATES)]

CANDIDATE_ROUTES = RecordRoutes[Candidate](
    side=CANDIDATES,
    public=CandidateOut,
    read=get_candidate,
    read_write_only=partial(get_candidate, include_personal=True),
    listing=list_candidates,
    delete=delete_candidate,
    post_description="""
        Store a candidate: 201 when new, 200 when it replaced the one with the same id.

        ``contact`` and ``protected`` are stored but never returned; a replace that omits one
        keeps the stored one (``null`` erases it). Ids are unique per tenant: another tenant's
        candidate with this id is another record, never touched. 409 only for a lost race.
    """,
    patch_description="""
        Apply ``patch`` to the stored candidate (``contact`` merges member by member).
    """,
    read_summary="One candidate (no contact or protected data)",
    read_description="""
        The caller's tenant's profile with this id (404 if it has none).
    """,
    list_description="""
        Candidates visible to the caller, ordered by id; ``occupation_code`` filters on the
        current occupation (an ancestor code selects its descendants).
    """,
    delete_summary="Delete a candidate and all their personal data",
    delete_description="""
        Erase the candidate (profile, contact, protected attributes, outcomes) and drop them
        from match results; another tenant's candidate with the same id is untouched.
    """,
)
router = record_router(CANDIDATE_ROUTES)


def own_candidate(
    session: Session, principal: Principal, candidate_id: str, tenant_id: str | None = None
) -> Candidate:
    """The caller's tenant's candidate ``candidate_id`` (admin: of ``tenant_id``); 404 if none."""
    return own(CANDIDATE_ROUTES, session, principal, candidate_id, tenant_id)
