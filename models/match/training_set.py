"""Training rows for the learned ranker: graded outcomes plus sampled "shown" negatives.

For each query (a vacancy, and separately a candidate) with outcomes, the engaged
counterparts carry their best funnel grade (hired 4 … viewed 1) and unengaged *eligible*
counterparts are sampled as grade 0: half from the scorer's top window (the hard
negatives a user would actually have been shown), half uniformly.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import pandas as pd

from models.match.features import pair_features
from models.match.hard import hard_pass
from models.match.ranker import GRADES, expand_features

if TYPE_CHECKING:
    from models.match.engine import MatchEngine
    from models.match.serving_index import MatchIndex

__all__ = ["graded_pairs", "training_rows"]

Rows = npt.NDArray[np.int64]


def graded_pairs(outcomes: pd.DataFrame) -> pd.DataFrame:
    """Best grade per (candidate_id, vacancy_id) from funnel events."""
    events = outcomes["event"].astype(str).str.rsplit(".", n=1).str[-1]
    grade = events.map(GRADES)
    if grade.isna().any():
        unknown = sorted(set(events[grade.isna()]))
        raise ValueError(f"unknown outcome events: {unknown}")
    frame = pd.DataFrame(
        {
            "candidate_id": outcomes["candidate_id"].astype(str),
            "vacancy_id": outcomes["vacancy_id"].astype(str),
            "grade": grade.astype(int),
        }
    )
    best = frame.groupby(["candidate_id", "vacancy_id"])["grade"].max()
    return best.reset_index()


def _negatives(
    engine: MatchEngine,
    eligible: Rows,
    positives: set[int],
    scores: npt.NDArray[np.float64],
    rng: np.random.Generator,
) -> Rows:
    pool = eligible[~np.isin(eligible, list(positives))]
    if pool.size == 0:
        return pool
    hard = int(engine.hard_negative_share * engine.negatives_per_query)
    top = pool[np.argsort(-scores[~np.isin(eligible, list(positives))], kind="stable")[:hard]]
    rest = np.setdiff1d(pool, top)
    size = min(rest.size, engine.negatives_per_query - top.size)
    extra = rng.choice(rest, size=size, replace=False) if rest.size else rest
    return np.concatenate([top, extra])


def _query_rows(
    engine: MatchEngine,
    index: MatchIndex,
    pairs: pd.DataFrame,
    by: str,
    rng: np.random.Generator,
) -> tuple[list[int], list[int], list[int]]:
    """(candidate rows, vacancy rows, grades) for queries keyed by ``by``."""
    cand_rows, vac_rows, grades = [], [], []
    keys = pairs[by].unique()
    if keys.size > engine.max_training_queries:
        keys = rng.choice(keys, size=engine.max_training_queries, replace=False)
    wanted = pairs[pairs[by].isin(set(keys))]
    # Map ids to index rows once: Series.map(dict) rebuilds the dict as a Series on every
    # call, which inside the per-query loop made training quadratic in the index size.
    wanted = wanted.assign(
        candidate_row=wanted["candidate_id"].map(index.candidates.rows).astype(np.int64),
        vacancy_row=wanted["vacancy_id"].map(index.vacancies.rows).astype(np.int64),
    )
    c, v, vocab = index.candidates.arrays, index.vacancies.arrays, index.vocab
    for key, group in wanted.groupby(by, sort=True):
        cr: Rows = group["candidate_row"].to_numpy(dtype=np.int64)
        vr: Rows = group["vacancy_row"].to_numpy(dtype=np.int64)
        # The ranker only ever sees hard-eligible pairs, so it learns only from those.
        ok = hard_pass(c, cr, v, vr, engine.rules(), vocab)
        cr, vr, group = cr[ok], vr[ok], group[ok]
        if not ok.any():
            continue
        if by == "vacancy_id":
            row = index.vacancies.rows[str(key)]
            eligible = index.eligible_candidates(v, row)
            scores = engine.pair_scores(
                c, eligible, v, np.full(eligible.size, row), "scorer", vocab
            )
            negatives = _negatives(engine, eligible, set(cr.tolist()), scores, rng)
            cr = np.concatenate([cr, negatives])
            vr = np.concatenate([vr, np.full(negatives.size, row)])
        else:
            row = index.candidates.rows[str(key)]
            eligible = index.eligible_vacancies(c, row)
            scores = engine.pair_scores(
                c, np.full(eligible.size, row), v, eligible, "scorer", vocab
            )
            negatives = _negatives(engine, eligible, set(vr.tolist()), scores, rng)
            vr = np.concatenate([vr, negatives])
            cr = np.concatenate([cr, np.full(negatives.size, row)])
        cand_rows += cr.tolist()
        vac_rows += vr.tolist()
        grades += group["grade"].tolist() + [GRADES["shown"]] * (len(cr) - len(group))
    return cand_rows, vac_rows, grades


def training_rows(
    engine: MatchEngine, index: MatchIndex, outcomes: pd.DataFrame
) -> tuple[npt.NDArray[np.float64], Rows, Rows, tuple[str, ...]]:
    """(X, grades, query groups, feature names) for :class:`PairwiseLogisticRanker`.

    ``index`` holds the training records (``engine`` is being fitted: its rules, scorer
    and vocabularies are set, its ranker not yet).
    """
    rng = np.random.default_rng(engine.random_state)
    pairs = graded_pairs(outcomes)
    pairs = pairs[
        pairs["candidate_id"].isin(index.candidates.rows.keys())
        & pairs["vacancy_id"].isin(index.vacancies.rows.keys())
    ]
    all_c: list[int] = []
    all_v: list[int] = []
    all_g: list[int] = []
    groups: list[int] = []
    for direction, by in enumerate(("vacancy_id", "candidate_id")):
        cr, vr, g = _query_rows(engine, index, pairs, by, rng)
        query = (np.asarray(vr) if by == "vacancy_id" else np.asarray(cr)) * 2 + direction
        all_c += cr
        all_v += vr
        all_g += g
        groups += query.tolist()
    features = pair_features(
        index.candidates.arrays,
        np.asarray(all_c, np.int64),
        index.vacancies.arrays,
        np.asarray(all_v, np.int64),
        index.vocab,
    )
    X, names = expand_features(features)
    return X, np.asarray(all_g, np.int64), np.asarray(groups, np.int64), names
