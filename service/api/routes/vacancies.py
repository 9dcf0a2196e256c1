"""``/vacancies``: create or replace (one or a batch), patch, read, list and delete job
postings (招聘岗位), with the routes :func:`service.api.record_routes.record_router` builds
for every side (its docstring has the tenant rules both sides follow).

Every change is logged in the store (:mod:`data.store.changes`); each serving process
applies it before its next match.
"""

from __future__ import annotations

from service.api.record_routes import RecordRoutes, record_router
from service.records import VACANCIES

__all__ = ["VACANCY_ROUTES", "router"]

VACANCY_ROUTES = RecordRoutes(
    side=VACANCIES,
    post_description="""
        Store a vacancy: 201 when new, 200 when it replaced the one with the same id *in the
        same tenant* (ids are unique per tenant; another tenant's ``V1`` is another record).

        409 only when a concurrent write to the same id won the race.
    """,
    patch_description="""
        Apply ``patch`` to the stored vacancy and validate the result like a create.

        Leaving ``occupation_code`` alone keeps it (given or coded); setting it to ``null`` has
        the coder fill it from the (new) title.
    """,
    read_summary="One vacancy",
    read_description="""
        The caller's tenant's vacancy with this id (404 if it has none).
    """,
    list_description="""
        Vacancies visible to the caller, ordered by id (then tenant), optionally filtered.
    """,
    delete_summary="Delete a vacancy",
    delete_description="""
        Delete the vacancy and its recorded outcomes, and drop it from match results.
    """,
)
router = record_router(VACANCY_ROUTES)
