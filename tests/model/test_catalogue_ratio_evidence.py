"""求人倍率 intervals (log ratio, backtest-calibrated) and the typed-key forecast join."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.supply import observed_ratio, smoothed_ratio
from models.catalogue.evidence import resolve_series, typed_forecast_evidence
from models.catalogue.periods import records_window
from models.forecast.ratio import calibrate_ratio, calibrated_ratio_forecast


def _folds(rng: np.random.Generator, n: int, noise: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fold forecasts whose nominal 80 % intervals are too narrow by a factor of 2."""
    base = pd.DataFrame(
        {
            "unique_id": np.repeat([f"s{i}" for i in range(n // 4)], 4),
            "cutoff": np.tile(pd.to_datetime(["2024-01-01", "2025-01-01"]).repeat(2), n // 4),
            "ds": np.tile(pd.to_datetime(["2024-02-01", "2024-03-01"] * 2), n // 4),
        }
    )
    frames = []
    for mean in (40.0, 20.0):
        yhat = np.full(n, mean)
        y = np.maximum(yhat * np.exp(rng.normal(0, noise, n)), 0.0)
        half = 1.2816 * noise / 2  # half the true log spread
        frames.append(
            base.assign(
                y=y, yhat=yhat, **{"lo-80": yhat * np.exp(-half), "hi-80": yhat * np.exp(half)}
            )
        )
    return frames[0], frames[1]


def test_calibration_fixes_too_narrow_intervals_and_measures_coverage() -> None:
    demand, supply = _folds(np.random.default_rng(0), 4000, 0.3)
    calibration = calibrate_ratio(demand, supply, (80, 95))
    assert 0.75 <= calibration.coverage[80] <= 0.85
    assert 0.92 <= calibration.coverage[95] <= 0.98
    assert calibration.multipliers[95] > calibration.multipliers[80] > 1.2816


def test_ratio_intervals_stay_finite_when_supply_and_its_bound_are_zero() -> None:
    demand, supply = _folds(np.random.default_rng(1), 400, 0.3)
    calibration = calibrate_ratio(demand, supply, (80, 95))
    keys = {"unique_id": ["a", "b"], "ds": pd.to_datetime(["2026-11-01"] * 2)}
    d = pd.DataFrame(
        {**keys, "forecast": [12.0, 0.0], "forecast-lo-80": [6.0, 0.0], "forecast-hi-80": [20, 1]}
    )
    s = pd.DataFrame(
        {**keys, "forecast": [0.0, 0.0], "forecast-lo-80": [0.0, 0.0], "forecast-hi-80": [2, 0]}
    )
    for frame in (d, s):
        frame["forecast-lo-95"], frame["forecast-hi-95"] = (
            frame["forecast-lo-80"],
            frame["forecast-hi-80"] * 1.5,
        )
    ratio = calibrated_ratio_forecast(d, s, calibration)
    bounds = ratio[["forecast-lo-80", "forecast-hi-80", "forecast-lo-95", "forecast-hi-95"]]
    assert np.isfinite(bounds.to_numpy()).all()
    assert ratio["forecast"].tolist() == pytest.approx(smoothed_ratio([12, 0], [0, 0]).tolist())
    assert (ratio["forecast-lo-95"] <= ratio["forecast-lo-80"]).all()
    assert (ratio["forecast-hi-80"] <= ratio["forecast-hi-95"]).all()
    assert np.isnan(observed_ratio([12.0], [0.0])[0])  # the observed ratio stays undefined


KEYS = pd.DataFrame(
    {
        "unique_id": ["4401/2-02-10-03", "4401/2-02-10", "一核/2-02-38-04", "4401/2-02"],
        "level": [
            "city_code/occupation_code",
            "city_code/occ_minor",
            "zone/occupation_code",
            "city_code/occ_middle",
        ],
        "city_code": ["4401", "4401", None, "4401"],
        "zone": [None, None, "一核", None],
        "occupation_code": ["2-02-10-03", None, "2-02-38-04", None],
        "occ_minor": [None, "2-02-10", None, None],
        "occ_middle": [None, None, None, "2-02"],
    }
)


def test_pooled_occupations_keep_a_forecast_at_the_level_they_were_pooled() -> None:
    cells = pd.DataFrame(
        {
            "city_code": ["4401", "4401", "4403", "4401"],
            "occupation_code": ["2-02-10-03", "2-02-10-09", "2-02-38-04", "2-02-30-11"],
        }
    )
    bottom = {
        "2-02-10-03": "2-02-10-03",
        "2-02-10-09": "2-02-10-00",
        "2-02-38-04": "2-02-38-04",
        "2-02-30-11": "2-02-00-00",
    }
    resolved = resolve_series(cells, KEYS, bottom).set_index("occupation_code")
    assert resolved.loc["2-02-10-03", "forecast_level"] == "城市×细类"
    assert resolved.loc["2-02-10-09", "forecast_series"] == "4401/2-02-10"
    assert resolved.loc["2-02-10-09", "forecast_level"] == "城市×小类"
    # 深圳 has no 2-02-38-04 series of its own: the zone's (一核) carries it.
    assert resolved.loc["2-02-38-04", "forecast_level"] == "区域×细类"
    assert resolved.loc["2-02-30-11", "forecast_level"] == "城市×中类"


def test_typed_evidence_carries_interval_and_mase() -> None:
    cells = pd.DataFrame({"city_code": ["4401"], "occupation_code": ["2-02-10-09"]})
    forecasts = pd.DataFrame(
        {
            "unique_id": ["4401/2-02-10"] * 3,
            "ds": pd.to_datetime(["2026-11-01", "2026-12-01", "2027-01-01"]),
            "forecast": [1.5, 1.6, 1.7],
            "forecast-lo-80": [1.0, 1.1, 1.2],
            "forecast-hi-80": [2.0, 2.1, 2.2],
            "forecast-lo-95": [0.8, 0.9, 1.0],
            "forecast-hi-95": [2.5, 2.6, 2.7],
        }
    )
    metrics = pd.DataFrame({"unique_id": ["4401/2-02-10"], "mase": [0.7]})
    months = pd.to_datetime(["2026-08-01", "2026-10-01"])
    window = records_window(
        "2026Q3", pd.DataFrame({"date_posted": months}), pd.DataFrame({"registered_on": months})
    )
    row = typed_forecast_evidence(
        cells, forecasts, KEYS, {"2-02-10-09": "2-02-10-00"}, metrics, window, horizon=3
    ).iloc[0]
    assert row["forecast_ds"] == "2026-12"
    assert (row["forecast_lo_95"], row["forecast_hi_95"]) == (0.9, 2.6)
    assert row["backtest_mase"] == 0.7 and row["forecast_level"] == "城市×小类"


def test_per_level_calibration_gives_each_level_its_own_multiplier() -> None:
    """Two levels, one with intervals too narrow by 2 (noise 0.3), one about right (0.15):
    per-level multipliers differ, each level's leave-one-fold-out coverage is near 80 %, and
    the forecast uses the multiplier of the series' own level."""
    rng = np.random.default_rng(2)
    wide_d, wide_s = _folds(rng, 4000, 0.3)
    calm_d, calm_s = _folds(rng, 4000, 0.15)
    half = 1.2816 * 0.15  # the calm level's nominal intervals are right, not too narrow
    for frame in (calm_d, calm_s):
        frame["lo-80"], frame["hi-80"] = frame["yhat"] * np.exp(-half), frame["yhat"] * np.exp(half)
        frame["unique_id"] = "c" + frame["unique_id"]
    demand = pd.concat([wide_d, calm_d], ignore_index=True)
    supply = pd.concat([wide_s, calm_s], ignore_index=True)
    groups = {uid: ("cell" if uid.startswith("c") else "city") for uid in demand["unique_id"]}
    calibration = calibrate_ratio(demand, supply, (80, 95), groups=groups)
    assert set(calibration.group_multipliers) == {"cell", "city"}
    cell, city = calibration.group_multipliers["cell"], calibration.group_multipliers["city"]
    assert city[80] > 1.5 * cell[80]
    assert 0.77 <= calibration.coverage[80] <= 0.83
    keys = {"unique_id": ["s0", "cs0"], "ds": pd.to_datetime(["2026-11-01"] * 2)}
    frame = pd.DataFrame(
        {
            **keys,
            "forecast": [20.0, 20.0],
            "forecast-lo-80": [15.0, 15.0],
            "forecast-hi-80": [25, 25],
        }
    )
    frame["forecast-lo-95"], frame["forecast-hi-95"] = (
        frame["forecast-lo-80"],
        frame["forecast-hi-80"],
    )
    ratio = calibrated_ratio_forecast(frame, frame.copy(), calibration).set_index("unique_id")
    width = np.log(ratio["forecast-hi-80"] / ratio["forecast"])
    assert width["s0"] / width["cs0"] == pytest.approx(city[80] / cell[80])
