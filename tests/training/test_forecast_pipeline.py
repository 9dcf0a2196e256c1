"""The forecast pipeline end to end on small generated data: bundle, coherence, intervals,
ratios, warnings, registry round trip and the CLI on an SQLite store."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from app.forecasting import ForecastBundle, ForecastDataError, train_forecast
from data.generator import GeneratorConfig, generate, to_records
from data.settings import get_settings
from data.store import (
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.supply import RATIO_OFFSET
from models.forecast.hierarchy import SummingMatrix
from models.registry import load_artifact, save_artifact

H = 6
SMALL = GeneratorConfig(start="2021-01", end="2024-12", scale=150)


@pytest.fixture(scope="module")
def generated() -> tuple[pd.DataFrame, pd.DataFrame]:
    data = generate(SMALL)
    return data.vacancies, data.candidates


@pytest.fixture(scope="module")
def bundle(generated: tuple[pd.DataFrame, pd.DataFrame]) -> ForecastBundle:
    vacancies, candidates = generated
    return train_forecast(
        vacancies, candidates, h=H, backend="sequential", progress=False, backtest_windows=1
    )


def test_bundle_holds_every_part(bundle: ForecastBundle) -> None:
    assert set(bundle.forecasts) == {"occupation", "industry"}
    for name, variables in bundle.forecasts.items():
        assert set(variables) == {"demand", "supply", "ratio"}
        n_series = len(bundle.S[name])
        for frame in variables.values():
            assert frame["unique_id"].nunique() == n_series
            assert frame["ds"].nunique() == H
        assert set(bundle.history[name]["unique_id"]) == set(bundle.S[name].index)
    assert bundle.data_range == ("2021-01", "2024-12")
    assert bundle.forecasts["occupation"]["demand"]["ds"].min() == pd.Timestamp("2025-01-01")
    assert {"mase", "mase_naive", "coverage_80", "coverage_95"} <= set(bundle.metrics)
    assert bundle.selection.groupby("panel")["chosen"].sum().eq(1).all()
    assert set(bundle.model_params) == set(bundle.fallback_ids) == set(bundle.coherence)
    assert bundle.series_counts()["occupation"]["province"] == 1


@pytest.mark.parametrize("hierarchy", ["occupation", "industry"])
@pytest.mark.parametrize("variable", ["demand", "supply"])
def test_reconciled_forecasts_are_coherent_at_every_level(
    bundle: ForecastBundle, hierarchy: str, variable: str
) -> None:
    structure = SummingMatrix.from_frame(bundle.S[hierarchy])
    wide = bundle.forecasts[hierarchy][variable].pivot(
        index="unique_id", columns="ds", values="forecast"
    )
    values = wide.reindex(structure.series_ids).to_numpy()
    bottoms = wide.reindex(structure.bottom_ids).to_numpy()
    np.testing.assert_allclose(structure.S @ bottoms, values, atol=1e-6, rtol=0)
    assert bundle.coherence[f"{hierarchy}/{variable}"] < 1e-6
    assert (values >= 0).all()


@pytest.mark.parametrize("variable", ["demand", "supply", "ratio"])
def test_intervals_are_ordered_and_nested(bundle: ForecastBundle, variable: str) -> None:
    for variables in bundle.forecasts.values():
        frame = variables[variable].dropna(subset=["forecast"])
        point = frame["forecast"]
        assert (frame["forecast-lo-95"] <= frame["forecast-lo-80"] + 1e-9).all()
        assert (frame["forecast-lo-80"] <= point + 1e-9).all()
        assert (point <= frame["forecast-hi-80"] + 1e-9).all()
        assert (frame["forecast-hi-80"] <= frame["forecast-hi-95"] + 1e-9).all()


def test_ratio_is_the_smoothed_reconciled_demand_over_supply(bundle: ForecastBundle) -> None:
    for variables in bundle.forecasts.values():
        merged = (
            variables["demand"]
            .merge(variables["supply"], on=["unique_id", "ds"], suffixes=("_d", "_s"))
            .merge(variables["ratio"], on=["unique_id", "ds"])
        )
        # data.supply's smoothed ratio: finite for every series, even at zero supply.
        expected = (merged["forecast_d"].clip(lower=0) + RATIO_OFFSET) / (
            merged["forecast_s"].clip(lower=0) + RATIO_OFFSET
        )
        np.testing.assert_allclose(merged["forecast"], expected, rtol=1e-9)
        bounds = merged[[f"forecast-{side}-{lv}" for side in ("lo", "hi") for lv in (80, 95)]]
        assert np.isfinite(bounds.to_numpy()).all() and (bounds.to_numpy() > 0).all()


def test_ratio_interval_coverage_is_measured_in_the_backtest(bundle: ForecastBundle) -> None:
    coverage = bundle.metrics["occupation/ratio_coverage_80"]
    assert 0.6 <= coverage <= 0.95
    assert bundle.metrics["occupation/ratio_coverage_95"] >= coverage


def test_warnings_speak_chinese(bundle: ForecastBundle) -> None:
    warnings = bundle.warnings
    assert not warnings.empty
    assert set(warnings["level"]) <= {"红色", "橙色", "黄色"}
    assert set(warnings["hierarchy"]) <= {"occupation", "industry"}
    assert warnings["message_zh"].map(lambda text: re.search(r"[\u4e00-\u9fff]", text)).all()
    # Pooled intermediate nodes ('2-02-00') repeat their only child and never warn.
    assert not warnings["unique_id"].str.contains(r"(?:^|/)\d(?:-\d{2})?-00(?:/|$)").any()


def test_bundle_round_trips_through_the_registry(bundle: ForecastBundle, tmp_path: Path) -> None:
    info = save_artifact(
        bundle,
        "forecast",
        data_range=bundle.data_range,
        metrics=bundle.metrics,
        params=bundle.params,
        root=tmp_path,
    )
    loaded, loaded_info = load_artifact("forecast", root=tmp_path)
    assert loaded_info.version == info.version
    assert loaded_info.metrics["mase"] == pytest.approx(bundle.metrics["mase"])
    pd.testing.assert_frame_equal(
        loaded.forecasts["occupation"]["ratio"], bundle.forecasts["occupation"]["ratio"]
    )
    pd.testing.assert_frame_equal(loaded.warnings, bundle.warnings)


@pytest.mark.parametrize(
    ("months", "message"),
    [(0, "no vacancies"), (20, "history too short")],
)
def test_too_little_data_is_refused(
    generated: tuple[pd.DataFrame, pd.DataFrame], months: int, message: str
) -> None:
    vacancies, candidates = generated
    cut = pd.Timestamp("2021-01-01") + pd.DateOffset(months=months)
    with pytest.raises(ForecastDataError, match=message):
        train_forecast(
            vacancies[vacancies["date_posted"] < cut],
            candidates[candidates["registered_on"] < cut],
            h=H,
            backend="sequential",
            progress=False,
        )


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """An SQLite store URL and a private registry folder for the CLI."""
    monkeypatch.setenv("YUECAI_REGISTRY_DIR", str(tmp_path / "registry"))
    get_settings.cache_clear()
    yield f"sqlite:///{tmp_path / 'store.db'}"
    get_settings.cache_clear()


def _load_store(url: str, vacancies: pd.DataFrame, candidates: pd.DataFrame) -> None:
    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            upsert_vacancies(session, to_records(vacancies, "vacancies"))
            upsert_candidates(session, to_records(candidates, "candidates"))
    finally:
        engine.dispose()


@pytest.mark.slow
def test_cli_trains_saves_and_reports(
    cli_env: str, generated: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    from training.cli import app
    from training.commands import report

    if not any(group.name == "report" for group in app.registered_groups):
        app.add_typer(report.app, name="report")  # until training/cli.py mounts it
    runner = CliRunner()
    empty = runner.invoke(app, ["train", "forecast", "--db", cli_env, "--no-progress"])
    assert empty.exit_code == 1
    assert "no vacancies" in empty.output
    missing = runner.invoke(app, ["report", "warnings"])
    assert missing.exit_code == 1

    vacancies, candidates = generated
    _load_store(cli_env, vacancies, candidates)
    trained = runner.invoke(
        app,
        [
            "train",
            "forecast",
            "--db",
            cli_env,
            "--h",
            str(H),
            "--backend",
            "sequential",
            "--no-progress",
        ],
    )
    assert trained.exit_code == 0, trained.output
    assert "backtest MASE" in trained.output
    assert "saved forecast" in trained.output
    shown = runner.invoke(app, ["report", "warnings", "--top", "5"])
    assert shown.exit_code == 0, shown.output
    assert "预警" in shown.output
    metrics = runner.invoke(app, ["report", "backtest"])
    assert metrics.exit_code == 0, metrics.output
    assert "回测指标" in metrics.output
