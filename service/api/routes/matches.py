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

# No ``from __future__ import annotations`` here: the profile routes' body annotation is the
# matched side's own schema (``side.schema``), which FastAPI must see as the class itself.

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic

from fastapi import APIRouter, Depends, Query, Request

from data.levels import Education
from data.occupation_coding import code_missing_occupation
from data.records import Candidate, Vacancy
from models.match import Ranked
from service.api.deps import MetricsDep, PageDep, SessionDep
from service.api.record_routes import CityFilter, OccupationFilter, key_path, own
from service.api.security import PlatformOrAdmin
from service.api.tenants import TenantQuery, tenant_scope
from service.core.errors import Forbidden
from service.core.metrics import AppMetrics
from service.core.openapi import problem_responses
from service.matching import MatchRequest, MatchService, match_service
from service.occupation_coding import get_title_coder
from service.records import CANDIDATES, VACANCIES, Incoming, R, Side, check_record
from service.schemas.common import PageParams
from service.schemas.matches import MatchOut, MatchPage, OccupationCoding

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


def candidate_filters(
    min_education: Annotated[
        Education | None,
        Query(description="Minimum education (0 初中 … 5 博士); skill equivalence counts."),
    ] = None,
    min_experience_years: Annotated[int | None, Query(ge=0, le=60)] = None,
) -> dict[str, Any]:
    """The query filters only candidates have (a dependency of the routes that find them)."""
    return {"min_education": min_education, "min_experience_years": min_experience_years}


def vacancy_filters(
    min_salary: Annotated[
        int | None, Query(ge=0, le=1_000_000, description="Salary ceiling at least this.")
    ] = None,
) -> dict[str, Any]:
    """The query filters only vacancies have (a dependency of the routes that find them)."""
    return {"min_salary": min_salary}


@dataclass(frozen=True)
class Direction(Generic[R]):
    """One way of matching: the record matched against (``subject``, of type ``R``) and what
    the results are filtered and ranked by. ``name`` is the engine's query, the latency
    metric's label and (with ``_profile``) the endpoints' names, hence their operation ids.
    """

    name: str
    subject: Side[R]
    filters: Callable[..., dict[str, Any]]
    rank: Callable[[MatchService, R, MatchRequest, bool], Ranked]
    stored_description: str
    profile_description: str

    @property
    def found(self) -> str:
        """What the results are (``candidates``)."""
        return self.name.split("_for_")[0]


def _ranked(
    request: Request,
    metrics: AppMetrics,
    direction: Direction[R],
    record: R,
    wanted: MatchRequest,
    *,
    stored: bool,
) -> Ranked:
    """Run the engine, recording its latency and the live model version for Prometheus."""
    service = match_service(request.app)
    began = time.perf_counter()
    results = direction.rank(service, record, wanted, stored)
    metrics.match_latency.labels(direction=direction.name).observe(time.perf_counter() - began)
    if service.version is not None:
        metrics.set_model_info("match", service.version)
    return results


def _wanted(
    principal: PlatformOrAdmin,
    city_code: str | None,
    occupation_code: str | None,
    threshold: float,
    commute_km: float | None,
    own_filters: dict[str, Any],
) -> MatchRequest:
    """The request every match route builds from its query: the caller's tenant, the common
    filters, and the direction's own (education and experience for candidates, salary for
    vacancies)."""
    return MatchRequest(
        tenant_id=tenant_scope(principal),
        city_codes=None if city_code is None else (city_code,),
        occupation_prefix=occupation_code,
        threshold=threshold,
        commute_km=commute_km,
        **own_filters,
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
        not_open=results.not_open,
        page=paging.page,
        size=paging.size,
        occupation_coding=coding,
    )


def _profile(principal: PlatformOrAdmin, incoming: Incoming) -> dict[str, object]:
    """The body as a record's fields, in the caller's tenant (a platform may name only its own)."""
    scope = tenant_scope(principal)
    if scope is not None and incoming.tenant_id not in (None, scope):
        raise Forbidden("A platform key may only match its own tenant's records.")
    return incoming.model_dump() | {"tenant_id": scope or incoming.tenant_id or "public"}


def _coded(record: R, request: Request) -> tuple[R, OccupationCoding | None]:
    """A vacancy without ``occupation_code`` coded from its title as on create, with what the
    coder chose (for the page to say so); a candidate as it is."""
    if isinstance(record, Candidate):
        return record, None
    (coded,) = code_missing_occupation([record], lambda: get_title_coder(request.app))
    return coded, OccupationCoding.of(coded)


def add_match_routes(router: APIRouter, direction: Direction[R]) -> None:
    """``GET {collection}/{id}/matches`` (a stored record) and ``POST /matches/<name>`` (a
    profile in the body, never stored) for ``direction``, on ``router``."""
    side = direction.subject
    OwnFilters = Annotated[dict[str, Any], Depends(direction.filters)]

    def stored(
        record_key: Annotated[str, key_path(side)],
        principal: PlatformOrAdmin,
        session: SessionDep,
        own_filters: OwnFilters,
        paging: PageDep,
        request: Request,
        metrics: MetricsDep,
        threshold: Threshold = 0.0,
        city_code: CityFilter = None,
        occupation_code: OccupationFilter = None,
        max_commute_km: CommuteKm = None,
        tenant_id: TenantQuery = None,
    ) -> MatchPage:
        record = own(direction.subject, session, principal, record_key, tenant_id)
        session.close()  # release the connection before the (CPU-bound) ranking
        wanted = _wanted(
            principal, city_code, occupation_code, threshold, max_commute_km, own_filters
        )
        results = _ranked(request, metrics, direction, record, wanted, stored=True)
        return _page(results, paging, threshold)

    def profile(
        body: side.schema,  # type: ignore[name-defined]
        principal: PlatformOrAdmin,
        own_filters: OwnFilters,
        paging: PageDep,
        request: Request,
        metrics: MetricsDep,
        threshold: Threshold = 0.0,
        city_code: CityFilter = None,
        occupation_code: OccupationFilter = None,
        max_commute_km: CommuteKm = None,
    ) -> MatchPage:
        record = direction.subject.record.model_validate(_profile(principal, body))
        record, coding = _coded(record, request)
        check_record(record, metrics)
        wanted = _wanted(
            principal, city_code, occupation_code, threshold, max_commute_km, own_filters
        )
        results = _ranked(request, metrics, direction, record, wanted, stored=False)
        return _page(results, paging, threshold, coding)

    noun, found = side.noun, direction.found
    router.add_api_route(
        f"{side.collection}/{{{side.key}}}/matches",
        stored,
        methods=["GET"],
        name=direction.name,
        response_model=MatchPage,
        summary=f"Ranked {found} for a {noun}",
        description=direction.stored_description,
        responses=problem_responses(403, 404, 422, 503),
    )
    router.add_api_route(
        f"/matches/{direction.name.replace('_', '-')}",
        profile,
        methods=["POST"],
        name=f"{direction.name}_profile",
        response_model=MatchPage,
        summary=f"Ranked {found} for a {noun} given in the body (not stored)",
        description=inspect.cleandoc(direction.profile_description),
        responses=problem_responses(403, 422, 503),
    )


CANDIDATES_FOR_VACANCY = Direction[Vacancy](
    name="candidates_for_vacancy",
    subject=VACANCIES,
    filters=candidate_filters,
    rank=lambda service, vacancy, wanted, stored: service.candidates_for_vacancy(
        vacancy, wanted, MATCH_RESULT_CAP, stored=stored
    ),
    stored_description="Candidates meeting every hard requirement of the vacancy, best first.",
    profile_description="""
        Candidates meeting every hard requirement of the posted vacancy, best first.

        The vacancy is validated as on create (an ``occupation_code`` left out is coded from
        the title, and ``occupation_coding`` reports the code, its confidence and whether it
        needs review) and never stored or indexed.
    """,
)
VACANCIES_FOR_CANDIDATE = Direction[Candidate](
    name="vacancies_for_candidate",
    subject=CANDIDATES,
    filters=vacancy_filters,
    rank=lambda service, candidate, wanted, stored: service.vacancies_for_candidate(
        candidate, wanted, MATCH_RESULT_CAP, stored=stored
    ),
    stored_description="Vacancies whose hard requirements the candidate meets, best first.",
    profile_description="""
        Vacancies whose hard requirements the posted candidate meets, best first.

        The candidate is validated as on create and never stored or indexed; its contact and
        protected data are not used.
    """,
)
add_match_routes(router, CANDIDATES_FOR_VACANCY)
add_match_routes(router, VACANCIES_FOR_CANDIDATE)
