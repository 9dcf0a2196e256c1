"""``POST /occupations/code``: free job titles → 大典 2022 细类 with calibrated confidence."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from service.api.security import require_roles
from service.core.openapi import problem_responses
from service.occupation_coding import get_title_coder

__all__ = ["router"]

router = APIRouter(prefix="/occupations", tags=["occupations"])


class TitleIn(BaseModel):
    """One posting to code: its title and, if known, description/industry/skills text."""

    title: str = Field(min_length=1, max_length=200, examples=["急招电焊工（包吃住）"])
    description: str | None = Field(default=None, max_length=5000)


class CodeRequest(BaseModel):
    """A batch of up to 1,000 titles."""

    items: list[TitleIn] = Field(min_length=1, max_length=1000)


class Alternative(BaseModel):
    """One of the best three 细类 with its raw model probability."""

    code: str
    name: str
    probability: float


class CodedOut(BaseModel):
    """The 细类, its calibrated confidence, whether a person should check it, the top 3."""

    title: str
    occupation_code: str
    occupation_name: str
    confidence: float = Field(ge=0, le=1)
    needs_review: bool
    top: list[Alternative]


class CodeResponse(BaseModel):
    """One coded item per input item, in order."""

    items: list[CodedOut]
    review_threshold: float


@router.post(
    "/code",
    response_model=CodeResponse,
    summary="Code free job titles to 职业分类大典 2022 细类",
    responses=problem_responses(422),
    dependencies=[require_roles("platform", "planner")],
)
def code_titles(body: CodeRequest, request: Request) -> CodeResponse:
    """Code each title; confidence below ``review_threshold`` is flagged ``needs_review``."""
    coder = get_title_coder(request.app)
    titles = [item.title for item in body.items]
    contexts = [item.description or "" for item in body.items]
    coded = coder.code(titles, contexts if any(contexts) else None)
    return CodeResponse(
        items=[
            CodedOut(
                title=title,
                occupation_code=item.code,
                occupation_name=item.name,
                confidence=item.confidence,
                needs_review=item.needs_review,
                top=[Alternative(code=c, name=n, probability=p) for c, n, p in item.top],
            )
            for title, item in zip(titles, coded, strict=True)
        ],
        review_threshold=coder.review_threshold,
    )
