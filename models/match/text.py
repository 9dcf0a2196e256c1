"""Character n-gram TF-IDF text model (fit once; vectors precomputed at index time)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pandas as pd
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.validation import check_is_fitted

from data.compliance import strip_protected

__all__ = ["TextModel", "normalise_text"]

# Recruitment boilerplate that says nothing about the job; dropping it keeps cosmetic
# rewordings of a title ("【急聘】电工（长白班）" vs "电工") from moving the similarity.
_BOILERPLATE = re.compile(r"急聘|急招|诚聘|高薪|招聘|直招|包吃住|五险一金|长白班|双休")
_NON_WORD = re.compile(r"[^\w]+")


def normalise_text(text: str) -> str:
    """Drop protected phrases (:func:`data.compliance.strip_protected`: gender, age,
    ethnicity, marital status, 户籍 never become a feature), lower-case, drop boilerplate
    and punctuation, collapse whitespace."""
    text = _BOILERPLATE.sub(" ", strip_protected(text).lower())
    return " ".join(_NON_WORD.sub(" ", text).split())


class TextModel(BaseEstimator):
    """Char 1–3-gram TF-IDF, L2-normalised float32 rows, so a dot product is a cosine.

    Parameters
    ----------
    max_features : int
        Vocabulary cap (most frequent n-grams); bounds index memory.
    """

    def __init__(self, max_features: int = 1 << 16) -> None:
        self.max_features = max_features

    def fit(self, texts: Sequence[str]) -> TextModel:
        """Learn the n-gram vocabulary and IDF weights from ``texts``."""
        corpus = [normalise_text(t) for t in texts]
        if not any(corpus):
            corpus = ["_"]
        self.vectorizer_ = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(1, 3),
            max_features=self.max_features,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.vectorizer_.fit(corpus)
        return self

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """L2-normalised vectors; identical texts are transformed once (cheap re-indexing)."""
        check_is_fitted(self, "vectorizer_")
        if not len(texts):  # an empty side of the index (sklearn refuses zero samples)
            return sp.csr_matrix((0, self.n_features), dtype=np.float32)
        codes, uniques = pd.factorize(pd.Series([normalise_text(t) for t in texts], dtype=object))
        unique_matrix = sp.csr_matrix(self.vectorizer_.transform(list(uniques)), dtype=np.float32)
        if len(uniques) == len(texts):
            return unique_matrix  # factorize numbers first appearances 0..n-1 in order
        return sp.csr_matrix(unique_matrix[codes])

    @property
    def n_features(self) -> int:
        """Number of n-gram features."""
        check_is_fitted(self, "vectorizer_")
        return len(self.vectorizer_.vocabulary_)
