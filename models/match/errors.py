"""Errors raised by the matching engine."""

from __future__ import annotations

from data.errors import InvalidDataError, NotFoundError

__all__ = ["InsufficientData", "UnknownRecord"]


class InsufficientData(InvalidDataError):
    """A profile lacks the minimum fields to be scored; no score is made up for it.

    A candidate needs a desired or current occupation code, or some resume text; a vacancy
    needs an occupation code, or a title/description.
    """


class UnknownRecord(NotFoundError, KeyError):
    """An id that is not (or no longer) in the index."""
