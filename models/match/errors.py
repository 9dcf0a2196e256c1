"""Errors raised by the matching engine."""

from __future__ import annotations

from data.errors import InsufficientDataError, NotFoundError

__all__ = ["UnknownRecord", "UnscorableProfile"]


class UnscorableProfile(InsufficientDataError):
    """A profile lacks the minimum fields to be scored; no score is made up for it.

    A candidate needs a desired or current occupation code, some resume text or a skill; a
    vacancy needs a given occupation code (or one the title coder is confident about, i.e.
    not ``occupation_needs_review``), a meaningful title/description (boilerplate such as
    "急招" normalises to nothing) or a skill.
    """


class UnknownRecord(NotFoundError, KeyError):
    """An id that is not (or no longer) in the index."""
