"""Congestion control: exposure caps tied to headcount, and batch allocation for job fairs.

Plain top-k sends every seeker to the same few attractive vacancies (a 招聘会 queue at one
booth, none at the next). Two remedies:

* :class:`ExposureTracker` — online: a vacancy drops out of result lists once it has been
  shown ``cap_per_headcount × headcount`` times.
* :func:`allocate` — batch (现场洽谈): seekers × vacancies score matrix → a list per seeker
  maximising total score subject to ``k`` slots per seeker and ``cap × headcount`` shows
  per vacancy. ``method="greedy"`` takes pairs in score order; ``method="lp"`` solves the
  transportation LP with HiGHS' dual simplex (the constraint matrix is totally unimodular,
  so the basic optimal solution is integral: this is the min-cost-flow optimum).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.optimize import linprog

__all__ = ["ExposureTracker", "allocate", "coverage", "exposure_gini", "top_k_lists"]

Floats = npt.NDArray[np.float64]


class ExposureTracker:
    """Counts shows per vacancy and hides vacancies at ``cap_per_headcount × headcount``.

    Parameters
    ----------
    cap_per_headcount : float
        Shows allowed per opening (e.g. 10: a vacancy for 2 people is shown 20 times).
    """

    def __init__(self, cap_per_headcount: float = 10.0) -> None:
        if cap_per_headcount <= 0:
            raise ValueError("cap_per_headcount must be positive")
        self.cap_per_headcount = cap_per_headcount
        self.shown: Counter[str] = Counter()

    def available(
        self, vacancy_ids: npt.ArrayLike, headcounts: npt.ArrayLike
    ) -> npt.NDArray[np.bool_]:
        """Mask of vacancies still under their cap."""
        ids = np.asarray(vacancy_ids, dtype=object)
        shown = np.asarray([self.shown[str(i)] for i in ids], dtype=np.float64)
        cap = self.cap_per_headcount * np.asarray(headcounts, dtype=np.float64)
        return np.asarray(shown < cap)

    def record(self, vacancy_ids: Iterable[str]) -> None:
        """Count one show for each id."""
        self.shown.update(str(i) for i in vacancy_ids)


def exposure_gini(exposures: npt.ArrayLike) -> float:
    """Gini coefficient of per-vacancy exposure counts (0 = even, → 1 = concentrated)."""
    values = np.sort(np.asarray(exposures, dtype=np.float64))
    if values.size == 0 or values.sum() == 0:
        return 0.0
    ranks = np.arange(1, values.size + 1)
    return float(
        (2 * (ranks * values).sum()) / (values.size * values.sum())
        - (values.size + 1) / values.size
    )


def coverage(lists: list[list[int]], eligible: npt.NDArray[np.bool_]) -> float:
    """Share of vacancies with ≥1 suitable seeker that appear in at least one list."""
    suitable = np.flatnonzero(eligible.any(axis=0))
    if suitable.size == 0:
        return 0.0
    shown = {v for items in lists for v in items}
    return float(np.isin(suitable, list(shown)).mean())


def top_k_lists(scores: Floats, eligible: npt.NDArray[np.bool_], k: int) -> list[list[int]]:
    """Baseline: each seeker's own top-k eligible vacancies (ties by vacancy index)."""
    masked = np.where(eligible, scores, -np.inf)
    lists = []
    for row in masked:
        order = np.lexsort((np.arange(row.size), -row))[:k]
        lists.append([int(j) for j in order if np.isfinite(row[j])])
    return lists


def _greedy(
    scores: Floats, eligible: npt.NDArray[np.bool_], k: int, capacity: npt.NDArray[np.int64]
) -> list[list[int]]:
    seekers, vacancies = np.nonzero(eligible)
    order = np.lexsort((vacancies, seekers, -scores[seekers, vacancies]))
    slots = np.full(scores.shape[0], k)
    left = capacity.copy()
    lists: list[list[int]] = [[] for _ in range(scores.shape[0])]
    for i in order:
        s, v = seekers[i], vacancies[i]
        if slots[s] > 0 and left[v] > 0:
            lists[s].append(int(v))
            slots[s] -= 1
            left[v] -= 1
    return lists


def _lp(
    scores: Floats, eligible: npt.NDArray[np.bool_], k: int, capacity: npt.NDArray[np.int64]
) -> list[list[int]]:
    seekers, vacancies = np.nonzero(eligible)
    n = seekers.size
    if n == 0:
        return [[] for _ in range(scores.shape[0])]
    ones = np.ones(n)
    by_seeker = sp.csr_matrix((ones, (seekers, np.arange(n))), shape=(scores.shape[0], n))
    by_vacancy = sp.csr_matrix((ones, (vacancies, np.arange(n))), shape=(scores.shape[1], n))
    # A tiny preference for lower indices makes the optimum unique (determinism).
    tie = 1e-9 * (vacancies / max(scores.shape[1], 1))
    result = linprog(
        -(scores[seekers, vacancies] - tie),
        A_ub=sp.vstack([by_seeker, by_vacancy]),
        b_ub=np.concatenate([np.full(scores.shape[0], k), capacity]),
        bounds=(0, 1),
        method="highs-ds",
    )
    if not result.success:
        raise RuntimeError(f"allocation LP failed: {result.message}")
    chosen = np.flatnonzero(result.x > 0.5)
    lists: list[list[int]] = [[] for _ in range(scores.shape[0])]
    for i in chosen[np.lexsort((vacancies[chosen], -scores[seekers[chosen], vacancies[chosen]]))]:
        lists[int(seekers[i])].append(int(vacancies[i]))
    return lists


def allocate(
    scores: Floats,
    eligible: npt.NDArray[np.bool_],
    *,
    k: int,
    headcount: npt.ArrayLike,
    cap_per_headcount: float = 3.0,
    method: Literal["greedy", "lp"] = "lp",
) -> list[list[int]]:
    """Per-seeker vacancy lists under seeker slots and per-vacancy exposure caps.

    Parameters
    ----------
    scores : (n_seekers, n_vacancies) array
        Match scores.
    eligible : bool array of the same shape
        Hard-requirement eligibility; ineligible pairs are never listed.
    k : int
        List length per seeker.
    headcount : array of n_vacancies ints
        Openings per vacancy; cap = ceil(cap_per_headcount × headcount).
    """
    capacity = np.ceil(cap_per_headcount * np.asarray(headcount, dtype=np.float64)).astype(np.int64)
    solver = _greedy if method == "greedy" else _lp
    return solver(
        np.asarray(scores, dtype=np.float64), np.asarray(eligible, dtype=bool), k, capacity
    )
