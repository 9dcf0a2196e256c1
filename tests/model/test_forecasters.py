"""Contract, fallback, parallel and interval tests of the panel forecasters (synthetic data)."""

import logging

import joblib
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from models.forecast import (
    ETS,
    SARIMA,
    BaseForecaster,
    ConformalIntervals,
    Ensemble,
    GlobalGBM,
    SeasonalDampedTrend,
    SeasonalNaive,
    SeasonalSES,
    Theta,
    VectorizedETS,
    ratio_forecast,
)
from models.forecast.features import spring_festival_month
from models.forecast.naive import seasonal_naive_paths
from models.forecast.panel import validate_panel
from tests.support.panels import make_panel

SMALL_GBM = {"max_iter": 30, "max_train_rows": 20_000, "min_samples_leaf": 5}
FORECASTERS = [
    SeasonalNaive(intervals=ConformalIntervals(2)),
    VectorizedETS(intervals=ConformalIntervals(2)),
    SeasonalDampedTrend(intervals=ConformalIntervals(2)),
    ETS(intervals=ConformalIntervals(1)),
    Theta(intervals=ConformalIntervals(1)),
    GlobalGBM(intervals=ConformalIntervals(2), **SMALL_GBM),
]


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    # Small on purpose: per-series statsmodels fits cost ~0.1-1 s each on a loaded 2-core box.
    return make_panel(n_series=8, n_months=48)


@pytest.mark.parametrize("model", FORECASTERS, ids=lambda m: m.alias)
def test_forecast_frame_contract(model: BaseForecaster, panel: pd.DataFrame) -> None:
    forecast = model.fit(panel).predict(6)
    alias = model.alias
    expected = ["unique_id", "ds", alias]
    expected += [f"{alias}-{side}-{level}" for level in (80, 95) for side in ("lo", "hi")]
    assert list(forecast.columns) == expected
    assert len(forecast) == 6 * panel["unique_id"].nunique()
    assert forecast["ds"].min() == pd.Timestamp("2018-01-01")
    assert not forecast.isna().any().any()
    assert (forecast[f"{alias}-lo-95"] <= forecast[f"{alias}-lo-80"]).all()
    assert (forecast[f"{alias}-lo-80"] <= forecast[alias]).all()
    assert (forecast[alias] <= forecast[f"{alias}-hi-80"]).all()
    assert (forecast[f"{alias}-hi-80"] <= forecast[f"{alias}-hi-95"]).all()
    assert (forecast[f"{alias}-lo-95"] >= 0).all()


@pytest.mark.parametrize("model", FORECASTERS, ids=lambda m: m.alias)
def test_pickle_roundtrip_and_params(
    model: BaseForecaster, panel: pd.DataFrame, tmp_path: pytest.TempPathFactory
) -> None:
    fitted = model.fit(panel)
    path = tmp_path / "model.joblib"  # type: ignore[operator]
    joblib.dump(fitted, path)
    restored = joblib.load(path)
    pd.testing.assert_frame_equal(restored.predict(12), fitted.predict(12))
    assert restored.get_params() == fitted.get_params()
    assert "max_horizon" in fitted.get_params()


def test_predict_before_fit_and_bad_horizon(panel: pd.DataFrame) -> None:
    with pytest.raises(NotFittedError):
        SeasonalNaive().predict(3)
    model = SeasonalNaive(intervals=None).fit(panel)
    with pytest.raises(ValueError, match="max_horizon"):
        model.predict(13)
    with pytest.raises(ValueError, match="ConformalIntervals"):
        model.predict(3)
    assert list(model.predict(3, level=()).columns) == ["unique_id", "ds", "SeasonalNaive"]


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda df: pd.concat([df, df.iloc[:1]]), "duplicate"),
        (lambda df: df.drop(index=5), "gaps"),
        (lambda df: df.assign(ds=df["ds"] + pd.Timedelta(days=3)), "month-start"),
        (lambda df: df.drop(columns="y"), "missing columns"),
        (lambda df: df.assign(y=np.nan), "NaN"),
    ],
)
def test_panel_validation(panel: pd.DataFrame, mutate: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_panel(mutate(panel))  # type: ignore[operator]


def test_seasonal_naive_repeats_last_season(panel: pd.DataFrame) -> None:
    forecast = SeasonalNaive(intervals=None).fit(panel).predict(12, level=())
    series = panel[panel["unique_id"] == "S000"]["y"].to_numpy()
    np.testing.assert_allclose(forecast["SeasonalNaive"].to_numpy()[:12], series[-12:])


@settings(max_examples=30, deadline=None)
@given(st.lists(st.floats(0, 1e4), min_size=1, max_size=40), st.integers(1, 30))
def test_seasonal_naive_paths_invariant(values: list[float], horizon: int) -> None:
    row = np.asarray(values)[None, :]
    paths = seasonal_naive_paths(row, horizon, 12)
    padded = np.concatenate([np.full(12, np.nan), row[0]])[-12:]
    same_month = padded[np.arange(horizon) % 12]
    # Same month a year earlier where it exists, otherwise the last observation.
    assert np.array_equal(paths[0], np.where(np.isnan(same_month), row[0, -1], same_month))


@pytest.mark.parametrize("model_class", [ETS, Theta, SARIMA, VectorizedETS], ids=str)
def test_short_series_fall_back_loudly(
    model_class: type[BaseForecaster], panel: pd.DataFrame, caplog: pytest.LogCaptureFixture
) -> None:
    short = make_panel(n_series=1, n_months=18, seed=3).assign(unique_id="SHORT")
    subset = panel[panel["unique_id"] == "S000"]
    combined = pd.concat([subset, short], ignore_index=True)
    with caplog.at_level(logging.WARNING):
        model = model_class(intervals=None).fit(combined)
    assert model.fallback_ids_ == ["SHORT"]
    assert "SHORT" in caplog.text
    forecast = model.predict(12, level=())
    np.testing.assert_allclose(
        forecast[forecast["unique_id"] == "SHORT"].iloc[:, 2].to_numpy(),
        short["y"].to_numpy()[-12:],
    )


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_dask_backend_matches_sequential(panel: pd.DataFrame) -> None:
    distributed = pytest.importorskip("dask.distributed")
    subset = panel[panel["unique_id"].isin([f"S{i:03d}" for i in range(6)])]
    sequential = ETS(n_jobs=1, intervals=None).fit(subset).predict(12, level=())
    with (
        distributed.LocalCluster(
            n_workers=2, processes=False, threads_per_worker=1, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster) as client,
        joblib.parallel_config(backend="dask"),
    ):
        on_dask = ETS(n_jobs=2, intervals=None).fit(subset).predict(12, level=())
        assert client.status == "running"
    pd.testing.assert_frame_equal(on_dask, sequential)


def test_loky_backend_matches_sequential(panel: pd.DataFrame) -> None:
    subset = panel[panel["unique_id"].isin([f"S{i:03d}" for i in range(4)])]
    sequential = Theta(n_jobs=1, intervals=None).fit(subset).predict(12, level=())
    parallel = Theta(n_jobs=2, backend="loky", intervals=None).fit(subset)
    pd.testing.assert_frame_equal(parallel.predict(12, level=()), sequential)


def test_ensemble_weights_and_metrics(panel: pd.DataFrame) -> None:
    candidates = [SeasonalNaive(), VectorizedETS(), GlobalGBM(**SMALL_GBM)]
    model = Ensemble(candidates, intervals=ConformalIntervals(2, 6)).fit(panel)
    np.testing.assert_allclose(model.weights_.sum(axis=1), 1.0)
    overall = model.backtest_metrics_["overall"]
    assert set(overall.index) == {"SeasonalNaive", "VectorizedETS", "GlobalGBM", "Ensemble"}
    # The chosen combination is at least as good as every candidate on the validation folds.
    assert overall.loc["Ensemble", "mase"] <= overall["mase"].min() + 1e-12
    assert {"unique_id", "model", "mase"} <= set(model.backtest_metrics_["per_series"].columns)
    assert len(model.predict(12)) == 12 * panel["unique_id"].nunique()


def test_ensemble_rejects_duplicate_aliases(panel: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="unique"):
        Ensemble([SeasonalNaive(), SeasonalNaive(season_length=6)]).fit(panel)


@pytest.mark.parametrize(("year", "month"), [(2019, 2), (2020, 1), (2023, 1), (2024, 2)])
def test_spring_festival_month(year: int, month: int) -> None:
    assert spring_festival_month(year) == month


def test_ratio_intervals_cover_simulated_truth() -> None:
    """Demand/supply panels with stationary noise: realised ratios fall in the intervals."""
    history, future = 72, 12
    demand = make_panel(n_series=150, n_months=history + future, seed=1)
    supply = make_panel(n_series=150, n_months=history + future, seed=2)
    cutoff = pd.Timestamp("2014-01-01") + pd.DateOffset(months=history - 1)
    fits = [
        SeasonalNaive(intervals=ConformalIntervals(4, 6)).fit(df[df["ds"] <= cutoff])
        for df in (demand, supply)
    ]
    ratio = ratio_forecast(fits[0], fits[1], h=future, n_samples=500)
    truth = demand.merge(supply, on=["unique_id", "ds"], suffixes=("_d", "_s"))
    truth["actual"] = truth["y_d"] / truth["y_s"].clip(lower=1.0)
    scored = ratio.merge(truth[["unique_id", "ds", "actual"]], on=["unique_id", "ds"])
    assert len(scored) == 150 * future
    for level, (low, high) in {80: (0.7, 0.92), 95: (0.88, 1.0)}.items():
        inside = scored["actual"].between(scored[f"ratio-lo-{level}"], scored[f"ratio-hi-{level}"])
        assert low <= inside.mean() <= high
    assert (scored["ratio-lo-95"] <= scored["ratio-lo-80"]).all()
    assert (scored["ratio-lo-80"] <= scored["ratio"]).all()
    assert (scored["ratio"] <= scored["ratio-hi-80"]).all()


def random_walk_panel(n_series: int = 60, n_months: int = 72, seed: int = 5) -> pd.DataFrame:
    """Counts whose log level is a random walk: the last value is the best month-ahead guess."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2014-01-01", periods=n_months, freq="MS")
    steps = rng.normal(0.0, 0.25, size=(n_series, n_months))
    levels = np.exp(np.log(rng.uniform(50, 500, size=(n_series, 1))) + np.cumsum(steps, axis=1))
    return pd.DataFrame(
        {
            "unique_id": np.repeat([f"W{i:03d}" for i in range(n_series)], n_months),
            "ds": np.tile(ds, n_series),
            "y": np.round(levels).ravel(),
            "state": np.repeat([f"ST{i % 3}" for i in range(n_series)], n_months),
        }
    )


def test_gbm_near_booster_forecasts_from_the_last_value() -> None:
    panel = random_walk_panel()
    cutoff = panel["ds"].max() - pd.DateOffset(months=1)
    train, truth = panel[panel["ds"] <= cutoff], panel[panel["ds"] > cutoff]
    params = {**SMALL_GBM, "min_samples_leaf": 20, "intervals": None}
    plain = GlobalGBM(**params, near_horizons=0).fit(train)
    near = GlobalGBM(**params, near_horizons=2).fit(train)
    # The far booster (h > near_horizons) sees exactly the rows it saw without the option.
    np.testing.assert_allclose(near.point_forecast_[:, 2:], plain.point_forecast_[:, 2:])
    actual = truth.sort_values("unique_id")["y"].to_numpy()
    error_near = np.abs(near.point_forecast_[:, 0] - actual).mean()
    error_plain = np.abs(plain.point_forecast_[:, 0] - actual).mean()
    assert error_near < error_plain


def test_ensemble_interval_width_follows_each_series_errors() -> None:
    panel = make_panel(n_series=12, n_months=60, seed=2)
    # S000 turns erratic over the validation windows: calm history, noisy last 30 months.
    rng = np.random.default_rng(0)
    erratic = (panel["unique_id"] == "S000") & (
        panel["ds"] >= panel["ds"].max() - pd.DateOffset(months=29)
    )
    panel.loc[erratic, "y"] = np.round(
        panel.loc[erratic, "y"] * rng.uniform(0.3, 2.5, erratic.sum())
    )
    members = [SeasonalNaive(), SeasonalSES()]
    model = Ensemble(members, intervals=ConformalIntervals(2, 6)).fit(panel)
    factors = pd.Series(model.interval_factor_, index=model.unique_ids_)
    assert factors.idxmax() == "S000" and factors["S000"] > 1.1
    pooled = Ensemble(members, intervals=ConformalIntervals(2, 6), interval_shrinkage=1e9)
    np.testing.assert_allclose(pooled.fit(panel).interval_factor_, 1.0, atol=1e-6)
    forecast = model.predict(12, level=[95]).set_index("unique_id")
    # Upper half-widths (the lower bound is clipped at zero counts).
    width = (forecast["Ensemble-hi-95"] - forecast["Ensemble"]).groupby(level=0).mean()
    unit = pd.Series(model.scale_ / model.interval_factor_, index=model.unique_ids_)
    # Relative to its seasonal-naive unit, the erratic series gets the widest interval.
    assert (width / unit).idxmax() == "S000"
    with pytest.raises(ValueError, match="interval_shrinkage"):
        Ensemble(members, interval_shrinkage=0).fit(panel)


def test_short_series_interval_unit_is_pooled() -> None:
    from models.forecast.panel import pooled_short_scale

    rng = np.random.default_rng(1)
    levels = rng.uniform(5, 500, size=40)
    values = np.full((41, 48), np.nan)
    values[:40] = rng.poisson(levels[:, None], size=(40, 48))
    values[40, -8:] = 100.0  # a new series: 8 flat months, its own unit is ~0
    lengths = np.isfinite(values).sum(axis=1)
    own = np.full(41, 1e-3)
    own[:40] = np.abs(np.diff(values[:40], axis=1)).mean(axis=1)
    pooled = pooled_short_scale(own, values, lengths)
    np.testing.assert_array_equal(pooled[:40], own[:40])  # long series keep their own unit
    # The new series gets the unit of long series of its size (Poisson: about sqrt(100)).
    assert 5.0 < pooled[40] < 20.0
