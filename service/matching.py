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
keeps serving. Queries and index changes share one lock: the engine's index arrays are
replaced on upsert, and a query must never see half an update.

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
from sklearn.utils.validation import check_is_fitted
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from data.levels import Education, SkillLevel, meets_education
from data.records import Candidate, Vacancy
from data.store import list_candidates, list_vacancies
from data.store.changes import RecordChange, changes_since, latest_seq
from data.store.repository import OUTCOMES, get_candidates, get_vacancies, hired_counts
from models.match import InsufficientData as EngineInsufficientData
from models.match import MatchEngine, MatchFilters, Ranked, UnknownRecord
from models.match.encoding import records_frame
from models.match.lifecycle import CHINA_TZ, today_in_china
from models.registry import (
    ArtifactInfo,
    ArtifactNotFoundError,
    list_versions,
    load_artifact,
    load_latest_good,
)
from service.api.deps import app_engine
from service.core.errors import InsufficientData, ServiceUnavailable

__all__ = [
    "MATCH_ARTIFACT",
    "NO_MODEL_DETAIL",
    "MatchRequest",
    "MatchService",
    "match_service",
]

logger = logging.getLogger("yuecai.service.matching")
MATCH_ARTIFACT = "match"
NO_MODEL_DETAIL = "No trained matching model yet: run `yuecai train match`, then retry."
RETRY_AFTER_SECONDS = "30"
INDEX_READ_CHUNK = 5000
POLL_SECONDS = 0.25
IndexState = Literal["not started", "building", "ready", "no model"]
_APP_LOCK = threading.Lock()
Side = Literal["candidates", "vacancies"]


@dataclass(frozen=True)
class _SideOps:
    """How the index upkeep reads, files and drops the records of one side."""

    read: Callable[[Session, list[str]], list[Any]]
    record_id: Callable[[Any], str]
    upsert: Callable[[MatchEngine, list[Any]], None]
    remove: Callable[[MatchEngine, str], bool]


SIDES: dict[Side, _SideOps] = {
    "vacancies": _SideOps(
        read=get_vacancies,
        record_id=lambda record: str(record.vacancy_id),
        upsert=lambda engine, records: engine.upsert_vacancies(records),
        remove=lambda engine, record_id: engine.remove_vacancy(record_id, missing_ok=True),
    ),
    "candidates": _SideOps(
        read=get_candidates,
        record_id=lambda record: str(record.candidate_id),
        upsert=lambda engine, records: engine.upsert_candidates(records),
        remove=lambda engine, record_id: engine.remove_candidate(record_id, missing_ok=True),
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
    """The engine being served, its artifact version and each indexed record's tenant."""

    engine: MatchEngine
    info: ArtifactInfo
    tenants: dict[Side, dict[str, str]]
    seen_seq: int = 0
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
    """

    def __init__(
        self,
        registry_dir: Path,
        store: Callable[[], Engine],
        *,
        check_interval_seconds: float | None = 60.0,
    ) -> None:
        self.registry_dir = registry_dir
        self.store = store
        self.check_interval_seconds = check_interval_seconds
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
            versions = list_versions(MATCH_ARTIFACT, root=self.registry_dir)
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
            obj, info = load_artifact(MATCH_ARTIFACT, version, root=self.registry_dir)
            return _checked_engine(obj), info
        except Exception as error:  # any failure means the artifact is not usable
            self._rejected.add(version)
            kept = served.info.version if served is not None else "the newest good older one"
            logger.error("match artifact %s is unusable (%s); serving %s", version, error, kept)
            return None

    def _load_latest_good(self) -> tuple[MatchEngine, ArtifactInfo]:
        try:
            obj, info = load_latest_good(MATCH_ARTIFACT, root=self.registry_dir)
            return _checked_engine(obj), info
        except (ArtifactNotFoundError, TypeError, NotFittedError) as error:
            raise ServiceUnavailable(
                NO_MODEL_DETAIL, headers={"Retry-After": RETRY_AFTER_SECONDS}
            ) from error

    def _index(self, engine: MatchEngine, info: ArtifactInfo) -> _Served:
        """Index the store's current records with ``engine`` (read as validated records)."""
        try:
            with Session(self.store()) as session:
                # The seq first: changes committed while reading are replayed (idempotent).
                seen_seq = latest_seq(session)
                vacancies = _all(session, list_vacancies)
                candidates = _all(session, list_candidates)
                hires = hired_counts(session)
                hire_days = _hire_days(session)
        except SQLAlchemyError as error:
            raise ServiceUnavailable(
                "The database is unavailable.", headers={"Retry-After": RETRY_AFTER_SECONDS}
            ) from error
        engine.index_candidates(records_frame(candidates))
        engine.index_vacancies(records_frame(vacancies))
        engine.record_hires(hires)
        engine.record_candidate_hires(hire_days)
        tenants: dict[Side, dict[str, str]] = {
            "candidates": {c.candidate_id: c.tenant_id for c in candidates},
            "vacancies": {v.vacancy_id: v.tenant_id for v in vacancies},
        }
        logger.info(
            "serving match artifact %s (%s): %d candidates, %d vacancies",
            info.version,
            engine.model_version_,
            len(candidates),
            len(vacancies),
        )
        return _Served(engine, info, tenants, seen_seq)

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
                with Session(self.store()) as session:
                    changes = changes_since(session, served.seen_seq)
                    if not changes:
                        return 0
                    applied = self._apply(session, served, changes)
            except SQLAlchemyError as error:
                raise ServiceUnavailable(
                    "The database is unavailable.", headers={"Retry-After": RETRY_AFTER_SECONDS}
                ) from error
            served.seen_seq = changes[-1].seq
            return applied

    @staticmethod
    def _apply(session: Session, served: _Served, changes: list[RecordChange]) -> int:
        """Re-read the changed records and put their current state into the index."""
        touched: dict[Side, list[str]] = {"vacancies": [], "candidates": []}
        for change in changes:
            touched[change.side].append(change.record_id)
        for side, ids in touched.items():
            unique = list(dict.fromkeys(ids))
            if not unique:
                continue
            current = SIDES[side].read(session, unique)
            present = {SIDES[side].record_id(record) for record in current}
            for record_id in unique:
                if record_id not in present:
                    SIDES[side].remove(served.engine, record_id)
                    served.tenants[side].pop(record_id, None)
            if current:
                SIDES[side].upsert(served.engine, current)
                if side == "vacancies":
                    served.engine.record_hires(hired_counts(session, unique))
                    # A hire is logged as a change of its vacancy: re-read its candidates'.
                    hired = _hired_in(session, unique)
                    served.engine.record_candidate_hires(_hire_days(session, hired))
                else:  # re-encoded rows start unhired: restore their hire days
                    served.engine.record_candidate_hires(_hire_days(session, unique))
                for record in current:
                    served.tenants[side][SIDES[side].record_id(record)] = record.tenant_id
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
        InsufficientData
            The vacancy lacks what scoring needs (no score is made up).
        ServiceUnavailable
            No trained model.
        """
        with self._lock:
            served = self._current()
            filters = MatchFilters(
                city_codes=request.city_codes,
                occupation_prefixes=_prefixes(request.occupation_prefix),
                min_experience_years=request.min_experience_years,
                exclude_ids=self._excluded(served, "candidates", request),
            )
            return self._query(
                served,
                lambda: served.engine.candidates_for_vacancy(
                    vacancy.vacancy_id if stored else vacancy,
                    limit,
                    filters=filters,
                    threshold=request.threshold,
                    open_on=today_in_china(),
                    commute_km=request.commute_km,
                ),
                (lambda: served.engine.upsert_vacancies([vacancy])) if stored else None,
            )

    def vacancies_for_candidate(
        self, candidate: Candidate, request: MatchRequest, limit: int, *, stored: bool = True
    ) -> Ranked:
        """Up to ``limit`` ranked vacancies whose hard requirements a candidate meets.

        ``stored=False``: a profile from a request body, encoded for this query only (as in
        :meth:`candidates_for_vacancy`); its contact and protected data are dropped first.

        Raises
        ------
        InsufficientData
            The candidate has no occupation and no resume text (no score is made up).
        ServiceUnavailable
            No trained model.
        """
        with self._lock:
            served = self._current()
            filters = MatchFilters(
                city_codes=request.city_codes,
                occupation_prefixes=_prefixes(request.occupation_prefix),
                min_salary=request.min_salary,
                exclude_ids=self._excluded(served, "vacancies", request),
            )
            public = candidate.model_copy(update={"contact": None, "protected": None})
            return self._query(
                served,
                lambda: served.engine.vacancies_for_candidate(
                    candidate.candidate_id if stored else public,
                    limit,
                    filters=filters,
                    threshold=request.threshold,
                    open_on=today_in_china(),
                    commute_km=request.commute_km,
                ),
                (lambda: served.engine.upsert_candidates([public])) if stored else None,
            )

    @staticmethod
    def _query(
        served: _Served,
        run: Callable[[], Ranked],
        index_record: Callable[[], None] | None,
    ) -> Ranked:
        try:
            try:
                return run()
            except UnknownRecord:
                if index_record is None:
                    raise
                # In the store but not indexed (e.g. written by another process): index it.
                index_record()
                served.exclusions.clear()
                return run()
        except EngineInsufficientData as error:
            raise InsufficientData(f"Cannot score this record: {error}.") from error

    def _excluded(self, served: _Served, side: Side, request: MatchRequest) -> frozenset[str]:
        """Ids on ``side`` the request must never return (other tenants, below min level)."""
        if request.tenant_id is None and request.min_education is None:
            return frozenset()
        key = (side, request.tenant_id, request.min_education)
        cached = served.exclusions.get(key)
        if cached is None:
            arrays = served.engine.candidates_ if side == "candidates" else served.engine.vacancies_
            ids: npt.NDArray[np.object_] = arrays.ids
            drop = np.zeros(len(ids), dtype=bool)
            if request.tenant_id is not None:
                tenants = served.tenants[side]
                drop |= np.fromiter(
                    (tenants.get(str(i)) != request.tenant_id for i in ids), bool, len(ids)
                )
            if request.min_education is not None and side == "candidates":
                drop |= ~_education_ok(request.min_education, arrays.education, arrays.skill_level)
            cached = frozenset(str(i) for i in ids[drop & arrays.active])
            served.exclusions[key] = cached
        return cached


def _hire_days(session: Session, candidate_ids: list[str] | None = None) -> dict[str, date]:
    """Each candidate's latest ``hired`` outcome day in China time (all when None)."""
    query = (
        select(OUTCOMES.c.candidate_id, func.max(OUTCOMES.c.occurred_at))
        .where(OUTCOMES.c.event == "hired")
        .group_by(OUTCOMES.c.candidate_id)
    )
    if candidate_ids is not None:
        if not candidate_ids:
            return {}
        query = query.where(OUTCOMES.c.candidate_id.in_(candidate_ids))
    days: dict[str, date] = {}
    for candidate_id, moment in session.execute(query):
        stamp = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        days[str(candidate_id)] = stamp.astimezone(CHINA_TZ).date()
    return days


def _hired_in(session: Session, vacancy_ids: list[str]) -> list[str]:
    """Candidates with a ``hired`` outcome in any of ``vacancy_ids``."""
    query = (
        select(OUTCOMES.c.candidate_id)
        .where(OUTCOMES.c.event == "hired", OUTCOMES.c.vacancy_id.in_(vacancy_ids))
        .distinct()
    )
    return [str(candidate_id) for candidate_id in session.scalars(query)]


def _checked_engine(obj: Any) -> MatchEngine:
    if not isinstance(obj, MatchEngine):
        raise TypeError(f"artifact holds a {type(obj).__name__}, not a MatchEngine")
    check_is_fitted(obj, "model_version_")
    return obj


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
    """Vectorised :func:`data.levels.meets_education` (-1 = education unknown)."""
    table = np.array(
        [
            [
                meets_education(required, None if edu < 0 else Education(edu), SkillLevel(level))
                for level in range(len(SkillLevel))
            ]
            for edu in range(-1, len(Education))
        ],
        dtype=bool,
    )
    levels = np.clip(skill.astype(np.int64), 0, len(SkillLevel) - 1)
    return np.asarray(table[education.astype(np.int64) + 1, levels], dtype=bool)


def match_service(app: FastAPI) -> MatchService:
    """The app's :class:`MatchService`, created on first use (kept on ``app.state``)."""
    service: MatchService | None = getattr(app.state, "match_service", None)
    if service is None:
        with _APP_LOCK:
            service = getattr(app.state, "match_service", None)
            if service is None:
                service = MatchService(
                    Path(app.state.settings.registry_dir), lambda: app_engine(app)
                )
                app.state.match_service = service
    return service
