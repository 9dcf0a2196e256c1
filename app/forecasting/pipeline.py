"""``train_forecast``: vacancies and candidates in, a reconciled ``ForecastBundle`` out.

Stages: build the occupation and industry hierarchies (demand and supply of every node) →
backtest every candidate forecaster on every panel and keep the best → fit it on the full
history with conformal intervals → reconcile each panel with MinTrace → 求人倍率 from the
reconciled demand and supply → early warnings. Fitting runs as joblib tasks, so the same
code runs sequentially, on local processes or on a Dask cluster (see :mod:`.parallel`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from app.forecasting.fitting import (
    BacktestResult,
    FinalFit,
    baseline_model,
    candidate_models,
    run_backtests,
    run_final_fits,
    select_models,
)
from app.forecasting.hierarchies import (
    HIERARCHIES,
    HierarchyPanels,
    build_hierarchy,
    is_pseudo_intermediate,
    series_labels,
)
from app.forecasting.parallel import Backend, StageProgress, parallel_backend
from data.errors import InsufficientDataError
from models.forecast.base import BaseForecaster
from models.forecast.bundle import ForecastBundle
from models.forecast.hierarchy import coherence_error
from models.forecast.ratio import RatioCalibration, calibrate_ratio, calibrated_ratio_forecast
from models.forecast.reconcile import MinTrace
from models.forecast.warning import EarlyWarning

__all__ = ["ForecastDataError", "train_forecast"]

VARIABLES: tuple[str, ...] = ("demand", "supply")
_MIN_REFIT_MONTHS = 25
Reconciliation = Literal["wls_struct", "mint_shrink", "ols"]


class ForecastDataError(InsufficientDataError):
    """The data cannot support a forecast (empty, or history too short)."""


def _check_inputs(vacancies: pd.DataFrame, candidates: pd.DataFrame, h: int) -> None:
    if vacancies.empty or candidates.empty:
        raise ForecastDataError("no vacancies or no candidates: load data before training")
    months = pd.to_datetime(vacancies["date_posted"]).dt.to_period("M").nunique()
    needed = 2 * h + 12
    if months < needed:
        raise ForecastDataError(
            f"history too short: {months} months of vacancies, need at least {needed} "
            f"(two seasons plus a {h}-month backtest window)"
        )


def _calibration_windows(
    n_months: int, h: int, backtest_windows: int, wanted: int, step: int
) -> int:
    """At most ``wanted`` calibration origins, so every refit keeps two seasons of history.

    Why: the earliest refit (oldest backtest fold, oldest calibration origin) must still see
    ``2 * 12 + 1`` months, or seasonal scales and ETS have nothing to work with.
    """
    earliest_fold = n_months - h - (backtest_windows - 1) * 12
    fitting = (earliest_fold - h - _MIN_REFIT_MONTHS) // step + 1
    return max(1, min(wanted, fitting))


def _reconcile(
    panels: HierarchyPanels,
    variable: str,
    fit: FinalFit,
    result: BacktestResult,
    method: Reconciliation,
) -> pd.DataFrame:
    """MinTrace-reconciled forecast of one panel, columns renamed to ``forecast*``."""
    base = fit.forecast.rename(columns=lambda c: c.replace(fit.alias, "forecast", 1))
    residuals = None
    if method == "mint_shrink":
        folds = result.forecasts[result.forecasts["model"] == fit.alias]
        residuals = folds.assign(residual=folds["y"] - folds["yhat"])[
            ["unique_id", "cutoff", "ds", "residual"]
        ]
    reconciler = MinTrace(method, nonnegative=True).fit(panels.S_df, residuals)
    reconciled = reconciler.reconcile(base)
    reconciled["level"] = reconciled["unique_id"].map(panels.level_of)
    return reconciled


def _history(panels: HierarchyPanels) -> pd.DataFrame:
    history = panels.demand.rename(columns={"y": "demand"})
    history["supply"] = panels.supply["y"].to_numpy()
    supply = history["supply"].where(history["supply"] > 0)
    history["ratio"] = history["demand"] / supply
    history["level"] = history["unique_id"].map(panels.level_of)
    return history


def _warnings(
    history: pd.DataFrame,
    ratio: pd.DataFrame,
    labels: dict[str, str],
    hierarchy: str,
    level: int,
    ratio_threshold: float,
) -> pd.DataFrame:
    ratio_history = history.rename(columns={"ratio": "y"})[["unique_id", "ds", "y"]]
    flagged = EarlyWarning(ratio_threshold, labels=labels, interval_level=level).flag(
        history[["unique_id", "ds", "demand", "supply"]],
        ratio[["unique_id", "ds", "forecast", f"forecast-lo-{level}", f"forecast-hi-{level}"]],
        ratio_history,
    )
    # Pooled intermediate nodes repeat their only child: one warning is enough.
    repeated = flagged["unique_id"].map(is_pseudo_intermediate).astype(bool)
    return flagged[~repeated].assign(hierarchy=hierarchy)


def _summary(
    results: list[BacktestResult],
    selection: pd.DataFrame,
    coherence: dict[str, float],
    levels: Sequence[int],
) -> dict[str, float]:
    """Overall metrics: means over every series of every panel, chosen model vs naive."""
    chosen = selection[selection["chosen"]].set_index("panel")["model"]
    per_series = pd.concat(r.per_series.assign(panel=r.panel) for r in results)
    is_naive = per_series["model"] == "SeasonalNaive"
    model_rows = per_series[per_series["model"] == per_series["panel"].map(chosen)]
    naive_rows = per_series[is_naive]
    metrics = {
        "mase": float(model_rows["mase"].mean()),
        "mase_naive": float(naive_rows["mase"].mean()),
        "smape": float(model_rows["smape"].mean()),
        "smape_naive": float(naive_rows["smape"].mean()),
        "n_series": float(len(model_rows)),
        "coherence_error": float(max(coherence.values())),
    }
    metrics["mase_ratio"] = metrics["mase"] / metrics["mase_naive"]
    for level in levels:
        metrics[f"coverage_{level}"] = float(model_rows[f"coverage_{level}"].mean())
    return metrics


def _data_range(history: pd.DataFrame) -> tuple[str, str]:
    return (history["ds"].min().strftime("%Y-%m"), history["ds"].max().strftime("%Y-%m"))


def train_forecast(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    h: int = 12,
    backend: Backend = "loky",
    scheduler: str | None = None,
    n_jobs: int = -1,
    progress: bool | Callable[[str, int, int], None] = True,
    levels: Sequence[int] = (80, 95),
    reconciliation: Reconciliation = "wls_struct",
    min_monthly_volume: float = 20.0,
    backtest_windows: int = 2,
    calibration_windows: int = 2,
    calibration_step: int = 12,
    ratio_threshold: float = 2.0,
    members: Sequence[BaseForecaster] | None = None,
) -> ForecastBundle:
    """Train, backtest, reconcile and flag: the forecast pipeline over two DataFrames.

    Parameters
    ----------
    vacancies, candidates : DataFrame
        As read by ``data.store.read_vacancies_frame`` / ``read_candidates_frame`` (or the
        generator's tables).
    h : int
        Forecast horizon in months (also the backtest horizon).
    backend : {'loky', 'dask', 'sequential'}
        Where joblib tasks run; ``'dask'`` needs ``scheduler`` (or a running Client).
    scheduler : str, optional
        Dask scheduler address (``tcp://host:8786``) for ``backend='dask'``.
    n_jobs : int
        joblib workers (-1: all cores; ignored by ``'sequential'``).
    progress : bool or callable
        Rich progress bar on stderr, or a callback ``(stage, done, total)``.
    levels : sequence of int
        Conformal interval levels (%).
    reconciliation : {'wls_struct', 'mint_shrink', 'ols'}
        MinTrace weighting; ``mint_shrink`` uses the chosen model's backtest residuals.
    min_monthly_volume : float
        Province-wide monthly demand and supply a 细类 (大类) needs to be its own series;
        smaller ones are pooled (see :mod:`.hierarchies`).
    backtest_windows, calibration_windows, calibration_step
        Rolling-origin folds (12 months apart) for selection and metrics; conformal
        calibration origins per fit.
    ratio_threshold : float
        求人倍率 预警线 of the early warnings (see :class:`EarlyWarning`).
    members : sequence of BaseForecaster, optional
        The Ensemble's members, taken as given for every panel; default
        :func:`~app.forecasting.fitting.production_members` (which adds the global
        model only where the history is long enough).

    Raises
    ------
    ForecastDataError
        Empty inputs or a history too short for a backtest.
    """
    _check_inputs(vacancies, candidates, h)
    levels = tuple(sorted({int(level) for level in levels}))
    timings: dict[str, float] = {}
    began = time.perf_counter()
    with StageProgress(progress) as stages:
        hierarchies = {
            name: build_hierarchy(
                name, vacancies, candidates, min_monthly_volume=min_monthly_volume
            )
            for name in stages.iterate("hierarchies", HIERARCHIES)
        }
        timings["hierarchies"] = time.perf_counter() - began
        panels = {
            f"{name}/{variable}": getattr(hierarchy, variable).assign(
                level=lambda frame, hierarchy=hierarchy: frame["unique_id"].map(hierarchy.level_of)
            )
            for name, hierarchy in hierarchies.items()
            for variable in VARIABLES
        }
        n_months = int(next(iter(panels.values()))["ds"].nunique())
        windows = _calibration_windows(
            n_months, h, backtest_windows, calibration_windows, calibration_step
        )
        models = {
            key: candidate_models(
                h,
                n_months,
                calibration_windows=windows,
                calibration_step=calibration_step,
                members=members,
            )
            for key in panels
        }
        with parallel_backend(backend, scheduler, n_jobs) as jobs:
            mark = time.perf_counter()
            total = sum(len(m) for m in models.values())
            baseline = baseline_model(
                h, calibration_windows=windows, calibration_step=calibration_step
            )
            results = run_backtests(
                panels,
                models,
                baseline,
                h=h,
                n_windows=backtest_windows,
                levels=levels,
                n_jobs=jobs,
                on_done=stages.counter("backtest", total),
            )
            timings["backtest"] = time.perf_counter() - mark
            selection = select_models(results)
            chosen_alias = selection[selection["chosen"]].set_index("panel")["model"]
            chosen = {
                key: next((m for m in models[key] if m.alias == chosen_alias[key]), baseline)
                for key in panels
            }
            mark = time.perf_counter()
            fits = run_final_fits(
                panels,
                chosen,
                h=h,
                levels=levels,
                n_jobs=jobs,
                on_done=stages.counter("fit", len(panels)),
            )
            timings["fit"] = time.perf_counter() - mark
        mark = time.perf_counter()
        by_key = {(r.panel, alias): r for r in results for alias in (r.alias, r.baseline)}
        forecasts: dict[str, dict[str, pd.DataFrame]] = {}
        coherence: dict[str, float] = {}
        for key in stages.iterate("reconcile", list(panels)):
            name, variable = key.split("/")
            reconciled = _reconcile(
                hierarchies[name],
                variable,
                fits[key],
                by_key[key, fits[key].alias],
                reconciliation,
            )
            coherence[key] = coherence_error(
                reconciled.drop(columns="level"), hierarchies[name].S_df
            )
            forecasts.setdefault(name, {})[variable] = reconciled
        timings["reconcile"] = time.perf_counter() - mark
        return _assemble(
            hierarchies,
            forecasts,
            results,
            selection,
            fits,
            coherence,
            h=h,
            levels=levels,
            ratio_threshold=ratio_threshold,
            timings=timings,
            began=began,
            params={
                "h": h,
                "backend": backend,
                "n_jobs": n_jobs,
                "levels": list(levels),
                "reconciliation": reconciliation,
                "min_monthly_volume": min_monthly_volume,
                "backtest_windows": backtest_windows,
                "calibration_windows": calibration_windows,
                "calibration_step": calibration_step,
                "ratio_threshold": ratio_threshold,
            },
        )


def _assemble(
    hierarchies: dict[str, HierarchyPanels],
    forecasts: dict[str, dict[str, pd.DataFrame]],
    results: list[BacktestResult],
    selection: pd.DataFrame,
    fits: dict[str, FinalFit],
    coherence: dict[str, float],
    *,
    h: int,
    levels: tuple[int, ...],
    ratio_threshold: float,
    timings: dict[str, float],
    began: float,
    params: dict[str, Any],
) -> ForecastBundle:
    """Ratios, warnings and metrics; then the bundle."""
    mark = time.perf_counter()
    histories, labels, flagged = {}, {}, []
    ratio_coverage: dict[str, float] = {}
    for name, panels in hierarchies.items():
        histories[name] = _history(panels)
        labels[name] = series_labels(list(panels.S_df.index), name)
        ratio, calibration = _calibrated_ratio(
            name, forecasts[name], results, selection, levels, panels.level_of
        )
        ratio_coverage.update(
            {f"{name}/ratio_coverage_{lv}": c for lv, c in calibration.coverage.items()}
        )
        ratio["level"] = ratio["unique_id"].map(panels.level_of)
        forecasts[name]["ratio"] = ratio
        warnings = _warnings(
            histories[name], ratio, labels[name], name, min(levels), ratio_threshold
        )
        if not warnings.empty:
            flagged.append(warnings)
    # Geography-only nodes (广东省, 一核, 深圳市...) are in both hierarchies: warn once, from
    # the occupation hierarchy, which counts every posting.
    warnings_frame = (
        pd.concat(flagged, ignore_index=True).drop_duplicates(["unique_id", "rule"])
        if flagged
        else pd.DataFrame(
            columns=[
                "unique_id",
                "ds",
                "rule",
                "level",
                "severity",
                "evidence",
                "message_zh",
                "hierarchy",
            ]
        )
    )
    timings["ratio_and_warnings"] = time.perf_counter() - mark
    timings["total"] = time.perf_counter() - began
    overall = pd.concat(
        r.overall.assign(panel=r.panel).reset_index() for r in results
    ).drop_duplicates(["panel", "model"])
    return ForecastBundle(
        h=h,
        levels=levels,
        data_range=_data_range(next(iter(histories.values()))),
        history=histories,
        forecasts=forecasts,
        S={name: panels.S_df for name, panels in hierarchies.items()},
        tags={name: dict(panels.tags) for name, panels in hierarchies.items()},
        labels=labels,
        backtest_series=pd.concat(
            r.per_series.assign(panel=r.panel) for r in results
        ).drop_duplicates(["panel", "model", "unique_id"], ignore_index=True),
        backtest_overall=overall.reset_index(drop=True),
        selection=selection,
        metrics={**_summary(results, selection, coherence, levels), **ratio_coverage},
        coherence=coherence,
        warnings=_rank(warnings_frame),
        model_params={k: {"model": f.alias, "params": f.params} for k, f in fits.items()},
        fallback_ids={k: f.fallback_ids for k, f in fits.items()},
        bottom_maps={name: panels.bottom_map for name, panels in hierarchies.items()},
        series_keys={name: panels.keys for name, panels in hierarchies.items()},
        params=params,
        timings=timings,
    )


def _calibrated_ratio(
    name: str,
    forecasts: dict[str, pd.DataFrame],
    results: list[BacktestResult],
    selection: pd.DataFrame,
    levels: tuple[int, ...],
    level_of: dict[str, str],
) -> tuple[pd.DataFrame, RatioCalibration]:
    """求人倍率 forecast of hierarchy ``name`` with log-ratio intervals calibrated on the
    backtest folds of the chosen demand and supply models (:func:`calibrate_ratio`), per
    hierarchy level."""
    chosen = selection[selection["chosen"]].set_index("panel")["model"]
    folds = {}
    for variable in ("demand", "supply"):
        panel = f"{name}/{variable}"
        frames = [r.forecasts for r in results if r.panel == panel]
        table = pd.concat(frames, ignore_index=True).drop_duplicates(
            ["model", "unique_id", "cutoff", "ds"]
        )
        folds[variable] = table[table["model"] == chosen.get(panel, "SeasonalNaive")]
    calibration = calibrate_ratio(folds["demand"], folds["supply"], levels, groups=level_of)
    ratio = calibrated_ratio_forecast(forecasts["demand"], forecasts["supply"], calibration)
    return ratio, calibration


def _rank(warnings: pd.DataFrame) -> pd.DataFrame:
    """Most severe first across hierarchies (红色 > 橙色 > 黄色, then severity)."""
    if warnings.empty:
        return warnings
    rank = warnings["level"].map({"红色": 3, "橙色": 2, "黄色": 1}).to_numpy()
    order = np.lexsort((-warnings["severity"].to_numpy(dtype=float), -rank))
    return warnings.iloc[order].reset_index(drop=True)
