"""The routes ``/vacancies`` and ``/candidates`` share, written once for both sides.

Both collections answer the same seven operations — create or replace (``POST``), replace
at an id (``PUT``), JSON merge patch (``PATCH``), a batch (``POST …:batch``), read one, list
and delete — with the same tenant rules and the same writing code (:mod:`service.records`).
:func:`record_router` builds those routes from a :class:`RecordRoutes`, which holds only
what differs: the :class:`~service.records.Side`, how the store reads, lists and deletes the
side's records, its public schema, and the texts that are the side's own. Paths, path
parameters (``vacancy_id``, ``candidate_id``), operation ids and documentation are those
each side had when it had its own module.

Ids are unique per tenant: each tenant has its own namespace, so two platforms may both
have a vacancy ``V1`` and each create, read, replace, patch, delete and match its own.
Platform keys work inside their own tenant: what they write is owned by their tenant, and
another tenant's record is, to them, not there (404 on reads; a create of the same id simply
creates their own). Admin keys may write any tenant (the body names it, ``tenant_id``) and
address a record by id with ``?tenant_id=`` (required only while several tenants use the
id: 422 otherwise). Every change is logged in the store (:mod:`data.store.changes`); each
serving process applies it before its next match.
"""

# No ``from __future__ import annotations`` here: the endpoints' annotations name the side's
# own schemas (``side.schema``, ``routes.public``), which FastAPI must see as the classes
# themselves when the routes are built, not as strings to resolve in this module.

import inspect
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Generic

from fastapi import APIRouter, Body, Path, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from data.store.repository import AmbiguousRecordError
from data.vocabulary.codes import CITY_CODE_PATTERN, NATURAL_KEY_PATTERN, OCCUPATION_PREFIX_PATTERN
from service.api.deps import PageDep, SessionDep
from service.api.security import PlatformOrAdmin, Principal
from service.api.tenants import TenantQuery, tenant_for_read, tenant_scope
from service.core.errors import InvalidInput, NotFound
from service.core.openapi import problem_responses
from service.occupation_coding import get_title_coder
from service.records import (
    Incoming,
    ItemResult,
    R,
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
)

__all__ = [
    "CityFilter",
    "OccupationFilter",
    "RecordRoutes",
    "addressed",
    "batch_out",
    "key_path",
    "own",
    "record_router",
    "same_key",
    "save",
    "save_batch",
    "save_patch",
    "written",
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


@dataclass(frozen=True)
class RecordRoutes(Generic[R]):
    """The routes of one side: its :class:`~service.records.Side` and the texts of its own
    (the rest is :func:`record_router`'s). Descriptions are dedented like docstrings."""

    side: Side[R]
    post_description: str
    patch_description: str
    read_summary: str
    read_description: str
    list_description: str
    delete_summary: str
    delete_description: str

    @property
    def plural(self) -> str:
        """The collection's name, as in its path and tag (``candidates``)."""
        return self.side.collection.removeprefix("/")


def key_path(side: Side[Any]) -> Any:
    """The path parameter naming a record of ``side`` (``vacancy_id``, ``candidate_id``)."""
    noun = side.noun.capitalize()
    return Path(
        alias=side.key,
        min_length=1,
        max_length=64,
        pattern=NATURAL_KEY_PATTERN,
        description=f"{noun} id.",
    )


def addressed(
    read: Callable[[str | None], R | None], principal: Principal, tenant_id: str | None
) -> R | None:
    """``read(tenant)`` for the tenant the request addresses (:func:`tenant_for_read`); an
    admin's id used by several tenants, with none named, is a 422 on ``query.tenant_id``."""
    try:
        return read(tenant_for_read(principal, tenant_id))
    except AmbiguousRecordError as error:
        raise InvalidInput(
            "query.tenant_id", "required: several tenants use this id (name one)"
        ) from error


def own(
    side: Side[R],
    session: Session,
    principal: Principal,
    key: str,
    tenant_id: str | None = None,
    *,
    write_only: bool = False,
) -> R:
    """The caller's tenant's record ``key`` (admin: of ``tenant_id``); 404 if none.

    Another tenant's record of that id is never read, so the 404 is the same either way.
    Write-only fields only with ``write_only`` (for a patch's carry-over, never a reply).
    """
    read = side.read if write_only else side.find
    record = addressed(lambda tenant: read(session, key, tenant), principal, tenant_id)
    if record is None:
        raise NotFound(f"No {side.noun} {key!r}.")
    return record


def written(stored: Stored, side: Side[Any], response: Response) -> None:
    """Status 201 for a new record (200 for a replaced one) and its ``Location``."""
    response.status_code = 201 if stored.created else 200
    response.headers["Location"] = f"{side.collection}/{getattr(stored.record, side.key)}"


def same_key(side: Side[Any], incoming: Incoming, path_key: str) -> None:
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


def _context(request: Request) -> dict[str, Any]:
    """This app's metrics and (lazily loaded) title coder, as the writers take them."""
    return {"metrics": request.app.state.metrics, "coder": lambda: get_title_coder(request.app)}


def save(
    side: Side[Any],
    body: Incoming,
    principal: Principal,
    session: Session,
    request: Request,
    **options: Any,
) -> Stored:
    """:func:`service.records.store` with this app's metrics and coder, then commit."""
    stored = store(session, principal, side, body, **_context(request), **options)
    commit(session, side, getattr(stored.record, side.key))
    return stored


def save_patch(
    side: Side[Any],
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
    side: Side[Any], body: BatchIn, principal: Principal, session: Session, request: Request
) -> BatchOut:
    """:func:`service.records.store_batch` with this app's metrics and coder, as a report."""
    results = store_batch(session, principal, side, body.items, **_context(request))
    return batch_out(results, request.url.path)


def _written_responses(status: int, description: str, model: type[BaseModel]) -> dict[Any, Any]:
    """A create-or-replace route's documented responses: the other success, then problems."""
    success = {status: {"description": description, "model": model}}
    return {**success, **problem_responses(403, 409, 422)}


def record_router(routes: RecordRoutes[R]) -> APIRouter:
    """The seven routes of ``routes.side`` (see the module docstring), on one router.

    Each endpoint is named as it was when the side had its own functions
    (``post_candidate``, ``batch_vacancies``, …): FastAPI's operation ids derive from it.
    """
    side, public, plural = routes.side, routes.side.public, routes.plural
    noun, key, collection = side.noun, side.key, side.collection
    item = f"{collection}/{{{key}}}"
    router = APIRouter(tags=[plural])

    def post(
        body: side.schema,  # type: ignore[name-defined]
        principal: PlatformOrAdmin,
        session: SessionDep,
        request: Request,
        response: Response,
    ) -> BaseModel:
        stored = save(side, body, principal, session, request)
        written(stored, side, response)
        return side.shown(stored.record)

    def put(
        record_key: Annotated[str, key_path(side)],
        body: side.schema,  # type: ignore[name-defined]
        principal: PlatformOrAdmin,
        session: SessionDep,
        request: Request,
        response: Response,
    ) -> BaseModel:
        same_key(side, body, record_key)
        return post(body, principal, session, request, response)

    def patch_fields(
        record_key: Annotated[str, key_path(side)],
        patch: Annotated[dict[str, Any], Body(description=PATCH_DESCRIPTION)],
        principal: PlatformOrAdmin,
        session: SessionDep,
        request: Request,
        tenant_id: TenantQuery = None,
    ) -> BaseModel:
        current = own(side, session, principal, record_key, tenant_id, write_only=True)
        stored = save_patch(side, current, patch, principal, session, request)
        return side.shown(stored.record)

    def batch(
        body: BatchIn, principal: PlatformOrAdmin, session: SessionDep, request: Request
    ) -> BatchOut:
        return save_batch(side, body, principal, session, request)

    def read(
        record_key: Annotated[str, key_path(side)],
        principal: PlatformOrAdmin,
        session: SessionDep,
        tenant_id: TenantQuery = None,
    ) -> BaseModel:
        return side.shown(own(side, session, principal, record_key, tenant_id))

    def read_all(
        principal: PlatformOrAdmin,
        session: SessionDep,
        paging: PageDep,
        city_code: CityFilter = None,
        occupation_code: OccupationFilter = None,
    ) -> BaseModel:
        records, total = side.listing(
            session,
            tenant_id=tenant_scope(principal),
            city_code=city_code,
            occupation_code=occupation_code,
            offset=paging.offset,
            limit=paging.size,
        )
        items = [side.shown(record) for record in records]
        return Page[public].of(items, total, paging)  # type: ignore[valid-type]

    def remove(
        record_key: Annotated[str, key_path(side)],
        principal: PlatformOrAdmin,
        session: SessionDep,
        tenant_id: TenantQuery = None,
    ) -> Response:
        record = own(side, session, principal, record_key, tenant_id)
        side.delete(session, record_key, record.tenant_id)
        session.commit()
        return Response(status_code=204)

    router.add_api_route(
        collection,
        post,
        methods=["POST"],
        name=f"post_{noun}",
        response_model=public,
        status_code=201,
        summary=f"Create or replace a {noun} (by {key})",
        description=inspect.cleandoc(routes.post_description),
        responses=_written_responses(200, f"Replaced an existing {noun}", public),
    )
    router.add_api_route(
        item,
        put,
        methods=["PUT"],
        name=f"put_{noun}",
        response_model=public,
        summary=f"Replace (or create) the {noun} at this id",
        description=(
            f"As ``POST {collection}``, addressed by path; the body's ``{key}`` must match."
        ),
        responses=_written_responses(201, "Created", public),
    )
    router.add_api_route(
        item,
        patch_fields,
        methods=["PATCH"],
        name=f"patch_{noun}",
        response_model=public,
        summary=f"Change some fields of a {noun} (JSON merge patch)",
        description=inspect.cleandoc(routes.patch_description),
        responses=problem_responses(403, 404, 409, 422),
    )
    router.add_api_route(
        f"{collection}:batch",
        batch,
        methods=["POST"],
        name=f"batch_{plural}",
        response_model=BatchOut,
        summary=f"Create or replace up to 1,000 {plural}, with a result per item",
        description=(
            f"Each item as ``POST {collection}`` would take it; one item's error leaves the"
            " others.\n\nValid items are written in one transaction (per item if a concurrent"
            " write conflicts)."
        ),
        responses=problem_responses(403, 413, 422),
    )
    router.add_api_route(
        item,
        read,
        methods=["GET"],
        name=f"read_{noun}",
        response_model=public,
        summary=routes.read_summary,
        description=inspect.cleandoc(routes.read_description),
        responses=problem_responses(403, 404, 422),
    )
    router.add_api_route(
        collection,
        read_all,
        methods=["GET"],
        name=f"read_{plural}",
        response_model=Page[public],  # type: ignore[valid-type]
        summary=f"List {plural}",
        description=inspect.cleandoc(routes.list_description),
    )
    router.add_api_route(
        item,
        remove,
        methods=["DELETE"],
        name=f"remove_{noun}",
        status_code=204,
        response_class=Response,
        summary=routes.delete_summary,
        description=inspect.cleandoc(routes.delete_description),
        responses=problem_responses(403, 404, 422),
    )
    return router
