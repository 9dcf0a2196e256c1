"""Learned re-ranker: pairwise logistic regression with sign constraints, exactly additive.

Why this model: its logit is linear in engineered features (base features plus a few
products), so per-feature contributions are exact; weights of skill, text and occupation
features are constrained to be ≥ 0 (L-BFGS-B bounds), which guarantees e.g. that adding a
required skill the candidate has can never lower the score. It is trained on graded
relevance (hired 4 > interviewed 3 > applied 2 > viewed 1 > shown 0) with a RankNet-style
loss over pairs of the same query, then a monotone 1-D logistic calibration maps the logit
to P(applied or better), so the score lies in [0, 1] and ranks exactly as the pairwise model.

Contributions in probability space: with logit ``z = b + Σ wᵢxᵢ`` and ``p = σ(z)``,
``base_rate = σ(b)`` and ``contribution_i = wᵢxᵢ · (σ(z) − σ(b)) / (z − b)``; they sum to
``p`` exactly and keep each term's sign.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_is_fitted

from models.match.features import BASE_FEATURES

__all__ = ["GRADES", "INTERACTIONS", "PairwiseLogisticRanker", "expand_features"]

Floats = npt.NDArray[np.float64]

GRADES: dict[str, int] = {"shown": 0, "viewed": 1, "applied": 2, "interviewed": 3, "hired": 4}
INTERACTIONS: tuple[tuple[str, str], ...] = (
    ("text_similarity", "occupation_proximity"),
    ("skill_coverage", "occupation_proximity"),
    ("skill_coverage", "experience_fit"),
    ("text_similarity", "skill_coverage"),
    ("salary_fit", "proximity"),
    ("location_preference", "occupation_proximity"),
)
# Features whose weight may take either sign (their effect is an empirical question).
UNCONSTRAINED: frozenset[str] = frozenset(
    {
        "qualification_surplus",
        "salary_fit",
        "proximity",
        "experience_fit",
        "location_preference",
        "salary_fit×proximity",
    }
)


def expand_features(features: Mapping[str, Floats]) -> tuple[Floats, tuple[str, ...]]:
    """Design matrix (base features then interactions) and its column names."""
    names = [*BASE_FEATURES, *(f"{a}×{b}" for a, b in INTERACTIONS)]
    columns = [features[name] for name in BASE_FEATURES]
    columns += [features[a] * features[b] for a, b in INTERACTIONS]
    return np.column_stack(columns).astype(np.float64), tuple(names)


def _pairs(
    grades: npt.NDArray[np.int64],
    groups: npt.NDArray[np.int64],
    limit: int,
    rng: np.random.Generator,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """(better, worse) row pairs within each group, at most ``limit`` per group."""
    better_rows: list[npt.NDArray[np.int64]] = []
    worse_rows: list[npt.NDArray[np.int64]] = []
    order = np.argsort(groups, kind="stable")
    bounds = np.flatnonzero(np.diff(groups[order])) + 1
    for members in np.split(order, bounds):
        g = grades[members]
        i, j = np.nonzero(g[:, None] > g[None, :])
        if i.size > limit:
            keep = rng.choice(i.size, size=limit, replace=False)
            i, j = i[keep], j[keep]
        better_rows.append(members[i])
        worse_rows.append(members[j])
    if not better_rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(better_rows), np.concatenate(worse_rows)


class PairwiseLogisticRanker(BaseEstimator):
    """Sign-constrained pairwise logistic ranker (see module docstring).

    Parameters
    ----------
    alpha : float
        L2 penalty on the weights.
    max_pairs_per_query : int
        Cap on sampled pairs per query, so a few busy queries do not dominate.
    random_state : int
        Seed for pair sampling.
    """

    def __init__(
        self, alpha: float = 1e-3, max_pairs_per_query: int = 400, random_state: int = 0
    ) -> None:
        self.alpha = alpha
        self.max_pairs_per_query = max_pairs_per_query
        self.random_state = random_state

    def fit(
        self,
        X: Floats,
        grades: npt.ArrayLike,
        groups: npt.ArrayLike,
        feature_names: tuple[str, ...],
    ) -> PairwiseLogisticRanker:
        """Fit on rows ``X`` with graded relevance, pairs formed within ``groups``."""
        X = np.asarray(X, dtype=np.float64)
        grade = np.asarray(grades, dtype=np.int64)
        group = np.asarray(groups, dtype=np.int64)
        if X.ndim != 2 or X.shape[1] != len(feature_names) or len(grade) != len(X):
            raise ValueError("X, grades, groups and feature_names disagree in shape")
        better, worse = _pairs(
            grade, group, self.max_pairs_per_query, np.random.default_rng(self.random_state)
        )
        if better.size == 0:
            raise ValueError("no comparable pairs: every query has a single relevance grade")
        diff = X[better] - X[worse]
        weight = (grade[better] - grade[worse]).astype(np.float64)
        weight /= weight.sum()

        def loss(w: Floats) -> tuple[float, Floats]:
            margin = diff @ w
            value = float(weight @ np.logaddexp(0.0, -margin)) + self.alpha * float(w @ w)
            gradient = -(diff.T @ (weight / (1.0 + np.exp(margin)))) + 2 * self.alpha * w
            return value, gradient

        bounds = [(None, None) if n in UNCONSTRAINED else (0.0, None) for n in feature_names]
        result = minimize(
            loss, np.full(X.shape[1], 0.1), jac=True, method="L-BFGS-B", bounds=bounds
        )
        direction = np.asarray(result.x, dtype=np.float64)
        calibrator = LogisticRegression(C=1e4)
        calibrator.fit((X @ direction)[:, None], (grade >= GRADES["applied"]).astype(int))
        slope = max(float(calibrator.coef_[0, 0]), 1e-3)  # calibration must stay monotone
        self.coef_ = slope * direction
        self.intercept_ = float(calibrator.intercept_[0])
        self.feature_names_ = feature_names
        self.n_pairs_ = int(better.size)
        return self

    def decision_function(self, X: Floats) -> Floats:
        """Logit of P(applied or better)."""
        check_is_fitted(self, "coef_")
        return np.asarray(X @ self.coef_ + self.intercept_, dtype=np.float64)

    def predict_score(self, X: Floats) -> Floats:
        """Calibrated score in [0, 1]."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.decision_function(X))))

    def contributions(self, X: Floats) -> dict[str, Floats]:
        """Exactly additive contributions (plus ``base_rate``) summing to the score."""
        check_is_fitted(self, "coef_")
        logit_parts = X * self.coef_
        z_minus_b = logit_parts.sum(axis=1)
        base = 1.0 / (1.0 + np.exp(-self.intercept_))
        score = 1.0 / (1.0 + np.exp(-(z_minus_b + self.intercept_)))
        tiny = np.abs(z_minus_b) < 1e-12
        scale = np.where(tiny, base * (1 - base), (score - base) / np.where(tiny, 1.0, z_minus_b))
        parts = {name: logit_parts[:, i] * scale for i, name in enumerate(self.feature_names_)}
        parts["base_rate"] = np.full(len(X), base)
        return parts
