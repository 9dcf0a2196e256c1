"""Scoring coded titles against labels that may only specify a coarse level.

The cscoder test cases label some titles only at 小类/中类/大类 by padding with ``-00``
(``2-02-00-00`` = 中类 ``2-02``). We score every case only at the levels its label actually
specifies: a ``2-02-00-00`` case counts for 中类 and 大类 accuracy but not for 小类 or 细类.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

__all__ = ["ancestor", "expected_level", "ranked_accuracy"]

_PREFIX_LENGTH = {1: 1, 2: 4, 3: 7, 4: 10}


def expected_level(code: str, known_codes: Collection[str]) -> tuple[str, int]:
    """The code a label really specifies and its level (0 for a blank label).

    A ``-00`` segment is a real 大典 segment when the padded code exists in the taxonomy
    (``6-31-05-00`` 包装工 is a 细类); otherwise it is padding and we drop it.

    Examples
    --------
    >>> expected_level("2-02-00-00", {"2", "2-02"})
    ('2-02', 2)
    >>> expected_level("6-31-05-00", {"6-31-05-00"})
    ('6-31-05-00', 4)
    """
    parts = code.strip().split("-") if code.strip() else []
    while parts:
        candidate = "-".join(parts)
        if candidate in known_codes or parts[-1] != "00":
            return candidate, len(parts)
        parts.pop()
    return "", 0


def ancestor(code: str, level: int) -> str:
    """Prefix of ``code`` at ``level`` (codes nest by prefix); the code itself if coarser."""
    return code[: _PREFIX_LENGTH[level]]


def ranked_accuracy(
    ranked: Sequence[Sequence[str]],
    expected: Sequence[str],
    levels: Sequence[int],
    level: int,
    k: int,
) -> tuple[float, int]:
    """Top-``k`` accuracy at ``level`` over the cases whose label specifies that level.

    ``ranked`` holds each title's leaf codes, best first; they are mapped to their ancestors
    at ``level`` and de-duplicated before taking the first ``k``. Returns (accuracy, n cases).
    """
    hits = total = 0
    for codes, truth, truth_level in zip(ranked, expected, levels, strict=True):
        if truth_level < level:
            continue
        total += 1
        distinct = list(
            dict.fromkeys(ancestor(c, level) for c in codes if len(c) >= _PREFIX_LENGTH[level])
        )
        hits += ancestor(truth, level) in distinct[:k]
    return (hits / total if total else float("nan")), total
