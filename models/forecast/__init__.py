"""Panel forecasters (Nixtla long format in, forecast frames with conformal intervals out)."""

from models.forecast.backtest import backtest, horizon_metrics
from models.forecast.base import BaseForecaster
from models.forecast.conformal import ConformalIntervals
from models.forecast.damped_trend import SeasonalDampedTrend
from models.forecast.ensemble import Ensemble
from models.forecast.fast_ets import VectorizedETS
from models.forecast.fast_ses import SeasonalSES
from models.forecast.gbm import GlobalGBM
from models.forecast.naive import SeasonalNaive
from models.forecast.ratio import ratio_forecast
from models.forecast.statsmodels_models import ETS, SARIMA, Theta

__all__ = [
    "ETS",
    "SARIMA",
    "BaseForecaster",
    "ConformalIntervals",
    "Ensemble",
    "GlobalGBM",
    "SeasonalDampedTrend",
    "SeasonalNaive",
    "SeasonalSES",
    "Theta",
    "VectorizedETS",
    "backtest",
    "horizon_metrics",
    "ratio_forecast",
]
