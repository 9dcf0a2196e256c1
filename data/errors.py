"""The root of YueCai's domain errors, in the lowest layer so every layer can raise them.

Each layer's errors derive from :class:`DomainError` (the store's, the registry's, the
pipelines'), so a caller can catch "anything YueCai refused" in one ``except``, and the two
edges map them in one place each: the service to problem+json, the CLI to exit codes.
"""

from __future__ import annotations

__all__ = ["DomainError"]


class DomainError(Exception):
    """Something YueCai refuses or cannot do, said in terms of the domain (not a bug)."""
