"""`MatchEngine`: hard filter → linear scorer → learned re-ranker, in both directions.

The engine is the fitted *model* only (rules, scorer weights, vocabularies, text model,
ranker) and never changes after :meth:`MatchEngine.fit`; what it ranks over is a
:class:`models.match.serving_index.MatchIndex`. Retrieval (in the index) touches only the
partitions that can hold eligible rows and runs the exact vectorised hard filter on them;
:meth:`MatchEngine.rank` scores the survivors with the transparent scorer, re-ranks the
top ``window`` with the learned ranker and returns ``k`` results, ties broken by id.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass, replace
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from models.match.encoding import (
    CandidateArrays,
    VacancyArrays,
    Vocabularies,
    allowed_candidate_frame,
    candidate_texts,
    vacancy_texts,
)
from models.match.features import pair_features
from models.match.hard import HardRules
from models.match.ranker import PairwiseLogisticRanker, expand_features
from models.match.results import MatchResult, Ranked, explain_skills, soft_gaps
from models.match.scorer import RULES_ONLY_WEIGHTS, TFIDF_ONLY_WEIGHTS, LinearScorer
from models.match.serving_index import MatchIndex, RecordsLike, frame_of
from models.match.text import TextModel
from models.match.training_set import training_rows

__all__ = ["MatchEngine", "ScoreMethod"]

Rows = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
ScoreMethod = Literal["learned", "scorer", "rules", "tfidf"]


def ranked_order(scores: Floats, ids: npt.NDArray[np.object_]) -> Rows:
    """Positions sorted by score descending, ties by id ascending (deterministic)."""
    return np.asarray(np.lexsort((ids.astype(str), -np.round(scores, 12))), dtype=np.int64)


@dataclass(eq=False, repr=False)
class MatchEngine(BaseEstimator):
    """Candidate–vacancy matcher (see module docstring).

    Parameters
    ----------
    occupation_level : int
        Shared 大典 level the hard filter requires (2 = same 中类).
    commute_radius_km : float or None
        Accept candidates living within this distance of the vacancy city.
    weights : mapping, optional
        Scorer weights (default :data:`models.match.scorer.DEFAULT_WEIGHTS`).
    window : int
        How many top scorer results the learned ranker re-ranks.
    use_ranker : bool
        Fit and apply the learned re-ranker when outcomes are given.
    negatives_per_query : int
        Unengaged eligible rows sampled per training query as grade 0 ("shown").
    max_training_queries : int
        Cap on training queries per direction.
    hard_negative_share : float
        Share of sampled negatives taken from the scorer's top window rather than uniformly.
    random_state : int
        Seed for negative and pair sampling.
    text_max_features : int
        TF-IDF vocabulary cap.
    """

    _: KW_ONLY
    occupation_level: int = 2
    commute_radius_km: float | None = None
    weights: Mapping[str, float] | None = None
    window: int = 200
    use_ranker: bool = True
    negatives_per_query: int = 20
    max_training_queries: int = 3000
    hard_negative_share: float = 0.0
    random_state: int = 0
    text_max_features: int = 1 << 16

    # ------------------------------------------------------------------ fitting
    def fit(
        self, candidates: RecordsLike, vacancies: RecordsLike, outcomes: pd.DataFrame | None = None
    ) -> Self:
        """Fit the text model on both sides' texts and the ranker on outcomes."""
        self.fit_index(candidates, vacancies, outcomes)
        return self

    def fit_index(
        self, candidates: RecordsLike, vacancies: RecordsLike, outcomes: pd.DataFrame | None = None
    ) -> MatchIndex:
        """:meth:`fit`, returning the index of the training records it fitted on.

        The training index shares the vocabularies while fitting (so the fitted ones know
        the training records' skills and certificates); it gets its own copy before it is
        returned, so writes to it never change the fitted engine.
        """
        all_candidates = frame_of(candidates)
        cand_frame = allowed_candidate_frame(all_candidates)  # text is fitted on features only
        vac_frame = frame_of(vacancies)
        self.rules_ = HardRules(self.occupation_level, self.commute_radius_km)
        self.scorer_ = LinearScorer(self.weights)
        self.vocab_ = Vocabularies()
        self.text_model_ = TextModel(self.text_max_features).fit(
            candidate_texts(cand_frame)
            + vacancy_texts(vac_frame.reindex(columns=["title", "occupation_code", "description"]))
        )
        index = MatchIndex(self, all_candidates, vac_frame, vocab=self.vocab_)
        self.ranker_: PairwiseLogisticRanker | None = None
        if self.use_ranker and outcomes is not None and len(outcomes):
            X, grades, groups, names = training_rows(self, index, outcomes)
            self.ranker_ = PairwiseLogisticRanker(random_state=self.random_state).fit(
                X, grades, groups, names
            )
        self.model_version_ = self._version()
        index.vocab = copy.deepcopy(self.vocab_)
        return index

    def _version(self) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(repr(sorted(self.scorer_.weights.items())).encode())
        digest.update(repr((self.occupation_level, self.commute_radius_km)).encode())
        if self.ranker_ is not None:
            digest.update(np.round(self.ranker_.coef_, 10).tobytes())
        kind = "ranker" if self.ranker_ is not None else "scorer"
        return f"match-{kind}-{digest.hexdigest()[:10]}"

    def rules(self, commute_km: float | None = None) -> HardRules:
        """The fitted hard rules, with a query's commute radius when it gives one.

        A per-query ``commute_km`` replaces the fitted ``commute_radius_km`` for that query
        only: a platform asks "who commutes at most 60 km", the model is not refitted.
        """
        if commute_km is None:
            return self.rules_
        return replace(self.rules_, commute_radius_km=float(commute_km))

    # ------------------------------------------------------------------ scoring
    def pair_scores(
        self,
        c: CandidateArrays,
        cr: Rows,
        v: VacancyArrays,
        vr: Rows,
        method: ScoreMethod = "learned",
        vocab: Vocabularies | None = None,
    ) -> Floats:
        """Scores of aligned pairs by one method (for evaluation and baselines).

        ``vocab`` is the vocabularies the rows were encoded with (an index's; default the
        fitted ones).
        """
        features = pair_features(c, cr, v, vr, self.vocab_ if vocab is None else vocab)
        if method == "rules":
            return LinearScorer(RULES_ONLY_WEIGHTS).score(features)
        if method == "tfidf":
            return LinearScorer(TFIDF_ONLY_WEIGHTS).score(features)
        if method == "learned" and self.ranker_ is not None:
            return self.ranker_.predict_score(expand_features(features)[0])
        return self.scorer_.score(features)

    def rank(
        self,
        c: CandidateArrays,
        cr: Rows,
        v: VacancyArrays,
        vr: Rows,
        other_ids: npt.NDArray[np.object_],
        k: int,
        threshold: float,
        vocab: Vocabularies,
    ) -> Ranked:
        """Score aligned eligible pairs, re-rank the top window, explain the top ``k``.

        ``other_ids`` are the ids of the side being ranked (the tie-break); ``vocab`` the
        vocabularies the rows were encoded with.
        """
        check_is_fitted(self, "model_version_")
        features = pair_features(c, cr, v, vr, vocab)
        base = self.scorer_.score(features)
        window = ranked_order(base, other_ids)[: self.window]
        picked = {name: values[window] for name, values in features.items()}
        if self.ranker_ is not None:
            X = expand_features(picked)[0]
            final = self.ranker_.predict_score(X)
            parts = self.ranker_.contributions(X)
        else:
            final = base[window]
            parts = self.scorer_.components(picked)
        # Scores are reported as ranked: to 12 decimals (ranked_order's tie rule), so a page
        # is sorted by the score it shows even where the ranker's tail underflows (1e-116).
        final = np.round(final, 12)
        order = ranked_order(final, other_ids[window])
        order = order[final[order] >= threshold]
        results = []
        for position in order[:k]:
            i = int(window[position])
            ci, vi = int(cr[i]), int(vr[i])
            matched, missing = explain_skills(c, ci, v, vi, vocab)
            results.append(
                MatchResult(
                    candidate_id=str(c.ids[ci]),
                    vacancy_id=str(v.ids[vi]),
                    score=float(final[position]),
                    components={name: float(values[position]) for name, values in parts.items()},
                    matched_skills=matched,
                    missing_skills=missing,
                    unmet_soft_requirements=soft_gaps(c, ci, v, vi, missing),
                    model_version=self.model_version_,
                )
            )
        return Ranked(results, eligible=int(cr.size))
