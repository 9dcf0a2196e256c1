"""The forecast training pipeline: hierarchies, model selection, reconciliation, warnings.

Modules: :mod:`.hierarchies` (collapsed occupation/industry × geography hierarchies),
:mod:`.fitting` (backtest and fit tasks), :mod:`.parallel` (joblib/Dask backends, progress),
``models.forecast.bundle`` (``ForecastBundle``, ratio forecasts), :mod:`.pipeline` (``train_forecast``).
"""

from models.forecast.bundle import ForecastBundle, ratio_forecast
from training.forecasting.pipeline import ForecastDataError, train_forecast

__all__ = ["ForecastBundle", "ForecastDataError", "ratio_forecast", "train_forecast"]
