"""Pair features in [0, 1] (larger is better), vectorised over aligned row pairs.

These are the only inputs of the scorer and the learned ranker. They are built from the
encoded arrays, which hold nothing but allow-listed candidate fields.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from data.levels import SkillLevel, education_equivalent
from models.match.encoding import CandidateArrays, VacancyArrays, Vocabularies
from models.match.hard import contains
from models.match.vocab import PAD, geography

__all__ = ["BASE_FEATURES", "pair_features", "skill_overlap", "text_similarity"]

Floats = npt.NDArray[np.float64]
Rows = npt.NDArray[np.int64]

BASE_FEATURES: tuple[str, ...] = (
    "text_similarity",
    "occupation_proximity",
    "skill_coverage",
    "skill_jaccard",
    "qualification_surplus",
    "salary_fit",
    "proximity",
    "experience_fit",
    "location_preference",
)
DISTANCE_SCALE_KM = 200.0  # beyond this the proximity feature is 0 (about 粤东/粤西 ↔ 广州)
_EDU_OF_SKILL = np.asarray(
    [-1 if (e := education_equivalent(s)) is None else int(e) for s in SkillLevel], np.int64
)


def _constant(rows: Rows) -> bool:
    return rows.size > 0 and bool(np.all(rows == rows[0]))


def text_similarity(a: sp.csr_matrix, a_rows: Rows, b: sp.csr_matrix, b_rows: Rows) -> Floats:
    """Cosine of L2-normalised TF-IDF rows, with a mat-vec fast path for one-vs-many."""
    if a_rows.size == 0:
        return np.zeros(0)
    # One-vs-many: the one row as a dense vector dotted with the many rows' stored entries
    # in place (no row-sliced copy of the matrix, no sparse × sparse product: together
    # they were most of a match request's scoring time).
    if _constant(b_rows):
        return np.clip(_rows_dot(a, a_rows, _dense_row(b, int(b_rows[0]))), 0.0, 1.0)
    if _constant(a_rows):
        return np.clip(_rows_dot(b, b_rows, _dense_row(a, int(a_rows[0]))), 0.0, 1.0)
    values = a[a_rows].multiply(b[b_rows]).sum(axis=1)
    dense = values.toarray() if sp.issparse(values) else np.asarray(values)
    return np.clip(dense.ravel().astype(np.float64), 0.0, 1.0)


def _dense_row(matrix: sp.csr_matrix, row: int) -> Floats:
    """One CSR row as a dense float64 vector (read from the buffers, no 1-row matrix)."""
    start, end = int(matrix.indptr[row]), int(matrix.indptr[row + 1])
    dense = np.zeros(matrix.shape[1], dtype=np.float64)
    dense[matrix.indices[start:end]] = matrix.data[start:end]
    return dense


def _rows_dot(matrix: sp.csr_matrix, rows: Rows, vector: Floats) -> Floats:
    """``matrix[rows] @ vector`` read straight from the CSR buffers."""
    starts = matrix.indptr[rows].astype(np.int64)
    lengths = matrix.indptr[rows + 1].astype(np.int64) - starts
    total = int(lengths.sum())
    first = np.cumsum(lengths) - lengths  # where each row's entries start in the gather
    positions = np.repeat(starts - first, lengths) + np.arange(total, dtype=np.int64)
    products = matrix.data[positions].astype(np.float64) * vector[matrix.indices[positions]]
    owner = np.repeat(np.arange(rows.size, dtype=np.int64), lengths)
    return np.bincount(owner, weights=products, minlength=rows.size).astype(np.float64)


def skill_overlap(c: CandidateArrays, cr: Rows, v: VacancyArrays, vr: Rows) -> Floats:
    """Number of the vacancy's skills the candidate has, per pair."""
    shared = np.zeros(len(cr))
    wanted = v.skills[vr]
    for slot in range(wanted.shape[1]):
        skill = wanted[:, slot].astype(np.int64)
        has = contains(c.skill_keys, (cr.astype(np.int64) << 32) | np.maximum(skill, 0))
        shared += (skill != PAD) & has
    return shared


def _occupation_proximity(
    c: CandidateArrays, cr: Rows, v: VacancyArrays, vr: Rows, vocab: Vocabularies
) -> Floats:
    wanted = v.occupation[vr]
    slots = c.occupations[cr]
    best = np.zeros(len(cr))
    for level in (1, 2, 3, 4):
        ancestor = vocab.occupations.ancestor(level)
        mine = np.where(slots != PAD, ancestor[np.maximum(slots, 0)], -1)
        theirs = np.where(wanted != PAD, ancestor[np.maximum(wanted, 0)], -2)
        best = np.where((mine == theirs[:, None]).any(axis=1), level / 4.0, best)
    return best


def _qualification_surplus(c: CandidateArrays, cr: Rows, v: VacancyArrays, vr: Rows) -> Floats:
    education = np.maximum(c.education[cr].astype(np.int64), _EDU_OF_SKILL[c.skill_level[cr]])
    edu_gap = education - np.maximum(v.education[vr], 0)
    skill_gap = c.skill_level[cr].astype(np.int64) - np.maximum(v.skill_level[vr], 0)
    return np.asarray(0.5 * np.clip(edu_gap / 3, 0, 1) + 0.5 * np.clip(skill_gap / 3, 0, 1))


def _salary_fit(c: CandidateArrays, cr: Rows, v: VacancyArrays, vr: Rows) -> Floats:
    expected = c.salary_min[cr].astype(np.float64)
    ceiling = v.salary_max[vr].astype(np.float64)
    known = (expected > 0) & (ceiling >= 0)
    headroom = np.clip((ceiling - expected) / np.maximum(expected, 1.0), 0.0, 1.0)
    return np.where(known, 0.5 + 0.5 * headroom, 0.5)


def _distance_features(
    c: CandidateArrays, cr: Rows, v: VacancyArrays, vr: Rows
) -> tuple[Floats, Floats]:
    geo = geography()
    cc, vc = c.city[cr].astype(np.int64), v.city[vr].astype(np.int64)
    known = (cc >= 0) & (vc >= 0)
    distance = np.where(known, geo.distance_km[np.maximum(cc, 0), np.maximum(vc, 0)], 1e9)
    proximity = 1.0 - np.minimum(distance / DISTANCE_SCALE_KM, 1.0)
    desired = ((c.desired_mask[cr] >> np.maximum(vc, 0).astype(np.uint32)) & 1).astype(bool)
    preference = np.where(known & (cc == vc), 1.0, np.where((vc >= 0) & desired, 0.75, 0.5))
    return proximity, preference


def pair_features(
    c: CandidateArrays, cr: Rows, v: VacancyArrays, vr: Rows, vocab: Vocabularies
) -> dict[str, Floats]:
    """All :data:`BASE_FEATURES` for aligned pairs (each array has ``len(cr)`` entries)."""
    cr, vr = np.asarray(cr, dtype=np.int64), np.asarray(vr, dtype=np.int64)
    shared = skill_overlap(c, cr, v, vr)
    wanted = v.skill_count[vr].astype(np.float64)
    union = c.skill_count[cr].astype(np.float64) + wanted - shared
    need = v.experience_min[vr].astype(np.float64)
    proximity, preference = _distance_features(c, cr, v, vr)
    return {
        "text_similarity": text_similarity(c.text, cr, v.text, vr),
        "occupation_proximity": _occupation_proximity(c, cr, v, vr, vocab),
        "skill_coverage": np.where(wanted > 0, shared / np.maximum(wanted, 1.0), 1.0),
        "skill_jaccard": np.where(union > 0, shared / np.maximum(union, 1.0), 0.0),
        "qualification_surplus": _qualification_surplus(c, cr, v, vr),
        "salary_fit": _salary_fit(c, cr, v, vr),
        "proximity": proximity,
        "experience_fit": np.where(
            need > 0, np.minimum(c.experience[cr] / np.maximum(need, 1), 1.0), 1.0
        ),
        "location_preference": preference,
    }
