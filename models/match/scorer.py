"""Transparent linear scorer: score = Σ weight × feature, components add up to the score.

Weights are non-negative and sum to 1 and every feature lies in [0, 1], so the score does
too, and each component (weight × feature) *is* the explanation.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from models.match.features import BASE_FEATURES

__all__ = ["DEFAULT_WEIGHTS", "RULES_ONLY_WEIGHTS", "TFIDF_ONLY_WEIGHTS", "LinearScorer"]

Floats = npt.NDArray[np.float64]

DEFAULT_WEIGHTS: dict[str, float] = {
    "text_similarity": 0.25,
    "occupation_proximity": 0.20,
    "skill_coverage": 0.15,
    "skill_jaccard": 0.05,
    "qualification_surplus": 0.05,
    "salary_fit": 0.10,
    "proximity": 0.05,
    "experience_fit": 0.10,
    "location_preference": 0.05,
}
# Baselines for the offline evaluation: the structured heuristic alone, and text alone.
RULES_ONLY_WEIGHTS: dict[str, float] = {
    name: weight / (1 - DEFAULT_WEIGHTS["text_similarity"])
    for name, weight in DEFAULT_WEIGHTS.items()
    if name != "text_similarity"
}
TFIDF_ONLY_WEIGHTS: dict[str, float] = {"text_similarity": 1.0}


class LinearScorer:
    """Weighted sum of pair features.

    Parameters
    ----------
    weights : mapping of str to float, optional
        Non-negative weights over :data:`~models.match.features.BASE_FEATURES`, summing
        to 1 (default :data:`DEFAULT_WEIGHTS`).
    """

    def __init__(self, weights: Mapping[str, float] | None = None) -> None:
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        unknown = set(self.weights) - set(BASE_FEATURES)
        if unknown:
            raise ValueError(f"unknown features in weights: {sorted(unknown)}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("weights must be non-negative")
        if not np.isclose(sum(self.weights.values()), 1.0):
            raise ValueError("weights must sum to 1")

    def components(self, features: Mapping[str, Floats]) -> dict[str, Floats]:
        """Per-feature contributions (weight × feature); they sum to :meth:`score`."""
        return {name: weight * features[name] for name, weight in self.weights.items()}

    def score(self, features: Mapping[str, Floats]) -> Floats:
        """Total score in [0, 1]."""
        parts = list(self.components(features).values())
        return np.asarray(np.sum(parts, axis=0), dtype=np.float64)
