"""`yuecai catalogue publish|list|diff|export`: the 急需紧缺人才目录's editions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from data.errors import PeriodError
from data.vocabulary.formats import EXPORT_FORMATS
from training.commands.options import BackendOption, DbOption, NJobsOption, SchedulerOption

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from app.forecasting.parallel import Backend

# Heavy modules (pandas, the store, the catalogue builder, matplotlib) are imported inside the
# commands, so `yuecai --help` starts in a fraction of a second.

app = typer.Typer(no_args_is_help=True)
console = Console(stderr=True)

BACKENDS: tuple[Backend, ...] = ("sequential", "loky", "dask")
_FORMATS_HELP = ", ".join(EXPORT_FORMATS)


def _checked_backend(backend: str, scheduler: str | None) -> Backend:
    """``backend`` as a :data:`Backend`, or exit 2: a CLI run has no Dask Client of its own."""
    for known in BACKENDS:
        if backend == known:
            if known == "dask" and scheduler is None:
                console.print("[red]--backend dask needs --scheduler tcp://HOST:PORT[/]")
                raise typer.Exit(2)
            return known
    console.print(f"[red]--backend must be one of {', '.join(BACKENDS)}; got {backend!r}[/]")
    raise typer.Exit(2)


@app.command("publish")
def publish(
    period: Annotated[str, typer.Option("--period", help="Period, e.g. 2026Q4 or 2026-11.")],
    db: DbOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for exports (default var/catalogue/…).")
    ] = None,
    forecast: Annotated[
        bool, typer.Option("--forecast/--no-forecast", help="Use the registry's forecast.")
    ] = True,
    backend: BackendOption = "sequential",
    scheduler: SchedulerOption = None,
    n_jobs: NJobsOption = -1,
) -> None:
    """Build the catalogue of PERIOD, publish it as a new revision and write its exports.

    With --backend loky or dask the per-city work runs on parallel workers (a Dask cluster
    with --scheduler); the edition is identical to a sequential build's.
    """
    chosen_backend = _checked_backend(backend, scheduler)
    _refuse_early(period, db)
    from app.publish import publish_catalogue

    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    try:
        with Progress(*columns, console=console, transient=True) as progress:
            task = progress.add_task("starting", total=None)
            result = publish_catalogue(
                period,
                db_url=db,
                out_dir=out,
                use_registry=forecast,
                step=lambda message: progress.update(task, description=message),
                backend=chosen_backend,
                scheduler=scheduler,
                n_jobs=n_jobs,
            )
    except PeriodError as error:  # only the period: any other error keeps its own class and
        console.print(f"[red]{error}[/]")  # exit code (training.cli.main), or is a bug
        raise typer.Exit(2) from error
    info = result.edition
    console.print(
        f"[green]published[/] edition {info.edition_id}: {info.period} r{info.revision}, "
        f"{info.entry_count} entries, sha256 {info.content_sha256[:16]}…"
    )
    console.print(result.forecast_note)
    for name, path in result.paths.items():
        console.print(f"  {name:12} {path}")


def _refuse_early(period: str, db: str | None) -> None:
    """Exit 2 before the heavy imports for a missing store or a period outside the data."""
    from sqlalchemy import create_engine

    from app.publish_guard import PublishRefused, check_period_in_data, require_database

    # A bare engine, not open_store: data.store imports pandas, and this answers in < 2 s.
    try:
        engine = create_engine(require_database(db))
        try:
            check_period_in_data(engine, period)
        finally:
            engine.dispose()
    except (PublishRefused, PeriodError) as error:
        console.print(f"[red]{error}[/]")
        raise typer.Exit(2) from error


@app.command("list")
def list_(db: DbOption = None) -> None:
    """List published editions, newest first."""
    from data.store import open_store, session_scope
    from data.store.catalogue import list_editions

    with open_store(db) as engine, session_scope(engine) as session:
        editions = list_editions(session)
    table = Table(title="急需紧缺人才目录 editions")
    for column in ("id", "period", "revision", "published (UTC)", "entries", "sha256"):
        table.add_column(column)
    for info in editions:
        table.add_row(
            str(info.edition_id),
            info.period,
            str(info.revision),
            info.published_at.strftime("%Y-%m-%d %H:%M"),
            str(info.entry_count),
            info.content_sha256[:16],
        )
    Console().print(table)


@app.command("diff")
def diff(
    edition_id: Annotated[int, typer.Argument(help="Edition to compare with its predecessor.")],
    db: DbOption = None,
    against: Annotated[
        int | None, typer.Option("--against", help="Compare with this edition instead.")
    ] = None,
) -> None:
    """What changed since the previous edition (same period's previous revision, else the
    latest revision of the previous period)."""
    import pandas as pd

    from data.store import open_store, session_scope
    from data.store.catalogue import diff_editions, get_edition
    from models.catalogue.diff import CHANGE_LABELS, diff_summary

    with open_store(db) as engine, session_scope(engine) as session:
        if get_edition(session, edition_id) is None:
            console.print(f"[red]no edition {edition_id}[/]")
            raise typer.Exit(2)
        old = against if against is not None else _previous_id(session, edition_id)
        changes = diff_editions(session, old, edition_id) if old is not None else None
    if changes is None:
        console.print(f"edition {edition_id} is the first one: nothing to compare with")
        return
    summary = diff_summary(changes)
    console.print(
        f"edition {old} → {edition_id}: "
        + ", ".join(f"{CHANGE_LABELS[k]} {v}" for k, v in summary.items())
    )
    table = Table()
    for column in ("key", "change", "old ★", "new ★"):
        table.add_column(column)
    for row in changes[changes["change"] != "unchanged"].to_dict("records"):
        grades = [
            "" if pd.isna(row[side]) else str(row[side]) for side in ("old_grade", "new_grade")
        ]
        table.add_row(str(row["key"]), CHANGE_LABELS[str(row["change"])], *grades)
    Console().print(table)


def _previous_id(session: Session, edition_id: int) -> int | None:
    from data.store.catalogue import previous_edition

    previous = previous_edition(session, edition_id)
    return None if previous is None else previous.edition_id


@app.command("export")
def export(
    edition_id: Annotated[int, typer.Argument(help="Edition id (see `yuecai catalogue list`).")],
    fmt: Annotated[str, typer.Option("--format", help=f"One of {_FORMATS_HELP}.")],
    db: DbOption = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
) -> None:
    """Render a stored edition as JSON, CSV, XLSX, HTML or PDF."""
    from app.editions import export_edition
    from data.errors import NotFoundError

    if fmt not in EXPORT_FORMATS:
        console.print(f"[red]--format must be one of {', '.join(EXPORT_FORMATS)}[/]")
        raise typer.Exit(2)
    try:
        payload = export_edition(edition_id, fmt, db_url=db)
    except NotFoundError as error:
        console.print(f"[red]{error.args[0]}[/]")
        raise typer.Exit(2) from error
    if output is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.buffer.flush()
    else:
        output.write_bytes(payload)
        console.print(f"wrote {len(payload)} bytes to {output}")
