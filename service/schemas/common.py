"""Shapes shared by every route: the list envelope and the RFC 9457 problem body.

``Page[T]`` is what every list endpoint returns, so clients page through vacancies, candidates
or catalogue entries the same way. ``Problem`` documents the ``application/problem+json``
bodies that :mod:`service.core.errors` writes; it is the schema the OpenAPI document shows
for error responses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FieldError", "Page", "PageParams", "Problem"]

ItemT = TypeVar("ItemT")


@dataclass(frozen=True, slots=True)
class PageParams:
    """Validated paging request (``page`` counts from 1).

    Examples
    --------
    >>> PageParams(page=3, size=20).offset
    40
    """

    page: int
    size: int

    @property
    def offset(self) -> int:
        """Rows to skip before this page (for ``OFFSET``)."""
        return (self.page - 1) * self.size


class Page(BaseModel, Generic[ItemT]):
    """One page of a list: ``items`` plus what a client needs to fetch the others.

    Examples
    --------
    >>> Page[int](items=[1, 2], total=7, page=1, size=2).model_dump()
    {'items': [1, 2], 'total': 7, 'page': 1, 'size': 2}
    """

    items: list[ItemT]
    total: int = Field(ge=0, description="Number of items across all pages.")
    page: int = Field(ge=1, description="This page's number, counting from 1.")
    size: int = Field(ge=1, description="Requested page size (the last page may hold fewer).")

    @classmethod
    def of(cls, items: list[ItemT], total: int, params: PageParams) -> Page[ItemT]:
        """Build a page from a query's rows and the ``PageDep`` parameters that produced it."""
        return cls(items=items, total=total, page=params.page, size=params.size)


class FieldError(BaseModel):
    """One invalid input: where it is (dotted location) and what is wrong with it."""

    field: str = Field(examples=["body.base_salary_min", "query.size"])
    reason: str = Field(examples=["Input should be greater than or equal to 0"])


class Problem(BaseModel):
    """RFC 9457 problem details, sent as ``application/problem+json`` for every error."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(
        description="URI reference naming the problem type, e.g. '/problems/not-found'.",
        examples=["/problems/not-found"],
    )
    title: str = Field(description="Short, human-readable summary of the problem type.")
    status: int = Field(ge=400, le=599, description="The HTTP status code.")
    detail: str | None = Field(default=None, description="What went wrong this time.")
    instance: str | None = Field(default=None, description="The request path that failed.")
    request_id: str | None = Field(default=None, description="Echo of the X-Request-ID.")
    errors: list[FieldError] | None = Field(
        default=None, description="Each invalid input, for problems of type invalid-input."
    )
