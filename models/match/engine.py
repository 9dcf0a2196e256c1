"""`MatchEngine`: hard filter → linear scorer → learned re-ranker, in both directions.

Retrieval touches only the partitions that can hold eligible rows, runs the exact
vectorised hard filter on them, scores the survivors with the transparent scorer, re-ranks
the top ``window`` with the learned ranker and returns ``k`` results, ties broken by id.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from typing import Any, Literal, Self

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from models.match.allocation import ExposureTracker
from models.match.encoding import (
    CandidateArrays,
    VacancyArrays,
    Vocabularies,
    allowed_candidate_frame,
    candidate_texts,
    concat_arrays,
    encode_candidates,
    encode_vacancies,
    records_frame,
    take_rows,
    vacancy_texts,
)
from models.match.errors import InsufficientData, UnknownRecord
from models.match.features import pair_features
from models.match.hard import REASON_LABELS, HardReason, HardRules, hard_checks, hard_pass
from models.match.index import (
    Partitions,
    candidate_partition_keys,
    candidate_query_keys,
    vacancy_partition_keys,
    vacancy_query_keys,
)
from models.match.lifecycle import available_mask, epoch_days, open_mask
from models.match.ranker import PairwiseLogisticRanker, expand_features
from models.match.results import (
    MatchFilters,
    MatchResult,
    Ranked,
    apply_filters,
    explain_skills,
    soft_gaps,
)
from models.match.scorer import RULES_ONLY_WEIGHTS, TFIDF_ONLY_WEIGHTS, LinearScorer
from models.match.text import TextModel
from models.match.training_set import training_rows

__all__ = ["MatchEngine", "ScoreMethod"]

Rows = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
ScoreMethod = Literal["learned", "scorer", "rules", "tfidf"]
COMPACT_MIN_DEAD = 256
COMPACT_DEAD_SHARE = 0.05
"""An upsert appends a row and tombstones the replaced one, a removal tombstones; once the
tombstones reach ``max(COMPACT_MIN_DEAD, COMPACT_DEAD_SHARE × rows)`` they are dropped and
the partitions rebuilt, so an index under steady writes stays within 5 % of its live size
(each upsert copies the arrays anyway, so compacting every ≥256 writes costs little)."""
RecordsLike = pd.DataFrame | Iterable[BaseModel | Mapping[str, Any]]


def _worth_compacting(active: npt.NDArray[np.bool_]) -> bool:
    dead = int(active.size - np.count_nonzero(active))
    return dead > 0 and dead >= max(COMPACT_MIN_DEAD, COMPACT_DEAD_SHARE * active.size)


def _frame(records: RecordsLike) -> pd.DataFrame:
    return records if isinstance(records, pd.DataFrame) else records_frame(records)


def ranked_order(scores: Floats, ids: npt.NDArray[np.object_]) -> Rows:
    """Positions sorted by score descending, ties by id ascending (deterministic)."""
    return np.asarray(np.lexsort((ids.astype(str), -np.round(scores, 12))), dtype=np.int64)


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

    def __init__(
        self,
        *,
        occupation_level: int = 2,
        commute_radius_km: float | None = None,
        weights: Mapping[str, float] | None = None,
        window: int = 200,
        use_ranker: bool = True,
        negatives_per_query: int = 20,
        max_training_queries: int = 3000,
        hard_negative_share: float = 0.0,
        random_state: int = 0,
        text_max_features: int = 1 << 16,
    ) -> None:
        self.occupation_level = occupation_level
        self.commute_radius_km = commute_radius_km
        self.weights = weights
        self.window = window
        self.use_ranker = use_ranker
        self.negatives_per_query = negatives_per_query
        self.max_training_queries = max_training_queries
        self.hard_negative_share = hard_negative_share
        self.random_state = random_state
        self.text_max_features = text_max_features

    # ------------------------------------------------------------------ fitting / indexing
    def fit(
        self, candidates: RecordsLike, vacancies: RecordsLike, outcomes: pd.DataFrame | None = None
    ) -> Self:
        """Fit the text model on both sides' texts, index both, fit the ranker on outcomes."""
        cand_frame = allowed_candidate_frame(_frame(candidates))
        vac_frame = _frame(vacancies)
        self.rules_ = HardRules(self.occupation_level, self.commute_radius_km)
        self.scorer_ = LinearScorer(self.weights)
        self.vocab_ = Vocabularies()
        self.text_model_ = TextModel(self.text_max_features).fit(
            candidate_texts(cand_frame)
            + vacancy_texts(vac_frame.reindex(columns=["title", "occupation_code", "description"]))
        )
        self.index_candidates(cand_frame)
        self.index_vacancies(vac_frame)
        self.ranker_: PairwiseLogisticRanker | None = None
        if self.use_ranker and outcomes is not None and len(outcomes):
            X, grades, groups, names = training_rows(self, outcomes)
            self.ranker_ = PairwiseLogisticRanker(random_state=self.random_state).fit(
                X, grades, groups, names
            )
        self.model_version_ = self._version()
        return self

    def _version(self) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(repr(sorted(self.scorer_.weights.items())).encode())
        digest.update(repr((self.occupation_level, self.commute_radius_km)).encode())
        if self.ranker_ is not None:
            digest.update(np.round(self.ranker_.coef_, 10).tobytes())
        kind = "ranker" if self.ranker_ is not None else "scorer"
        return f"match-{kind}-{digest.hexdigest()[:10]}"

    def index_candidates(self, candidates: RecordsLike) -> Self:
        """Replace the candidate index (texts transformed once, vectors precomputed)."""
        check_is_fitted(self, "text_model_")
        self._file_candidates(encode_candidates(_frame(candidates), self.vocab_, self.text_model_))
        return self

    def _file_candidates(self, arrays: CandidateArrays) -> None:
        """Serve ``arrays`` (every row active): partitions and the id → row map from them."""
        self.candidates_ = arrays
        self.candidate_parts_ = Partitions(*candidate_partition_keys(arrays, self.vocab_))
        self.candidate_rows_ = {str(i): r for r, i in enumerate(arrays.ids)}

    def index_vacancies(self, vacancies: RecordsLike) -> Self:
        """Replace the vacancy index."""
        check_is_fitted(self, "text_model_")
        self._file_vacancies(encode_vacancies(_frame(vacancies), self.vocab_, self.text_model_))
        return self

    def _file_vacancies(self, arrays: VacancyArrays) -> None:
        self.vacancies_ = arrays
        self.vacancy_parts_ = Partitions(*vacancy_partition_keys(arrays, self.vocab_))
        self.vacancy_rows_ = {str(i): r for r, i in enumerate(arrays.ids)}

    def _compact(self) -> None:
        """Drop the tombstoned rows of either side once there are enough of them."""
        if _worth_compacting(self.candidates_.active):
            self._file_candidates(take_rows(self.candidates_, self.candidates_.active))
        if _worth_compacting(self.vacancies_.active):
            self._file_vacancies(take_rows(self.vacancies_, self.vacancies_.active))

    def upsert_candidates(self, candidates: RecordsLike) -> None:
        """Add (or replace, by id) candidates without rebuilding the index."""
        new = encode_candidates(_frame(candidates), self.vocab_, self.text_model_)
        for candidate_id in new.ids:
            self.remove_candidate(str(candidate_id), missing_ok=True)
        offset = len(self.candidates_.ids)
        self.candidates_ = concat_arrays(self.candidates_, new)
        self.candidate_parts_.extend(*candidate_partition_keys(new, self.vocab_, offset))
        self.candidate_rows_.update({str(i): offset + r for r, i in enumerate(new.ids)})
        self._compact()

    def upsert_vacancies(self, vacancies: RecordsLike) -> None:
        """Add (or replace, by id) vacancies without rebuilding the index."""
        new = encode_vacancies(_frame(vacancies), self.vocab_, self.text_model_)
        for vacancy_id in new.ids:
            self.remove_vacancy(str(vacancy_id), missing_ok=True)
        offset = len(self.vacancies_.ids)
        self.vacancies_ = concat_arrays(self.vacancies_, new)
        self.vacancy_parts_.extend(*vacancy_partition_keys(new, self.vocab_, offset))
        self.vacancy_rows_.update({str(i): offset + r for r, i in enumerate(new.ids)})
        self._compact()

    def record_hires(self, hires: Mapping[str, int]) -> None:
        """Set how many candidates each indexed vacancy has hired (filled = headcount)."""
        for vacancy_id, count in hires.items():
            row = self.vacancy_rows_.get(vacancy_id)
            if row is not None:
                self.vacancies_.hires[row] = count

    def record_candidate_hires(self, hired_on: Mapping[str, date]) -> None:
        """Set each indexed candidate's latest hire day (hired since registering = taken)."""
        for candidate_id, day in hired_on.items():
            row = self.candidate_rows_.get(candidate_id)
            if row is not None:
                self.candidates_.hired_on[row] = epoch_days(day)

    def remove_candidate(self, candidate_id: str, *, missing_ok: bool = False) -> bool:
        """Drop a candidate from results (tombstone); False if it was not indexed."""
        row = self.candidate_rows_.pop(candidate_id, None)
        if row is None:
            if missing_ok:
                return False
            raise UnknownRecord(candidate_id)
        self.candidates_.active[row] = False
        self._compact()
        return True

    def remove_vacancy(self, vacancy_id: str, *, missing_ok: bool = False) -> bool:
        """Drop a vacancy from results (tombstone); False if it was not indexed."""
        row = self.vacancy_rows_.pop(vacancy_id, None)
        if row is None:
            if missing_ok:
                return False
            raise UnknownRecord(vacancy_id)
        self.vacancies_.active[row] = False
        self._compact()
        return True

    # ------------------------------------------------------------------ query resolution
    def _vacancy(self, vacancy: str | BaseModel | Mapping[str, Any]) -> tuple[VacancyArrays, int]:
        if isinstance(vacancy, str):
            if vacancy not in self.vacancy_rows_:
                raise UnknownRecord(vacancy)
            arrays, row = self.vacancies_, self.vacancy_rows_[vacancy]
        else:
            arrays = encode_vacancies(records_frame([vacancy]), self.vocab_, self.text_model_)
            row = 0
        if not arrays.scorable[row]:
            raise InsufficientData(
                "vacancy has nothing to match on: no occupation code (or only a low-confidence"
                " guess from the title), no meaningful title/description and no skills"
            )
        return arrays, row

    def _candidate(
        self, candidate: str | BaseModel | Mapping[str, Any]
    ) -> tuple[CandidateArrays, int]:
        if isinstance(candidate, str):
            if candidate not in self.candidate_rows_:
                raise UnknownRecord(candidate)
            arrays, row = self.candidates_, self.candidate_rows_[candidate]
        else:
            arrays = encode_candidates(records_frame([candidate]), self.vocab_, self.text_model_)
            row = 0
        if not arrays.scorable[row]:
            raise InsufficientData(
                "candidate has nothing to match on: no desired/current occupation, no resume"
                " text and no skills"
            )
        return arrays, row

    def _rules(self, commute_km: float | None) -> HardRules:
        """The fitted hard rules, with a query's commute radius when it gives one.

        A per-query ``commute_km`` replaces the fitted ``commute_radius_km`` for that query
        only: a platform asks "who commutes at most 60 km", the model is not refitted.
        """
        if commute_km is None:
            return self.rules_
        return replace(self.rules_, commute_radius_km=float(commute_km))

    def eligible_candidates(
        self, v: VacancyArrays, row: int, *, commute_km: float | None = None
    ) -> Rows:
        """Indexed, active, scorable candidate rows passing every hard requirement."""
        rules = self._rules(commute_km)
        low, high = candidate_query_keys(
            v, row, self.vocab_, rules.occupation_level, rules.commute_radius_km
        )
        rows = self.candidate_parts_.lookup(low, high)
        c = self.candidates_
        rows = rows[c.active[rows] & c.scorable[rows]]
        ok = hard_pass(c, rows, v, np.full(rows.size, row, np.int64), rules, self.vocab_)
        return rows[ok]

    def eligible_vacancies(
        self, c: CandidateArrays, row: int, *, commute_km: float | None = None
    ) -> Rows:
        """Indexed, active, scorable vacancy rows whose hard requirements the candidate meets."""
        rules = self._rules(commute_km)
        low, high = vacancy_query_keys(
            c, row, self.vocab_, rules.occupation_level, rules.commute_radius_km
        )
        rows = self.vacancy_parts_.lookup(low, high)
        v = self.vacancies_
        rows = rows[v.active[rows] & v.scorable[rows]]
        ok = hard_pass(c, np.full(rows.size, row, np.int64), v, rows, rules, self.vocab_)
        return rows[ok]

    # ------------------------------------------------------------------ scoring
    def pair_scores(
        self,
        c: CandidateArrays,
        cr: Rows,
        v: VacancyArrays,
        vr: Rows,
        method: ScoreMethod = "learned",
    ) -> Floats:
        """Scores of aligned pairs by one method (for evaluation and baselines)."""
        features = pair_features(c, cr, v, vr, self.vocab_)
        if method == "rules":
            return LinearScorer(RULES_ONLY_WEIGHTS).score(features)
        if method == "tfidf":
            return LinearScorer(TFIDF_ONLY_WEIGHTS).score(features)
        if method == "learned" and self.ranker_ is not None:
            return self.ranker_.predict_score(expand_features(features)[0])
        return self.scorer_.score(features)

    def _rank(
        self,
        c: CandidateArrays,
        cr: Rows,
        v: VacancyArrays,
        vr: Rows,
        other_ids: npt.NDArray[np.object_],
        k: int,
        threshold: float,
    ) -> Ranked:
        features = pair_features(c, cr, v, vr, self.vocab_)
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
            matched, missing = explain_skills(c, ci, v, vi, self.vocab_)
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

    def candidates_for_vacancy(
        self,
        vacancy: str | BaseModel | Mapping[str, Any],
        k: int = 20,
        *,
        filters: MatchFilters | None = None,
        threshold: float = 0.0,
        open_on: date | None = None,
        commute_km: float | None = None,
    ) -> Ranked:
        """Top-``k`` eligible candidates for a vacancy (an indexed id or a record).

        The result's ``eligible`` counts every candidate passing the hard requirements
        and ``filters`` (:class:`~models.match.results.Ranked`).

        With ``open_on``, a vacancy not open that day (closed, expired, filled, not yet
        posted: :mod:`models.match.lifecycle`) gets no candidates, and only candidates
        available that day (registered, not hired since) are returned. ``commute_km`` also
        admits candidates whose home city seat lies within that great-circle distance of
        the vacancy's city seat (:meth:`_rules`).
        """
        check_is_fitted(self, "model_version_")
        v, row = self._vacancy(vacancy)
        if open_on is not None and not open_mask(v, np.asarray([row]), open_on)[0]:
            return Ranked()
        rows = self.eligible_candidates(v, row, commute_km=commute_km)
        if open_on is not None:
            rows = rows[available_mask(self.candidates_, rows, open_on)]
        if filters is not None:
            rows = apply_filters(self.candidates_, rows, filters, self.vocab_)
        vr = np.full(rows.size, row, np.int64)
        return self._rank(self.candidates_, rows, v, vr, self.candidates_.ids[rows], k, threshold)

    def vacancies_for_candidate(
        self,
        candidate: str | BaseModel | Mapping[str, Any],
        k: int = 20,
        *,
        filters: MatchFilters | None = None,
        threshold: float = 0.0,
        exposure: ExposureTracker | None = None,
        open_on: date | None = None,
        commute_km: float | None = None,
    ) -> Ranked:
        """Top-``k`` vacancies whose hard requirements a candidate meets.

        With ``open_on``, only vacancies open that day (:mod:`models.match.lifecycle`), and
        none for a candidate not available that day (hired since registering, or not yet
        registered);
        ``commute_km`` also admits vacancies whose city seat lies within that distance of
        the candidate's home city seat.

        With ``exposure``, vacancies already shown ``cap × headcount`` times are skipped and
        the returned ones are counted (congestion control).
        """
        check_is_fitted(self, "model_version_")
        c, row = self._candidate(candidate)
        if open_on is not None and not available_mask(c, np.asarray([row]), open_on)[0]:
            return Ranked()
        rows = self.eligible_vacancies(c, row, commute_km=commute_km)
        if open_on is not None:
            rows = rows[open_mask(self.vacancies_, rows, open_on)]
        if filters is not None:
            rows = apply_filters(self.vacancies_, rows, filters, self.vocab_)
        if exposure is not None:
            v = self.vacancies_
            rows = rows[exposure.available(v.ids[rows], v.headcount[rows])]
        cr = np.full(rows.size, row, np.int64)
        results = self._rank(c, cr, self.vacancies_, rows, self.vacancies_.ids[rows], k, threshold)
        if exposure is not None:
            exposure.record([r.vacancy_id for r in results])
        return results

    def why_not(
        self,
        candidate: str | BaseModel | Mapping[str, Any],
        vacancy: str | BaseModel | Mapping[str, Any],
    ) -> list[tuple[str, str]]:
        """Failed hard requirements of a pair as (reason code, Chinese label); [] = eligible."""
        check_is_fitted(self, "model_version_")
        c, cr = self._candidate(candidate)
        v, vr = self._vacancy(vacancy)
        checks = hard_checks(c, np.asarray([cr]), v, np.asarray([vr]), self.rules_, self.vocab_)
        return [(str(r), REASON_LABELS[HardReason(r)]) for r, ok in checks.items() if not ok[0]]

    def index_nbytes(self) -> dict[str, int]:
        """Bytes held by the candidate index (arrays, sparse text vectors, partitions)."""
        total: dict[str, int] = {}
        for name, value in vars(self.candidates_).items():
            if hasattr(value, "indptr"):
                total[name] = int(value.data.nbytes + value.indices.nbytes + value.indptr.nbytes)
            else:
                total[name] = int(value.nbytes)
        total["partitions"] = self.candidate_parts_.nbytes
        return total
