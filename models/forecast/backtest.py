"""Rolling-origin backtest with MASE, sMAPE and interval coverage, always beside a baseline.

Each origin (cutoff) refits a fresh clone of the model on ``ds <= cutoff`` only, so both the
point model and its conformal intervals are built without seeing the evaluated months. The
baseline (seasonal naive by default) is fitted and scored on exactly the same folds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone

from models.forecast.base import DEFAULT_LEVELS, BaseForecaster
from models.forecast.naive import SeasonalNaive
from models.forecast.panel import (
    WidePanel,
    safe_scale,
    seasonal_naive_scale,
    shift_months,
    validate_panel,
)

FORECAST_COLUMNS = ["model", "unique_id", "cutoff", "ds", "h", "y", "yhat", "scale"]


def backtest_cutoffs(end: pd.Timestamp, h: int, n_windows: int, step: int) -> list[pd.Timestamp]:
    """Origins ``end - h - k * step`` for ``k = n_windows - 1 .. 0`` (oldest first)."""
    return [shift_months(end, -h - k * step) for k in reversed(range(n_windows))]


def _fold_frame(
    model: BaseForecaster, train: pd.DataFrame, h: int, levels: Sequence[int]
) -> pd.DataFrame:
    """Fit ``model`` on ``train`` and return its forecasts renamed to generic columns."""
    fitted = clone(model)
    if fitted.max_horizon < h:
        fitted.set_params(max_horizon=h)
    fitted.fit(train)
    forecast = fitted.predict(h, level=levels)
    alias = fitted.alias
    renames = {alias: "yhat"}
    for value in levels:
        renames[f"{alias}-lo-{value}"] = f"lo-{value}"
        renames[f"{alias}-hi-{value}"] = f"hi-{value}"
    forecast = forecast.rename(columns=renames)
    forecast["h"] = np.tile(np.arange(1, h + 1), len(forecast) // h)
    forecast["model"] = alias
    return pd.DataFrame(forecast)


def backtest(
    model: BaseForecaster,
    df: pd.DataFrame,
    h: int = 12,
    n_windows: int = 4,
    step: int = 12,
    *,
    level: Sequence[int] = DEFAULT_LEVELS,
    baseline: BaseForecaster | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Evaluate ``model`` and a baseline on ``n_windows`` rolling origins ``step`` months apart.

    Returns
    -------
    per_series : DataFrame
        One row per ``(model, unique_id)``: ``mase, smape, coverage_<L>, mase_h<h>``.
    overall : DataFrame
        One row per model (indexed by alias): means over series of the above, ``n_series``,
        and ``mase_ratio`` / ``mase_h<h>_ratio`` against the baseline.
    forecasts : DataFrame
        Every fold's forecast: ``model, unique_id, cutoff, ds, h, y, yhat, scale, lo-L, hi-L``.
    """
    frame = validate_panel(df)
    levels = sorted({int(value) for value in level})
    base = baseline if baseline is not None else SeasonalNaive(max_horizon=h)
    folds = []
    for cutoff in backtest_cutoffs(frame["ds"].max(), h, n_windows, step):
        train = frame[frame["ds"] <= cutoff]
        panel = WidePanel.from_frame(train)
        scale = pd.Series(
            safe_scale(seasonal_naive_scale(panel.values), panel.values), index=panel.unique_ids
        )
        for candidate in (model, base):
            fold = _fold_frame(candidate, train, h, levels)
            fold["cutoff"] = cutoff
            fold["scale"] = fold["unique_id"].map(scale).to_numpy()
            folds.append(fold)
    forecasts = pd.concat(folds, ignore_index=True).merge(
        frame[["unique_id", "ds", "y"]], on=["unique_id", "ds"], how="inner"
    )
    interval_columns = [f"{side}-{value}" for value in levels for side in ("lo", "hi")]
    forecasts = forecasts[FORECAST_COLUMNS + interval_columns]
    per_series = series_metrics(forecasts, levels, h)
    overall = overall_metrics(per_series, baseline_alias=base.alias, h=h)
    return per_series, overall, forecasts


def _add_errors(forecasts: pd.DataFrame, levels: Sequence[int]) -> pd.DataFrame:
    scored = forecasts.copy()
    error = (scored["y"] - scored["yhat"]).abs()
    scored["scaled_error"] = error / scored["scale"]
    denominator = scored["y"].abs() + scored["yhat"].abs()
    scored["smape"] = np.where(
        denominator > 0, 200.0 * error / denominator.where(denominator > 0), 0.0
    )
    for value in levels:
        inside = (scored["y"] >= scored[f"lo-{value}"]) & (scored["y"] <= scored[f"hi-{value}"])
        scored[f"coverage_{value}"] = inside.astype(float)
    return scored


def series_metrics(forecasts: pd.DataFrame, levels: Sequence[int], h: int) -> pd.DataFrame:
    """Per ``(model, unique_id)`` metrics, averaging each fold's MASE over folds."""
    scored = _add_errors(forecasts, levels)
    metric_columns = ["scaled_error", "smape"] + [f"coverage_{value}" for value in levels]
    per_fold = scored.groupby(["model", "unique_id", "cutoff"])[metric_columns].mean()
    per_series = per_fold.groupby(["model", "unique_id"]).mean()
    last = scored[scored["h"] == h].groupby(["model", "unique_id"])["scaled_error"].mean()
    per_series[f"mase_h{h}"] = last
    return per_series.rename(columns={"scaled_error": "mase"}).reset_index()


def overall_metrics(per_series: pd.DataFrame, baseline_alias: str, h: int) -> pd.DataFrame:
    """Means over series per model plus MASE ratios against ``baseline_alias``."""
    metrics = per_series.drop(columns="unique_id").groupby("model").mean()
    metrics["n_series"] = per_series.groupby("model")["unique_id"].nunique()
    for column in ("mase", f"mase_h{h}"):
        baseline_value = float(metrics[column].to_numpy()[metrics.index == baseline_alias][0])
        metrics[f"{column}_ratio"] = metrics[column] / baseline_value
    return metrics


def horizon_metrics(
    forecasts: pd.DataFrame, levels: Sequence[int] = DEFAULT_LEVELS
) -> pd.DataFrame:
    """Per ``(model, h)``: MASE (mean scaled |error|), sMAPE and coverage over series x folds."""
    scored = _add_errors(forecasts, levels)
    columns = ["scaled_error", "smape"] + [f"coverage_{value}" for value in levels]
    table = scored.groupby(["model", "h"])[columns].mean()
    return table.rename(columns={"scaled_error": "mase"}).reset_index()
