"""Start-up from an index snapshot gives exactly what a full store read gives.

A real store (SQLite) and a real fitted engine: one service builds from the store and saves
a snapshot; the store then changes (updates, a delete, a new vacancy, a hire); a second
service starts from that snapshot — the full read is made to fail, so it cannot cheat —
and replays the logged changes; a third, with no snapshot, reads the store in full. Every
vacancy's candidates and every sampled candidate's vacancies must be identical (ids and
scores) between the second and the third. The training side's snapshot (``yuecai train
match`` writes one after fitting) must serve the same too.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

import service.matching as matching
from app.match_training import load_frames, run_match_pipeline, store_seq
from data.generator import GeneratorConfig, generate, to_records
from data.records import Candidate, MatchOutcome, Vacancy, record_key
from data.store import make_engine, session_scope, upgrade_to_head, upsert_candidates
from data.store import upsert_vacancies as store_vacancies
from data.store.repository import delete_candidate, get_candidates, get_vacancies, insert_outcomes
from models.match import MatchEngine
from models.match.snapshots import SNAPSHOT_ARTIFACT, newest_snapshot_info
from models.registry import list_versions, save_artifact
from service.matching import MATCH_ARTIFACT, MatchRequest, MatchService

OPEN_NOW = {"date_closed": None, "valid_through": None}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[Vacancy], list[Candidate]]:
    data = generate(GeneratorConfig(start="2025-01", end="2025-03", scale=20, seed=3))
    vacancies = [
        v.model_copy(update=OPEN_NOW)
        for v in to_records(data.vacancies, "vacancies")
        if isinstance(v, Vacancy)
    ]
    candidates = [c for c in to_records(data.candidates, "candidates") if isinstance(c, Candidate)]
    url = f"sqlite:///{tmp_path_factory.mktemp('snap') / 'store.db'}"
    store = make_engine(url)
    upgrade_to_head(store)
    with session_scope(store) as session:
        store_vacancies(session, vacancies)
        upsert_candidates(session, candidates)
    store.dispose()
    return url, vacancies, candidates


def _service(registry: Path, store: Engine, snapshot_every: int | None) -> MatchService:
    service = MatchService(
        registry, lambda: store, check_interval_seconds=None, snapshot_every=snapshot_every
    )
    service.reload()
    service.catch_up()
    return service


def _answers(service: MatchService, store: Engine) -> dict[str, list[tuple[str, float]]]:
    """Every stored vacancy's top candidates and 40 candidates' top vacancies."""
    answers: dict[str, list[tuple[str, float]]] = {}
    with session_scope(store) as session:
        served = service._served
        assert served is not None
        vacancies = get_vacancies(session, sorted(served.index.vacancies.rows))
        candidates = get_candidates(session, sorted(served.index.candidates.rows)[:40])
    for vacancy in vacancies:
        ranked = service.candidates_for_vacancy(vacancy, MatchRequest(), 50)
        answers[f"v:{vacancy.vacancy_id}"] = [(r.candidate_id, r.score) for r in ranked]
    for candidate in candidates:
        ranked = service.vacancies_for_candidate(candidate, MatchRequest(tenant_id="public"), 20)
        answers[f"c:{candidate.candidate_id}"] = [(r.vacancy_id, r.score) for r in ranked]
    return answers


def _change_the_store(store: Engine, vacancies: list[Vacancy], candidates: list[Candidate]) -> None:
    """Updates, a delete, a new vacancy and a hire, all after the snapshot."""
    with session_scope(store) as session:
        moved = [
            c.model_copy(update={"city_code": vacancies[0].city_code, "skills": ("电工", "PLC")})
            for c in candidates[:15]
        ]
        upsert_candidates(session, moved)
        delete_candidate(session, candidates[20].candidate_id)
        extra = vacancies[1].model_copy(update={"vacancy_id": "after-snapshot", "headcount": 1})
        store_vacancies(session, [extra])
        insert_outcomes(
            session,
            [
                MatchOutcome(
                    candidate_id=candidates[30].candidate_id,
                    vacancy_id=vacancies[2].vacancy_id,
                    event="hired",
                    occurred_at=datetime(2025, 3, 1, tzinfo=UTC),
                )
            ],
        )


def _no_full_read(*args: object) -> None:
    raise AssertionError("started from the store although a snapshot exists")


def test_snapshot_start_plus_later_changes_equals_a_full_rebuild(
    world: tuple[str, list[Vacancy], list[Candidate]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, vacancies, candidates = world
    store = make_engine(url)
    registry = tmp_path / "registry"
    engine = MatchEngine(use_ranker=False).fit(
        [c.model_dump() for c in candidates], [v.model_dump() for v in vacancies]
    )
    save_artifact(
        engine, MATCH_ARTIFACT, data_range=("2025-01", "2025-03"), metrics={}, root=registry
    )

    first = _service(registry, store, snapshot_every=1)
    assert first.snapshot_if_due()  # built from the store, none saved yet: save one
    assert len(list_versions(SNAPSHOT_ARTIFACT, root=registry)) == 1
    assert not first.snapshot_if_due()  # nothing applied since
    _change_the_store(store, vacancies, candidates)

    with monkeypatch.context() as patched:
        patched.setattr(matching, "_index_store", _no_full_read)
        from_snapshot = _service(registry, store, snapshot_every=None)
    bare = tmp_path / "bare"
    shutil.copytree(registry / MATCH_ARTIFACT, bare / MATCH_ARTIFACT)
    rebuilt = _service(bare, store, snapshot_every=None)

    assert from_snapshot._served is not None and rebuilt._served is not None
    assert from_snapshot._served.index.seq == rebuilt._served.index.seq > 0
    got, want = _answers(from_snapshot, store), _answers(rebuilt, store)
    assert got == want
    assert sum(map(len, got.values())) > 0
    rows = from_snapshot._served.index
    assert record_key("public", "after-snapshot") in rows.vacancies.rows
    gone = candidates[20]
    assert record_key(gone.tenant_id, gone.candidate_id) not in rows.candidates.rows


def test_the_training_snapshot_serves_like_a_full_rebuild(
    world: tuple[str, list[Vacancy], list[Candidate]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url, vacancies, candidates = world
    store = make_engine(url)
    registry = tmp_path / "registry"
    seq = store_seq(url)
    frames = load_frames(url)
    with session_scope(store) as session:  # outcomes for the pipeline (none in the store)
        insert_outcomes(
            session,
            [
                MatchOutcome(
                    candidate_id=c.candidate_id,
                    vacancy_id=v.vacancy_id,
                    event=event,
                    occurred_at=datetime(2025, 2, 1 + i % 27, tzinfo=UTC),
                )
                for i, (c, v, event) in enumerate(
                    zip(
                        candidates[40:100],
                        vacancies * 3,
                        ["viewed", "applied", "hired"] * 20,
                        strict=False,
                    )
                )
            ],
        )
    outcomes = load_frames(url)[2]
    result = run_match_pipeline(
        frames[0],
        frames[1],
        outcomes,
        engine_params={"use_ranker": False},
        max_eval_queries=20,
        save=True,
        registry_root=str(registry),
        index_seq=seq,
    )
    info = newest_snapshot_info(str(result.engine.model_version_), root=registry)
    assert info is not None and info.params["source"] == "training"
    with monkeypatch.context() as patched:
        patched.setattr(matching, "_index_store", _no_full_read)
        from_training = _service(registry, store, snapshot_every=None)
    bare = tmp_path / "bare"
    shutil.copytree(registry / MATCH_ARTIFACT, bare / MATCH_ARTIFACT)
    rebuilt = _service(bare, store, snapshot_every=None)
    assert _answers(from_training, store) == _answers(rebuilt, store)
