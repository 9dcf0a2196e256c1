"""The same pipeline on a Dask cluster gives the same forecasts as a sequential run."""

from __future__ import annotations

from collections.abc import Iterator

import pandas as pd
import pytest
from distributed import LocalCluster

from app.forecasting import ForecastBundle, train_forecast
from data.generator import GeneratorConfig, generate

SMALL = GeneratorConfig(start="2021-01", end="2024-12", scale=60, seed=7)
OPTIONS = {"h": 6, "progress": False, "backtest_windows": 1, "n_jobs": 2}


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = generate(SMALL)
    return data.vacancies, data.candidates


@pytest.fixture
def cluster() -> Iterator[LocalCluster]:
    # Worker processes, as on a real cluster: with in-process workers, joblib's automatic
    # scatter of large arguments hits a distributed race (worker task_counter assertion).
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as local:
        yield local


def _forecasts(bundle: ForecastBundle) -> dict[str, pd.DataFrame]:
    return {
        f"{name}/{variable}": frame
        for name, variables in bundle.forecasts.items()
        for variable, frame in variables.items()
    }


@pytest.mark.slow
def test_dask_backend_matches_sequential(
    frames: tuple[pd.DataFrame, pd.DataFrame], cluster: LocalCluster
) -> None:
    vacancies, candidates = frames
    sequential = train_forecast(vacancies, candidates, backend="sequential", **OPTIONS)
    on_dask = train_forecast(
        vacancies, candidates, backend="dask", scheduler=cluster.scheduler_address, **OPTIONS
    )
    expected, actual = _forecasts(sequential), _forecasts(on_dask)
    assert expected.keys() == actual.keys()
    for key, frame in expected.items():
        pd.testing.assert_frame_equal(actual[key], frame, check_exact=True, obj=key)
    pd.testing.assert_frame_equal(on_dask.selection, sequential.selection)
    assert on_dask.params["backend"] == "dask"


def test_dask_backend_without_a_scheduler_is_refused(
    frames: tuple[pd.DataFrame, pd.DataFrame],
) -> None:
    vacancies, candidates = frames
    with pytest.raises(ValueError, match="needs scheduler"):
        train_forecast(vacancies, candidates, backend="dask", **OPTIONS)
