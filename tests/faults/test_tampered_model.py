"""A tampered model artifact is refused, and the service keeps serving the last good one.

Two versions of a real fitted match engine are saved to the registry (a scorer-only engine,
then a learned ranker: different ``model_version_``); the newer one's bytes are modified. The
registry must refuse to unpickle it, naming the hash mismatch, and a real uvicorn server must
answer match requests with the older version's ``model_version`` — both when it was already
serving it (and checks the registry again) and when it starts fresh.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from bench.common import SeededStore, seed_store
from data.settings import Settings
from data.store import make_engine
from data.store.schema import VacancyRow
from models.match import MatchEngine
from models.registry import (
    ArtifactInfo,
    ArtifactIntegrityError,
    load_artifact,
    load_latest_good,
    save_artifact,
)
from service.main import create_app
from service.matching import MATCH_ARTIFACT, match_service
from tests.support.service import make_service_settings, run_live_server


def _save(engine: MatchEngine, registry: Path) -> ArtifactInfo:
    return save_artifact(
        engine,
        MATCH_ARTIFACT,
        data_range=("2024-01", "2024-03"),
        metrics={},
        params={"model_version": engine.model_version_},
        root=registry,
    )


def _tamper(info: ArtifactInfo) -> None:
    """Flip bytes in the middle of the pickle: same size, different content."""
    payload = bytearray(info.artifact_path.read_bytes())
    middle = len(payload) // 2
    payload[middle : middle + 8] = bytes(b ^ 0xFF for b in payload[middle : middle + 8])
    info.artifact_path.write_bytes(bytes(payload))


def _served_version(base_url: str, store: SeededStore) -> str:
    response = httpx.get(
        f"{base_url}/vacancies/{store.vacancy_ids[0]}/matches",
        headers=store.headers("admin"),
        timeout=60,
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert items, "no match results to read the model version from"
    versions = {item["model_version"] for item in items}
    assert len(versions) == 1
    return versions.pop()


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, SeededStore]:
    root = tmp_path_factory.mktemp("tampered")
    settings = make_service_settings(root)
    store = seed_store(settings.database_url, end="2024-03", scale=100.0)
    # 2024's postings have long expired and are never recommended (models.match.lifecycle):
    # reopen them, so the served model's version can be read off real results.
    engine = make_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(update(VacancyRow).values(date_closed=None, valid_through=None))
    engine.dispose()
    return settings, store


def test_tampered_newest_artifact_is_refused_and_last_good_keeps_serving(
    setup: tuple[Settings, SeededStore], caplog: pytest.LogCaptureFixture
) -> None:
    settings, store = setup
    registry = settings.registry_dir
    frames = (store.candidates, store.vacancies, store.outcomes)
    good = MatchEngine(use_ranker=False).fit(*frames)
    good_info = _save(good, registry)

    app = create_app(settings)
    with run_live_server(app) as base_url:
        assert _served_version(base_url, store) == good.model_version_

        newer = MatchEngine(max_training_queries=100, negatives_per_query=5).fit(*frames)
        assert newer.model_version_ != good.model_version_
        newer_info = _save(newer, registry)
        _tamper(newer_info)

        with pytest.raises(ArtifactIntegrityError, match=r"sha256 .* does not match"):
            load_artifact(MATCH_ARTIFACT, root=registry)
        obj, info = load_latest_good(MATCH_ARTIFACT, root=registry)
        assert info.version == good_info.version
        assert obj.model_version_ == good.model_version_

        match_service(app).check_interval_seconds = 0.0  # look for a newer artifact now
        assert _served_version(base_url, store) == good.model_version_
        assert match_service(app).version == good_info.version
        assert "unusable" in caplog.text

    with run_live_server(create_app(settings)) as fresh_url:  # a restart, newest still bad
        assert _served_version(fresh_url, store) == good.model_version_
