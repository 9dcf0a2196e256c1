"""The *train forecast* use case: the store's records in, a new registry version out.

``yuecai train forecast`` and the notebooks call :func:`train_and_save_forecast`; the pure
pipeline (:func:`app.forecasting.pipeline.train_forecast`) stays usable on frames alone.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine

from app.forecasting.parallel import Backend
from app.forecasting.pipeline import train_forecast
from app.registry import Registry
from data.store import open_store, read_candidates_frame, read_vacancies_frame
from models.forecast.bundle import ForecastBundle
from models.registry import ArtifactInfo

__all__ = ["TrainedForecast", "train_and_save_forecast"]


@dataclass(frozen=True)
class TrainedForecast:
    """What a training run produced: the bundle, its registry entry and the time taken."""

    bundle: ForecastBundle
    info: ArtifactInfo
    seconds: float


def train_and_save_forecast(
    store: str | Engine | None,
    registry: Registry,
    *,
    h: int = 12,
    backend: Backend = "loky",
    scheduler: str | None = None,
    n_jobs: int = -1,
    progress: bool = False,
    **options: Any,
) -> TrainedForecast:
    """Read vacancies and candidates from ``store``, train, and save the bundle in ``registry``.

    Raises :class:`~app.forecasting.pipeline.ForecastDataError` (an ``InsufficientDataError``)
    when the store holds too little to forecast; nothing is saved then.
    """
    began = time.perf_counter()
    with open_store(store) as engine:
        vacancies = read_vacancies_frame(engine)
        candidates = read_candidates_frame(engine)
    bundle = train_forecast(
        vacancies,
        candidates,
        h=h,
        backend=backend,
        scheduler=scheduler,
        n_jobs=n_jobs,
        progress=progress,
        **options,
    )
    info = registry.save_forecast_bundle(bundle)
    return TrainedForecast(bundle, info, time.perf_counter() - began)
