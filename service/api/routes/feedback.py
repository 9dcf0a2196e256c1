"""``/feedback``: funnel events (viewed → applied → interviewed → hired) for retraining.

Events are stored with :func:`data.store.insert_outcomes`, keyed on candidate, vacancy,
event and time, so a retried POST records nothing new (200 instead of 201). Both ends must
be the caller's tenant's, one tenant for both (404 otherwise, as if they did not exist).
Admins read the events back with ``GET /feedback``.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from data.records import MatchOutcome
from data.store import insert_outcomes
from data.store.convert import outcome_from_row
from data.store.repository import OUTCOMES
from data.vocabulary.codes import NATURAL_KEY_PATTERN
from service.api.deps import PageDep, SessionDep
from service.api.record_routes import own
from service.api.security import AdminOnly, PlatformOrAdmin
from service.core.openapi import problem_responses
from service.records import CANDIDATES, VACANCIES
from service.schemas.common import Page
from service.schemas.records import FeedbackIn, FeedbackOut

__all__ = ["router"]

router = APIRouter(tags=["feedback"])

IdFilter = Annotated[str | None, Query(min_length=1, max_length=64, pattern=NATURAL_KEY_PATTERN)]


@router.post(
    "/feedback",
    response_model=FeedbackOut,
    status_code=201,
    summary="Record a funnel event for a candidate–vacancy pair",
    responses={
        200: {"description": "Already recorded (nothing changed)", "model": FeedbackOut},
        **problem_responses(404, 422),
    },
)
def post_feedback(
    body: FeedbackIn, principal: PlatformOrAdmin, session: SessionDep, response: Response
) -> FeedbackOut:
    """Record the event once: 201 when new, 200 when the same event was already stored."""
    candidate = own(CANDIDATES, session, principal, body.candidate_id, body.tenant_id)
    # Both ends in one tenant (ids are unique per tenant): the vacancy of the candidate's.
    own(VACANCIES, session, principal, body.vacancy_id, candidate.tenant_id)
    outcome = MatchOutcome.model_validate(body.model_dump() | {"tenant_id": candidate.tenant_id})
    try:
        created = insert_outcomes(session, [outcome]).inserted > 0
        session.commit()
    except IntegrityError:  # the same event, stored concurrently: already recorded
        session.rollback()
        created = False
    response.status_code = 201 if created else 200
    return FeedbackOut.model_validate(outcome.model_dump() | {"created": created})


@router.get(
    "/feedback",
    response_model=Page[MatchOutcome],
    summary="Recorded funnel events (admin)",
)
def list_feedback(
    principal: AdminOnly,
    session: SessionDep,
    paging: PageDep,
    vacancy_id: IdFilter = None,
    candidate_id: IdFilter = None,
    tenant_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=NATURAL_KEY_PATTERN,
            description="Only this tenant's events (ids are unique per tenant only).",
        ),
    ] = None,
) -> Page[MatchOutcome]:
    """Events in the order they occurred, optionally for one vacancy and/or candidate (of
    every tenant using the id, unless ``tenant_id`` names one)."""
    conditions = []
    if tenant_id is not None:
        conditions.append(OUTCOMES.c.tenant_id == tenant_id)
    if vacancy_id is not None:
        conditions.append(OUTCOMES.c.vacancy_id == vacancy_id)
    if candidate_id is not None:
        conditions.append(OUTCOMES.c.candidate_id == candidate_id)
    total = session.execute(select(func.count()).select_from(OUTCOMES).where(*conditions))
    query = (
        select(OUTCOMES)
        .where(*conditions)
        .order_by(OUTCOMES.c.occurred_at, OUTCOMES.c.id)
        .offset(paging.offset)
        .limit(paging.size)
    )
    items = [outcome_from_row(row) for row in session.execute(query).mappings()]
    return Page[MatchOutcome].of(items, int(total.scalar_one()), paging)
