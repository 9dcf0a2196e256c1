"""Generator presets, chunked province-scale writing, planted events and the truth files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from data import taxonomy
from data.generator import (
    PRESETS,
    GeneratorConfig,
    generate,
    generate_chunks,
    preset,
    write_chunked,
)
from data.generator.truth import MIN_TRUTH_DEMAND, SHORTAGE_RATIO, shortage_truth
from data.records import Vacancy
from training.cli import app

TINY_PROVINCE = {"scale": 2_000.0, "start": "2024-12", "end": "2025-03"}


@pytest.fixture(scope="module")
def latent() -> pd.DataFrame:
    """The demo's latent intensities (volumes only: cheap)."""
    from data.generator.config import Context
    from data.generator.truth import latent_intensity
    from data.generator.volumes import expected_volumes

    config = GeneratorConfig()
    ctx = Context(config)
    rng = np.random.default_rng(np.random.SeedSequence(config.seed).spawn(5)[0])
    return latent_intensity(ctx, expected_volumes(ctx, rng))


def test_presets_demo_is_the_default_and_province_is_province_scale() -> None:
    assert preset("demo") == GeneratorConfig()
    province = preset("province")
    months = len(pd.period_range(province.start, province.end, freq="M"))
    assert 10**5 <= province.scale < 10**6  # mean vacancies per month, all 21 cities
    assert province.months_per_chunk >= 1 and months >= 24
    with pytest.raises(ValueError, match="unknown preset"):
        preset("country")
    assert set(PRESETS) == {"demo", "province"}


def test_chunks_are_deterministic_with_ids_running_on(tmp_path: Path) -> None:
    config = preset("province", **TINY_PROVINCE)
    first = list(generate_chunks(config))
    again = list(generate_chunks(config))
    assert len(first) == 4  # one per month
    for a, b in zip(first, again, strict=True):
        pd.testing.assert_frame_equal(a.vacancies, b.vacancies)
    vacancies = pd.concat([chunk.vacancies for chunk in first], ignore_index=True)
    assert list(vacancies.columns) == list(Vacancy.model_fields)
    assert vacancies["vacancy_id"].is_unique
    assert vacancies["vacancy_id"].iloc[-1] == f"V{len(vacancies):07d}"
    months = [set(c.vacancies["date_posted"].dt.to_period("M").astype(str)) for c in first]
    assert months == [{"2024-12"}, {"2025-01"}, {"2025-02"}, {"2025-03"}]
    candidates = pd.concat([chunk.candidates for chunk in first], ignore_index=True)
    assert candidates["candidate_id"].is_unique
    emails = candidates["contact"].map(lambda c: c.get("email")).dropna()
    assert emails.is_unique


def test_write_chunked_writes_tables_and_truth(tmp_path: Path) -> None:
    config = preset("province", **TINY_PROVINCE)
    paths, rows = write_chunked(generate_chunks(config), tmp_path)
    vacancies = pd.read_csv(paths["vacancies"], dtype=str)
    assert len(vacancies) == rows["vacancies"] > 0
    assert vacancies["vacancy_id"].is_unique  # one header, no repeated header rows
    assert not list(tmp_path.glob("*.partial"))
    latent = pd.read_csv(tmp_path / "truth" / "latent_intensity.csv", dtype={"city_code": str})
    n_cells = len(taxonomy.cities()) * latent["occupation_code"].nunique()
    assert len(latent) == n_cells * 4
    shortages = pd.read_csv(tmp_path / "truth" / "shortages.csv", dtype={"city_code": str})
    assert set(shortages["period"]) == {"2025Q1"}  # 2024Q4 is not whole
    assert (shortages["ratio"] >= SHORTAGE_RATIO).all()
    assert (shortages["demand"] >= MIN_TRUTH_DEMAND).all()


def test_latent_demand_matches_the_drawn_records() -> None:
    config = preset("province", **TINY_PROVINCE)
    chunk = next(iter(generate_chunks(config)))
    latent = chunk.debug["latent"]
    expected = latent.loc[latent["month"] == "2024-12", "demand"].sum()
    drawn = chunk.vacancies["headcount"].sum()
    assert drawn == pytest.approx(expected, rel=0.05)
    seekers = latent.loc[latent["month"] == "2024-12", "supply"].sum()
    assert len(chunk.candidates) == pytest.approx(seekers, rel=0.05)


def _series(latent: pd.DataFrame, **where: object) -> pd.DataFrame:
    rows = latent
    for column, value in where.items():
        rows = rows[rows[column].isin(value if isinstance(value, list) else [value])]
    return rows.groupby("month")[["demand", "supply"]].sum()


def test_planted_new_digital_occupation_appears(latent: pd.DataFrame) -> None:
    ai = _series(latent, occupation_code="4-04-05-05")
    assert ai.loc[:"2024-06", "demand"].sum() == 0
    assert ai.loc["2025-06", "demand"] > 0
    assert ai.loc["2025-03", "demand"] / ai.loc["2025-03", "supply"] > 3.0  # seekers lag
    assert "4-04-05-05" in taxonomy.occupations(4)["code"].to_numpy()


def test_planted_cluster_boom_and_declining_occupation(latent: pd.DataFrame) -> None:
    from data.generator.occupations import occupation_profiles

    energy = [p.code for p in occupation_profiles() if p.family == "new_energy"]
    boom = _series(latent, city_code="4413", occupation_code=energy)
    calm = _series(latent, city_code="4401", occupation_code=energy)

    def ratio(frame: pd.DataFrame, month: str) -> float:
        return float(frame.loc[month, "demand"] / frame.loc[month, "supply"])

    assert ratio(boom, "2026-06") / ratio(boom, "2024-06") > 1.6
    assert ratio(calm, "2026-06") / ratio(calm, "2024-06") < 1.2
    sewing = _series(latent, occupation_code="6-05-01-03")
    assert ratio(sewing, "2026-06") < 0.5 * ratio(sewing, "2024-06")


def test_spring_festival_dip_in_latent_demand(latent: pd.DataFrame) -> None:
    total = _series(latent)["demand"]
    # 春节 2024 fell on 10 Feb: February dips, March has the 节后招工潮.
    assert total["2024-02"] < 0.8 * total["2024-03"]


def test_truth_shortages_follow_the_events(latent: pd.DataFrame) -> None:
    truth = shortage_truth(latent)
    ai = truth[truth["occupation_code"] == "4-04-05-05"]
    assert ai.empty or ai["period"].min() >= "2024Q3"
    sewing = truth[truth["occupation_code"] == "6-05-01-03"]
    assert sewing.groupby("period").size().get("2026Q3", 0) < sewing.groupby("period").size().get(
        "2024Q1", 1
    )


def test_cli_generate_province(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "generate",
            "province",
            "--out",
            str(tmp_path),
            "--scale",
            "0.01",
            "--start",
            "2025-01",
            "--end",
            "2025-02",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "vacancies.csv").stat().st_size > 0
    assert (tmp_path / "truth" / "shortages.csv").exists()


def test_generate_keeps_latent_for_the_demo_writer(tmp_path: Path) -> None:
    data = generate(GeneratorConfig(seed=3, start="2025-01", end="2025-03", scale=60))
    assert {"latent", "utility", "target_ratio"} <= set(data.debug)
