"""Behaviour of the vectorised seasonally adjusted SES member (SeasonalSES)."""

import numpy as np
import pandas as pd
import pytest

from models.forecast import ConformalIntervals, SeasonalSES
from models.forecast.fast_ses import seasonal_profile, seasonal_ses_paths, ses_levels


def _frame(values: np.ndarray, start: str = "2015-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=values.shape[1], freq="MS")
    return pd.concat(
        [pd.DataFrame({"unique_id": f"S{i}", "ds": ds, "y": row}) for i, row in enumerate(values)],
        ignore_index=True,
    )


def test_constant_series_forecast_is_the_constant() -> None:
    values = np.full((2, 40), 7.0)
    np.testing.assert_allclose(seasonal_ses_paths(values, 12, (0.3, 1.0), 0.6), 7.0)


def test_pure_seasonal_series_keeps_its_shrunk_pattern() -> None:
    pattern = 0.4 * np.sin(2 * np.pi * np.arange(12) / 12)
    logged = 3.0 + np.tile(pattern, 5)[None, :]
    profile = seasonal_profile(logged)
    np.testing.assert_allclose(profile[0], pattern, atol=1e-9)
    paths = seasonal_ses_paths(np.expm1(logged), 12, (0.5,), 1.0)
    np.testing.assert_allclose(np.log1p(paths[0]), 3.0 + pattern, atol=1e-9)
    half = seasonal_ses_paths(np.expm1(logged), 12, (1.0,), 0.5)
    # shrinking halves the amplitude of the forecast's seasonal swing in log space
    swing = np.log1p(half[0]).max() - np.log1p(half[0]).min()
    assert swing == pytest.approx(0.5 * (pattern.max() - pattern.min()), rel=0.05)


def test_ses_picks_alpha_one_for_a_random_walk_and_small_alpha_for_noise() -> None:
    rng = np.random.default_rng(0)
    walk = np.cumsum(rng.normal(size=300))
    noise = rng.normal(size=300)
    levels = ses_levels(np.vstack([walk, noise]), (0.05, 1.0))
    assert levels[0] == pytest.approx(walk[-1])
    assert abs(levels[1]) < 0.5  # averages the noise instead of following the last value


def test_left_padded_short_series_stay_finite_and_follow_last_value() -> None:
    values = np.vstack([np.r_[np.full(30, np.nan), np.full(10, 5.0)], np.arange(40.0) + 1])
    paths = seasonal_ses_paths(values, 6, (1.0,), 0.6)
    assert np.isfinite(paths).all()
    np.testing.assert_allclose(paths[0], 5.0)


def test_estimator_contract_and_parameter_validation() -> None:
    rng = np.random.default_rng(1)
    values = rng.poisson(50, size=(4, 48)).astype(float)
    model = SeasonalSES(intervals=ConformalIntervals(2)).fit(_frame(values))
    forecast = model.predict(12)
    assert len(forecast) == 48 and not forecast.isna().any().any()
    assert (forecast["SeasonalSES-lo-95"] <= forecast["SeasonalSES"]).all()
    with pytest.raises(ValueError, match="seasonal_shrink"):
        SeasonalSES(seasonal_shrink=1.5, intervals=None).fit(_frame(values))
    with pytest.raises(ValueError, match="alphas"):
        SeasonalSES(alphas=(0.0,), intervals=None).fit(_frame(values))
