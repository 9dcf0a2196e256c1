"""The forecast training pipeline: hierarchies, model selection, reconciliation, warnings.

Modules: :mod:`.hierarchies` (collapsed occupation/industry × geography hierarchies),
:mod:`.fitting` (backtest and fit tasks), :mod:`.parallel` (joblib/Dask backends, progress),
:mod:`.pipeline` (``train_forecast``); the result type, ``ForecastBundle``, lives in
``models.forecast.bundle`` so that loading it never imports ``training``.
"""

from models.forecast.bundle import ForecastBundle, ratio_forecast
from training.forecasting.pipeline import ForecastDataError, train_forecast

__all__ = ["ForecastBundle", "ForecastDataError", "ratio_forecast", "train_forecast"]
