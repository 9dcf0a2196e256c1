"""``ForecastBundle``: everything one training run produced, as plain picklable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ForecastBundle", "ratio_forecast"]


@dataclass
class ForecastBundle:
    """The result of ``app.forecasting.train_forecast`` (saved to the registry).

    It lives in ``models`` (not ``training``) because the service unpickles it: loading a
    registry artifact must never import the training package.

    Attributes
    ----------
    h, levels : forecast horizon (months) and interval levels (%).
    data_range : first and last month of the history, ``('2019-01', '2026-10')``.
    history : hierarchy → ``unique_id, ds, demand, supply, ratio, level`` (all nodes).
    forecasts : hierarchy → variable ('demand', 'supply', 'ratio') → reconciled long frame
        ``unique_id, ds, forecast, forecast-lo-80, forecast-hi-80, ...``.
    S : hierarchy → summing matrix ``S_df`` (index ``unique_id``, one column per bottom).
    tags : hierarchy → level name → ``unique_id`` array.
    labels : hierarchy → ``unique_id`` → Chinese display name.
    backtest_series : per (panel, model, unique_id) MASE, sMAPE, coverage.
    backtest_overall : per (panel, model) means and MASE ratio against seasonal naive.
    selection : the candidates' backtest MASE per panel and which one was chosen.
    metrics : overall summary (MASE, naive MASE, ratio, coverage, coherence error...).
    coherence : panel ('occupation/demand'...) → max |node − sum of its bottoms|.
    warnings : ``EarlyWarning`` rows plus a ``hierarchy`` column, most severe first.
    model_params : panel → {'model': alias, 'params': {...}}.
    fallback_ids : panel → series that fell back to seasonal naive inside the model.
    bottom_maps : hierarchy → original code → collapsed bottom code.
    params : the run's arguments (for the registry's metadata).
    timings : stage → seconds.
    series_keys : hierarchy → ``unique_id, level`` and the typed key columns of every node
        (``city_code``, ``zone``, ``occupation_code``, ``occ_minor`` …): join by these.
    """

    h: int
    levels: tuple[int, ...]
    data_range: tuple[str, str]
    history: dict[str, pd.DataFrame]
    forecasts: dict[str, dict[str, pd.DataFrame]]
    S: dict[str, pd.DataFrame]
    tags: dict[str, dict[str, np.ndarray]]
    labels: dict[str, dict[str, str]]
    backtest_series: pd.DataFrame
    backtest_overall: pd.DataFrame
    selection: pd.DataFrame
    metrics: dict[str, float]
    coherence: dict[str, float]
    warnings: pd.DataFrame
    model_params: dict[str, dict[str, Any]]
    fallback_ids: dict[str, list[str]]
    bottom_maps: dict[str, dict[str, str]]
    params: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    series_keys: dict[str, pd.DataFrame] = field(default_factory=dict)

    def series_counts(self) -> dict[str, dict[str, int]]:
        """Number of series per hierarchy and level."""
        return {
            name: {level: len(ids) for level, ids in tags.items()}
            for name, tags in self.tags.items()
        }

    @property
    def n_series(self) -> int:
        """Series per variable over all hierarchies (demand and supply share nodes)."""
        return sum(len(S) for S in self.S.values())


def ratio_forecast(
    demand: pd.DataFrame, supply: pd.DataFrame, levels: tuple[int, ...], *, min_supply: float
) -> pd.DataFrame:
    """求人倍率 forecast from reconciled demand and supply forecasts.

    The point is the ratio of the reconciled points, so it agrees exactly with the demand and
    supply a planner sees. The L % interval divides demand's bounds by supply's opposite
    bounds (``lo_d / hi_s``, ``hi_d / lo_s``): if each side covers L %, the ratio interval
    covers at least 2L − 100 % whatever their dependence (Bonferroni), and in practice more.
    Where the supply (or its lower bound) is at most ``min_supply`` the value is undefined
    and left NaN, as in :func:`data.panels.ratio_panel`.
    """
    keys = ["unique_id", "ds"]
    merged = demand.merge(supply, on=keys, suffixes=("_d", "_s"), validate="one_to_one")

    def divide(numerator: pd.Series, denominator: pd.Series) -> np.ndarray:
        defined = denominator > min_supply
        return np.where(defined, numerator / denominator.where(defined, 1.0), np.nan)

    out = merged[keys].copy()
    out["forecast"] = divide(merged["forecast_d"], merged["forecast_s"])
    for level in levels:
        lo, hi = f"forecast-lo-{level}", f"forecast-hi-{level}"
        out[lo] = divide(merged[f"{lo}_d"], merged[f"{hi}_s"])
        # An undefined upper bound (supply could be ~0) is +inf, not unknown.
        upper = divide(merged[f"{hi}_d"], merged[f"{lo}_s"])
        out[hi] = np.where(np.isnan(upper) & np.isfinite(out["forecast"]), np.inf, upper)
    return out
