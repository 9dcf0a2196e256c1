"""`MatchIndex`: the mutable serving state a fitted :class:`MatchEngine` ranks over.

The engine is the *model* (vocabularies, text model, scorer weights, ranker): fitted once,
never changed after ``fit``, saved as the ``match`` artifact. The index is the *data* it
serves: both sides' encoded rows, their (city, 中类) partitions, the id → row maps and the
hire state. It changes on every write, can be rebuilt from the store at any time, and is
snapshotted on its own (:class:`IndexSnapshot`, the ``match-index`` artifact) so a worker
starts from a snapshot plus the changes logged since, not from a full store read.

Both directions share one :class:`Side` (candidates and vacancies differ only in their
:class:`SideSpec`: encoder, partition keys, query keys and which argument of the hard
filter they are), so upsert, remove, lookup and eligible rows are written once.

The index owns a copy of the engine's vocabularies: encoding a record with a skill or
certificate never seen grows the vocabulary (ids are only ever appended, so the engine's
fitted ids keep their meaning), and that growth belongs to the index and its snapshot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd
from pydantic import BaseModel

from models.match.allocation import ExposureTracker
from models.match.columns import Columns
from models.match.encoding import (
    CandidateArrays,
    VacancyArrays,
    Vocabularies,
    encode_candidates,
    encode_vacancies,
    records_frame,
)
from models.match.errors import UnknownRecord, UnscorableProfile
from models.match.hard import REASON_LABELS, HardReason, HardRules, hard_checks, hard_pass
from models.match.index import (
    Partitions,
    candidate_partition_keys,
    candidate_query_keys,
    vacancy_partition_keys,
    vacancy_query_keys,
)
from models.match.lifecycle import available_mask, epoch_days, open_mask
from models.match.results import (
    CANDIDATE_NOT_AVAILABLE,
    VACANCY_NOT_OPEN,
    MatchFilters,
    Ranked,
    apply_filters,
)

if TYPE_CHECKING:
    from models.match.engine import MatchEngine

__all__ = [
    "CANDIDATES",
    "COMPACT_DEAD_SHARE",
    "COMPACT_MIN_DEAD",
    "VACANCIES",
    "IndexSnapshot",
    "MatchIndex",
    "RecordsLike",
    "Side",
    "SideName",
    "SideSpec",
]

Rows = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
SideName = Literal["candidates", "vacancies"]
RecordsLike = pd.DataFrame | Iterable[BaseModel | Mapping[str, Any]]
A = TypeVar("A", CandidateArrays, VacancyArrays)
COMPACT_MIN_DEAD = 256
COMPACT_DEAD_SHARE = 0.25
"""An upsert appends a row and tombstones the replaced one, a removal tombstones; once the
tombstones reach ``max(COMPACT_MIN_DEAD, COMPACT_DEAD_SHARE × rows)`` they are dropped and
the partitions rebuilt. Compaction is the one ``O(N)`` write (about a second at a million
rows), so it waits for a quarter of the rows to be dead: at 50 writes/s into 1M rows that
is once every ~80 minutes, and the index stays within 4/3 of its live size."""


def frame_of(records: RecordsLike) -> pd.DataFrame:
    """Records as a DataFrame (a DataFrame is passed through)."""
    return records if isinstance(records, pd.DataFrame) else records_frame(records)


@dataclass(frozen=True)
class SideSpec(Generic[A]):
    """What makes one side of the index that side (everything else is shared).

    ``hard`` runs the exact hard filter for rows of *this* side against one row of the
    other side (the query), whichever argument of :func:`hard_pass` each side is.
    """

    name: SideName
    id_field: str
    encode: Callable[[pd.DataFrame, Vocabularies, Any], A]
    partition_keys: Callable[[A, Vocabularies, int], tuple[Rows, Rows]]
    query_keys: Callable[[Any, int, Vocabularies, int, float | None], tuple[Rows, Rows]]
    hard: Callable[[A, Rows, Any, int, HardRules, Vocabularies], Bools]
    unscorable: str


def _hard_for_candidates(
    c: CandidateArrays, rows: Rows, v: VacancyArrays, row: int, rules: HardRules, vocab: Any
) -> Bools:
    return hard_pass(c, rows, v, np.full(rows.size, row, np.int64), rules, vocab)


def _hard_for_vacancies(
    v: VacancyArrays, rows: Rows, c: CandidateArrays, row: int, rules: HardRules, vocab: Any
) -> Bools:
    return hard_pass(c, np.full(rows.size, row, np.int64), v, rows, rules, vocab)


CANDIDATES: SideSpec[CandidateArrays] = SideSpec(
    name="candidates",
    id_field="candidate_id",
    encode=encode_candidates,
    partition_keys=candidate_partition_keys,
    query_keys=candidate_query_keys,
    hard=_hard_for_candidates,
    unscorable="candidate has nothing to match on: no desired/current occupation, no resume"
    " text and no skills",
)
VACANCIES: SideSpec[VacancyArrays] = SideSpec(
    name="vacancies",
    id_field="vacancy_id",
    encode=encode_vacancies,
    partition_keys=vacancy_partition_keys,
    query_keys=vacancy_query_keys,
    hard=_hard_for_vacancies,
    unscorable="vacancy has nothing to match on: no occupation code (or only a low-confidence"
    " guess from the title), no meaningful title/description and no skills",
)


class Side(Generic[A]):
    """One side's rows: growable columns, partitions, the id → row map and tenants.

    Record ids are opaque strings here (whatever the caller files a record under);
    ``tenants`` maps each live id to its record's ``tenant_id`` when records carry one
    (a platform key's results are restricted to its tenant before ranking).
    """

    def __init__(
        self, spec: SideSpec[A], arrays: A, vocab: Vocabularies, tenants: Mapping[str, str]
    ) -> None:
        self.spec: SideSpec[A] = spec
        self._file(arrays, vocab, tenants)

    def _file(self, arrays: A, vocab: Vocabularies, tenants: Mapping[str, str]) -> None:
        self.columns: Columns[A] = Columns(arrays)
        self.parts = Partitions(*self.spec.partition_keys(arrays, vocab, 0))
        live = np.flatnonzero(arrays.active)
        self.rows: dict[str, int] = dict(
            zip(map(str, arrays.ids[live].tolist()), live.tolist(), strict=True)
        )
        self.tenants: dict[str, str] = {k: v for k, v in tenants.items() if k in self.rows}

    @property
    def arrays(self) -> A:
        """The rows (views of the columns: valid until the next write)."""
        return self.columns.view()

    def __len__(self) -> int:
        """Live (indexed, not removed) rows."""
        return len(self.rows)

    def upsert(self, new: A, vocab: Vocabularies, tenants: Mapping[str, str]) -> None:
        """Add (or replace, by id) encoded rows: ``O(change)``, nothing else is copied."""
        for record_id in new.ids:
            self.remove(str(record_id), missing_ok=True)
        offset = self.columns.append(new)
        self.parts.extend(*self.spec.partition_keys(new, vocab, offset))
        self.rows.update({str(i): offset + r for r, i in enumerate(new.ids)})
        self.tenants.update(tenants)
        self.compact_if_due(vocab)

    def remove(self, record_id: str, *, missing_ok: bool = False) -> bool:
        """Drop a record from results (tombstone); False if it was not indexed."""
        row = self.rows.pop(record_id, None)
        if row is None:
            if missing_ok:
                return False
            raise UnknownRecord(record_id)
        self.columns.tombstone(row)
        self.tenants.pop(record_id, None)
        return True

    def row(self, record_id: str) -> int:
        """The row of an indexed record."""
        row = self.rows.get(record_id)
        if row is None:
            raise UnknownRecord(record_id)
        return row

    def set_values(self, field: str, values: Mapping[str, int]) -> None:
        """Set a per-row field of the indexed records among ``values``' ids."""
        for record_id, value in values.items():
            row = self.rows.get(record_id)
            if row is not None:
                self.columns.set(field, row, value)

    def reset(self, field: str, value: int) -> None:
        """Set a per-row field of every row (before re-reading it in full)."""
        self.columns.fill(field, value)

    def compact_if_due(self, vocab: Vocabularies) -> bool:
        """Drop the tombstoned rows once there are enough of them (see COMPACT_DEAD_SHARE)."""
        dead = self.columns.dead_rows
        if dead == 0 or dead < max(COMPACT_MIN_DEAD, COMPACT_DEAD_SHARE * len(self.columns)):
            return False
        self._file(self.columns.compacted().view(), vocab, self.tenants)
        return True

    def eligible(self, query: Any, row: int, rules: HardRules, vocab: Vocabularies) -> Rows:
        """Live, scorable rows of this side passing every hard requirement of ``query[row]``."""
        low, high = self.spec.query_keys(
            query, row, vocab, rules.occupation_level, rules.commute_radius_km
        )
        rows = self.parts.lookup(low, high)
        arrays = self.arrays
        rows = rows[arrays.active[rows] & arrays.scorable[rows]]
        keep: Bools = self.spec.hard(arrays, rows, query, row, rules, vocab)
        return rows[keep]


@dataclass
class IndexSnapshot:
    """What a saved index holds: both sides' live rows, the vocabularies, the log position.

    ``seq`` is the store change-log seq the rows reflect (changes after it are replayed on
    load); ``model_version`` is the engine's, since rows encoded by one text model are
    meaningless to another. Hire state is saved too but a loader re-reads it in full (it
    changes without a record changing).
    """

    model_version: str
    seq: int
    vocab: Vocabularies
    candidates: CandidateArrays
    vacancies: VacancyArrays
    tenants: dict[SideName, dict[str, str]]


class MatchIndex:
    """Both sides' serving rows for one fitted engine (see module docstring).

    Parameters
    ----------
    engine
        The fitted, immutable model.
    candidates, vacancies
        Initial records (default none).
    vocab
        The vocabularies to encode with; default a private copy of the engine's.
    """

    def __init__(
        self,
        engine: MatchEngine,
        candidates: RecordsLike | None = None,
        vacancies: RecordsLike | None = None,
        *,
        vocab: Vocabularies | None = None,
    ) -> None:
        self.engine = engine
        self.vocab = copy.deepcopy(engine.vocab_) if vocab is None else vocab
        self.seq = 0
        self.candidates: Side[CandidateArrays] = Side(
            CANDIDATES, *self._encoded(CANDIDATES, candidates)
        )
        self.vacancies: Side[VacancyArrays] = Side(VACANCIES, *self._encoded(VACANCIES, vacancies))

    def side(self, name: SideName) -> Side[Any]:
        """The side called ``name``."""
        return self.candidates if name == "candidates" else self.vacancies

    def encode(self, spec: SideSpec[A], records: RecordsLike | None) -> A:
        """Encode records of one side with this index's vocabularies."""
        return self._encoded(spec, records)[0]

    def _encoded(
        self, spec: SideSpec[A], records: RecordsLike | None
    ) -> tuple[A, Vocabularies, dict[str, str]]:
        """(arrays, vocabularies, tenants by id) of records of one side."""
        frame = pd.DataFrame() if records is None else frame_of(records)
        arrays = spec.encode(frame, self.vocab, self.engine.text_model_)
        tenants: dict[str, str] = {}
        if "tenant_id" in frame and len(frame):
            tenants = {
                str(i): str(t)
                for i, t in zip(frame[spec.id_field], frame["tenant_id"], strict=True)
                if isinstance(t, str)
            }
        return arrays, self.vocab, tenants

    # ------------------------------------------------------------------ writes
    def replace(self, name: SideName, records: RecordsLike) -> None:
        """Re-index one side from scratch with ``records``."""
        side = self.side(name)
        side._file(*self._encoded(side.spec, records))

    def upsert(self, name: SideName, records: RecordsLike) -> None:
        """Add (or replace, by id) records of one side: ``O(change)``."""
        side = self.side(name)
        side.upsert(*self._encoded(side.spec, records))

    def remove(self, name: SideName, record_id: str, *, missing_ok: bool = False) -> bool:
        """Drop a record of one side from results; False if it was not indexed."""
        side = self.side(name)
        removed = side.remove(record_id, missing_ok=missing_ok)
        side.compact_if_due(self.vocab)
        return removed

    def record_hires(self, hires: Mapping[str, int], *, full: bool = False) -> None:
        """Set how many candidates each vacancy has hired (``full``: others have none)."""
        if full:
            self.vacancies.reset("hires", 0)
        self.vacancies.set_values("hires", hires)

    def record_candidate_hires(self, hired_on: Mapping[str, date], *, full: bool = False) -> None:
        """Set candidates' latest hire day (``full``: the others were never hired)."""
        if full:
            from models.match.encoding import NO_DATE

            self.candidates.reset("hired_on", int(NO_DATE))
        self.candidates.set_values("hired_on", {k: epoch_days(d) for k, d in hired_on.items()})

    # ------------------------------------------------------------------ snapshots
    def snapshot(self) -> IndexSnapshot:
        """A self-contained copy of the live rows (safe to pickle while writes go on)."""
        c, v = self.candidates.arrays, self.vacancies.arrays
        from models.match.encoding import take_rows

        return IndexSnapshot(
            model_version=str(self.engine.model_version_),
            seq=self.seq,
            vocab=copy.deepcopy(self.vocab),
            candidates=take_rows(c, c.active),
            vacancies=take_rows(v, v.active),
            tenants={
                "candidates": dict(self.candidates.tenants),
                "vacancies": dict(self.vacancies.tenants),
            },
        )

    @classmethod
    def from_snapshot(cls, engine: MatchEngine, snapshot: IndexSnapshot) -> MatchIndex:
        """The index a snapshot holds, served by ``engine`` (same model version).

        Raises
        ------
        ValueError
            The snapshot was encoded for another model version.
        """
        if snapshot.model_version != engine.model_version_:
            raise ValueError(
                f"snapshot of model {snapshot.model_version}, engine is {engine.model_version_}"
            )
        index = cls.__new__(cls)  # filed from the saved rows: nothing is encoded
        index.engine, index.vocab, index.seq = engine, copy.deepcopy(snapshot.vocab), snapshot.seq
        tenants = snapshot.tenants
        index.candidates = Side(CANDIDATES, snapshot.candidates, index.vocab, tenants["candidates"])
        index.vacancies = Side(VACANCIES, snapshot.vacancies, index.vocab, tenants["vacancies"])
        return index

    # ------------------------------------------------------------------ queries
    def resolve(
        self, spec: SideSpec[A], record: str | BaseModel | Mapping[str, Any]
    ) -> tuple[A, int]:
        """(arrays, row) of an indexed id, or of a record encoded for this query only."""
        if isinstance(record, str):
            side: Side[A] = self.side(spec.name)
            arrays, row = side.arrays, side.row(record)
        else:
            arrays, row = self.encode(spec, records_frame([record])), 0
        if not arrays.scorable[row]:
            raise UnscorableProfile(spec.unscorable)
        return arrays, row

    def eligible_candidates(
        self, v: VacancyArrays, row: int, *, commute_km: float | None = None
    ) -> Rows:
        """Indexed, active, scorable candidate rows passing every hard requirement."""
        return self.candidates.eligible(v, row, self.engine.rules(commute_km), self.vocab)

    def eligible_vacancies(
        self, c: CandidateArrays, row: int, *, commute_km: float | None = None
    ) -> Rows:
        """Indexed, active, scorable vacancy rows whose hard requirements the candidate meets."""
        return self.vacancies.eligible(c, row, self.engine.rules(commute_km), self.vocab)

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
        the vacancy's city seat (:meth:`MatchEngine.rules`).
        """
        v, row = self.resolve(VACANCIES, vacancy)
        if open_on is not None and not open_mask(v, np.asarray([row]), open_on)[0]:
            return Ranked(not_open=VACANCY_NOT_OPEN)
        c = self.candidates.arrays
        rows = self.eligible_candidates(v, row, commute_km=commute_km)
        if open_on is not None:
            rows = rows[available_mask(c, rows, open_on)]
        if filters is not None:
            rows = apply_filters(c, rows, filters, self.vocab)
        vr = np.full(rows.size, row, np.int64)
        return self.engine.rank(c, rows, v, vr, c.ids[rows], k, threshold, self.vocab)

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
        registered); ``commute_km`` also admits vacancies whose city seat lies within that
        distance of the candidate's home city seat.

        With ``exposure``, vacancies already shown ``cap × headcount`` times are skipped and
        the returned ones are counted (congestion control).
        """
        c, row = self.resolve(CANDIDATES, candidate)
        if open_on is not None and not available_mask(c, np.asarray([row]), open_on)[0]:
            return Ranked(not_open=CANDIDATE_NOT_AVAILABLE)
        v = self.vacancies.arrays
        rows = self.eligible_vacancies(c, row, commute_km=commute_km)
        if open_on is not None:
            rows = rows[open_mask(v, rows, open_on)]
        if filters is not None:
            rows = apply_filters(v, rows, filters, self.vocab)
        if exposure is not None:
            rows = rows[exposure.available(v.ids[rows], v.headcount[rows])]
        cr = np.full(rows.size, row, np.int64)
        results = self.engine.rank(c, cr, v, rows, v.ids[rows], k, threshold, self.vocab)
        if exposure is not None:
            exposure.record([r.vacancy_id for r in results])
        return results

    def why_not(
        self,
        candidate: str | BaseModel | Mapping[str, Any],
        vacancy: str | BaseModel | Mapping[str, Any],
    ) -> list[tuple[str, str]]:
        """Failed hard requirements of a pair as (reason code, Chinese label); [] = eligible."""
        c, cr = self.resolve(CANDIDATES, candidate)
        v, vr = self.resolve(VACANCIES, vacancy)
        rules = self.engine.rules(None)
        checks = hard_checks(c, np.asarray([cr]), v, np.asarray([vr]), rules, self.vocab)
        return [(str(r), REASON_LABELS[HardReason(r)]) for r, ok in checks.items() if not ok[0]]

    def nbytes(self) -> dict[str, int]:
        """Bytes held by the candidate side (columns incl. spare capacity, partitions)."""
        total = dict(self.candidates.columns.nbytes)
        total["partitions"] = self.candidates.parts.nbytes
        return total
