"""``TitleCoder``: the lexicon coder plus labelled titles, stacked and calibrated.

Signals per 细类 (leaf), each a (titles × leaves) matrix:

* the taxonomy lexicon (:class:`~models.occupation_coder.coder.OccupationCoder`), kept as
  its separate parts: name/alias cosine, definition + tasks cosine, parent-name
  cosine, verbatim-substring cover, head-noun family and head-noun agreement (the share of
  the title's ending that also ends a name or alias: ``氩弧焊工`` agrees with 焊工, not
  with 焊接工程技术人员);
* the 大典 names and aliases matched in the labelled titles' feature space (n-grams plus
  ``$`` ending tokens), so the head of a title meets the head of an alias;
* a nearest-neighbour score over labelled titles: character 1–3-gram TF-IDF of the
  cleaned title plus its head-noun suffixes (``$主管``, ``$销售主管``), the score of a leaf
  being the best cosine to any labelled title of that leaf. It learns the labelling
  conventions the lexicon cannot know (``销售主管`` → 市场营销专业人员), and a soft vote
  (the cubed similarities of all labelled titles of a leaf, summed), which rewards a leaf
  that many near titles share over one lucky near-duplicate;
* a linear SVM over the same features (one-vs-rest), which weighs the n-grams that
  discriminate between leaves instead of matching whole titles, and the log count of each
  leaf among the labelled titles (the labels' prior);
* the posting's other text (description, industry, skills) when given, through the
  lexicon's definition/task vectors, added to the candidate-selection score.

A fixed sum of these selects ``n_candidates`` leaves per title, and a small gradient
boosted classifier (the *stacker*) scores each candidate from its signal values, their gaps
to the title's best value, the same for its 小类's and 中类's totals, and its rank: it
learns, for example, that a head-noun match matters more than a modifier's verbatim hit
(``瑜伽教练`` is a coach, not yoga). The stacker is trained on *cross-fitted* signals
(each labelled title's neighbour/SVM/prior signals come from models that did not see its
near-duplicate group), so it learns how much to trust them on unseen titles. Its scores,
normalised over the candidates, are the raw probabilities; a Platt map (logistic on the
logit; ``calibration="isotonic"`` is the alternative, noisier on ~2,000 titles) fitted on
cross-fitted stacker outputs turns the top-1 raw probability into a calibrated confidence
(the chance that the top-1 细类 is the label).
Below ``review_threshold`` a code is still given but flagged ``needs_review``.

The build is deterministic and takes a few seconds, so the service builds it at start-up
from the vendored taxonomy and labelled titles; no artifact is needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC
from sklearn.utils.validation import check_is_fitted

from models.occupation_coder.cleaning import clean_title
from models.occupation_coder.coder import _HEADS, OccupationCoder
from models.occupation_coder.lexicon import expand_title

__all__ = ["CodedOccupation", "TitleCoder", "near_duplicate_groups", "title_features"]

_BATCH = 1024
FloatArray = NDArray[np.float32]


@dataclass(frozen=True)
class CodedOccupation:
    """A title coded to a 细类 with a calibrated confidence and the next-best codes."""

    code: str
    name: str
    confidence: float
    needs_review: bool
    top: tuple[tuple[str, str, float], ...]


def title_features(title: str, cleaned: str | None = None) -> str:
    """The cleaned, synonym-expanded title plus its head-noun suffix tokens.

    ``cleaned`` is ``clean_title(title, _HEADS)`` when the caller already has it.

    Examples
    --------
    >>> title_features("急招销售主管（五险一金）").split()[-2:]
    ['$售主管', '$销售主管']
    """
    if cleaned is None:
        cleaned = clean_title(title, _HEADS)
    compact = cleaned.replace(" ", "")
    suffixes = [f"${compact[-n:]}" for n in (1, 2, 3, 4) if len(compact) >= n]
    return " ".join([expand_title(cleaned), *suffixes])


def _tokens(document: str) -> list[str]:
    """Character 1–3-grams of each word (space-padded); ``$suffix`` tokens kept whole."""
    out: list[str] = []
    for word in document.split():
        if word.startswith("$"):
            out.append(word)
            continue
        padded = f" {word} "
        for n in (1, 2, 3):
            out.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return out


def near_duplicate_groups(titles: Sequence[str], cover: float = 0.6) -> list[str]:
    """A group key per title: cleaned titles contained in one another (≥ ``cover`` of the
    longer) share a group, so ``销售工程师`` and ``销售工程师（十堰）`` never straddle folds.
    """
    cleaned = [clean_title(t, _HEADS).replace(" ", "") for t in titles]
    keys = sorted(set(cleaned), key=lambda k: (len(k), k))
    parent = {key: key for key in keys}

    def find(key: str) -> str:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for i, short in enumerate(keys):
        if len(short) < 2:
            continue
        for long in keys[i + 1 :]:
            if len(short) < cover * len(long):
                continue
            if short in long:
                parent[find(short)] = find(long)
    roots = {key: find(key) for key in keys}
    return [roots[c] for c in cleaned]


def group_fold(group: str, n_folds: int) -> int:
    """A stable fold number for a group key (SHA-256, so no RNG and no order dependence)."""
    return int(hashlib.sha256(group.encode("utf-8")).hexdigest(), 16) % n_folds


# The taxonomy's signals: the lexicon coder's parts and the alias match in the labelled
# titles' feature space. ``suffix`` and ``alias`` with the slower stacker below, on two CV
# deals of the bench's training folds: 细类 top-1 57.3/57.9 → 57.4/58.4 %, 小类 top-1
# 60.8/61.4 → 61.6/62.0 %.
_LEXICON_PARTS = ("phrase", "text", "parent", "substring", "head", "suffix", "alias")
_LEARNED_PARTS = ("neighbour", "vote", "svm", "prior")
# The stacker also sees each candidate's 小类 and 中类 totals of these signals: a leaf whose
# siblings many near labelled titles share is likelier, and (labels being noisy between
# siblings) the totals say how sure the family is when the leaf itself is a toss-up.
# Chosen by group-fold CV on the bench's training folds (细类 top-1 54.6 → 56.1 %,
# 小类 58.5 → 60.1 %, ECE 0.069 → 0.056).
POOL_LEVELS = (3, 2)
POOLED = ("vote", "base")
# Power of the labelled titles' similarities summed per leaf (the ``vote`` signal).
_VOTE_POWER = 3
# An SVM decision for a leaf no labelled title has: below the usual negative margin.
_UNSEEN_DECISION = -1.5


def _logit(p: NDArray[np.float64]) -> NDArray[np.float64]:
    clipped = np.clip(p, 1e-4, 1 - 1e-4)
    return np.asarray(np.log(clipped / (1 - clipped)))


class _LabelledModels:
    """The signals learned from one set of labelled titles: neighbours, SVM, prior.

    Fitted several times per :meth:`TitleCoder.fit` (once per cross-fitting fold and once
    on everything), so it is a light helper rather than an estimator.
    """

    def __init__(self, documents: list[str], labels: NDArray[np.int64], n_leaves: int, c: float):
        self.n_leaves = n_leaves
        self.vectorizer = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, dtype=np.float32)
        matrix = self.vectorizer.fit_transform(documents)
        order = np.argsort(labels, kind="stable")
        sorted_labels = labels[order]
        self.neighbour_matrix = matrix[order].T.tocsr()
        self.neighbour_starts = np.flatnonzero(np.r_[True, np.diff(sorted_labels) != 0])
        self.neighbour_labels = sorted_labels[self.neighbour_starts]
        self.label_indicator = sparse.csr_matrix(
            (np.ones(len(labels), np.float32), (np.arange(len(labels)), sorted_labels)),
            shape=(len(labels), n_leaves),
        )
        self.prior = np.log1p(np.bincount(labels, minlength=n_leaves)).astype(np.float32)
        self.svm: LinearSVC | None = None
        if len(self.neighbour_labels) >= 2:
            self.svm = LinearSVC(C=c, random_state=0).fit(matrix, labels)
            self.svm_coef = np.asarray(self.svm.coef_, dtype=np.float32).T
            self.svm_intercept = np.asarray(self.svm.intercept_, dtype=np.float32)
            self.svm_classes = np.asarray(self.svm.classes_, dtype=np.int64)
            if len(self.svm_classes) == 2:  # binary LinearSVC keeps one column: the second class
                self.svm_coef = np.hstack([-self.svm_coef, self.svm_coef])
                self.svm_intercept = np.r_[-self.svm_intercept, self.svm_intercept]

    def signals(self, documents: list[str]) -> dict[str, FloatArray]:
        queries = self.vectorizer.transform(documents)
        n = len(documents)
        neighbour = np.zeros((n, self.n_leaves), dtype=np.float32)
        sims = np.asarray((queries @ self.neighbour_matrix).toarray())
        neighbour[:, self.neighbour_labels] = np.maximum.reduceat(
            sims, self.neighbour_starts, axis=1
        )
        svm = np.full((n, self.n_leaves), _UNSEEN_DECISION, dtype=np.float32)
        if self.svm is not None:
            svm[:, self.svm_classes] = queries @ self.svm_coef + self.svm_intercept
        prior = np.broadcast_to(self.prior, (n, self.n_leaves))
        return {
            "neighbour": neighbour,
            "vote": self._vote(sims),
            "svm": svm,
            "prior": prior,
        }

    def _vote(self, sims: FloatArray) -> FloatArray:
        """A soft vote of the labelled titles: the cube of each one's similarity, summed
        per leaf, so the few nearest titles dominate (a top-k vote, without the per-row
        selection, which cost more than the rest of the signals together).
        """
        cubed = np.ascontiguousarray((sims**_VOTE_POWER).T)
        return np.asarray((self.label_indicator.T @ cubed).T, dtype=np.float32)


@dataclass(eq=False, repr=False)
class TitleCoder(BaseEstimator):
    """Code job titles (and optional posting text) to 大典 2022 细类, calibrated.

    Parameters
    ----------
    neighbour_weight, svm_weight : float
        Weights of the neighbour and SVM signals beside the lexicon score in the fixed sum
        that selects candidates (the stacker then re-weighs every signal itself).
    context_weight : float
        Weight of the description/industry/skills text's lexicon similarity.
    n_candidates : int
        Leaves per title the stacker re-scores; the rest get probability 0. 20 rather than
        30: on two CV deals of the bench's training folds 细类 top-1 57.3/56.7 → 57.9/57.1 %
        (top-3 76.7/77.5 → 76.4/77.4 %), and a third fewer rows for the stacker.
    svm_c : float
        Regularisation of the linear SVM (``LinearSVC(C=...)``).
    stack_folds : int
        Group folds (near-duplicate groups of the labelled titles) for cross-fitting the
        signals the stacker learns from and the isotonic calibration.
    review_threshold : float
        Calibrated confidence below which a code is flagged ``needs_review``.
    calibration : {"sigmoid", "isotonic"}
        Map from the raw top-1 probability to the calibrated confidence.
    """

    neighbour_weight: float = 1.0
    svm_weight: float = 0.5
    context_weight: float = 0.15
    n_candidates: int = 20
    svm_c: float = 0.5
    stack_folds: int = 4
    review_threshold: float = 0.5
    calibration: str = "sigmoid"

    # ------------------------------------------------------------------ fitting
    def fit(
        self,
        titles: Sequence[str],
        codes: Sequence[str],
        occupations_frame: pd.DataFrame | None = None,
    ) -> TitleCoder:
        """Fit on labelled titles (codes that are not 细类 leaves are ignored)."""
        if len(titles) != len(codes):
            raise ValueError(f"titles ({len(titles)}) and codes ({len(codes)}) differ in length")
        if self.n_candidates < 2:
            raise ValueError(f"n_candidates must be >= 2, got {self.n_candidates}")
        if self.stack_folds < 2:
            raise ValueError(f"stack_folds must be >= 2, got {self.stack_folds}")
        if self.calibration not in ("sigmoid", "isotonic"):
            raise ValueError(
                f"calibration must be 'sigmoid' or 'isotonic', got {self.calibration!r}"
            )
        self.lexicon_ = OccupationCoder().fit(occupations_frame)
        self._fit_groups()
        self._fit_alias_index()
        column = {code: i for i, code in enumerate(self.lexicon_.codes_)}
        keep = [i for i, code in enumerate(codes) if code in column]
        titles = [str(titles[i]) for i in keep]
        labels = np.array([column[codes[i]] for i in keep], dtype=np.int64)
        if len(set(labels.tolist())) < 2:
            raise ValueError("need labelled titles of at least two 细类 leaves")
        parts, documents = self._parts(titles, None)
        n_leaves = len(self.lexicon_.codes_)
        folds = np.array([group_fold(g, self.stack_folds) for g in near_duplicate_groups(titles)])
        # Cross-fitted signals: each title scored by models that did not see its group.
        signals = {name: np.zeros((len(titles), n_leaves), np.float32) for name in _LEARNED_PARTS}
        for fold in range(self.stack_folds):
            held = folds == fold
            if not held.any() or held.all():
                continue
            models = _LabelledModels(
                [documents[i] for i in np.flatnonzero(~held)], labels[~held], n_leaves, self.svm_c
            )
            for name, value in models.signals([documents[i] for i in np.flatnonzero(held)]).items():
                signals[name][held] = value
        parts.update(signals)
        candidates, features = self._candidates(parts, None)
        target = (candidates == labels[:, None]).astype(np.int64)
        flat = features.reshape(-1, features.shape[2])
        raw = np.zeros(len(titles), dtype=np.float64)
        correct = np.zeros(len(titles), dtype=np.float64)
        for fold in range(self.stack_folds):
            held = folds == fold
            if not held.any() or not target[~held].any():
                continue
            stacker = self._stacker().fit(
                features[~held].reshape(-1, features.shape[2]), target[~held].reshape(-1)
            )
            proba = self._normalise(stacker, features[held])
            raw[held] = proba.max(axis=1)
            correct[held] = target[held][np.arange(held.sum()), proba.argmax(axis=1)]
        self.calibrator_: IsotonicRegression | LogisticRegression
        if self.calibration == "isotonic":
            self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
            self.calibrator_.fit(raw, correct)
        else:
            self.calibrator_ = LogisticRegression(C=1e4).fit(_logit(raw)[:, None], correct)
        self.stacker_ = self._stacker().fit(flat, target.reshape(-1))
        self.models_ = _LabelledModels(documents, labels, n_leaves, self.svm_c)
        return self

    @staticmethod
    def _stacker() -> HistGradientBoostingClassifier:
        # Small and without early stopping (its random validation split would make the
        # build non-deterministic). Slow learning with half the features per split and an
        # L2 penalty: on two group-fold CV deals of the bench's training folds 细类 top-1
        # 56.7/57.1 → 57.3/57.9 % over the former 100 trees at rate 0.1 (bench.title_coder_cv).
        return HistGradientBoostingClassifier(
            max_iter=300,
            learning_rate=0.03,
            max_leaf_nodes=15,
            min_samples_leaf=40,
            l2_regularization=1.0,
            max_features=0.5,
            early_stopping=False,
            random_state=0,
        )

    # ------------------------------------------------------------------ scoring
    def _parts(
        self, titles: Sequence[str], models: _LabelledModels | None
    ) -> tuple[dict[str, FloatArray], list[str]]:
        """Lexicon parts, the title features and (with ``models``) the learned signals."""
        cleaned = [clean_title(title, _HEADS) for title in titles]
        parts = self.lexicon_.components(titles, cleaned)
        documents = [title_features(t, c) for t, c in zip(titles, cleaned, strict=True)]
        parts["alias"] = self._alias_signal(documents)
        if models is not None:
            parts.update(models.signals(documents))
        return parts, documents

    def _candidates(
        self, parts: dict[str, FloatArray], contexts: Sequence[str] | None
    ) -> tuple[NDArray[np.int64], FloatArray]:
        """Candidate leaves (n × K, best first) and stacker features (n × K × F)."""
        base = self.lexicon_.combine(parts)
        base += np.float32(self.neighbour_weight) * parts["neighbour"]
        base += np.float32(self.svm_weight) * parts["svm"]
        if contexts is not None and self.context_weight > 0:
            queries = self.lexicon_.vectorizer_.transform([expand_title(c) for c in contexts])
            text = np.asarray((queries @ self.lexicon_.text_matrix_).toarray(), dtype=np.float32)
            base += np.float32(self.context_weight) * text
        k = min(self.n_candidates, base.shape[1])
        top = np.argpartition(-base, k - 1, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(base, top, axis=1), axis=1, kind="stable")
        candidates = np.take_along_axis(top, order, axis=1)
        columns: list[FloatArray] = []
        for name in (*_LEXICON_PARTS, *_LEARNED_PARTS, "base"):
            values = base if name == "base" else parts[name]
            picked = np.take_along_axis(values, candidates, axis=1)
            columns += [picked, picked - values.max(axis=1, keepdims=True)]
        for level in POOL_LEVELS:
            groups, group_of = self.groups_[level]
            for name in POOLED:
                values = base if name == "base" else parts[name]
                pooled = np.asarray((groups.T @ np.maximum(values, 0).T).T, dtype=np.float32)
                picked = np.take_along_axis(pooled, group_of[candidates], axis=1)
                columns += [picked, picked - pooled.max(axis=1, keepdims=True)]
        rank = np.broadcast_to(np.log1p(np.arange(k, dtype=np.float32)), candidates.shape)
        columns += [rank, self.lexicon_.levels_[candidates].astype(np.float32)]
        return candidates, np.stack(columns, axis=2).astype(np.float32)

    def _fit_alias_index(self) -> None:
        """The 大典 names and aliases as documents in the labelled titles' feature space
        (n-grams plus ``$`` ending tokens), so a title's head noun can match an alias's."""
        documents = [title_features(p, p) for p in self.lexicon_.phrases_]
        self.alias_vectorizer_ = TfidfVectorizer(
            analyzer=_tokens, sublinear_tf=True, dtype=np.float32
        ).fit(documents)
        self.alias_matrix_ = self.alias_vectorizer_.transform(documents).T.tocsr()

    def _alias_signal(self, documents: list[str]) -> FloatArray:
        queries = self.alias_vectorizer_.transform(documents)
        sims = np.asarray((queries @ self.alias_matrix_).toarray())
        return np.asarray(
            np.maximum.reduceat(sims, self.lexicon_.phrase_starts_, axis=1), dtype=np.float32
        )

    def _fit_groups(self) -> None:
        """Leaves × group indicators at each level of :data:`POOL_LEVELS` and each leaf's
        group; a leaf coarser than the level (``2-08-99``) is its own group."""
        self.groups_: dict[int, tuple[sparse.csr_matrix, NDArray[np.int64]]] = {}
        for level in POOL_LEVELS:
            keys = ["-".join(code.split("-")[:level]) for code in self.lexicon_.codes_]
            index = {key: i for i, key in enumerate(dict.fromkeys(keys))}
            group_of = np.array([index[key] for key in keys], dtype=np.int64)
            groups = sparse.csr_matrix(
                (np.ones(len(keys), np.float32), (np.arange(len(keys)), group_of)),
                shape=(len(keys), len(index)),
            )
            self.groups_[level] = (groups, group_of)

    @staticmethod
    def _normalise(stacker: HistGradientBoostingClassifier, features: FloatArray) -> FloatArray:
        """Stacker scores of each title's candidates, normalised to sum to one."""
        n, k, width = features.shape
        scores = stacker.predict_proba(features.reshape(-1, width))[:, 1].reshape(n, k)
        scores = np.maximum(scores, 1e-9)
        return np.asarray(scores / scores.sum(axis=1, keepdims=True), dtype=np.float32)

    def predict_proba(
        self, titles: Sequence[str], contexts: Sequence[str] | None = None
    ) -> FloatArray:
        """Raw (uncalibrated) leaf probabilities, columns ordered as ``codes_``."""
        check_is_fitted(self, "calibrator_")
        titles = [str(t) for t in titles]
        if contexts is not None and len(contexts) != len(titles):
            raise ValueError("contexts must be as long as titles")
        out = np.zeros((len(titles), len(self.lexicon_.codes_)), dtype=np.float32)
        for start in range(0, len(titles), _BATCH):
            batch = titles[start : start + _BATCH]
            context = None if contexts is None else list(contexts[start : start + _BATCH])
            parts, _ = self._parts(batch, self.models_)
            candidates, features = self._candidates(parts, context)
            block = out[start : start + len(batch)]
            np.put_along_axis(block, candidates, self._normalise(self.stacker_, features), axis=1)
        return out

    @property
    def codes_(self) -> list[str]:
        """Leaf codes, the columns of :meth:`predict_proba`."""
        return self.lexicon_.codes_

    def predict_top_k(
        self, titles: Sequence[str], k: int = 3, contexts: Sequence[str] | None = None
    ) -> list[list[tuple[str, float]]]:
        """The ``k`` best leaves per title with raw probabilities, best first."""
        proba = self.predict_proba(titles, contexts)
        top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        codes = self.lexicon_.codes_
        return [[(codes[j], float(proba[i, j])) for j in row] for i, row in enumerate(top)]

    def calibrate(self, raw_top1: NDArray[np.float64]) -> NDArray[np.float64]:
        """Calibrated confidence for raw top-1 probabilities."""
        check_is_fitted(self, "calibrator_")
        raw = np.asarray(raw_top1, dtype=np.float64)
        if isinstance(self.calibrator_, IsotonicRegression):
            return np.asarray(self.calibrator_.predict(raw))
        return np.asarray(self.calibrator_.predict_proba(_logit(raw)[:, None])[:, 1])

    def code(
        self, titles: Sequence[str], contexts: Sequence[str] | None = None
    ) -> list[CodedOccupation]:
        """Code each title to its best 细类 with calibrated confidence and the top 3."""
        proba = self.predict_proba(titles, contexts)
        top = np.argsort(-proba, axis=1, kind="stable")[:, :3]
        raw = proba[np.arange(len(top)), top[:, 0]] if len(top) else np.zeros(0)
        confidence = self.calibrate(raw.astype(np.float64))
        codes, names = self.lexicon_.codes_, self.lexicon_.names_
        coded = []
        for i, row in enumerate(top):
            best = codes[row[0]]
            alternatives = tuple((codes[j], names[codes[j]], float(proba[i, j])) for j in row)
            conf = round(float(confidence[i]), 4)
            coded.append(
                CodedOccupation(best, names[best], conf, conf < self.review_threshold, alternatives)
            )
        return coded
