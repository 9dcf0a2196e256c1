"""The catalogue takes its forecast from a ForecastBundle only; anything else is noted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from app.publish import load_forecast_inputs
from models.registry import save_artifact

RANGE = ("2025-01", "2026-12")


def test_no_forecast_artifact_means_no_forecast(tmp_path: Path) -> None:
    inputs = load_forecast_inputs(tmp_path)
    assert inputs.forecasts is None and inputs.model_version is None
    assert "没有预测制品" in inputs.note


def test_an_artifact_that_is_not_a_bundle_is_not_read_for_frames(tmp_path: Path) -> None:
    """A dict that happens to carry a ``forecasts`` frame is not guessed at (no duck typing)."""
    frame = pd.DataFrame({"unique_id": ["440300/2-02-10-01"], "ds": ["2027-01-01"], "ratio": [1.5]})
    info = save_artifact(
        {"forecasts": frame, "metrics": frame},
        "forecast",
        data_range=RANGE,
        metrics={},
        root=tmp_path,
    )
    inputs = load_forecast_inputs(tmp_path)
    assert inputs.forecasts is None and inputs.metrics is None
    assert inputs.model_version == info.version
    assert "ForecastBundle" in inputs.note
