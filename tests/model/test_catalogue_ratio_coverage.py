"""Coverage of 求人倍率 intervals (models.catalogue.ratio_coverage) on a real fitted forecast:
the forecast pipeline trained on generated data up to an origin, checked against the ratio
observed after it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from app.forecasting import train_forecast
from app.forecasting.hierarchies import build_hierarchy
from data.generator import GeneratorConfig, generate
from data.supply import RATIO_OFFSET
from models.catalogue.ratio_coverage import (
    coverage_table,
    observed_ratio,
    ratio_hits,
    records_until,
)

H = 6
ORIGIN = "2024-06"
LEVELS = (80, 95)


@pytest.fixture(scope="module")
def backtest() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(hits, the fitted ratio forecast, the observed ratios) for one origin."""
    data = generate(GeneratorConfig(start="2021-01", end="2024-12", scale=150))
    panels = build_hierarchy("occupation", data.vacancies, data.candidates, min_monthly_volume=20.0)
    observed = observed_ratio(panels.demand, panels.supply)
    known_v, known_c = records_until(data.vacancies, data.candidates, ORIGIN)
    bundle = train_forecast(
        known_v, known_c, h=H, backend="sequential", progress=False, backtest_windows=1
    )
    ratio = bundle.forecasts["occupation"]["ratio"]
    hits = ratio_hits(ratio, observed, LEVELS, pd.Timestamp(f"{ORIGIN}-01"))
    return hits, ratio, observed


def test_observed_ratio_is_the_smoothed_ratio() -> None:
    demand = pd.DataFrame({"unique_id": ["a", "b"], "ds": ["2025-01-01"] * 2, "y": [9.0, 0.0]})
    supply = demand.assign(y=[2.0, 0.0])
    observed = observed_ratio(demand, supply)
    expected = [(9 + RATIO_OFFSET) / (2 + RATIO_OFFSET), 1.0]
    assert observed["observed"].tolist() == pytest.approx(expected)


def test_hits_cover_every_forecast_month_after_the_origin(backtest) -> None:
    hits, ratio, _observed = backtest
    # Every (series, month) the model forecast has an observation (the data runs 6 more months).
    assert len(hits) == len(ratio) and sorted(hits["h"].unique()) == list(range(1, H + 1))
    assert pd.to_datetime(hits["ds"]).min() == pd.Timestamp("2024-07-01")


def test_coverage_is_the_share_inside_the_bounds(backtest) -> None:
    hits, ratio, observed = backtest
    merged = ratio.merge(observed, on=["unique_id", "ds"])
    for level in LEVELS:
        inside = (merged["observed"] >= merged[f"forecast-lo-{level}"]) & (
            merged["observed"] <= merged[f"forecast-hi-{level}"]
        )
        table = coverage_table(hits, LEVELS)
        assert table.loc[0, f"coverage_{level}"] == pytest.approx(inside.mean())
        assert table.loc[0, "n"] == len(merged)
    # Nested intervals: every 80 % hit is a 95 % hit; both are real shares, not 0 or 1.
    assert not (hits["hit_80"] & ~hits["hit_95"]).any()
    overall = coverage_table(hits, LEVELS).iloc[0]
    assert 0.3 < overall["coverage_80"] <= overall["coverage_95"] < 1.0


def test_coverage_by_horizon_adds_up(backtest) -> None:
    hits, _ratio, _observed = backtest
    by_h = coverage_table(hits, LEVELS, by="h")
    assert by_h["n"].sum() == len(hits)
    weighted = np.average(by_h["coverage_80"], weights=by_h["n"])
    assert weighted == pytest.approx(coverage_table(hits, LEVELS).loc[0, "coverage_80"])
