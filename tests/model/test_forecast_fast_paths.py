"""The province-scale speed paths give the forecasts of the straightforward code they replace.

Each fast path is checked against a plain reference on a small panel: the month-contiguous
ETS recursion against the masked one it replaced, the sorted-panel shortcut of
``validate_panel`` / ``WidePanel`` against sorting and grouping, the horizon-only actuals join
against the full join, and the whole production Ensemble (intervals included) on a shuffled
panel (sorting path) against the sorted one (shortcut path).
"""

import itertools

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from app.forecasting.fitting import candidate_models
from models.forecast import GlobalGBM, VectorizedETS
from models.forecast.conformal import window_forecasts
from models.forecast.fast_ets import DEFAULT_GRID, _initial_states, holt_winters_paths
from models.forecast.panel import SEASON, FloatArray, WidePanel, validate_panel


def reference_holt_winters(values: FloatArray, horizon: int) -> FloatArray:
    """The masked ``(n_series, n_params, 12)`` recursion the fast version replaced."""
    grid = DEFAULT_GRID
    params = np.array(
        list(itertools.product(*(grid[k] for k in ("alpha", "beta", "gamma", "phi"))))
    )
    alpha, beta, gamma, phi = (params[:, k][None, :] for k in range(4))
    n_series, n_steps = values.shape
    first = np.argmax(np.isfinite(values), axis=1)
    level0, seasonal0 = _initial_states(values, first)
    level = np.repeat(level0[:, None], len(params), axis=1)
    trend = np.zeros_like(level)
    seasonal = np.repeat(seasonal0[:, None, :], len(params), axis=1)
    sse = np.zeros_like(level)
    for t in range(n_steps):
        observed = values[:, t]
        active = np.isfinite(observed)[:, None]
        season_now = seasonal[:, :, t % SEASON]
        damped = level + phi * trend
        error = np.where(active, observed[:, None] - damped - season_now, 0.0)
        sse += np.where(t >= first[:, None] + SEASON, error**2, 0.0)
        new_level = damped + alpha * error
        new_trend = phi * trend + alpha * beta * error
        new_season = season_now + gamma * (1 - alpha) * error
        level = np.where(active, new_level, level)
        trend = np.where(active, new_trend, trend)
        seasonal[:, :, t % SEASON] = np.where(active, new_season, season_now)
    best = np.argmin(sse, axis=1)
    rows = np.arange(n_series)
    steps = np.arange(1, horizon + 1)
    damping = np.cumsum(phi[0, best][:, None] ** steps[None, :], axis=1)
    season_path = seasonal[rows, best][:, (n_steps - 1 + steps) % SEASON]
    return np.asarray(
        level[rows, best][:, None] + damping * trend[rows, best][:, None] + season_path
    )


def province_like_panel(n_series: int = 90, n_months: int = 84, seed: int = 2) -> pd.DataFrame:
    """Seasonal Poisson counts, a third of the series starting late (left padding)."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2017-01-01", periods=n_months, freq="MS")
    months = np.arange(n_months)
    level = rng.lognormal(2.0, 1.0, size=(n_series, 1))
    season = 1 + rng.uniform(0, 0.3, (n_series, 1)) * np.sin(2 * np.pi * months / 12)
    y = rng.poisson(level * season).astype(float)
    frame = pd.DataFrame(
        {
            "unique_id": np.repeat([f"C{i % 5}/O{i:03d}" for i in range(n_series)], n_months),
            "ds": np.tile(ds, n_series),
            "y": y.ravel(),
            "level": np.repeat([f"L{i % 3}" for i in range(n_series)], n_months),
        }
    )
    late = frame["unique_id"].isin([f"C{i % 5}/O{i:03d}" for i in range(0, n_series, 3)])
    return frame[~late | (frame["ds"] >= ds[30])].reset_index(drop=True)


@pytest.mark.parametrize("padded", [False, True], ids=["full", "left-padded"])
def test_holt_winters_matches_masked_reference(padded: bool) -> None:
    rng = np.random.default_rng(0)
    values = np.log1p(rng.poisson(30, size=(200, 72)).astype(float))
    if padded:
        values[::4, : rng.integers(1, 40)] = np.nan
    np.testing.assert_array_equal(
        holt_winters_paths(values, 12, DEFAULT_GRID), reference_holt_winters(values, 12)
    )


def test_sorted_shortcut_matches_sorting() -> None:
    frame = province_like_panel()
    shuffled = frame.sample(frac=1.0, random_state=1)
    validated = validate_panel(frame.sort_values(["unique_id", "ds"]))
    pd.testing.assert_frame_equal(validate_panel(shuffled), validated)
    wide = WidePanel.from_frame(validated)
    grouped = validated.groupby("unique_id", sort=True)
    np.testing.assert_array_equal(wide.unique_ids, grouped.size().index.to_numpy(dtype=object))
    np.testing.assert_array_equal(wide.lengths, grouped.size().to_numpy())
    np.testing.assert_array_equal(wide.last_ds, pd.DatetimeIndex(grouped["ds"].max()))
    last = validated.groupby("unique_id")["y"].last().to_numpy()
    np.testing.assert_array_equal(wide.values[:, -1], last)


def test_window_actuals_are_the_full_join() -> None:
    frame = validate_panel(province_like_panel())
    cutoff = frame["ds"].max() - pd.DateOffset(months=18)
    forecasts = window_forecasts(VectorizedETS(), frame, cutoff, 12)
    full = forecasts.drop(columns="y").merge(
        frame[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="left"
    )
    pd.testing.assert_frame_equal(forecasts, full)
    assert forecasts["y"].notna().all()


def test_gbm_far_booster_skips_near_horizons_unchanged() -> None:
    """Near horizons come from the near booster, the rest from the far one, as before."""
    frame = province_like_panel(n_series=120)
    params = {"categorical_columns": ("level",), "code_columns": (), "max_iter": 20}
    params |= {"min_samples_leaf": 20, "intervals": None}
    split = GlobalGBM(**params).fit(frame).point_forecast_
    far_only = GlobalGBM(**params, near_horizons=0).fit(frame).point_forecast_
    assert split.shape == far_only.shape == (120, 12)
    # The far booster sees the same sampled rows either way, so horizons 4-12 are the same.
    np.testing.assert_array_equal(split[:, 3:], far_only[:, 3:])
    assert not np.allclose(split[:, :3], far_only[:, :3])


def test_production_ensemble_same_on_shuffled_panel() -> None:
    frame = province_like_panel()
    model = candidate_models(12, 84, calibration_windows=2, calibration_step=12)[0]
    sorted_fit = clone(model).fit(frame.sort_values(["unique_id", "ds"]))
    shuffled_fit = clone(model).fit(frame.sample(frac=1.0, random_state=3))
    pd.testing.assert_frame_equal(
        sorted_fit.predict(12, level=(80, 95)), shuffled_fit.predict(12, level=(80, 95))
    )
    assert "GlobalGBM" in sorted_fit.weights_.columns
