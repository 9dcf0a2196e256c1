"""YueCai's domain errors: one tree, rooted in the lowest layer so every layer can raise them.

::

    DomainError                       something YueCai refuses or cannot do (not a bug)
    ├── InvalidDataError (ValueError) the input cannot be used: a file, a value
    │   ├── PeriodError               a period label that does not parse, or that the data
    │   │                             does not reach ('2026Q5', a quarter after the last record)
    │   └── InsufficientDataError     too little data to answer (a profile with nothing to
    │                                 match on, a store too empty to forecast)
    ├── NotFoundError (LookupError)   no such key, indicator, artifact, record
    ├── ConflictError                 the request contradicts stored state (an edition is immutable)
    └── UnavailableError              a resource the work needs is missing or unusable
                                      (a font, an artifact that fails its hash, a sealing key)

Each layer's errors derive from one of these branches (the builtin base kept beside it, so
existing ``except ValueError`` / ``except LookupError`` callers keep working). The two edges
map the branches in one place each: :data:`EXIT_CODES` for the CLI (``training.cli.main``)
and ``service.core.errors`` for problem+json. A command catches a narrower class only where
it has something better to say (``yuecai catalogue publish`` a :class:`PeriodError`, never any
``ValueError`` of the whole build).

>>> exit_code(PeriodError("period '2026Q5' must look like '2026Q4', '2026-11' or '2026'"))
2
>>> exit_code(NotFoundError("no key k1"))
3
"""

from __future__ import annotations

__all__ = [
    "EXIT_CODES",
    "ConflictError",
    "DomainError",
    "InsufficientDataError",
    "InvalidDataError",
    "NotFoundError",
    "PeriodError",
    "UnavailableError",
    "exit_code",
]


class DomainError(Exception):
    """Something YueCai refuses or cannot do, said in terms of the domain (not a bug)."""


class InvalidDataError(DomainError, ValueError):
    """The input cannot be used as given (a malformed file, period or value)."""


class PeriodError(InvalidDataError):
    """A period label that does not parse, or a period the data does not reach."""


class InsufficientDataError(InvalidDataError):
    """Too little data to answer: a record with nothing to score, a store too empty to fit."""


class NotFoundError(DomainError, LookupError):
    """The thing named does not exist."""


class ConflictError(DomainError):
    """The request contradicts what is stored (e.g. changing a published edition)."""


class UnavailableError(DomainError):
    """A resource the work needs is missing or unusable (font, artifact, key)."""


EXIT_CODES: dict[type[DomainError], int] = {
    InvalidDataError: 2,
    NotFoundError: 3,
    ConflictError: 4,
    UnavailableError: 5,
    DomainError: 1,
}
"""CLI exit code of each branch (the most specific match wins; 2 is also click's usage error)."""


def exit_code(error: DomainError) -> int:
    """The exit code of ``error``'s branch (:data:`EXIT_CODES`)."""
    for kind in type(error).__mro__:
        if kind in EXIT_CODES:
            return EXIT_CODES[kind]
    return 1
