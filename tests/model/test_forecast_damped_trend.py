"""Behaviour of the vectorised damped-trend member (SeasonalDampedTrend)."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from app.forecasting.fitting import candidate_models
from models.forecast import ConformalIntervals, Ensemble, SeasonalDampedTrend, SeasonalNaive
from models.forecast.damped_trend import damped_trend_fit, damped_trend_paths, parameter_grid
from models.forecast.ensemble import statistical_members

HORIZON = 12
PATTERN = 0.3 * np.sin(2 * np.pi * np.arange(12) / 12)


def _frame(values: np.ndarray, start: str = "2012-01-01") -> pd.DataFrame:
    ds = pd.date_range(start, periods=values.shape[1], freq="MS")
    frames = []
    for i, row in enumerate(values):
        observed = np.isfinite(row)
        frames.append(
            pd.DataFrame({"unique_id": f"S{i:03d}", "ds": ds[observed], "y": row[observed]})
        )
    return pd.concat(frames, ignore_index=True)


def _damped_log_paths(
    n_series: int, n_months: int, phi: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """``log1p`` means of a damped trend plus a fixed seasonal pattern, and their slopes."""
    rng = np.random.default_rng(seed)
    start = rng.uniform(3.0, 6.0, size=(n_series, 1))
    slope = rng.uniform(-0.04, 0.04, size=(n_series, 1))
    # Trend increments phi^1, phi^2, ... times the initial slope: it flattens out over time.
    increments = slope * phi ** np.arange(1, n_months + 1)[None, :]
    trend = start + np.cumsum(increments, axis=1)
    return trend + np.tile(PATTERN, n_months // 12 + 1)[None, :n_months], slope


def test_noise_free_damped_trend_and_season_are_recovered() -> None:
    log_mean, _slope = _damped_log_paths(20, 84, phi=0.98, seed=0)
    history, future = log_mean[:, :-HORIZON], log_mean[:, -HORIZON:]
    paths = damped_trend_paths(
        np.expm1(history), HORIZON, parameter_grid((0.5, 1.0), (0.1, 0.3), (0.9, 0.98)), (1,), 1.0
    )
    # The year ahead to within 2 % on the count scale, seasonal swing included.
    np.testing.assert_allclose(np.log1p(paths), future, atol=0.02)


def test_beats_seasonal_naive_on_a_noisy_trending_seasonal_panel() -> None:
    log_mean, _slope = _damped_log_paths(60, 96, phi=0.97, seed=1)
    rng = np.random.default_rng(2)
    counts = rng.poisson(np.expm1(log_mean)).astype(float)
    train = _frame(counts[:, :-HORIZON])
    actual = counts[:, -HORIZON:]
    history = counts[:, :-HORIZON]
    scale = np.abs(history[:, 12:] - history[:, :-12]).mean(axis=1)
    errors = {}
    # Full seasonal profile: this panel's season is strong and exact (AU IVI's is not).
    for model in (SeasonalDampedTrend(seasonal_shrink=1.0), SeasonalNaive()):
        forecast = model.set_params(intervals=None).fit(train).predict(12, level=())
        predicted = forecast[model.alias].to_numpy().reshape(actual.shape)
        errors[model.alias] = float((np.abs(actual - predicted) / scale[:, None]).mean())
    assert errors["SeasonalDampedTrend"] < 0.85 * errors["SeasonalNaive"]


def test_trending_series_choose_a_trend_and_flat_noise_does_not() -> None:
    rng = np.random.default_rng(3)
    months = np.arange(120)
    trending = 2.0 + 0.03 * months + rng.normal(0, 0.01, 120)
    noise = 2.0 + rng.normal(0, 0.3, 120)
    grid = parameter_grid((0.2, 1.0), (0.02, 0.3), (0.9, 0.98))
    level, trend, chosen = damped_trend_fit(np.vstack([trending, noise]), grid, (1,))
    slopes = trend[np.arange(2), chosen[:, 0]]
    assert slopes[0] == pytest.approx(0.03, abs=0.005)
    assert abs(slopes[1]) < 0.01
    assert level[1, chosen[1, 0]] == pytest.approx(2.0, abs=0.3)


def test_selection_horizons_choose_per_band() -> None:
    rng = np.random.default_rng(4)
    values = np.cumsum(rng.normal(0, 0.2, size=(30, 90)), axis=1) + 3.0
    grid = parameter_grid((0.2, 0.6, 1.0), (0.02, 0.3), (0.8, 0.98))
    _level, _trend, chosen = damped_trend_fit(values, grid, (1, 6))
    assert chosen.shape == (30, 2)
    assert (chosen >= 0).all() and (chosen < len(grid)).all()
    # A random walk is best followed closely one step ahead: alpha near 1 for most series.
    assert (grid[chosen[:, 0], 0] == 1.0).mean() > 0.8
    single = damped_trend_paths(np.expm1(values), 12, grid, (1,), 0.6)
    banded = damped_trend_paths(np.expm1(values), 12, grid, (1, 6), 0.6)
    np.testing.assert_allclose(banded[:, :5], single[:, :5])  # h < 6 uses the one-step choice


def test_short_zero_and_padded_series_are_finite() -> None:
    values = np.full((4, 40), np.nan)
    values[0] = 0.0  # all zeros
    values[1, -1] = 9.0  # one observation
    values[2, -5:] = [3.0, 4.0, 5.0, 4.0, 6.0]  # five months
    values[3] = np.arange(40.0)
    forecast = SeasonalDampedTrend(intervals=None).fit(_frame(values)).predict(12, level=())
    paths = forecast["SeasonalDampedTrend"].to_numpy().reshape(4, 12)
    assert np.isfinite(paths).all() and (paths >= 0).all()
    np.testing.assert_allclose(paths[0], 0.0)
    np.testing.assert_allclose(paths[1], 9.0)
    assert 2.0 < paths[2].mean() < 10.0


def test_clone_pickle_and_intervals() -> None:
    rng = np.random.default_rng(5)
    values = rng.poisson(40, size=(6, 48)).astype(float)
    model = SeasonalDampedTrend(selection_horizons=(1, 6), intervals=ConformalIntervals(2))
    assert clone(model).get_params() == model.get_params()
    fitted = model.fit(_frame(values))
    restored = pickle.loads(pickle.dumps(fitted))  # noqa: S301 - our own object
    pd.testing.assert_frame_equal(restored.predict(12), fitted.predict(12))
    forecast = fitted.predict(12)
    assert (forecast["SeasonalDampedTrend-lo-95"] <= forecast["SeasonalDampedTrend"]).all()
    assert (forecast["SeasonalDampedTrend-hi-95"] >= forecast["SeasonalDampedTrend-hi-80"]).all()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"alphas": (0.0,)}, "alphas"),
        ({"betas": ()}, "betas"),
        ({"phis": (1.2,)}, "phis"),
        ({"selection_horizons": (6, 1)}, "selection_horizons"),
        ({"seasonal_shrink": -0.1}, "seasonal_shrink"),
    ],
)
def test_parameter_validation(params: dict[str, object], message: str) -> None:
    values = np.full((1, 30), 5.0)
    with pytest.raises(ValueError, match=message):
        SeasonalDampedTrend(intervals=None, **params).fit(_frame(values))


def test_production_ensembles_share_one_member_list() -> None:
    members = [model.alias for model in statistical_members(12)]
    assert "SeasonalDampedTrend" in members
    default = [model.alias for model in Ensemble()._members()]
    pipeline = candidate_models(12, 120, calibration_windows=2, calibration_step=12)[0]
    production = [model.alias for model in pipeline.get_params()["members"]]
    # The global GBM is appended by each caller (its features depend on the panel's columns).
    assert default == [*members, "GlobalGBM"]
    assert production == [*members, "GlobalGBM"]
