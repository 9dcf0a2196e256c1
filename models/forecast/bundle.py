"""``ForecastBundle``: everything one training run produced, as plain picklable data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ForecastBundle"]


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
