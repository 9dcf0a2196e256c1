"""Congestion control: exposure caps and batch allocation for job fairs."""

from __future__ import annotations

import numpy as np
import pytest

from models.match import ExposureTracker, allocate, coverage, exposure_gini
from models.match.allocation import top_k_lists


@pytest.mark.parametrize(
    ("counts", "expected"),
    [([5, 5, 5, 5], 0.0), ([0, 0, 0, 12], 0.75), ([], 0.0), ([0, 0], 0.0)],
)
def test_gini_known_values(counts: list[int], expected: float) -> None:
    assert exposure_gini(counts) == pytest.approx(expected)


def _market(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    appeal = rng.random(30) ** 3  # a few star vacancies everyone prefers
    scores = np.clip(0.6 * appeal[None, :] + 0.4 * rng.random((80, 30)), 0, 1)
    eligible = rng.random((80, 30)) < 0.6
    return scores, eligible, rng.integers(1, 4, size=30)


@pytest.mark.parametrize("method", ["greedy", "lp"])
def test_allocation_respects_caps_slots_and_eligibility(method: str) -> None:
    scores, eligible, headcount = _market()
    lists = allocate(scores, eligible, k=5, headcount=headcount, cap_per_headcount=3, method=method)  # type: ignore[arg-type]
    shows = np.bincount([v for items in lists for v in items], minlength=30)
    assert (shows <= np.ceil(3 * headcount)).all()
    assert all(len(items) <= 5 and len(set(items)) == len(items) for items in lists)
    assert all(eligible[s, v] for s, items in enumerate(lists) for v in items)


def test_capped_allocation_spreads_exposure_versus_plain_top_k() -> None:
    scores, eligible, headcount = _market()
    baseline = top_k_lists(scores, eligible, 5)
    capped = allocate(scores, eligible, k=5, headcount=headcount, cap_per_headcount=3)
    greedy = allocate(
        scores, eligible, k=5, headcount=headcount, cap_per_headcount=3, method="greedy"
    )

    def gini(lists: list[list[int]]) -> float:
        return exposure_gini(np.bincount([v for i in lists for v in i], minlength=30))

    def total(lists: list[list[int]]) -> float:
        return float(sum(scores[s, v] for s, items in enumerate(lists) for v in items))

    assert gini(capped) < gini(baseline)
    assert coverage(capped, eligible) >= coverage(baseline, eligible)
    assert total(capped) >= total(greedy) - 1e-9  # LP is optimal under the same caps


def test_exposure_tracker_hides_vacancies_at_cap() -> None:
    tracker = ExposureTracker(cap_per_headcount=2)
    tracker.record(["a", "a", "b"])
    assert tracker.available(["a", "b", "c"], [1, 1, 1]).tolist() == [False, True, True]
    assert tracker.available(["a"], [2]).tolist() == [True]
    with pytest.raises(ValueError, match="positive"):
        ExposureTracker(0)
