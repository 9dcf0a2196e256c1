"""Intervals for the ratio of two forecasts, e.g. 求人倍率 = vacancies / job seekers.

Method: Monte-Carlo from the two conformal residual distributions. For each series and
horizon we draw scaled residuals independently from the numerator's and the denominator's
pooled calibration residuals at that horizon, rebuild ``point + residual * scale`` for both
(clipped at 0, the denominator floored at ``denominator_floor``), and take quantiles of the
simulated ratios. Assumption: numerator and denominator errors are independent (demand and
supply come from different sources); correlated errors would make the true interval narrower.
We prefer simulation to the delta method because the ratio of skewed count forecasts is
itself skewed and the delta method's symmetric normal interval can go negative.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_is_fitted

from models.forecast.base import DEFAULT_LEVELS, BaseForecaster
from models.forecast.conformal import ConformalCalibration


def ratio_forecast(
    numerator: BaseForecaster,
    denominator: BaseForecaster,
    h: int,
    level: Sequence[int] = DEFAULT_LEVELS,
    *,
    n_samples: int = 2000,
    denominator_floor: float = 1.0,
    random_state: int = 0,
) -> pd.DataFrame:
    """Forecast ``numerator / denominator`` for the series both models know.

    Returns
    -------
    DataFrame
        ``unique_id, ds, ratio, ratio-lo-L, ratio-hi-L`` for each level; ``ratio`` is the
        ratio of the point forecasts.
    """
    pools: list[ConformalCalibration] = []
    for model in (numerator, denominator):
        check_is_fitted(model, "point_forecast_")
        if model.calibration_ is None:
            raise ValueError("both models need conformal calibration (n_calibration_windows > 0)")
        pools.append(model.calibration_)
    common, num_index, den_index = np.intersect1d(
        numerator.unique_ids_, denominator.unique_ids_, return_indices=True
    )
    if common.size == 0:
        raise ValueError("numerator and denominator share no unique_id")
    rng = np.random.default_rng(random_state)
    levels = sorted({int(value) for value in level})
    num_point = numerator.point_forecast_[num_index, :h]
    den_point = denominator.point_forecast_[den_index, :h]
    point_ratio = num_point / np.maximum(den_point, denominator_floor)
    bounds = {value: np.empty_like(point_ratio) for value in levels}
    uppers = {value: np.empty_like(point_ratio) for value in levels}
    for step in range(h):
        draws = []
        for model, calibration, index, point in (
            (numerator, pools[0], num_index, num_point),
            (denominator, pools[1], den_index, den_point),
        ):
            pool = calibration.residuals[:, step]
            pool = pool[np.isfinite(pool)]
            sample = rng.choice(pool, size=(len(index), n_samples))
            draws.append(
                np.clip(point[:, step, None] + sample * model.scale_[index, None], 0, None)
            )
        simulated = draws[0] / np.maximum(draws[1], denominator_floor)
        for value in levels:
            tail = (100 - value) / 200
            low, high = np.quantile(simulated, [tail, 1 - tail], axis=1)
            bounds[value][:, step] = np.minimum(low, point_ratio[:, step])
            uppers[value][:, step] = np.maximum(high, point_ratio[:, step])
    forecast = denominator.predict(h, level=())
    forecast = forecast[forecast["unique_id"].isin(common)].reset_index(drop=True)
    out = pd.DataFrame({"unique_id": forecast["unique_id"], "ds": forecast["ds"]})
    out["ratio"] = point_ratio.ravel()
    for value in levels:
        out[f"ratio-lo-{value}"] = bounds[value].ravel()
        out[f"ratio-hi-{value}"] = uppers[value].ravel()
    return out
