"""``OccupationCoder``: free Chinese job title → 职业分类大典 2022 code with a confidence.

Built from the taxonomy alone (names, aliases, definitions, tasks; no labelled titles):
every leaf occupation gets character 1–3-gram TF-IDF vectors for its names (formal name,
aliases, derived short forms), its definition + tasks and its parents' names. A title is
cleaned (``cleaning``), expanded with formal synonyms (``lexicon``) and scored by a weighted
sum of cosine similarities (sparse products, one batch at a time), an exact-substring bonus
for names found inside the title and a head-noun family bonus. A softmax over leaves gives
probabilities; when the best 细类 is not probable enough we back off to its 小类 or 中类.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import sparse
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from data import taxonomy
from models.occupation_coder.cleaning import clean_title
from models.occupation_coder.lexicon import HEAD_FAMILIES, derived_aliases, expand_title

__all__ = ["CodedTitle", "OccupationCoder"]

_BATCH = 2048
_MAX_PHRASE = 16
_GROUP_DEPTH = 20
_HEADS: tuple[str, ...] = tuple(sorted(HEAD_FAMILIES, key=len, reverse=True))
FloatArray = NDArray[np.float32]


@dataclass(frozen=True)
class CodedTitle:
    """A coded job title.

    ``code`` is at ``level`` (4 细类, 3 小类, 2 中类, 1 大类); ``confidence`` is the model's
    probability that the code (at that level) is right; ``alternatives`` are the next-best
    leaf codes with their probabilities.
    """

    code: str
    name: str
    level: int
    confidence: float
    alternatives: tuple[tuple[str, float], ...]


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower().strip()


def _leaf_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Leaves of the tree: 细类, plus 小类/中类 without children (e.g. ``2-08-99`` 其他)."""
    parents = set(frame["parent_code"])
    leaves = frame[(frame["level"] >= 2) & ~frame["code"].isin(parents)]
    return leaves.sort_values("code").reset_index(drop=True)


def _groups(keys: Sequence[str]) -> tuple[list[str], sparse.csr_matrix]:
    """Distinct group codes and the (leaves × groups) 0/1 membership matrix."""
    distinct = sorted(set(keys))
    column = {key: index for index, key in enumerate(distinct)}
    cols = np.array([column[key] for key in keys])
    ones = np.ones(len(keys), dtype=np.float32)
    members = sparse.csr_matrix((ones, (np.arange(len(keys)), cols)), (len(keys), len(distinct)))
    return distinct, members


@dataclass(eq=False, repr=False)
class OccupationCoder(BaseEstimator):
    """Code free job titles to 大典 2022 occupations.

    Parameters
    ----------
    phrase_weight, text_weight, parent_weight : float
        Weights of the cosine similarity to the leaf's names/aliases, to its definition and
        tasks (down-weighted: long and generic), and to its 小类/中类 names.
    substring_weight : float
        Bonus when a leaf's name or alias occurs verbatim in the title, scaled by the share
        of the title it covers.
    head_weight : float
        Bonus for leaves in the families of the title's head noun (工程师 → 2-02 …).
    temperature : float
        Softmax temperature turning scores into probabilities (the confidence scale).
    detail_threshold, minor_threshold, middle_threshold : float
        Minimum probability to report a 细类, else a 小类, else a 中类; below all three we
        report the 大类 (a vague ``普工`` is only ``6`` 生产制造及有关人员).
    """

    phrase_weight: float = 1.0
    text_weight: float = 0.25
    parent_weight: float = 0.4
    substring_weight: float = 0.5
    head_weight: float = 0.15
    temperature: float = 0.13
    detail_threshold: float = 0.35
    minor_threshold: float = 0.3
    middle_threshold: float = 0.1

    # ------------------------------------------------------------------ fitting
    def fit(self, occupations_frame: pd.DataFrame | None = None) -> OccupationCoder:
        """Index the taxonomy (default ``data.taxonomy.occupations()``); returns self."""
        frame = taxonomy.occupations() if occupations_frame is None else occupations_frame
        missing = {"code", "level", "name", "parent_code", "definition", "tasks", "aliases"}
        missing -= set(frame.columns)
        if missing:
            raise ValueError(f"occupations_frame lacks columns {sorted(missing)}")
        if self.temperature <= 0:
            raise ValueError(f"temperature must be > 0, got {self.temperature}")
        leaves = _leaf_frame(frame)
        names = dict(zip(frame["code"], frame["name"], strict=True))
        self.codes_: list[str] = leaves["code"].tolist()
        self.names_: dict[str, str] = names
        self.levels_: NDArray[np.int64] = leaves["level"].to_numpy(dtype=np.int64)
        self.minor_codes_, self.minor_members_ = _groups([c[:7] for c in self.codes_])
        self.middle_codes_, self.middle_members_ = _groups([c[:4] for c in self.codes_])
        self.major_codes_, self.major_members_ = _groups([c[:1] for c in self.codes_])
        phrases, owners = self._leaf_phrases(leaves)
        texts = [
            _norm(f"{d} {t}") for d, t in zip(leaves["definition"], leaves["tasks"], strict=True)
        ]
        parent_texts = [
            _norm(f"{names.get(c[:7], '')} {names.get(c[:4], '')}") for c in self.codes_
        ]
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char", ngram_range=(1, 3), sublinear_tf=True, dtype=np.float32
        ).fit(phrases + texts + parent_texts)
        self.phrases_: list[str] = phrases
        self.phrase_matrix_ = self.vectorizer_.transform(phrases).T.tocsr()
        self.phrase_starts_ = np.flatnonzero(np.r_[True, np.diff(owners) != 0])
        self.text_matrix_ = self.vectorizer_.transform(texts).T.tocsr()
        self.parent_matrix_ = self.vectorizer_.transform(parent_texts).T.tocsr()
        self.phrase_lookup_: dict[str, tuple[int, ...]] = {}
        for phrase, owner in zip(phrases, owners, strict=True):
            if len(phrase) >= 2:
                self.phrase_lookup_[phrase] = (*self.phrase_lookup_.get(phrase, ()), int(owner))
        self.suffix_lookup_ = self._suffix_lookup(phrases, owners)
        self.head_masks_: dict[str, FloatArray] = {
            head: np.array([c.startswith(families) for c in self.codes_], dtype=np.float32)
            for head, families in HEAD_FAMILIES.items()
        }
        return self

    @staticmethod
    def _leaf_phrases(leaves: pd.DataFrame) -> tuple[list[str], NDArray[np.int64]]:
        """Name, aliases and derived short forms of every leaf, grouped by leaf index."""
        phrases: list[str] = []
        owners: list[int] = []
        for index, (name, aliases) in enumerate(
            zip(leaves["name"], leaves["aliases"], strict=True)
        ):
            variants = dict.fromkeys(_norm(p) for p in (name, *aliases, *derived_aliases(name)))
            for phrase in variants:
                if phrase:
                    phrases.append(phrase)
                    owners.append(index)
        return phrases, np.asarray(owners, dtype=np.int64)

    @staticmethod
    def _suffix_lookup(
        phrases: Sequence[str], owners: NDArray[np.int64]
    ) -> dict[str, NDArray[np.int64]]:
        """Every ending (≥ 2 characters) of every name/alias → the leaves with that ending."""
        endings: dict[str, set[int]] = {}
        for phrase, owner in zip(phrases, owners, strict=True):
            for start in range(max(len(phrase) - _MAX_PHRASE, 0), len(phrase) - 1):
                endings.setdefault(phrase[start:], set()).add(int(owner))
        return {key: np.array(sorted(value), dtype=np.int64) for key, value in endings.items()}

    # ------------------------------------------------------------------ scoring
    def _suffix_match(self, cleaned: Sequence[str]) -> FloatArray:
        """Head-noun agreement: the share of a title word's ending that also ends a leaf's
        name or alias (``氩弧焊工`` → 焊工 0.5, 焊接工程技术人员 0). Chinese titles end in
        their head, so a modifier's verbatim hit (``瑜伽``) does not count here."""
        match = np.zeros((len(cleaned), len(self.codes_)), dtype=np.float32)
        for row, title in enumerate(cleaned):
            for word in title.split():
                for start in range(max(len(word) - _MAX_PHRASE, 0), len(word) - 1):
                    owners = self.suffix_lookup_.get(word[start:])
                    if owners is not None:
                        share = np.float32((len(word) - start) / len(word))
                        match[row, owners] = np.maximum(match[row, owners], share)
        return match

    def _substring_bonus(self, cleaned: Sequence[str], expanded: Sequence[str]) -> FloatArray:
        """Bonus for leaf names found verbatim in a title, by the share of title covered."""
        bonus = np.zeros((len(cleaned), len(self.codes_)), dtype=np.float32)
        for row, (title, full) in enumerate(zip(cleaned, expanded, strict=True)):
            length = max(len(title), 1)
            for token in full.split():
                for start in range(len(token)):
                    for stop in range(start + 2, min(len(token), start + _MAX_PHRASE) + 1):
                        owners = self.phrase_lookup_.get(token[start:stop])
                        if owners:
                            share = min((stop - start) / length, 1.0)
                            cols = list(owners)
                            bonus[row, cols] = np.maximum(bonus[row, cols], share)
        return bonus

    def _head_bonus(self, cleaned: Sequence[str]) -> FloatArray:
        bonus = np.zeros((len(cleaned), len(self.codes_)), dtype=np.float32)
        for row, title in enumerate(cleaned):
            head = next((h for h in _HEADS if title.endswith(h)), None)
            if head is not None:
                bonus[row] = self.head_masks_[head]
        return bonus

    def _similarity(self, queries: sparse.csr_matrix, matrix: sparse.csr_matrix) -> FloatArray:
        return np.asarray((queries @ matrix).toarray(), dtype=np.float32)

    def components(
        self, titles: Sequence[str], cleaned: Sequence[str] | None = None
    ) -> dict[str, FloatArray]:
        """The unweighted signals (n_titles × n_leaves each) behind :meth:`_scores`.

        ``phrase`` (best cosine to a name/alias), ``text`` (definition + tasks), ``parent``
        (小类/中类 names), ``substring`` (share of the title a verbatim name covers) and
        ``head`` (1 for leaves in the head noun's families). ``TitleCoder`` learns how to
        weigh them per candidate instead of using this class's fixed weights. ``cleaned``
        (``clean_title(title, _HEADS)`` per title) saves cleaning twice when the caller has it.
        """
        if cleaned is None:
            cleaned = [clean_title(title, _HEADS) for title in titles]
        expanded = [expand_title(title) for title in cleaned]
        queries = self.vectorizer_.transform(expanded)
        phrase_sim = self._similarity(queries, self.phrase_matrix_)
        return {
            "phrase": np.maximum.reduceat(phrase_sim, self.phrase_starts_, axis=1),
            "text": self._similarity(queries, self.text_matrix_),
            "parent": self._similarity(queries, self.parent_matrix_),
            "substring": self._substring_bonus(cleaned, expanded),
            "head": self._head_bonus(cleaned),
            "suffix": self._suffix_match(cleaned),
        }

    def combine(self, parts: dict[str, FloatArray]) -> FloatArray:
        """The fixed-weight lexicon score of :meth:`components`' output."""
        scores = self.phrase_weight * parts["phrase"]
        scores += self.text_weight * parts["text"]
        scores += self.parent_weight * parts["parent"]
        scores += self.substring_weight * parts["substring"] + self.head_weight * parts["head"]
        return scores.astype(np.float32)

    def _scores(self, titles: Sequence[str]) -> FloatArray:
        """Leaf scores (n_titles × n_leaves) for one batch."""
        return self.combine(self.components(titles))

    def predict_proba(self, titles: Sequence[str]) -> FloatArray:
        """Probability of each leaf (columns ordered as ``codes_``) for each title."""
        check_is_fitted(self, "vectorizer_")
        titles = [str(title) for title in titles]
        out = np.empty((len(titles), len(self.codes_)), dtype=np.float32)
        for start in range(0, len(titles), _BATCH):
            scores = self._scores(titles[start : start + _BATCH]) / np.float32(self.temperature)
            scores -= scores.max(axis=1, keepdims=True)
            np.exp(scores, out=scores)
            out[start : start + _BATCH] = scores / scores.sum(axis=1, keepdims=True)
        return out

    def predict_top_k(self, titles: Sequence[str], k: int = 3) -> list[list[tuple[str, float]]]:
        """The ``k`` most probable leaf codes per title, best first, with probabilities."""
        check_is_fitted(self, "vectorizer_")
        if k < 1:
            raise ValueError(f"k must be >= 1, got {k}")
        proba = self.predict_proba(titles)
        top = np.argsort(-proba, axis=1, kind="stable")[:, :k]
        return [[(self.codes_[j], float(proba[i, j])) for j in row] for i, row in enumerate(top)]

    # ------------------------------------------------------------------ coding
    def predict(self, titles: Sequence[str]) -> list[CodedTitle]:
        """Code each title, backing off to 小类/中类 when the 细类 is not probable enough."""
        check_is_fitted(self, "vectorizer_")
        proba = self.predict_proba(titles)
        top = np.argsort(-proba, axis=1, kind="stable")[:, :_GROUP_DEPTH]
        # Groups pool only the leading candidates: summing the whole softmax tail would let
        # big families (2-02 has 200+ leaves) win on mass alone.
        head = np.zeros_like(proba)
        np.put_along_axis(head, top, np.take_along_axis(proba, top, axis=1), axis=1)
        minor = np.asarray(head @ self.minor_members_)
        middle = np.asarray(head @ self.middle_members_)
        major = np.asarray(head @ self.major_members_)
        best_minor, best_middle = minor.argmax(axis=1), middle.argmax(axis=1)
        best_major = major.argmax(axis=1)
        coded: list[CodedTitle] = []
        for i, (row, best) in enumerate(zip(proba, top, strict=True)):
            alternatives = tuple((self.codes_[j], float(row[j])) for j in best[1:4])
            code, confidence = self.codes_[best[0]], float(row[best[0]])
            level = int(self.levels_[best[0]])
            if confidence < self.detail_threshold:
                code, confidence = self.minor_codes_[best_minor[i]], float(minor[i, best_minor[i]])
                level = min(3, len(code.split("-")))
                if confidence < self.minor_threshold:
                    code = self.middle_codes_[best_middle[i]]
                    confidence, level = float(middle[i, best_middle[i]]), 2
                if confidence < self.middle_threshold:
                    code = self.major_codes_[best_major[i]]
                    confidence, level = float(major[i, best_major[i]]), 1
            coded.append(
                CodedTitle(code, self.names_[code], level, min(confidence, 1.0), alternatives)
            )
        return coded
