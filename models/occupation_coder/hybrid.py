"""``TitleCoder``: the lexicon coder plus labelled titles, with calibrated confidence.

Three signals are summed into one score per 细类 (leaf):

* the taxonomy lexicon (:class:`~models.occupation_coder.coder.OccupationCoder`: names,
  aliases, definitions, tasks, synonyms, head-noun families);
* a learned nearest-neighbour model over labelled titles: character 1–3-gram TF-IDF of the
  cleaned title plus its head-noun suffixes (``$主管``, ``$销售主管``), the score of a leaf
  being the best cosine to any labelled title of that leaf. It learns the labelling
  conventions the lexicon cannot know (``销售主管`` → 市场营销专业人员, ``采购经理`` →
  招标采购专业人员);
* the posting's other text (description, industry, skills) when given, through the same
  vectoriser, down-weighted: titles carry the occupation, descriptions mostly context.

A softmax over leaves turns the score into a raw probability, and an isotonic map fitted
on *cross-fitted* raw probabilities (each labelled title scored by a model that did not see
its near-duplicate group) turns the top-1 raw probability into a calibrated confidence: the
chance that the top-1 细类 is the label. Below ``review_threshold`` a code is still given
but flagged ``needs_review``.

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
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.isotonic import IsotonicRegression
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


def title_features(title: str) -> str:
    """The cleaned, synonym-expanded title plus its head-noun suffix tokens.

    Examples
    --------
    >>> title_features("急招销售主管（五险一金）").split()[-2:]
    ['$售主管', '$销售主管']
    """
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


class TitleCoder(BaseEstimator):
    """Code job titles (and optional posting text) to 大典 2022 细类, calibrated.

    Parameters
    ----------
    neighbour_weight : float
        Weight of the labelled-title nearest-neighbour score beside the lexicon score.
    context_weight : float
        Weight of the description/industry/skills text's lexicon similarity.
    temperature : float
        Softmax temperature of the combined score (raw probability; calibrated after).
    review_threshold : float
        Calibrated confidence below which a code is flagged ``needs_review``.
    calibration_folds : int
        Group folds for cross-fitting the isotonic calibration.
    """

    def __init__(
        self,
        neighbour_weight: float = 1.0,
        context_weight: float = 0.15,
        temperature: float = 0.13,
        review_threshold: float = 0.5,
        calibration_folds: int = 12,
    ) -> None:
        self.neighbour_weight = neighbour_weight
        self.context_weight = context_weight
        self.temperature = temperature
        self.review_threshold = review_threshold
        self.calibration_folds = calibration_folds

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
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        self.lexicon_ = OccupationCoder().fit(occupations_frame)
        column = {code: i for i, code in enumerate(self.lexicon_.codes_)}
        keep = [i for i, code in enumerate(codes) if code in column]
        titles = [str(titles[i]) for i in keep]
        labels = np.array([column[codes[i]] for i in keep], dtype=np.int64)
        documents = [title_features(t) for t in titles]
        self.vectorizer_ = TfidfVectorizer(analyzer=_tokens, sublinear_tf=True, dtype=np.float32)
        self.vectorizer_.fit(documents)
        lexicon_scores = self._lexicon_scores(titles, None)
        raw = np.zeros(len(titles), dtype=np.float64)
        correct = np.zeros(len(titles), dtype=np.float64)
        folds = np.array(
            [group_fold(g, self.calibration_folds) for g in near_duplicate_groups(titles)]
        )
        for fold in range(self.calibration_folds):
            held = folds == fold
            if not held.any() or held.all():
                continue
            self._set_neighbours(documents, labels, ~held)
            proba = self._softmax(
                lexicon_scores[held]
                + self._neighbour_scores([documents[i] for i in np.flatnonzero(held)])
            )
            best = proba.argmax(axis=1)
            raw[held] = proba[np.arange(len(best)), best]
            correct[held] = best == labels[held]
        self.calibrator_ = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip")
        self.calibrator_.fit(raw, correct)
        self._set_neighbours(documents, labels, np.ones(len(titles), dtype=bool))
        return self

    def _set_neighbours(
        self, documents: list[str], labels: NDArray[np.int64], mask: NDArray[np.bool_]
    ) -> None:
        chosen = np.flatnonzero(mask)
        chosen = chosen[np.argsort(labels[chosen], kind="stable")]
        self.neighbour_matrix_ = self.vectorizer_.transform(
            [documents[i] for i in chosen]
        ).T.tocsr()
        sorted_labels = labels[chosen]
        self.neighbour_starts_ = np.flatnonzero(np.r_[True, np.diff(sorted_labels) != 0])
        self.neighbour_labels_ = sorted_labels[self.neighbour_starts_]

    # ------------------------------------------------------------------ scoring
    def _lexicon_scores(self, titles: Sequence[str], contexts: Sequence[str] | None) -> FloatArray:
        scores = self.lexicon_._scores(titles)
        if contexts is not None and self.context_weight > 0:
            queries = self.lexicon_.vectorizer_.transform([expand_title(c) for c in contexts])
            text = np.asarray((queries @ self.lexicon_.text_matrix_).toarray(), dtype=np.float32)
            scores += np.float32(self.context_weight) * text
        return scores

    def _neighbour_scores(self, documents: Sequence[str]) -> FloatArray:
        n_leaves = len(self.lexicon_.codes_)
        out = np.zeros((len(documents), n_leaves), dtype=np.float32)
        if self.neighbour_matrix_.shape[1] == 0:
            return out
        sims = np.asarray(
            (self.vectorizer_.transform(documents) @ self.neighbour_matrix_).toarray()
        )
        out[:, self.neighbour_labels_] = np.maximum.reduceat(sims, self.neighbour_starts_, axis=1)
        return out * np.float32(self.neighbour_weight)

    def _softmax(self, scores: FloatArray) -> FloatArray:
        scaled = scores / np.float32(self.temperature)
        scaled -= scaled.max(axis=1, keepdims=True)
        np.exp(scaled, out=scaled)
        return np.asarray(scaled / scaled.sum(axis=1, keepdims=True), dtype=np.float32)

    def predict_proba(
        self, titles: Sequence[str], contexts: Sequence[str] | None = None
    ) -> FloatArray:
        """Raw (uncalibrated) leaf probabilities, columns ordered as ``codes_``."""
        check_is_fitted(self, "calibrator_")
        titles = [str(t) for t in titles]
        if contexts is not None and len(contexts) != len(titles):
            raise ValueError("contexts must be as long as titles")
        out = np.empty((len(titles), len(self.lexicon_.codes_)), dtype=np.float32)
        for start in range(0, len(titles), _BATCH):
            batch = titles[start : start + _BATCH]
            context = None if contexts is None else list(contexts[start : start + _BATCH])
            scores = self._lexicon_scores(batch, context)
            scores += self._neighbour_scores([title_features(t) for t in batch])
            out[start : start + len(batch)] = self._softmax(scores)
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
        return np.asarray(self.calibrator_.predict(np.asarray(raw_top1, dtype=np.float64)))

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
