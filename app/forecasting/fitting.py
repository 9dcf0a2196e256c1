"""Model selection by rolling-origin backtest and the final fits, as joblib tasks.

Why tasks of whole panels: the global model learns from every series of a panel at once, so
splitting a panel would change its forecasts. A task is one (panel, candidate) backtest or
one final fit; tasks are independent and deterministic, so the forecasts are identical
whether they run sequentially, on local processes (loky) or on a Dask cluster -- joblib only
decides *where* each task runs. Models are built with ``n_jobs=1`` inside a task so that
nested parallelism never oversubscribes the (few) cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd
from joblib import Parallel, delayed
from joblib.parallel import get_active_backend
from sklearn.base import clone

from models.forecast.backtest import backtest
from models.forecast.base import BaseForecaster
from models.forecast.conformal import ConformalIntervals
from models.forecast.ensemble import Ensemble, statistical_members
from models.forecast.gbm import GlobalGBM
from models.forecast.naive import SeasonalNaive

__all__ = [
    "BacktestResult",
    "FinalFit",
    "baseline_model",
    "candidate_models",
    "production_members",
    "run_backtests",
    "run_final_fits",
    "select_models",
]

#: Months of history the global model needs in its shortest refit (its features look back
#: two years; shorter histories fail inside it).
_GBM_MIN_MONTHS = 36


@dataclass(frozen=True)
class BacktestResult:
    """One (panel, candidate) backtest: per-series and overall metrics and fold forecasts.

    ``baseline`` is the alias of the baseline scored on the same folds (a row of ``overall``).
    """

    panel: str
    alias: str
    per_series: pd.DataFrame
    overall: pd.DataFrame
    forecasts: pd.DataFrame
    baseline: str


@dataclass(frozen=True)
class FinalFit:
    """The chosen model of one panel, fitted on all its history, and its forecasts."""

    panel: str
    alias: str
    forecast: pd.DataFrame  # unique_id, ds, <alias>, <alias>-lo-80, ...
    params: dict[str, Any]
    fallback_ids: list[str]


def production_members(
    h: int, n_months: int, *, calibration_windows: int, calibration_step: int
) -> list[BaseForecaster]:
    """The Ensemble's members in the pipeline: :func:`statistical_members` and, when the
    history is long enough for its features in every refit, the global gradient-boosting
    model configured for the hierarchy panels (their ``level`` column; no code columns).

    Members run with ``n_jobs=1``/one thread: parallelism is across tasks.
    """
    members = statistical_members(h)
    # Earliest member refit: oldest backtest fold, minus the ensemble's oldest origin.
    earliest_refit = n_months - 2 * h - calibration_windows * calibration_step
    if earliest_refit >= _GBM_MIN_MONTHS:
        members.append(
            GlobalGBM(
                categorical_columns=("level",),
                code_columns=(),
                max_train_rows=60_000,
                max_iter=100,
                min_samples_leaf=100,
                n_threads=1,
                max_horizon=h,
            )
        )
    return members


def candidate_models(
    h: int,
    n_months: int,
    *,
    calibration_windows: int,
    calibration_step: int,
    members: Sequence[BaseForecaster] | None = None,
) -> list[BaseForecaster]:
    """The forecaster backtested against seasonal naive: an :class:`Ensemble`.

    The ensemble weighs ``members`` (default :func:`production_members`) per horizon, on its
    own rolling origins ``calibration_step`` months apart, which also calibrate its conformal
    intervals.
    """
    if members is None:
        members = production_members(
            h, n_months, calibration_windows=calibration_windows, calibration_step=calibration_step
        )
    return [
        Ensemble(
            list(members),
            weight_resolution=10,
            n_jobs=1,
            max_horizon=h,
            intervals=ConformalIntervals(n_windows=calibration_windows, step=calibration_step),
        )
    ]


def baseline_model(h: int, *, calibration_windows: int, calibration_step: int) -> SeasonalNaive:
    """Seasonal naive with conformal intervals: chosen where the ensemble does not beat it."""
    return SeasonalNaive(
        max_horizon=h,
        intervals=ConformalIntervals(n_windows=calibration_windows, step=calibration_step),
    )


def _backtest_task(
    panel_key: str,
    model: BaseForecaster,
    baseline: BaseForecaster,
    panel: pd.DataFrame,
    h: int,
    n_windows: int,
    levels: Sequence[int],
) -> BacktestResult:
    per_series, overall, forecasts = backtest(
        model, panel, h=h, n_windows=n_windows, step=12, level=levels, baseline=baseline
    )
    return BacktestResult(panel_key, model.alias, per_series, overall, forecasts, baseline.alias)


def _fit_task(
    panel_key: str, model: BaseForecaster, panel: pd.DataFrame, h: int, levels: Sequence[int]
) -> FinalFit:
    fitted = clone(model).fit(panel)
    forecast = fitted.predict(h, level=levels)
    params = {
        k: asdict(v) if isinstance(v, ConformalIntervals) else v
        for k, v in fitted.get_params(deep=False).items()
    }
    params = {k: v for k, v in params.items() if _is_json_native(v)}
    return FinalFit(
        panel_key,
        fitted.alias,
        forecast,
        params,
        [str(uid) for uid in getattr(fitted, "fallback_ids_", [])],
    )


def _is_json_native(value: Any) -> bool:
    """True for values :func:`json.dumps` writes as they are (fitted params kept in metadata)."""
    return value is None or isinstance(value, str | int | float | bool | tuple | list | dict)


def _run(calls: list[Any], n_jobs: int, on_done: Callable[[], None] | None) -> Iterator[Any]:
    """Run delayed calls in order; ``on_done`` after each result (progress bars).

    Results stream back as a generator on loky and sequential; on Dask they come back as a
    list, because joblib's Dask backend can release ("forget") futures that a lazily consumed
    generator has not fetched yet, which fails the run under load.
    """
    backend, _ = get_active_backend()
    streamed = type(backend).__name__ != "DaskDistributedBackend"
    parallel = Parallel(n_jobs=n_jobs, return_as="generator" if streamed else "list")
    for result in parallel(calls):
        if on_done is not None:
            on_done()
        yield result


def run_backtests(
    panels: dict[str, pd.DataFrame],
    models: dict[str, list[BaseForecaster]],
    baseline: BaseForecaster,
    *,
    h: int,
    n_windows: int,
    levels: Sequence[int],
    n_jobs: int,
    on_done: Callable[[], None] | None = None,
) -> list[BacktestResult]:
    """Backtest every candidate against ``baseline`` on every panel (one joblib task each)."""
    calls = [
        delayed(_backtest_task)(key, model, baseline, panel, h, n_windows, levels)
        for key, panel in panels.items()
        for model in models[key]
    ]
    return list(_run(calls, n_jobs, on_done))


def run_final_fits(
    panels: dict[str, pd.DataFrame],
    chosen: dict[str, BaseForecaster],
    *,
    h: int,
    levels: Sequence[int],
    n_jobs: int,
    on_done: Callable[[], None] | None = None,
) -> dict[str, FinalFit]:
    """Fit each panel's chosen model on its whole history and forecast ``h`` months."""
    calls = [
        delayed(_fit_task)(key, chosen[key], panel, h, levels) for key, panel in panels.items()
    ]
    return {fit.panel: fit for fit in _run(calls, n_jobs, on_done)}


def select_models(results: Iterable[BacktestResult]) -> pd.DataFrame:
    """Backtest metrics of every candidate and of seasonal naive per panel, and the winner.

    Seasonal naive (the baseline of every backtest) competes too: where nothing beats it, it
    is the honest choice.

    Returns
    -------
    DataFrame
        ``panel, model, mase, smape, coverage_*, mase_naive, chosen``.
    """
    rows = []
    for result in results:
        naive = result.overall.loc[result.baseline]
        for alias in dict.fromkeys([result.alias, result.baseline]):
            row = result.overall.loc[alias].to_dict()
            rows.append(
                {"panel": result.panel, "model": alias, **row, "mase_naive": float(naive["mase"])}
            )
    table = pd.DataFrame(rows).drop_duplicates(["panel", "model"], ignore_index=True)
    best = table.groupby("panel")["mase"].transform("min")
    first_best = table[table["mase"] == best].drop_duplicates("panel").index
    table["chosen"] = table.index.isin(first_best)
    return table
