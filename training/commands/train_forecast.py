"""`yuecai train forecast`: read the store, train, backtest, reconcile, save to the registry.

Exit codes: 0 trained and saved; 1 the store holds no (or too little) data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from training.commands.options import (
    BackendOption,
    DbOption,
    NJobsOption,
    ProgressOption,
    SchedulerOption,
)
from training.commands.train import app

if TYPE_CHECKING:
    from app.forecasting import ForecastBundle
    from app.forecasting.parallel import Backend

# The store, the registry and the pipeline (pandas, statsmodels, sklearn) are imported inside
# `forecast`, so `yuecai --help` stays fast.

__all__ = ["forecast", "summary_table"]


def summary_table(bundle: ForecastBundle, seconds: float) -> Table:
    """Series count, MASE against seasonal naive, coverage, coherence, warnings, time."""
    metrics = bundle.metrics
    table = Table(
        title=f"预测模型训练结果 {bundle.data_range[0]} – {bundle.data_range[1]}", show_header=False
    )
    table.add_row("series (per variable)", f"{bundle.n_series:,}")
    for name, counts in bundle.series_counts().items():
        table.add_row(f"  {name}", ", ".join(f"{level} {n}" for level, n in counts.items()))
    table.add_row(
        "backtest MASE",
        f"{metrics['mase']:.3f} vs seasonal naive {metrics['mase_naive']:.3f} "
        f"(ratio {metrics['mase_ratio']:.3f})",
    )
    for level in bundle.levels:
        table.add_row(f"coverage {level}%", f"{metrics[f'coverage_{level}']:.1%}")
    table.add_row("coherence error", f"{metrics['coherence_error']:.2e}")
    chosen = bundle.selection[bundle.selection["chosen"]]
    table.add_row(
        "models",
        ", ".join(f"{p}: {m}" for p, m in zip(chosen["panel"], chosen["model"], strict=True)),
    )
    table.add_row("warnings", str(len(bundle.warnings)))
    table.add_row("time", f"{seconds:.1f} s")
    return table


@app.command("forecast")
def forecast(
    db: DbOption = None,
    h: Annotated[int, typer.Option("--h", min=1, max=24, help="Horizon, months.")] = 12,
    backend: BackendOption = "loky",
    scheduler: SchedulerOption = None,
    n_jobs: NJobsOption = -1,
    progress: ProgressOption = True,
) -> None:
    """Train the demand/supply forecasters and save the bundle as model 'forecast'."""
    from app.forecasting import ForecastDataError, train_and_save_forecast
    from app.registry import Registry

    console = Console()
    if backend not in ("loky", "dask", "sequential"):
        Console(stderr=True).print(f"[red]unknown backend {backend!r}[/]: loky, dask, sequential")
        raise typer.Exit(code=1)
    chosen_backend: Backend = backend  # type: ignore[assignment]  # checked above
    try:
        trained = train_and_save_forecast(
            db,
            Registry.from_settings(),
            h=h,
            backend=chosen_backend,
            scheduler=scheduler,
            n_jobs=n_jobs,
            progress=progress,
        )
    except ForecastDataError as error:
        Console(stderr=True).print(f"[red]cannot train:[/] {error}")
        raise typer.Exit(code=1) from error
    bundle, info = trained.bundle, trained.info
    console.print(summary_table(bundle, trained.seconds))
    console.print(f"saved [bold]{info.name}[/] version {info.version}")
