"""Fill a missing occupation code from the title: the hook import and the record API call.

``data`` may not import ``models``, so the coder comes in from the caller (``training`` or
``service``) as anything with ``code(titles, contexts)`` returning items with ``code``,
``confidence`` and ``needs_review`` (:class:`models.occupation_coder.TitleCoder`). A record
that brings its own code keeps it (source ``given``); one without is coded (source
``coded``) and flagged ``occupation_needs_review`` below the coder's threshold.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from data.records import Vacancy

__all__ = ["CodedLike", "TitleCoding", "code_missing_occupation"]


class CodedLike(Protocol):
    """What the hook reads from one coded title."""

    @property
    def code(self) -> str: ...
    @property
    def confidence(self) -> float: ...
    @property
    def needs_review(self) -> bool: ...


class TitleCoding(Protocol):
    """A coder: titles (and optional posting text) → one coded item per title."""

    def code(
        self, titles: Sequence[str], contexts: Sequence[str] | None = None
    ) -> Sequence[CodedLike]: ...


def _context(vacancy: Vacancy) -> str:
    return " ".join([vacancy.description[:500], *vacancy.skills])


def code_missing_occupation(
    vacancies: Sequence[Vacancy], coder: Callable[[], TitleCoding]
) -> list[Vacancy]:
    """The vacancies with ``occupation_code`` filled where missing and the source recorded.

    ``coder`` is a factory (``lambda: coder`` for a built one), called only when some
    vacancy lacks a code, so an import whose rows all carry codes never builds one.
    """
    missing = [i for i, v in enumerate(vacancies) if v.occupation_code is None]
    given = {
        "occupation_code_source": "given",
        "occupation_confidence": None,
        "occupation_needs_review": False,
    }
    out = [v if v.occupation_code is None else v.model_copy(update=given) for v in vacancies]
    if not missing:
        return out
    resolved = coder()
    coded = resolved.code(
        [vacancies[i].title for i in missing], [_context(vacancies[i]) for i in missing]
    )
    for i, item in zip(missing, coded, strict=True):
        out[i] = vacancies[i].model_copy(
            update={
                "occupation_code": item.code,
                "occupation_code_source": "coded",
                "occupation_confidence": round(float(item.confidence), 4),
                "occupation_needs_review": bool(item.needs_review),
            }
        )
    return out
