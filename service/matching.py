"""The service's holder of the matching engine: load, keep in step with the store, query.

The trained :class:`models.match.MatchEngine` comes from the model registry (artifact
``match``, written by ``yuecai train match``); what it *indexes* comes from the store. The
index is built eagerly at start-up by a background thread (:meth:`MatchService.start`;
``/ready`` is 503 until it is), from the store's records read after noting the change log's
highest seq. From then on every process applies the store's change log
(:mod:`data.store.changes`) — every write by any API worker, CLI import or delete — before
each match and on a 0.25 s idle poll, so a write acknowledged anywhere is in the next match
of every worker, and a result always names a record that exists.

Artifacts are only swapped for a newer one that verifies *and* loads; when the newest is
corrupt or tampered with, the error is logged (once per version) and the last good engine
keeps serving. The engine (the model) never changes once loaded; the
:class:`models.match.MatchIndex` beside it holds what is served and takes every change in
``O(change)``. Queries and index changes share one lock: a query must never see half an
update.

A platform key sees only its own tenant's records in results: the other tenants' ids are
excluded *before* ranking (``MatchFilters.exclude_ids``), so paging and the ranker window
apply to what the caller may see.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path
from typing import Any, Literal, TypeVar

import numpy as np
import numpy.typing as npt
from fastapi import FastAPI
from sklearn.exceptions import NotFittedError
from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.registry import MATCH as MATCH_ARTIFACT
from app.registry import Registry
from data.levels import Education, SkillLevel
from data.records import Candidate, Vacancy, keyed_record, record_key
from data.store import list_candidates, list_vacancies
from data.store.changes import CHANGES, RecordChange, changes_since, latest_seq
from data.store.repository import (
    get_candidates,
    get_vacancies,
    hired_candidates,
    hired_counts,
    latest_hires,
)
from models.match import MatchEngine, MatchFilters, MatchIndex, Ranked, UnknownRecord
from models.match.encoding import records_frame
from models.match.hard import EDUCATION_OK
from models.match.lifecycle import CHINA_TZ, today_in_china
from models.match.snapshots import (
    load_snapshot,
    newest_snapshot_info,
    save_snapshot,
    writer_lock,
)
from models.registry import ArtifactInfo, ArtifactNotFoundError
from service.api.deps import app_engine
from service.core.errors import ServiceUnavailable
from service.core.state import app_state_once

__all__ = [
    "MATCH_ARTIFACT",
    "NO_MODEL_DETAIL",
    "MatchRequest",
    "MatchService",
    "match_service",
]

logger = logging.getLogger("yuecai.service.matching")
NO_MODEL_DETAIL = "No trained matching model yet: run `yuecai train match`, then retry."
RETRY_AFTER_SECONDS = "30"
INDEX_READ_CHUNK = 5000
POLL_SECONDS = 0.25
SNAPSHOT_EVERY_CHANGES = 20_000
CHANGES_READ = 10_000
IndexState = Literal["not started", "building", "ready", "no model"]
_NEWER_CHANGE = select(CHANGES.c.seq).where(CHANGES.c.seq > bindparam("seen")).limit(1)
"""Built once: the per-match "anything new?" probe is one indexed lookup on a pooled
connection, with no ORM session or statement construction (it ran before every match and
was ~40 % of a match request's time)."""
Side = Literal["candidates", "vacancies"]


@dataclass(frozen=True)
class _SideOps:
    """How the index upkeep reads, files and drops the records of one side."""

    read: Callable[[Session, list[str]], list[Any]]
    record_id: Callable[[Any], str]


SIDES: dict[Side, _SideOps] = {
    "vacancies": _SideOps(
        read=get_vacancies,
        record_id=lambda record: record_key(record.tenant_id, record.vacancy_id),
    ),
    "candidates": _SideOps(
        read=get_candidates,
        record_id=lambda record: record_key(record.tenant_id, record.candidate_id),
    ),
}


@dataclass(frozen=True)
class MatchRequest:
    """What a match route asks for, beyond the record matched against.

    Parameters
    ----------
    tenant_id
        Only results of this tenant (platform keys); None = every tenant (admin).
    city_codes, occupation_prefix
        Keep results in these cities / with an occupation code starting so.
    min_education
        Candidates only: at least this education (skill-level equivalence counts).
    min_experience_years
        Candidates only.
    min_salary
        Vacancies only: salary ceiling at least this.
    threshold
        Minimum score.
    commute_km
        Also admit pairs whose candidate's home city seat and vacancy's city seat are at
        most this great-circle distance apart (beyond the candidate's desired cities).
    """

    tenant_id: str | None = None
    city_codes: tuple[str, ...] | None = None
    occupation_prefix: str | None = None
    min_education: Education | None = None
    min_experience_years: int | None = None
    min_salary: int | None = None
    threshold: float = 0.0
    commute_km: float | None = None


@dataclass
class _Served:
    """The engine being served, its artifact version and its index.

    ``index.seq`` is the change-log seq the index reflects; ``since_snapshot`` how many
    changes it has applied since the newest snapshot it knows of.
    """

    engine: MatchEngine
    info: ArtifactInfo
    index: MatchIndex
    since_snapshot: int = 0
    exclusions: dict[tuple[Any, ...], frozenset[str]] = field(default_factory=dict)


class MatchService:
    """Loads, serves and updates the matching engine of one app.

    Parameters
    ----------
    registry_dir
        The model registry folder (``settings.registry_dir``).
    store
        Returns the app's database engine (called only when the model is (re)loaded).
    check_interval_seconds
        How often a query looks for a newer artifact; ``None`` never (use :meth:`reload`).
    snapshot_every
        Save an index snapshot (:mod:`models.match.snapshots`) once this many changes
        were applied since the last one (and after a start-up without a usable one);
        ``None`` never. Written by the background thread, by one process at a time.
    """

    def __init__(
        self,
        registry_dir: Path,
        store: Callable[[], Engine],
        *,
        check_interval_seconds: float | None = 60.0,
        snapshot_every: int | None = SNAPSHOT_EVERY_CHANGES,
    ) -> None:
        self.registry_dir = registry_dir
        self._registry = Registry(registry_dir)
        self.store = store
        self.check_interval_seconds = check_interval_seconds
        self.snapshot_every = snapshot_every
        self._lock = threading.RLock()
        self._served: _Served | None = None
        self._rejected: set[str] = set()
        self._checked_at = 0.0
        self.state: IndexState = "not started"
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ background upkeep
    def start(self, poll_seconds: float = POLL_SECONDS) -> None:
        """Build the index now (in a thread) and then apply logged changes every poll.

        ``state`` is ``building`` until the first index is built, then ``ready``; with no
        trained model it is ``no model`` (nothing to build, so readiness is not held back).
        A match between polls still catches up first, so the poll only bounds how stale
        an idle worker gets and keeps the catch-up a match pays small.
        """
        if self._thread is not None:
            return
        self.state = "building"
        self._stop.clear()
        self._thread = threading.Thread(
            target=self._run, args=(poll_seconds,), name="match-index", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop the background thread (waits for its current step)."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout=30)

    def _run(self, poll_seconds: float) -> None:
        while not self._stop.is_set():
            try:
                if self._served is None or self._reload_due():
                    self.reload()
                self.catch_up()
                self.state = "ready"
                self.snapshot_if_due()
            except ServiceUnavailable as error:
                if self._served is None:
                    self.state = "no model" if error.detail == NO_MODEL_DETAIL else "building"
            except Exception:  # keep the thread alive; the next poll retries
                logger.exception("match index upkeep failed")
            self._stop.wait(poll_seconds)

    def _reload_due(self) -> bool:
        interval = self.check_interval_seconds
        return interval is not None and time.monotonic() - self._checked_at >= interval

    # ------------------------------------------------------------------ loading
    @property
    def version(self) -> str | None:
        """Artifact version being served (None until the first load)."""
        served = self._served
        return None if served is None else served.info.version

    @property
    def model_version(self) -> str | None:
        """The engine's own ``model_version_`` (what results carry)."""
        served = self._served
        return None if served is None else str(served.engine.model_version_)

    def reload(self) -> str:
        """Serve the newest artifact if it verifies and loads; return the version served.

        A newest version that fails (hash mismatch, unpicklable, not a fitted engine) is
        logged once and skipped: the engine already served stays; with none served yet, the
        newest good older version is loaded instead.

        Raises
        ------
        ServiceUnavailable
            No usable artifact at all (nothing trained yet, or every version is bad), or
            the database is unreachable while indexing.
        """
        with self._lock:
            self._checked_at = time.monotonic()
            versions = self._registry.versions(MATCH_ARTIFACT)
            served = self._served
            newest = versions[-1] if versions else None
            if served is not None and newest in (served.info.version, None):
                return served.info.version
            loaded = self._load_version(newest, served)
            if loaded is None:
                if served is not None:
                    return served.info.version
                loaded = self._load_latest_good()
            self._served = self._index(*loaded)
            return loaded[1].version

    def _load_version(
        self, version: str | None, served: _Served | None
    ) -> tuple[MatchEngine, ArtifactInfo] | None:
        """``version`` checked and unpickled, or None (and logged once) if it is unusable."""
        if version is None or version in self._rejected:
            return None
        try:
            loaded = self._registry.load_match_engine(version)
            return loaded.obj, loaded.info
        except Exception as error:  # any failure means the artifact is not usable
            self._rejected.add(version)
            kept = served.info.version if served is not None else "the newest good older one"
            logger.error("match artifact %s is unusable (%s); serving %s", version, error, kept)
            return None

    def _load_latest_good(self) -> tuple[MatchEngine, ArtifactInfo]:
        try:
            loaded = self._registry.load_match_engine()
            return loaded.obj, loaded.info
        except (ArtifactNotFoundError, TypeError, NotFittedError) as error:
            raise ServiceUnavailable(
                NO_MODEL_DETAIL, headers={"Retry-After": RETRY_AFTER_SECONDS}
            ) from error

    def _index(self, engine: MatchEngine, info: ArtifactInfo) -> _Served:
        """``engine``'s index of the store: its newest snapshot + later changes, or a full read.

        From a snapshot only the hire state is read now (it changes without a record
        changing); the records changed since the snapshot's seq are replayed by the next
        :meth:`catch_up`, before anything is served.
        """
        index = load_snapshot(engine, root=self.registry_dir)
        try:
            with Session(self.store()) as session:
                source = "a snapshot" if index is not None else "the store"
                if index is None:
                    index = _index_store(session, engine)
                _read_all_hires(session, index)
        except SQLAlchemyError as error:
            raise ServiceUnavailable(
                "The database is unavailable.", headers={"Retry-After": RETRY_AFTER_SECONDS}
            ) from error
        logger.info(
            "serving match artifact %s (%s): %d candidates, %d vacancies (from %s, seq %d)",
            info.version,
            engine.model_version_,
            len(index.candidates),
            len(index.vacancies),
            source,
            index.seq,
        )
        # Built from the store, no snapshot to start from next time: write one soon.
        since = (self.snapshot_every or 0) if source == "the store" else 0
        return _Served(engine, info, index, since)

    def snapshot_if_due(self) -> bool:
        """Save an index snapshot when enough changes were applied since the last one.

        Only the process holding the writer lock writes; one that finds a recent enough
        snapshot by another worker just counts from it. The rows are copied under the
        query lock (a memory copy), pickled and written outside it.
        """
        served, every = self._served, self.snapshot_every
        if served is None or every is None or served.since_snapshot < every:
            return False
        try:
            return self._write_snapshot(served, every)
        except OSError as error:  # e.g. the registry is mounted read-only on API hosts
            logger.warning("index snapshots disabled: cannot write to the registry (%s)", error)
            self.snapshot_every = None
            return False

    def _write_snapshot(self, served: _Served, every: int) -> bool:
        with writer_lock(self.registry_dir) as held:
            if not held:
                return False
            newest = newest_snapshot_info(str(served.engine.model_version_), root=self.registry_dir)
            newest_seq = int(newest.params.get("seq", -1)) if newest is not None else -1
            if newest_seq >= 0 and served.index.seq - newest_seq < every:
                served.since_snapshot = served.index.seq - newest_seq
                return False
            with self._lock:
                seq = served.index.seq
                snapshot = served.index.snapshot()
            info = save_snapshot(snapshot, root=self.registry_dir, source="service")
            served.since_snapshot = served.index.seq - seq
            logger.info("saved index snapshot %s at seq %d", info.version, seq)
            return True

    def _current(self) -> _Served:
        """The served engine, loading it on first use and refreshing when due."""
        if self._served is None or self._reload_due():
            self.reload()
        self.catch_up()
        assert self._served is not None  # noqa: S101 — reload() serves or raises
        return self._served

    # ------------------------------------------------------------------ index upkeep
    def catch_up(self) -> int:
        """Apply every logged record change not applied yet; return how many were applied.

        Called before each match (one indexed ``SELECT`` on the change log when nothing
        changed), so a write acknowledged by any process is in the next match of this one.
        No-op until a model is served.
        """
        with self._lock:
            served = self._served
            if served is None:
                return 0
            try:
                if not _has_changes_after(self.store(), served.index.seq):
                    return 0
                applied = 0
                with Session(self.store()) as session:
                    while changes := changes_since(session, served.index.seq, CHANGES_READ):
                        applied += self._apply(session, served, changes)
                        served.index.seq = changes[-1].seq
                        served.since_snapshot += len(changes)
                        if len(changes) < CHANGES_READ:
                            break
            except SQLAlchemyError as error:
                raise ServiceUnavailable(
                    "The database is unavailable.", headers={"Retry-After": RETRY_AFTER_SECONDS}
                ) from error
            return applied

    @staticmethod
    def _apply(session: Session, served: _Served, changes: list[RecordChange]) -> int:
        """Re-read the changed records and put their current state into the index."""
        touched: dict[Side, list[str]] = {"vacancies": [], "candidates": []}
        for change in changes:
            touched[change.side].append(change.key)
        for side, ids in touched.items():
            unique = list(dict.fromkeys(ids))
            if not unique:
                continue
            current = SIDES[side].read(session, unique)
            present = {SIDES[side].record_id(record) for record in current}
            for record_id in unique:
                if record_id not in present:
                    served.index.remove(side, record_id, missing_ok=True)
            if current:
                served.index.upsert(side, [keyed_record(record) for record in current])
                if side == "vacancies":
                    served.index.record_hires(hired_counts(session, unique))
                    # A hire is logged as a change of its vacancy: re-read its candidates'.
                    hired = _hired_in(session, unique)
                    served.index.record_candidate_hires(_hire_days(session, hired))
                else:  # re-encoded rows start unhired: restore their hire days
                    served.index.record_candidate_hires(_hire_days(session, unique))
        served.exclusions.clear()  # cached exclusion sets are stale now
        return len(changes)

    # ------------------------------------------------------------------ queries
    def candidates_for_vacancy(
        self, vacancy: Vacancy, request: MatchRequest, limit: int, *, stored: bool = True
    ) -> Ranked:
        """Up to ``limit`` ranked candidates for a vacancy.

        ``stored=False`` ranks a profile given in a request body: it is encoded for this
        query only (never upserted into the index, never written to the store), with the
        same hard filters, lifecycle, scoring and explanations as a stored one.

        Raises
        ------
        models.match.UnscorableProfile
            The vacancy lacks what scoring needs (no score is made up).
        ServiceUnavailable
            No trained model.
        """
        return self._rank(
            MatchIndex.candidates_for_vacancy,
            "candidates",
            vacancy,
            request,
            limit,
            stored=stored,
            min_experience_years=request.min_experience_years,
        )

    def vacancies_for_candidate(
        self, candidate: Candidate, request: MatchRequest, limit: int, *, stored: bool = True
    ) -> Ranked:
        """Up to ``limit`` ranked vacancies whose hard requirements a candidate meets.

        ``stored=False``: a profile from a request body, encoded for this query only (as in
        :meth:`candidates_for_vacancy`); its contact and protected data are dropped first.

        Raises
        ------
        models.match.UnscorableProfile
            The candidate has no occupation and no resume text (no score is made up).
        ServiceUnavailable
            No trained model.
        """
        public = candidate.model_copy(update={"contact": None, "protected": None})
        return self._rank(
            MatchIndex.vacancies_for_candidate,
            "vacancies",
            public,
            request,
            limit,
            stored=stored,
            min_salary=request.min_salary,
        )

    def _rank(
        self,
        query: Callable[..., Ranked],
        found: Side,
        record: _RecordT,
        request: MatchRequest,
        limit: int,
        *,
        stored: bool,
        **own_filters: Any,
    ) -> Ranked:
        """Either direction's query: rank ``found`` for ``record`` with the index's ``query``
        (``MatchIndex.candidates_for_vacancy`` or its mirror) under the request's filters and
        the direction's ``own_filters``; a stored record missing from the index is indexed."""
        subject: Side = "vacancies" if found == "candidates" else "candidates"
        with self._lock:
            served = self._current()
            filters = MatchFilters(
                city_codes=request.city_codes,
                occupation_prefixes=_prefixes(request.occupation_prefix),
                exclude_ids=self._excluded(served, found, request),
                **own_filters,
            )
            keyed = keyed_record(record)
            return self._query(
                served,
                lambda: query(
                    served.index,
                    SIDES[subject].record_id(record) if stored else keyed,
                    limit,
                    filters=filters,
                    threshold=request.threshold,
                    open_on=today_in_china(),
                    commute_km=request.commute_km,
                ),
                (lambda: served.index.upsert(subject, [keyed])) if stored else None,
            )

    @staticmethod
    def _query(
        served: _Served,
        run: Callable[[], Ranked],
        index_record: Callable[[], None] | None,
    ) -> Ranked:
        # models.match.UnscorableProfile (nothing to score) is a domain error: the app's one
        # handler (service.core.errors.from_domain_error) answers it 422 insufficient-data.
        try:
            return run()
        except UnknownRecord:
            if index_record is None:
                raise
            # In the store but not indexed (e.g. written by another process): index it.
            index_record()
            served.exclusions.clear()
            return run()

    def _excluded(self, served: _Served, side: Side, request: MatchRequest) -> frozenset[str]:
        """Ids on ``side`` the request must never return (other tenants, below min level)."""
        if request.tenant_id is None and request.min_education is None:
            return frozenset()
        key = (side, request.tenant_id, request.min_education)
        cached = served.exclusions.get(key)
        if cached is None:
            arrays = served.index.side(side).arrays
            ids: npt.NDArray[np.object_] = arrays.ids
            drop = np.zeros(len(ids), dtype=bool)
            if request.tenant_id is not None:
                tenants = served.index.side(side).tenants
                drop |= np.fromiter(
                    (tenants.get(str(i)) != request.tenant_id for i in ids), bool, len(ids)
                )
            if request.min_education is not None and side == "candidates":
                drop |= ~_education_ok(request.min_education, arrays.education, arrays.skill_level)
            cached = frozenset(str(i) for i in ids[drop & arrays.active])
            served.exclusions[key] = cached
        return cached


def _has_changes_after(store: Engine, seq: int) -> bool:
    """Whether the change log holds anything after ``seq``."""
    with store.connect() as connection:
        return connection.execute(_NEWER_CHANGE, {"seen": seq}).first() is not None


def _index_store(session: Session, engine: MatchEngine) -> MatchIndex:
    """A fresh index of every stored record (the start-up path without a snapshot)."""
    # The seq first: changes committed while reading are replayed (idempotent).
    seen_seq = latest_seq(session)
    vacancies = _all(session, list_vacancies)
    candidates = _all(session, list_candidates)
    index = _index_records(engine, candidates, vacancies)
    index.seq = seen_seq
    return index


def _index_records(
    engine: MatchEngine, candidates: list[Candidate], vacancies: list[Vacancy]
) -> MatchIndex:
    """An index of these records (each filed under its id, with its tenant)."""
    return MatchIndex(
        engine,
        records_frame(map(keyed_record, candidates)),
        records_frame(map(keyed_record, vacancies)),
    )


def _read_all_hires(session: Session, index: MatchIndex) -> None:
    """Every vacancy's hire count and every candidate's latest hire day, in full."""
    index.record_hires(hired_counts(session), full=True)
    index.record_candidate_hires(_hire_days(session), full=True)


def _hire_days(session: Session, candidate_keys: list[str] | None = None) -> dict[str, date]:
    """Each candidate's latest ``hired`` outcome day in China time, by record key (all
    when None)."""
    if candidate_keys is not None and not candidate_keys:
        return {}
    days: dict[str, date] = {}
    for key, moment in latest_hires(session, candidate_keys).items():
        stamp = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        days[key] = stamp.astimezone(CHINA_TZ).date()
    return days


def _hired_in(session: Session, vacancy_keys: list[str]) -> list[str]:
    """Candidates (record keys) with a ``hired`` outcome in any of ``vacancy_keys``."""
    return hired_candidates(session, vacancy_keys)


_RecordT = TypeVar("_RecordT", Vacancy, Candidate)


def _all(session: Session, lister: Callable[..., tuple[list[_RecordT], int]]) -> list[_RecordT]:
    """Every stored record, read in pages (as records: no personal data, any valid date)."""
    found: list[_RecordT] = []
    while True:
        page, total = lister(session, offset=len(found), limit=INDEX_READ_CHUNK)
        found.extend(page)
        if not page or len(found) >= total:
            return found


def _prefixes(prefix: str | None) -> tuple[str, ...] | None:
    return None if prefix is None else (prefix,)


def _education_ok(
    required: Education, education: npt.NDArray[np.int8], skill: npt.NDArray[np.int8]
) -> npt.NDArray[np.bool_]:
    """Vectorised :func:`data.levels.meets_education` (-1 = education unknown), read from
    the hard filter's own table (:data:`models.match.hard.EDUCATION_OK`)."""
    levels = np.clip(skill.astype(np.int64), 0, len(SkillLevel) - 1)
    return np.asarray(EDUCATION_OK[int(required) + 1, education.astype(np.int64) + 1, levels])


def match_service(app: FastAPI) -> MatchService:
    """The app's :class:`MatchService`, created on first use (kept on ``app.state``)."""
    registry = Path(app.state.settings.registry_dir)
    return app_state_once(
        app, "match_service", lambda: MatchService(registry, lambda: app_engine(app))
    )
