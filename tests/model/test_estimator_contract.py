"""The scikit-learn contract, checked once over every forecaster class.

Why one test over all of them: a forecaster is used through ``clone`` (backtest folds,
calibration windows, Ensemble members), pickled into the registry, and configured through
``get_params``/``set_params``; a new class gets these checks by existing, because the list
below is every concrete subclass of :class:`BaseForecaster`, not a hand-kept one.
"""

from __future__ import annotations

import inspect
import pickle
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, clone
from sklearn.exceptions import NotFittedError

import models.forecast
from models.forecast import (
    BaseForecaster,
    ConformalIntervals,
    Ensemble,
    SeasonalNaive,
    SeasonalSES,
)
from models.forecast.reconcile import MinTrace
from models.forecast.warning import EarlyWarning
from tests.support.panels import make_panel

INTERVALS = ConformalIntervals(n_windows=1, step=6)
#: Settings that keep each fit to a fraction of a second; every other parameter is the default.
FAST: dict[str, dict[str, Any]] = {
    "GlobalGBM": {"max_iter": 20, "max_train_rows": 5_000, "min_samples_leaf": 5},
    "Ensemble": {
        # Two configurations of one model, told apart by their alias.
        "members": [
            SeasonalNaive(),
            SeasonalSES(alias="SES-profile"),
            SeasonalSES(seasonal_shrink=0.0, alias="SES-flat"),
        ],
    },
}


def _concrete(cls: type[BaseForecaster]) -> list[type[BaseForecaster]]:
    """Every concrete subclass constructible without arguments (abstract bases are not)."""
    found = []
    for sub in cls.__subclasses__():
        required = [
            p
            for p in inspect.signature(sub).parameters.values()
            if p.default is inspect.Parameter.empty
        ]
        if not required and not inspect.isabstract(sub):
            found.append(sub)
        found.extend(_concrete(sub))
    return sorted(set(found), key=lambda c: c.__name__)


FORECASTER_CLASSES = _concrete(BaseForecaster)


def _build(cls: type[BaseForecaster]) -> BaseForecaster:
    return cls(**FAST.get(cls.__name__, {}), intervals=INTERVALS)  # type: ignore[call-arg]


def _round_trip(obj: Any) -> Any:
    """Through pickle, as the registry stores models (joblib pickles them)."""
    return pickle.loads(pickle.dumps(obj))  # noqa: S301 - our own object


def _comparable(value: Any) -> Any:
    """Parameters with nested estimators replaced by (class, parameters), for ``==``."""
    if isinstance(value, BaseEstimator):
        params = value.get_params(deep=False)
        return type(value), {k: _comparable(v) for k, v in params.items()}
    if isinstance(value, dict):
        return {k: _comparable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value), [_comparable(v) for v in value]
    return value


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return make_panel(n_series=4, n_months=48, seed=7)


@pytest.fixture(scope="module")
def fitted(panel: pd.DataFrame) -> dict[str, BaseForecaster]:
    return {cls.__name__: _build(cls).fit(panel) for cls in FORECASTER_CLASSES}


def test_every_public_forecaster_is_checked() -> None:
    exported = {
        name
        for name in models.forecast.__all__
        if isinstance(getattr(models.forecast, name), type)
        and issubclass(getattr(models.forecast, name), BaseForecaster)
        and name != "BaseForecaster"
    }
    assert exported <= {cls.__name__ for cls in FORECASTER_CLASSES}
    assert len(FORECASTER_CLASSES) >= 9


@pytest.mark.parametrize("cls", FORECASTER_CLASSES, ids=lambda c: c.__name__)
def test_defaults_name_the_class_and_calibrate(cls: type[BaseForecaster]) -> None:
    model = cls()
    assert model.alias == cls.__name__
    assert isinstance(model.intervals, ConformalIntervals)


@pytest.mark.parametrize("cls", FORECASTER_CLASSES, ids=lambda c: c.__name__)
def test_not_fitted_error_before_fit(cls: type[BaseForecaster]) -> None:
    with pytest.raises(NotFittedError):
        _build(cls).predict(6)


@pytest.mark.parametrize("cls", FORECASTER_CLASSES, ids=lambda c: c.__name__)
def test_clone_keeps_parameters_and_drops_the_fit(
    cls: type[BaseForecaster], fitted: dict[str, BaseForecaster]
) -> None:
    model = fitted[cls.__name__]
    copy = clone(model)
    assert type(copy) is cls
    assert _comparable(copy.get_params(deep=False)) == _comparable(model.get_params(deep=False))
    with pytest.raises(NotFittedError):
        copy.predict(6)


@pytest.mark.parametrize("cls", FORECASTER_CLASSES, ids=lambda c: c.__name__)
def test_pickle_round_trip_predicts_the_same(
    cls: type[BaseForecaster], fitted: dict[str, BaseForecaster]
) -> None:
    model = fitted[cls.__name__]
    restored = _round_trip(model)
    pd.testing.assert_frame_equal(restored.predict(6), model.predict(6), check_exact=True)


@pytest.mark.parametrize("cls", FORECASTER_CLASSES, ids=lambda c: c.__name__)
def test_get_params_set_params_round_trip(cls: type[BaseForecaster]) -> None:
    model = _build(cls)
    params = model.get_params(deep=False)
    assert {"alias", "intervals", "max_horizon"} <= set(params)
    rebuilt = cls(**params)
    assert _comparable(rebuilt.get_params(deep=False)) == _comparable(params)
    other = ConformalIntervals(n_windows=2, step=12, symmetric=False)
    model.set_params(alias="renamed", intervals=other)
    assert model.get_params()["alias"] == "renamed"
    assert model.get_params()["intervals"] == other
    assert model.set_params(intervals=None).intervals is None


@pytest.mark.parametrize("cls", FORECASTER_CLASSES, ids=lambda c: c.__name__)
def test_alias_names_the_forecast_columns(
    cls: type[BaseForecaster], fitted: dict[str, BaseForecaster]
) -> None:
    model = fitted[cls.__name__]
    original = model.predict(6, level=(80,))
    renamed = _round_trip(model).set_params(alias="other")
    forecast = renamed.predict(6, level=(80,))
    assert list(forecast.columns) == ["unique_id", "ds", "other", "other-lo-80", "other-hi-80"]
    np.testing.assert_array_equal(forecast.to_numpy()[:, 2:], original.to_numpy()[:, 2:])


def test_point_only_without_intervals(panel: pd.DataFrame) -> None:
    model = SeasonalNaive(intervals=None).fit(panel)
    assert model.calibration_ is None
    assert list(model.predict(6, level=()).columns) == ["unique_id", "ds", "SeasonalNaive"]
    with pytest.raises(ValueError, match="ConformalIntervals"):
        model.predict(6)


def test_ensemble_holds_two_configurations_of_one_model(
    fitted: dict[str, BaseForecaster],
) -> None:
    ensemble = fitted["Ensemble"]
    assert isinstance(ensemble, Ensemble)
    assert list(ensemble.weights_.columns) == ["SeasonalNaive", "SES-profile", "SES-flat"]
    with pytest.raises(ValueError, match="unique"):
        Ensemble([SeasonalSES(), SeasonalSES()], intervals=INTERVALS).fit(make_panel(2, 48))


def test_intervals_are_validated() -> None:
    with pytest.raises(ValueError, match="n_windows"):
        ConformalIntervals(n_windows=0)
    with pytest.raises(ValueError, match="Ensemble needs intervals"):
        Ensemble(intervals=None).fit(make_panel(2, 48))


@pytest.mark.parametrize(
    "estimator",
    [EarlyWarning(ratio_threshold=1.5), MinTrace("ols")],
    ids=lambda e: type(e).__name__,
)
def test_other_forecast_estimators_clone_and_round_trip(estimator: BaseEstimator) -> None:
    params = estimator.get_params(deep=False)
    assert _comparable(clone(estimator).get_params(deep=False)) == _comparable(params)
    assert _comparable(type(estimator)(**params).get_params(deep=False)) == _comparable(params)
    restored = _round_trip(estimator)
    assert _comparable(restored.get_params(deep=False)) == _comparable(params)
