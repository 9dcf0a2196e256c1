"""``/vacancies/{id}/matches`` and ``/candidates/{id}/matches``: ranked, explained pairs.

Every result meets all hard requirements; ``components`` of each add up to its ``score``.
A record lacking what scoring needs is a 422 ``insufficient-data`` problem (no score is made
up), and before any model is trained the routes answer 503 saying how to train one. Platform
keys only ever see their own tenant's records, on either side. Results are deterministic:
equal scores are ordered by id. Ids are unique per tenant: the record matched is the
caller's tenant's (admin: ``?tenant_id=``, needed while several tenants use the id), and
each result names its records' tenants (``candidate_tenant_id``, ``vacancy_tenant_id``).

``POST /matches/candidates-for-vacancy`` and ``POST /matches/vacancies-for-candidate``
rank a profile given in the body without storing it: the body is validated exactly as on
create (same schema, taxonomy checks, a vacancy without ``occupation_code`` coded from its
title), then matched like a stored record — same hard filters, lifecycle, scoring and
explanations — and nothing is written to the store or the index. Results only ever come
from the caller's tenant (all tenants for an admin). When the posted vacancy was coded
from its title, the page says so (``occupation_coding``: code, confidence, needs_review).

``max_commute_km`` (every match route) also admits pairs across city boundaries whose
candidate home city and vacancy city are at most that far apart: great-circle distance
between the cities' seats (cities.csv lon/lat). districts.csv has no coordinates and a
candidate has no district, so a district is approximated by its city's seat; two places in
one city are always at distance 0.

Paging and ``total`` (:class:`service.schemas.matches.MatchPage`): ``total`` is the number
of eligible pairs after every hard filter, the lifecycle and the request's filters (not
capped at the window); with ``threshold`` > 0 it is the number of ranked pairs at or above
the threshold. The engine re-ranks a bounded window of the best hard-filtered pairs (its
``window``, 200 by default); ``ranked`` says how many are served, pages past it are empty.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, Request

from data.levels import Education
from data.occupation_coding import code_missing_occupation
from data.records import Candidate, Vacancy
from models.match import Ranked
from service.api.deps import MetricsDep, PageDep, SessionDep
from service.api.record_routes import CityFilter, OccupationFilter
from service.api.routes.candidates import CandidateId, own_candidate
from service.api.routes.vacancies import VacancyId, own_vacancy
from service.api.security import PlatformOrAdmin, TenantQuery, tenant_scope
from service.core.errors import Forbidden
from service.core.metrics import AppMetrics
from service.core.openapi import problem_responses
from service.matching import MatchRequest, MatchService, match_service
from service.occupation_coding import get_title_coder
from service.records import check_record
from service.schemas.common import PageParams
from service.schemas.matches import MatchOut, MatchPage, OccupationCoding
from service.schemas.records import CandidateIn, VacancyIn

__all__ = ["MATCH_RESULT_CAP", "router"]

MATCH_RESULT_CAP = 1000  # results asked of the engine; it returns at most its window
router = APIRouter(tags=["matches"])

Threshold = Annotated[
    float, Query(ge=0.0, le=1.0, description="Minimum score (scores lie in [0, 1]).")
]
CommuteKm = Annotated[
    float | None,
    Query(
        ge=0.0,
        le=300.0,
        description=(
            "Also match across city boundaries: candidate home and vacancy at most this many"
            " km apart (great-circle distance between the two cities' seats in"
            " data/taxonomies/cities.csv; districts carry no coordinates, so a district is"
            " approximated by its city's seat — 东莞→深圳 is about 60 km)."
        ),
    ),
]
_ERRORS = problem_responses(403, 404, 422, 503)


def _ranked(
    request: Request,
    metrics: AppMetrics,
    direction: str,
    rank: Callable[[MatchService], Ranked],
) -> Ranked:
    """Run the engine, recording its latency and the live model version for Prometheus."""
    service = match_service(request.app)
    began = time.perf_counter()
    results = rank(service)
    metrics.match_latency.labels(direction=direction).observe(time.perf_counter() - began)
    if service.version is not None:
        metrics.set_model_info("match", service.version)
    return results


def _wanted(
    principal: PlatformOrAdmin,
    city_code: str | None,
    occupation_code: str | None,
    threshold: float,
    commute_km: float | None,
    *,
    min_education: Education | None = None,
    min_experience_years: int | None = None,
    min_salary: int | None = None,
) -> MatchRequest:
    """The request every match route builds from its query: the caller's tenant, the common
    filters, and the direction's own (education and experience for candidates, salary for
    vacancies)."""
    return MatchRequest(
        tenant_id=tenant_scope(principal),
        city_codes=None if city_code is None else (city_code,),
        occupation_prefix=occupation_code,
        min_education=min_education,
        min_experience_years=min_experience_years,
        min_salary=min_salary,
        threshold=threshold,
        commute_km=commute_km,
    )


def _page(
    results: Ranked,
    paging: PageParams,
    threshold: float,
    coding: OccupationCoding | None = None,
) -> MatchPage:
    window = results[paging.offset : paging.offset + paging.size]
    return MatchPage(
        items=[MatchOut.of(result) for result in window],
        total=results.eligible if threshold == 0.0 else len(results),
        ranked=len(results),
        page=paging.page,
        size=paging.size,
        occupation_coding=coding,
    )


@router.get(
    "/vacancies/{vacancy_id}/matches",
    response_model=MatchPage,
    summary="Ranked candidates for a vacancy",
    responses=_ERRORS,
)
def candidates_for_vacancy(
    vacancy_id: VacancyId,
    principal: PlatformOrAdmin,
    session: SessionDep,
    paging: PageDep,
    request: Request,
    metrics: MetricsDep,
    threshold: Threshold = 0.0,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
    min_education: Annotated[
        Education | None,
        Query(description="Minimum education (0 初中 … 5 博士); skill equivalence counts."),
    ] = None,
    min_experience_years: Annotated[int | None, Query(ge=0, le=60)] = None,
    max_commute_km: CommuteKm = None,
    tenant_id: TenantQuery = None,
) -> MatchPage:
    """Candidates meeting every hard requirement of the vacancy, best first."""
    vacancy = own_vacancy(session, principal, vacancy_id, tenant_id)
    session.close()  # release the connection before the (CPU-bound) ranking
    wanted = _wanted(
        principal,
        city_code,
        occupation_code,
        threshold,
        max_commute_km,
        min_education=min_education,
        min_experience_years=min_experience_years,
    )
    results = _ranked(
        request,
        metrics,
        "candidates_for_vacancy",
        lambda service: service.candidates_for_vacancy(vacancy, wanted, MATCH_RESULT_CAP),
    )
    return _page(results, paging, threshold)


@router.get(
    "/candidates/{candidate_id}/matches",
    response_model=MatchPage,
    summary="Ranked vacancies for a candidate",
    responses=_ERRORS,
)
def vacancies_for_candidate(
    candidate_id: CandidateId,
    principal: PlatformOrAdmin,
    session: SessionDep,
    paging: PageDep,
    request: Request,
    metrics: MetricsDep,
    threshold: Threshold = 0.0,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
    min_salary: Annotated[
        int | None, Query(ge=0, le=1_000_000, description="Salary ceiling at least this.")
    ] = None,
    max_commute_km: CommuteKm = None,
    tenant_id: TenantQuery = None,
) -> MatchPage:
    """Vacancies whose hard requirements the candidate meets, best first."""
    candidate = own_candidate(session, principal, candidate_id, tenant_id)
    session.close()
    wanted = _wanted(
        principal,
        city_code,
        occupation_code,
        threshold,
        max_commute_km,
        min_salary=min_salary,
    )
    results = _ranked(
        request,
        metrics,
        "vacancies_for_candidate",
        lambda service: service.vacancies_for_candidate(candidate, wanted, MATCH_RESULT_CAP),
    )
    return _page(results, paging, threshold)


def _profile(principal: PlatformOrAdmin, incoming: VacancyIn | CandidateIn) -> dict[str, object]:
    """The body as a record's fields, in the caller's tenant (a platform may name only its own)."""
    scope = tenant_scope(principal)
    if scope is not None and incoming.tenant_id not in (None, scope):
        raise Forbidden("A platform key may only match its own tenant's records.")
    return incoming.model_dump() | {"tenant_id": scope or incoming.tenant_id or "public"}


@router.post(
    "/matches/candidates-for-vacancy",
    response_model=MatchPage,
    summary="Ranked candidates for a vacancy given in the body (not stored)",
    responses=problem_responses(403, 422, 503),
)
def candidates_for_vacancy_profile(
    body: VacancyIn,
    principal: PlatformOrAdmin,
    paging: PageDep,
    request: Request,
    metrics: MetricsDep,
    threshold: Threshold = 0.0,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
    min_education: Annotated[Education | None, Query()] = None,
    min_experience_years: Annotated[int | None, Query(ge=0, le=60)] = None,
    max_commute_km: CommuteKm = None,
) -> MatchPage:
    """Candidates meeting every hard requirement of the posted vacancy, best first.

    The vacancy is validated as on create (an ``occupation_code`` left out is coded from
    the title, and ``occupation_coding`` reports the code, its confidence and whether it
    needs review) and never stored or indexed.
    """
    vacancy = Vacancy.model_validate(_profile(principal, body))
    (vacancy,) = code_missing_occupation([vacancy], lambda: get_title_coder(request.app))
    check_record(vacancy, metrics)
    wanted = _wanted(
        principal,
        city_code,
        occupation_code,
        threshold,
        max_commute_km,
        min_education=min_education,
        min_experience_years=min_experience_years,
    )
    results = _ranked(
        request,
        metrics,
        "candidates_for_vacancy",
        lambda service: service.candidates_for_vacancy(
            vacancy, wanted, MATCH_RESULT_CAP, stored=False
        ),
    )
    return _page(results, paging, threshold, OccupationCoding.of(vacancy))


@router.post(
    "/matches/vacancies-for-candidate",
    response_model=MatchPage,
    summary="Ranked vacancies for a candidate given in the body (not stored)",
    responses=problem_responses(403, 422, 503),
)
def vacancies_for_candidate_profile(
    body: CandidateIn,
    principal: PlatformOrAdmin,
    paging: PageDep,
    request: Request,
    metrics: MetricsDep,
    threshold: Threshold = 0.0,
    city_code: CityFilter = None,
    occupation_code: OccupationFilter = None,
    min_salary: Annotated[int | None, Query(ge=0, le=1_000_000)] = None,
    max_commute_km: CommuteKm = None,
) -> MatchPage:
    """Vacancies whose hard requirements the posted candidate meets, best first.

    The candidate is validated as on create and never stored or indexed; its contact and
    protected data are not used.
    """
    candidate = Candidate.model_validate(_profile(principal, body))
    check_record(candidate, metrics)
    wanted = _wanted(
        principal,
        city_code,
        occupation_code,
        threshold,
        max_commute_km,
        min_salary=min_salary,
    )
    results = _ranked(
        request,
        metrics,
        "vacancies_for_candidate",
        lambda service: service.vacancies_for_candidate(
            candidate, wanted, MATCH_RESULT_CAP, stored=False
        ),
    )
    return _page(results, paging, threshold)
