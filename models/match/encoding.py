"""Columnar encodings of candidates and vacancies (numpy arrays, sorted set keys, CSR text).

Only :data:`data.records.CANDIDATE_FEATURE_FIELDS` (plus the id) are ever read from a
candidate frame: :func:`allowed_candidate_frame` drops everything else first, so protected
attributes cannot leak into a feature even when a caller passes them in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from pydantic import BaseModel

from data.certificates import certificate_group
from data.records import CANDIDATE_FEATURE_FIELDS, VACANCY_FEATURE_FIELDS
from models.match.text import TextModel, normalise_text
from models.match.vocab import PAD, OccupationVocabulary, Vocabulary, geography, occupation_label

__all__ = [
    "NO_DATE",
    "CandidateArrays",
    "VacancyArrays",
    "Vocabularies",
    "allowed_candidate_frame",
    "concat_arrays",
    "encode_candidates",
    "encode_vacancies",
    "records_frame",
    "set_keys",
    "take_rows",
]

NO_DATE = np.iinfo(np.int32).min  # missing date sentinel (days since 1970-01-01)
I8 = npt.NDArray[np.int8]
I16 = npt.NDArray[np.int16]
I32 = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]


@dataclass
class Vocabularies:
    """The growable vocabularies shared by both sides of the index."""

    occupations: OccupationVocabulary = field(default_factory=OccupationVocabulary)
    skills: Vocabulary = field(default_factory=Vocabulary)
    certificates: Vocabulary = field(default_factory=Vocabulary)
    skill_display: dict[int, str] = field(default_factory=dict)  # first spelling seen

    def skill_id(self, name: str) -> int:
        """Id of a skill (case/space-insensitive), remembering how it was first written."""
        skill = self.skills.add(_norm(name))
        self.skill_display.setdefault(skill, name)
        return skill


@dataclass
class CandidateArrays:
    """One row per candidate; set-valued fields as sorted ``row << 32 | id`` keys."""

    ids: npt.NDArray[np.object_]
    city: I16
    desired_mask: npt.NDArray[np.uint32]
    willing_gba: Bools
    occupations: I32  # (n, slots) occupation ids, PAD-filled
    education: I8
    skill_level: I8
    title_level: I8
    experience: I16
    salary_min: I32
    available_from: I32
    certificate_keys: I64
    skill_keys: I64
    skill_count: I16
    text: sp.csr_matrix
    scorable: Bools
    active: Bools
    registered_on: I32  # availability only, never a feature
    hired_on: I32  # latest hire day (set by the serving index); NO_DATE = never hired


@dataclass
class VacancyArrays:
    """One row per vacancy; required sets as PAD-filled id matrices."""

    ids: npt.NDArray[np.object_]
    city: I16
    gba_scope: Bools
    occupation: I32
    education: I8
    skill_level: I8
    title_level: I8
    experience_min: I16
    salary_min: I32
    salary_max: I32
    valid_through: I32
    date_posted: I32
    date_closed: I32
    headcount: I32
    hires: I32  # distinct candidates hired so far (set by the serving index)
    certificates: I32  # (m, slots)
    skills: I32  # (m, slots)
    skill_count: I16
    text: sp.csr_matrix
    scorable: Bools
    active: Bools


_Arrays = TypeVar("_Arrays", CandidateArrays, VacancyArrays)


def records_frame(records: Iterable[BaseModel | Mapping[str, Any]]) -> pd.DataFrame:
    """DataFrame of records (pydantic models or mappings), columns = field names."""
    rows = [r.model_dump() if isinstance(r, BaseModel) else dict(r) for r in records]
    return pd.DataFrame(rows)


def allowed_candidate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Only ``candidate_id`` and the legal feature fields (missing ones filled empty)."""
    allowed = ["candidate_id", *CANDIDATE_FEATURE_FIELDS]
    return frame.reindex(columns=allowed)


def _tuples(series: pd.Series) -> list[tuple[str, ...]]:
    out: list[tuple[str, ...]] = []
    for value in series.tolist():
        if isinstance(value, str):
            items: Iterable[Any] = value.split("|") if value else ()
        elif isinstance(value, list | tuple | np.ndarray | set | frozenset):
            items = value
        else:
            items = ()
        out.append(tuple(str(v).strip() for v in items if v is not None and str(v).strip()))
    return out


def _optional_str(series: pd.Series) -> list[str | None]:
    return [v.strip() if isinstance(v, str) and v.strip() else None for v in series.tolist()]


def _ints(series: pd.Series, missing: int, dtype: type[np.generic]) -> Any:
    numeric = pd.to_numeric(series, errors="coerce")
    return numeric.fillna(missing).to_numpy(dtype=np.int64).astype(dtype)


def _levels(series: pd.Series, names: Mapping[str, int]) -> I8:
    mapped = [names.get(v, v) if isinstance(v, str) else v for v in series.tolist()]
    return np.asarray(_ints(pd.Series(mapped, dtype=object), -1, np.int8), dtype=np.int8)


def _days(series: pd.Series) -> I32:
    stamps = pd.to_datetime(series, errors="coerce")
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_localize(None)
    days = stamps.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
    days = np.where(stamps.isna().to_numpy(), NO_DATE, days)
    return np.asarray(days, dtype=np.int32)


def set_keys(rows_of: list[tuple[int, ...]], offset: int = 0) -> I64:
    """Sorted unique ``(row + offset) << 32 | id`` keys for per-row id sets."""
    lengths = np.fromiter((len(r) for r in rows_of), dtype=np.int64, count=len(rows_of))
    flat = np.fromiter((i for r in rows_of for i in r), dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(rows_of), dtype=np.int64) + offset, lengths)
    return np.unique((rows << 32) | flat)


def padded(rows_of: list[tuple[int, ...]], min_width: int = 1) -> I32:
    """PAD-filled ``(n, width)`` id matrix."""
    width = max([min_width, *(len(r) for r in rows_of)])
    out = np.full((len(rows_of), width), PAD, dtype=np.int32)
    for i, row in enumerate(rows_of):
        out[i, : len(row)] = row
    return out


def _enum_names(kind: str) -> dict[str, int]:
    from data import levels

    enum = {"education": levels.Education, "skill": levels.SkillLevel, "title": levels.TitleLevel}
    return {member.name: int(member) for member in enum[kind]}


def _norm(value: str) -> str:
    return " ".join(value.lower().split())


def candidate_texts(frame: pd.DataFrame) -> list[str]:
    """Desired/current occupation names + resume text (skills are scored separately)."""
    codes = _tuples(frame["desired_occupation_codes"])
    current = _optional_str(frame["current_occupation_code"])
    resumes = frame["resume_text"].fillna("").astype(str).tolist()
    return [
        " ".join([*(occupation_label(c) for c in (*desired, *([cur] if cur else []))), resume])
        for desired, cur, resume in zip(codes, current, resumes, strict=True)
    ]


def vacancy_texts(frame: pd.DataFrame) -> list[str]:
    """Title + occupation name + description (skills are scored separately)."""
    titles = frame["title"].fillna("").astype(str).tolist()
    codes = _optional_str(frame["occupation_code"])
    descriptions = frame["description"].fillna("").astype(str).tolist()
    return [
        f"{title} {occupation_label(code) if code else ''} {text}"
        for title, code, text in zip(titles, codes, descriptions, strict=True)
    ]


def encode_candidates(
    frame: pd.DataFrame, vocabularies: Vocabularies, text_model: TextModel
) -> CandidateArrays:
    """Encode a candidate frame (only the allow-listed fields are read as features).

    ``registered_on`` is read too, for availability only (never scored): a candidate
    registered after the query day is not recommended (:mod:`models.match.lifecycle`).
    """
    registered = (
        _days(frame["registered_on"].reset_index(drop=True))
        if "registered_on" in frame
        else np.full(len(frame), NO_DATE, dtype=np.int32)
    )
    frame = allowed_candidate_frame(frame).reset_index(drop=True)
    geo = geography()
    occ = vocabularies.occupations
    desired_codes = _tuples(frame["desired_occupation_codes"])
    current = _optional_str(frame["current_occupation_code"])
    occupation_rows = [
        tuple(dict.fromkeys(occ.add(c) for c in (*d, *([cur] if cur else []))))
        for d, cur in zip(desired_codes, current, strict=True)
    ]
    desired_mask = np.zeros(len(frame), dtype=np.uint32)
    for i, cities in enumerate(_tuples(frame["desired_city_codes"])):
        for code in cities:
            position = geo.index_of(code)
            if position >= 0:
                desired_mask[i] |= np.uint32(1 << position)
    skills = [
        tuple(dict.fromkeys(vocabularies.skill_id(s) for s in r)) for r in _tuples(frame["skills"])
    ]
    certs = [
        tuple(vocabularies.certificates.add(certificate_group(c)) for c in r)
        for r in _tuples(frame["certificates"])
    ]
    resume = frame["resume_text"].fillna("").astype(str).str.strip()
    return CandidateArrays(
        ids=frame["candidate_id"].astype(str).to_numpy(dtype=object),
        city=np.asarray([geo.index_of(c) for c in _optional_str(frame["city_code"])], np.int16),
        desired_mask=desired_mask,
        willing_gba=frame["willing_gba"].fillna(False).astype(bool).to_numpy(),
        occupations=padded(occupation_rows),
        education=_levels(frame["education"], _enum_names("education")),
        skill_level=np.maximum(_levels(frame["skill_level"], _enum_names("skill")), 0),
        title_level=np.maximum(_levels(frame["title_level"], _enum_names("title")), 0),
        experience=_ints(frame["experience_years"], 0, np.int16),
        salary_min=_ints(frame["expected_salary_min"], -1, np.int32),
        available_from=_days(frame["available_from"]),
        certificate_keys=set_keys(certs),
        skill_keys=set_keys(skills),
        skill_count=np.asarray([len(s) for s in skills], dtype=np.int16),
        text=text_model.transform(candidate_texts(frame)),
        scorable=np.asarray([bool(o) for o in occupation_rows])
        | (resume != "").to_numpy()
        | np.asarray([bool(s) for s in skills]),
        active=np.ones(len(frame), dtype=bool),
        registered_on=registered,
        hired_on=np.full(len(frame), NO_DATE, dtype=np.int32),
    )


def encode_vacancies(
    frame: pd.DataFrame, vocabularies: Vocabularies, text_model: TextModel
) -> VacancyArrays:
    """Encode a vacancy frame (record fields; employer and tenant ids are ignored)."""
    # A code the coder inferred from the title counts as a feature only when the coder was
    # confident (not ``occupation_needs_review``); a guess from "急招" says nothing.
    guessed = (
        frame["occupation_code_source"].eq("coded").to_numpy(dtype=bool)
        if "occupation_code_source" in frame
        else np.zeros(len(frame), dtype=bool)
    )
    if "occupation_needs_review" in frame:
        guessed &= frame["occupation_needs_review"].fillna(True).astype(bool).to_numpy()
    frame = frame.reindex(columns=list(VACANCY_FEATURE_FIELDS)).reset_index(drop=True)
    geo = geography()
    codes = _optional_str(frame["occupation_code"])
    skills = [
        tuple(dict.fromkeys(vocabularies.skill_id(s) for s in r)) for r in _tuples(frame["skills"])
    ]
    certs = [
        tuple(dict.fromkeys(vocabularies.certificates.lookup(certificate_group(c)) for c in r))
        for r in _tuples(frame["required_certificates"])
    ]
    # Meaningful text: "急招" alone normalises to nothing (boilerplate) and scores nothing.
    text_present = pd.Series(
        [
            normalise_text(f"{title} {description}") != ""
            for title, description in zip(
                frame["title"].fillna("").astype(str),
                frame["description"].fillna("").astype(str),
                strict=True,
            )
        ]
    )
    return VacancyArrays(
        ids=frame["vacancy_id"].astype(str).to_numpy(dtype=object),
        city=np.asarray([geo.index_of(c) for c in _optional_str(frame["city_code"])], np.int16),
        gba_scope=frame["gba_scope"].fillna(False).astype(bool).to_numpy(),
        occupation=np.asarray(
            [PAD if c is None else occ_add(vocabularies, c) for c in codes], dtype=np.int32
        ),
        education=_levels(frame["education_requirement"], _enum_names("education")),
        skill_level=_levels(frame["skill_level_requirement"], _enum_names("skill")),
        title_level=_levels(frame["title_level_requirement"], _enum_names("title")),
        experience_min=_ints(frame["experience_years_min"], 0, np.int16),
        salary_min=_ints(frame["base_salary_min"], -1, np.int32),
        salary_max=_ints(frame["base_salary_max"], -1, np.int32),
        valid_through=_days(frame["valid_through"]),
        date_posted=_days(frame["date_posted"]),
        date_closed=_days(frame["date_closed"]),
        headcount=np.maximum(_ints(frame["headcount"], 1, np.int32), 1),
        hires=np.zeros(len(frame), dtype=np.int32),
        certificates=padded(certs),
        skills=padded(skills),
        skill_count=np.asarray([len(s) for s in skills], dtype=np.int16),
        text=text_model.transform(vacancy_texts(frame)),
        scorable=(np.asarray([c is not None for c in codes]) & ~guessed)
        | text_present.to_numpy()
        | np.asarray([bool(s) for s in skills]),
        active=np.ones(len(frame), dtype=bool),
    )


def occ_add(vocabularies: Vocabularies, code: str) -> int:
    """Occupation id of a vacancy code (added so its ancestors exist for proximity)."""
    return vocabularies.occupations.add(code)


def concat_arrays(first: _Arrays, second: _Arrays) -> _Arrays:
    """Rows of ``first`` then ``second`` (set keys of ``second`` shifted past ``first``)."""
    n = len(first.ids)
    values: dict[str, Any] = {}
    for item in fields(first):
        a, b = getattr(first, item.name), getattr(second, item.name)
        if isinstance(a, sp.csr_matrix):
            values[item.name] = sp.csr_matrix(sp.vstack([a, b], format="csr"), dtype=np.float32)
        elif item.name.endswith("_keys"):
            values[item.name] = np.concatenate([a, b + (np.int64(n) << 32)])
        elif a.ndim == 2:
            width = max(a.shape[1], b.shape[1])
            values[item.name] = np.vstack([_widen(a, width), _widen(b, width)])
        else:
            values[item.name] = np.concatenate([a, b])
    return type(first)(**values)


def take_rows(arrays: _Arrays, keep: Bools) -> _Arrays:
    """The rows of ``arrays`` where ``keep`` is true, in order: the inverse of
    :func:`concat_arrays` (the row part of set keys is renumbered, so keys stay sorted)."""
    kept = np.flatnonzero(keep)
    renumbered = np.full(len(arrays.ids), -1, dtype=np.int64)
    renumbered[kept] = np.arange(kept.size, dtype=np.int64)
    values: dict[str, Any] = {}
    for item in fields(arrays):
        a = getattr(arrays, item.name)
        if isinstance(a, sp.csr_matrix):
            values[item.name] = sp.csr_matrix(a[kept], dtype=np.float32)
        elif item.name.endswith("_keys"):
            rows = a >> 32
            live = keep[rows]
            values[item.name] = (renumbered[rows[live]] << 32) | (a[live] & _LOW_32_BITS)
        else:
            values[item.name] = a[kept]
    return type(arrays)(**values)


_LOW_32_BITS = np.int64(0xFFFFFFFF)


def _widen(matrix: I32, width: int) -> I32:
    if matrix.shape[1] == width:
        return matrix
    out = np.full((matrix.shape[0], width), PAD, dtype=np.int32)
    out[:, : matrix.shape[1]] = matrix
    return out
