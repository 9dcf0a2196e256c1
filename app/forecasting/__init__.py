"""Train forecast: hierarchies, model selection, reconciliation, warnings — and the use case.

Modules: :mod:`.hierarchies` (collapsed occupation/industry × geography hierarchies),
:mod:`.fitting` (backtest and fit tasks), :mod:`.parallel` (joblib/Dask backends, progress),
:mod:`.pipeline` (``train_forecast``, pure: frames in, bundle out), :mod:`.use_case`
(``train_and_save_forecast``: store in, registry version out). The result type,
``ForecastBundle``, lives in ``models.forecast.bundle`` so that loading it needs only ``models``.
"""

from app.forecasting.pipeline import ForecastDataError, train_forecast
from app.forecasting.use_case import TrainedForecast, train_and_save_forecast
from models.forecast.bundle import ForecastBundle

__all__ = [
    "ForecastBundle",
    "ForecastDataError",
    "TrainedForecast",
    "train_and_save_forecast",
    "train_forecast",
]
