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

from service.api.record_routes import RecordRoutes, record_router
from service.records import CANDIDATES

__all__ = ["CANDIDATE_ROUTES", "router"]

CANDIDATE_ROUTES = RecordRoutes(
    side=CANDIDATES,
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
