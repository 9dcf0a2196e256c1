"""Offline evaluation on time-held-out outcomes: NDCG@10, MAP, Recall@5, both directions.

Protocol: outcomes are split by time (the last ``test_fraction`` of events are held out);
the engine is fitted on the earlier ones. For each held-out query (a vacancy, or a
candidate) with at least one applied-or-better counterpart, the pool is its engaged
counterparts that pass the hard filter plus ``negatives`` randomly sampled eligible
unengaged ones. Every method ranks the same pool (ties by id); relevance is the funnel
grade (NDCG gain 2^grade − 1), binary relevance for MAP/Recall is "applied or better".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.match.ranker import GRADES
from models.match.training_set import graded_pairs

if TYPE_CHECKING:
    from models.match.engine import ScoreMethod
    from models.match.serving_index import MatchIndex

__all__ = [
    "average_precision",
    "evaluate",
    "ndcg_at_k",
    "recall_at_k",
    "time_split",
]

Floats = npt.NDArray[np.float64]
RELEVANT = GRADES["applied"]


def time_split(
    outcomes: pd.DataFrame, test_fraction: float = 0.2
) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """(train, test, cutoff): events at or after the cutoff quantile are held out."""
    when = pd.to_datetime(outcomes["occurred_at"], utc=True)
    cutoff = pd.Timestamp(when.sort_values().iloc[int((1 - test_fraction) * (len(when) - 1))])
    held_out = (when >= cutoff).to_numpy()
    return outcomes.loc[~held_out], outcomes.loc[held_out], cutoff


def ndcg_at_k(ranked_grades: Sequence[int] | npt.ArrayLike, k: int = 10) -> float:
    """NDCG@k with gains 2^grade − 1 (0 when nothing is relevant)."""
    grades = np.asarray(ranked_grades, dtype=np.float64)
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    gains = (2 ** grades[:k] - 1) @ discounts[: min(k, grades.size)]
    ideal = (2 ** np.sort(grades)[::-1][:k] - 1) @ discounts[: min(k, grades.size)]
    return float(gains / ideal) if ideal > 0 else 0.0


def average_precision(ranked_relevant: Sequence[bool] | npt.ArrayLike) -> float:
    """Average precision of a binary ranked list (0 when nothing is relevant)."""
    hits = np.asarray(ranked_relevant, dtype=bool)
    if not hits.any():
        return 0.0
    precision = np.cumsum(hits) / np.arange(1, hits.size + 1)
    return float(precision[hits].mean())


def recall_at_k(ranked_relevant: Sequence[bool] | npt.ArrayLike, k: int = 5) -> float:
    """Share of the relevant items ranked in the top k."""
    hits = np.asarray(ranked_relevant, dtype=bool)
    return float(hits[:k].sum() / hits.sum()) if hits.any() else 0.0


def _pools(
    index: MatchIndex,
    pairs: pd.DataFrame,
    by: str,
    negatives: int,
    max_queries: int,
    rng: np.random.Generator,
) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
    c, v = index.candidates.arrays, index.vacancies.arrays
    pools = []
    keys = np.asarray(sorted(pairs.loc[pairs["grade"] >= RELEVANT, by].unique()), dtype=object)
    if keys.size > max_queries:
        keys = rng.choice(keys, size=max_queries, replace=False)
    # Index rows mapped once and queries grouped once: per-key filtering and Series.map(dict)
    # inside the loop made evaluation quadratic in the number of outcomes.
    other = "candidate_id" if by == "vacancy_id" else "vacancy_id"
    other_rows = index.candidates.rows if by == "vacancy_id" else index.vacancies.rows
    mapped = pairs.assign(other_row=pairs[other].map(other_rows))
    groups = dict(iter(mapped[mapped[by].isin(set(keys))].groupby(by, sort=False)))
    for key in keys:
        group = groups[key]
        engaged = group["other_row"].to_numpy(np.int64)
        if by == "vacancy_id":
            row = index.vacancies.rows[str(key)]
            eligible = index.eligible_candidates(v, row)
        else:
            row = index.candidates.rows[str(key)]
            eligible = index.eligible_vacancies(c, row)
        inside = np.isin(engaged, eligible)
        grades = group["grade"].to_numpy(np.int64)[inside]
        if not (grades >= RELEVANT).any():
            continue
        rest = np.setdiff1d(eligible, engaged)
        sampled = rng.choice(rest, size=min(negatives, rest.size), replace=False)
        others = np.concatenate([engaged[inside], sampled])
        fixed = np.full(others.size, row, np.int64)
        cr, vr = (others, fixed) if by == "vacancy_id" else (fixed, others)
        pools.append((cr, vr, np.concatenate([grades, np.zeros(sampled.size, np.int64)])))
    return pools


def evaluate(
    index: MatchIndex,
    test_outcomes: pd.DataFrame,
    *,
    methods: Sequence[ScoreMethod] = ("learned", "scorer", "rules", "tfidf"),
    negatives: int = 50,
    max_queries: int = 500,
    random_state: int = 0,
) -> pd.DataFrame:
    """Metrics table: one row per (direction, method)."""
    rng = np.random.default_rng(random_state)
    pairs = graded_pairs(test_outcomes)
    pairs = pairs[
        pairs["candidate_id"].isin(index.candidates.rows.keys())
        & pairs["vacancy_id"].isin(index.vacancies.rows.keys())
    ]
    rows = []
    for direction, by in (
        ("candidates_for_vacancy", "vacancy_id"),
        ("vacancies_for_candidate", "candidate_id"),
    ):
        pools = _pools(index, pairs, by, negatives, max_queries, rng)
        c, v = index.candidates.arrays, index.vacancies.arrays
        for method in methods:
            ndcg, ap, recall = [], [], []
            for cr, vr, grades in pools:
                scores = index.engine.pair_scores(c, cr, v, vr, method, index.vocab)
                ids = c.ids[cr] if by == "vacancy_id" else v.ids[vr]
                order = np.lexsort((ids.astype(str), -np.round(scores, 12)))
                ranked = grades[order]
                ndcg.append(ndcg_at_k(ranked, 10))
                ap.append(average_precision(ranked >= RELEVANT))
                recall.append(recall_at_k(ranked >= RELEVANT, 5))
            rows.append(
                {
                    "direction": direction,
                    "method": method,
                    "queries": len(pools),
                    "ndcg@10": float(np.mean(ndcg)) if ndcg else float("nan"),
                    "map": float(np.mean(ap)) if ap else float("nan"),
                    "recall@5": float(np.mean(recall)) if recall else float("nan"),
                }
            )
    return pd.DataFrame(rows)
