"""Publish a catalogue edition from the store and write its exports.

``publish_catalogue`` reads vacancies and candidates, takes the newest forecast artifact from
the registry when there is one (otherwise the edition is built without a forecast and its
meta says why), builds the catalogue, publishes it as the period's next revision and writes
the exports (JSON, CSV, XLSX, HTML, PDF, plus the supply and flow report as HTML and PDF) to
``<out>`` (default ``<var_dir>/catalogue/<period>-r<revision>/``).

Building can run on parallel workers (:func:`build_catalogue_parallel`): the per-city work
(indicators, 求人倍率 trends, requirement evidence) is split into independent city chunks
(:mod:`models.catalogue.partition`) and run through ``joblib.Parallel`` under
:func:`app.forecasting.parallel.parallel_backend` -- loky processes, or a Dask cluster
(``backend='dask', scheduler='tcp://…'``). The edition is the same, hash for hash, as the
sequential build's.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from joblib import Parallel, delayed

from app.editions import render_edition
from app.forecasting.parallel import Backend, parallel_backend
from app.publish_guard import check_period_in_data, require_database
from app.supply_flow import write_supply_flow_report
from data.settings import get_settings
from data.store import (
    open_store,
    read_candidates_frame,
    read_vacancies_frame,
    session_scope,
)
from data.store.catalogue import (
    EditionInfo,
    list_editions,
    publish_edition,
    read_entries_frame,
)
from data.vocabulary.formats import EXPORT_FORMATS
from models.catalogue import Catalogue, build_catalogue, records_window
from models.catalogue.partition import (
    chunk_tables,
    combine_tables,
    occupation_duration_medians,
    partition_inputs,
)
from models.forecast.bundle import ForecastBundle

__all__ = [
    "ForecastInputs",
    "PublishResult",
    "build_catalogue_parallel",
    "load_forecast_inputs",
    "publish_catalogue",
]

Step = Callable[[str], None]


@dataclass(frozen=True)
class ForecastInputs:
    """Forecasts and metrics taken from the registry (frames None when unavailable)."""

    forecasts: pd.DataFrame | None
    metrics: pd.DataFrame | None
    model_version: str | None
    note: str
    series_keys: pd.DataFrame | None = None  # typed keys of a ForecastBundle's series
    bottom_map: dict[str, str] | None = None


@dataclass(frozen=True)
class PublishResult:
    """The published edition and the files written."""

    edition: EditionInfo
    paths: dict[str, Path]
    forecast_note: str


def _bundle_frames(bundle: ForecastBundle) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """A ``ForecastBundle``'s city × occupation 求人倍率 forecast and its backtest MASE.

    The ratio is what the catalogue grades; its accuracy evidence is the demand panel's
    backtest (the ratio itself is derived, never backtested on its own), for the model the
    pipeline chose, renamed to the forecast column ``forecast`` so the two line up.
    """
    forecasts = bundle.forecasts.get("occupation", {}).get("ratio")
    panel = "occupation/demand"
    chosen = bundle.selection[bundle.selection["chosen"]].set_index("panel")["model"]
    series = bundle.backtest_series
    if forecasts is None or panel not in chosen.index:
        return forecasts, None
    metrics = series[(series["panel"] == panel) & (series["model"] == chosen[panel])]
    return forecasts, metrics[["unique_id", "mase"]].assign(model="forecast")


def load_forecast_inputs(registry_root: Path | None = None) -> ForecastInputs:
    """The newest ``forecast`` artifact's 求人倍率 forecast and backtest metrics, if any.

    The artifact is the :class:`~models.forecast.bundle.ForecastBundle` that
    ``yuecai train forecast`` saves; anything else (or a bundle without a city × occupation
    ratio forecast) is reported in the note and the catalogue is built without a forecast.
    """
    from app.registry import FORECAST
    from models.registry import ArtifactNotFoundError, RegistryError, load_artifact

    try:
        artifact, info = load_artifact(FORECAST, root=registry_root)
    except ArtifactNotFoundError:
        return ForecastInputs(None, None, None, "模型库中没有预测制品，本版未使用预测。")
    except RegistryError as error:
        return ForecastInputs(None, None, None, f"预测制品不可用（{error}），本版未使用预测。")
    if not isinstance(artifact, ForecastBundle):
        note = f"预测制品 {info.version} 不是预测包（ForecastBundle），本版未使用预测。"
        return ForecastInputs(None, None, info.version, note)
    forecasts, metrics = _bundle_frames(artifact)
    keys = artifact.series_keys.get("occupation")
    if forecasts is None or keys is None or keys.empty:
        note = f"预测制品 {info.version} 不含城市 × 职业的求人倍率预测，本版未使用预测。"
        return ForecastInputs(None, None, info.version, note)
    return ForecastInputs(
        forecasts,
        metrics,
        info.version,
        f"使用预测制品 {info.version}。",
        series_keys=keys,
        bottom_map=dict(artifact.bottom_maps.get("occupation", {})),
    )


def build_catalogue_parallel(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    period: str,
    *,
    forecasts: pd.DataFrame | None = None,
    metrics: pd.DataFrame | None = None,
    model_version: str | None = None,
    series_keys: pd.DataFrame | None = None,
    bottom_map: dict[str, str] | None = None,
    previous: pd.DataFrame | None = None,
    backend: Backend = "sequential",
    scheduler: str | None = None,
    n_jobs: int = -1,
    n_chunks: int | None = None,
) -> Catalogue:
    """:func:`~models.catalogue.build_catalogue`, its per-city work on joblib workers.

    Parameters
    ----------
    vacancies, candidates, period, forecasts, metrics, model_version, previous
        As for :func:`~models.catalogue.build_catalogue`.
    backend
        ``'sequential'`` builds in this process exactly as before (no chunks); ``'loky'``
        runs the city chunks on local processes, ``'dask'`` on a Dask cluster.
    scheduler
        Dask scheduler address (``tcp://…``); None uses the Client already running here.
    n_jobs
        Parallel workers for joblib (-1: all).
    n_chunks
        City chunks (None: one per city). Only the task sizes depend on it.
    """
    if backend not in ("loky", "dask", "sequential"):
        raise ValueError(f"backend must be 'loky', 'dask' or 'sequential'; got {backend!r}")
    options: dict[str, Any] = {
        "forecasts": forecasts,
        "metrics": metrics,
        "model_version": model_version,
        "series_keys": series_keys,
        "bottom_map": bottom_map,
        "previous": previous,
    }
    if backend == "sequential":
        return build_catalogue(vacancies, candidates, period, **options)
    window = records_window(period, vacancies, candidates)
    # Cross-city statistics are taken once over all the inputs, before splitting.
    medians = occupation_duration_medians(vacancies, window)
    chunks = partition_inputs(vacancies, candidates, n_chunks)
    with parallel_backend(backend, scheduler, n_jobs) as jobs:
        parts = Parallel(n_jobs=jobs)(
            delayed(chunk_tables)(chunk, window, medians) for chunk in chunks
        )
    tables = combine_tables(list(parts))
    return build_catalogue(
        vacancies,
        candidates,
        period,
        indicators=tables.indicators,
        requirements=tables.requirements,
        **options,
    )


def previous_entries(engine: Any, period: str) -> tuple[pd.DataFrame | None, int | None]:
    """Entries and id of the newest revision of the period before ``period`` (2026Q3 →
    2026Q2, 2026-11 → 2026-10, 2026 → 2025), or (None, None) when it was never published:
    the edition the hysteresis of :func:`~models.catalogue.build_catalogue` continues."""
    try:
        before = str(pd.Period(period) - 1)
    except ValueError:
        return None, None
    with session_scope(engine) as session:
        editions = list_editions(session, before)
        if not editions:
            return None, None
        return read_entries_frame(session, editions[0].edition_id), editions[0].edition_id


def publish_catalogue(
    period: str,
    *,
    db_url: str | None = None,
    out_dir: Path | None = None,
    registry_root: Path | None = None,
    use_registry: bool = True,
    step: Step | None = None,
    backend: Backend = "sequential",
    scheduler: str | None = None,
    n_jobs: int = -1,
) -> PublishResult:
    """Build, publish and export the catalogue of ``period`` (see the module docstring).

    ``backend``, ``scheduler`` and ``n_jobs`` choose where the building runs (see
    :func:`build_catalogue_parallel`); the edition does not depend on them.
    """
    report = step or (lambda _message: None)
    report("migrating the store")
    with open_store(require_database(db_url)) as engine:
        check_period_in_data(engine, period)
        report("reading vacancies and candidates")
        vacancies, candidates = read_vacancies_frame(engine), read_candidates_frame(engine)
        report("loading the forecast artifact")
        inputs = (
            load_forecast_inputs(registry_root)
            if use_registry
            else ForecastInputs(None, None, None, "未使用预测（--no-forecast）。")
        )
        previous, previous_id = previous_entries(engine, period)
        report(f"building the catalogue ({backend})")
        catalogue = build_catalogue_parallel(
            vacancies,
            candidates,
            period,
            forecasts=inputs.forecasts,
            metrics=inputs.metrics,
            model_version=inputs.model_version,
            series_keys=inputs.series_keys,
            bottom_map=inputs.bottom_map,
            previous=previous,
            backend=backend,
            scheduler=scheduler,
            n_jobs=n_jobs,
        )
        meta = {**catalogue.meta, "forecast_note": inputs.note}
        meta["hysteresis"] = {**meta["hysteresis"], "previous_edition_id": previous_id}
        report("publishing the edition")
        with session_scope(engine) as session:
            info = publish_edition(session, period, catalogue.entries, meta)
        folder = out_dir or get_settings().var_dir / "catalogue" / f"{period}-r{info.revision}"
        folder.mkdir(parents=True, exist_ok=True)
        paths: dict[str, Path] = {}
        stem = f"{period}-r{info.revision}"
        for fmt in EXPORT_FORMATS:
            report(f"rendering {fmt}")
            # The bytes the API's export route serves: the one suppression, applied once.
            payload = render_edition(catalogue.entries, info, fmt, get_settings())
            paths[fmt] = _write(folder / f"catalogue-{stem}.{fmt}", payload)
        report("rendering the supply and flow report")
        reports = write_supply_flow_report(vacancies, candidates, period, get_settings())
        for fmt in ("html", "pdf"):
            paths[f"supply_{fmt}"] = _write(
                folder / f"supply-{stem}.{fmt}", reports[f"supply_{fmt}"].read_bytes()
            )
    return PublishResult(edition=info, paths=paths, forecast_note=inputs.note)


def _write(path: Path, payload: bytes) -> Path:
    """Create ``path`` with ``payload``; never overwrite (an existing revision's files stay
    as published): the bytes go to a temporary file linked into place only if the name is
    free, so a reader never sees a half-written file."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(payload)
    try:
        os.link(temporary, path)  # fails with FileExistsError if the name is taken
    finally:
        temporary.unlink()
    return path
