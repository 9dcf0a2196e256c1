"""A synthetic forecasting panel in long format (``unique_id, ds, y``) for the model tests."""

from __future__ import annotations

import numpy as np
import pandas as pd


def make_panel(n_series: int = 24, n_months: int = 60, seed: int = 0) -> pd.DataFrame:
    """Seasonal counts with per-series level, trend and noise; month-start dates."""
    rng = np.random.default_rng(seed)
    ds = pd.date_range("2014-01-01", periods=n_months, freq="MS")
    season = 1 + 0.3 * np.sin(2 * np.pi * np.arange(n_months) / 12)
    frames = []
    for i in range(n_series):
        level = rng.uniform(5, 200)
        trend = 1 + rng.uniform(-0.005, 0.01) * np.arange(n_months)
        y = rng.poisson(level * season * trend).astype(float)
        frames.append(
            pd.DataFrame(
                {
                    "unique_id": f"S{i:03d}",
                    "ds": ds,
                    "y": y,
                    "state": f"ST{i % 3}",
                    "occupation_code": f"{1 + i % 4}{i % 7}{i % 5}1",
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
