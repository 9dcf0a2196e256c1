"""The model a forecaster falls back on for series it cannot fit is a parameter (``fallback``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from models.forecast import GlobalGBM, SeasonalNaive, SeasonalSES, VectorizedETS
from models.forecast.statsmodels_models import ETS
from tests.support.panels import make_panel

H = 6


def _with_short_series(months: int = 18) -> pd.DataFrame:
    """Four 60-month series and one that starts ``months`` before their end."""
    panel = make_panel(n_series=5, n_months=60, seed=3)
    short = panel["unique_id"] == "S004"
    keep = ~short | (panel["ds"] >= panel["ds"].max() - pd.DateOffset(months=months - 1))
    return panel[keep].reset_index(drop=True)


def _point(model: object, frame: pd.DataFrame, uid: str) -> np.ndarray:
    fitted = clone(model).set_params(intervals=None, max_horizon=H).fit(frame)
    out = fitted.predict(H, level=())
    return out.loc[out["unique_id"] == uid, fitted.alias].to_numpy()


@pytest.mark.parametrize(
    "make", [lambda fb: VectorizedETS(fallback=fb), lambda fb: ETS(fallback=fb)]
)
def test_short_series_take_the_injected_fallback(make) -> None:  # type: ignore[no-untyped-def]
    frame = _with_short_series()
    fallback = SeasonalSES(alias="SES")
    model = make(fallback).set_params(intervals=None, max_horizon=H).fit(frame)
    assert model.fallback_ids_ == ["S004"]
    assert fallback.__dict__.get("point_forecast_") is None  # the caller's instance stays unfitted
    expected = _point(fallback, frame, "S004")
    got = model.predict(H, level=())
    np.testing.assert_allclose(
        got.loc[got["unique_id"] == "S004", model.alias].to_numpy(), expected
    )
    # The default is seasonal naive, and the series it can fit do not depend on the fallback.
    default = make(None)
    np.testing.assert_allclose(
        _point(default, frame, "S004"), _point(SeasonalNaive(), frame, "S004")
    )
    np.testing.assert_allclose(_point(default, frame, "S000"), _point(model, frame, "S000"))


def test_a_panel_too_short_for_the_global_model_uses_its_fallback() -> None:
    frame = make_panel(n_series=3, n_months=30, seed=1)
    model = GlobalGBM(fallback=SeasonalSES(alias="SES"), intervals=None, max_horizon=H)
    fitted = model.fit(frame)
    assert fitted.fallback_ids_ == ["S000", "S001", "S002"]
    for uid in fitted.fallback_ids_:
        np.testing.assert_allclose(_point(model, frame, uid), _point(SeasonalSES(), frame, uid))
