"""What this service is (``/meta``) and what its problem types mean (``/problems/{slug}``).

A problem body's ``type`` is ``/problems/<slug>``; RFC 9457 asks that it lead to a description
of the problem, which is what these routes serve.
"""

from __future__ import annotations

import inspect

from fastapi import APIRouter, Request
from pydantic import BaseModel

from service.core.errors import PROBLEM_TYPES, NotFound
from service.core.openapi import problem_responses

__all__ = ["Meta", "ProblemType", "router"]

router = APIRouter(tags=["meta"])


class Meta(BaseModel):
    """Name and version of the running service."""

    name: str
    title: str
    version: str


class ProblemType(BaseModel):
    """One problem type a client may receive."""

    type: str
    title: str
    status: int
    description: str


_PROBLEM_TYPES: dict[str, ProblemType] = {
    error.type: ProblemType(
        type=f"/problems/{error.type}",
        title=error.title,
        status=error.status,
        description=(inspect.getdoc(error) or error.title).split("\n\n")[0],
    )
    for error in PROBLEM_TYPES
}


@router.get("/meta", response_model=Meta, summary="Service name and version")
async def meta(request: Request) -> Meta:
    """Name, title and version (from the installed package metadata)."""
    return Meta(name="yuecai", title=request.app.title, version=request.app.version)


@router.get("/problems", response_model=list[ProblemType], summary="All problem types")
async def list_problem_types() -> list[ProblemType]:
    """Every ``type`` an error response may carry."""
    return list(_PROBLEM_TYPES.values())


@router.get(
    "/problems/{slug}",
    response_model=ProblemType,
    summary="One problem type",
    responses=problem_responses(404),
)
async def problem_type(slug: str) -> ProblemType:
    """What the problem ``/problems/{slug}`` means."""
    found = _PROBLEM_TYPES.get(slug)
    if found is None:
        raise NotFound(f"No problem type {slug!r}.")
    return found
