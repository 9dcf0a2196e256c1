"""Forecast training pipeline (entry point); the code lives in :mod:`training.forecasting`."""

from training.forecasting import ForecastBundle, ForecastDataError, ratio_forecast, train_forecast

__all__ = ["ForecastBundle", "ForecastDataError", "ratio_forecast", "train_forecast"]
