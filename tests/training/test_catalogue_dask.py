"""Catalogue building split by city on joblib workers (loky, Dask) equals the sequential build."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from distributed import LocalCluster
from typer.testing import CliRunner

from app.publish import build_catalogue_parallel
from data.generator import GeneratorConfig, generate
from data.records import Candidate, Vacancy
from data.store import (
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.catalogue import canonical_records, content_sha256, list_editions
from models.catalogue import Catalogue, build_catalogue, period_window
from models.catalogue.evidence import requirements_evidence
from models.catalogue.indicators import compute_indicators, prepare_vacancies
from models.catalogue.partition import (
    chunk_tables,
    combine_tables,
    occupation_duration_medians,
    partition_inputs,
)
from models.catalogue.sample import sample_records
from training.cli import app

# A year-long period on two years of data: ~50 scored cells in ~17 cities, all star grades.
SMALL = GeneratorConfig(start="2023-01", end="2024-12", scale=60, seed=7)
PERIOD = "2024"


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = generate(SMALL)
    return data.vacancies, data.candidates


@pytest.fixture(scope="module")
def sequential(frames: tuple[pd.DataFrame, pd.DataFrame]) -> Catalogue:
    vacancies, candidates = frames
    return build_catalogue(vacancies, candidates, PERIOD)


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    # Worker processes, as on a real cluster: with in-process workers, joblib's automatic
    # scatter of large arguments hits a distributed race (worker task_counter assertion).
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


def _sha(catalogue: Catalogue) -> str:
    return content_sha256(catalogue.period, canonical_records(catalogue.entries), catalogue.meta)


def _assert_same(actual: Catalogue, expected: Catalogue) -> None:
    assert _sha(actual) == _sha(expected)
    pd.testing.assert_frame_equal(actual.scored, expected.scored, check_exact=True)
    assert actual.meta == expected.meta


def test_city_chunks_concatenate_to_the_single_process_tables(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    vacancies, candidates = frames
    window = period_window(PERIOD)
    chunks = partition_inputs(vacancies, candidates, 3)
    assert len(chunks) == 3
    cities = [city for chunk in chunks for city in chunk.cities]
    assert len(cities) == len(set(cities)) == vacancies["city_code"].nunique()
    medians = occupation_duration_medians(vacancies, window)
    combined = combine_tables([chunk_tables(chunk, window, medians) for chunk in chunks])
    expected = compute_indicators(vacancies, candidates, window)
    pd.testing.assert_frame_equal(combined.indicators, expected, check_exact=True)
    requirements = requirements_evidence(prepare_vacancies(vacancies, 2), window)
    pd.testing.assert_frame_equal(
        combined.requirements,
        requirements.sort_values(["city_code", "industry_code", "occupation_code"]).reset_index(
            drop=True
        ),
        check_exact=True,
        check_dtype=False,  # all-None requirement columns come back float (NaN) from chunks
    )


def test_duration_baseline_is_province_wide_not_per_chunk(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    """Why the medians are computed before splitting: chunk-local ones give other values."""
    vacancies, candidates = frames
    window = period_window(PERIOD)
    chunks = partition_inputs(vacancies, candidates, 3)
    local = pd.concat(
        [compute_indicators(chunk.vacancies, chunk.candidates, window) for chunk in chunks]
    ).sort_values(["city_code", "industry_code", "occupation_code"], ignore_index=True)
    expected = compute_indicators(vacancies, candidates, window)
    differs = ~local["duration_vs_occupation"].eq(expected["duration_vs_occupation"])
    assert (differs & expected["duration_vs_occupation"].notna()).any()
    pd.testing.assert_series_equal(local["supply"], expected["supply"])


def test_partition_refuses_zero_chunks(frames: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    with pytest.raises(ValueError, match="n_chunks must be >= 1"):
        partition_inputs(*frames, n_chunks=0)


@pytest.mark.slow
def test_dask_build_matches_sequential(
    frames: tuple[pd.DataFrame, pd.DataFrame], sequential: Catalogue, cluster: LocalCluster
) -> None:
    on_dask = build_catalogue_parallel(
        *frames, PERIOD, backend="dask", scheduler=cluster.scheduler_address, n_jobs=2
    )
    # The small-cell shrinkage and credibility rule list fewer cells than the raw ratios did
    # (was > 20); identity is checked on every scored cell anyway.
    assert len(sequential.entries) > 5 and len(sequential.scored) > 40
    _assert_same(on_dask, sequential)


@pytest.mark.slow
def test_loky_build_matches_sequential(
    frames: tuple[pd.DataFrame, pd.DataFrame], sequential: Catalogue
) -> None:
    on_loky = build_catalogue_parallel(*frames, PERIOD, backend="loky", n_jobs=2, n_chunks=2)
    _assert_same(on_loky, sequential)


@pytest.mark.parametrize(
    ("backend", "match"),
    [("threads", "backend must be"), ("dask", "needs scheduler")],
)
def test_bad_backend_is_refused(
    frames: tuple[pd.DataFrame, pd.DataFrame], backend: str, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        build_catalogue_parallel(*frames, PERIOD, backend=backend)  # type: ignore[arg-type]


def _native_dates(row: dict[str, object]) -> dict[str, object]:
    return {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in row.items()}


def _sample_store(url: str) -> None:
    vacancies, candidates = sample_records()
    engine = make_engine(url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        upsert_vacancies(
            session,
            [Vacancy(title="岗位", **_native_dates(row)) for row in vacancies.to_dict("records")],
        )
        upsert_candidates(
            session, [Candidate(**_native_dates(row)) for row in candidates.to_dict("records")]
        )
    engine.dispose()


@pytest.mark.slow
def test_cli_publish_on_dask_gives_the_sequential_edition(tmp_path, cluster: LocalCluster) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    _sample_store(url)
    runner = CliRunner()
    base = ["catalogue", "publish", "--period", "2026Q4", "--db", url, "--no-forecast"]
    on_dask = [*base, "--backend", "dask", "--scheduler", cluster.scheduler_address]
    for command, folder in ((base, "sequential"), (on_dask, "dask")):
        result = runner.invoke(app, [*command, "--n-jobs", "2", "--out", str(tmp_path / folder)])
        assert result.exit_code == 0, result.output
    engine = make_engine(url)
    with session_scope(engine) as session:
        editions = list_editions(session, "2026Q4")
    engine.dispose()
    assert sorted(info.revision for info in editions) == [1, 2]
    assert editions[0].entry_count > 0
    assert editions[0].content_sha256 == editions[1].content_sha256


@pytest.mark.parametrize(
    ("options", "message"),
    [(["--backend", "threads"], "--backend must be one of"), (["--backend", "dask"], "needs")],
)
def test_cli_refuses_bad_backend_options(options: list[str], message: str) -> None:
    command = ["catalogue", "publish", "--period", "2026Q4", *options]
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2
    assert message in result.output
