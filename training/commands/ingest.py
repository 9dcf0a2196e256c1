"""`yuecai ingest vacancies|candidates|outcomes FILE`: validate a file and load its good rows.

Exit codes: 0 every row stored; 1 some rows (or columns) were bad — the good rows are
stored unless ``--strict``; 2 the file could not be read at all.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.table import Table

from training.commands.options import DbOption, ProgressOption

if TYPE_CHECKING:
    from data.ingest import IngestReport, Kind
    from models.occupation_coder import TitleCoder

# data.ingest and data.store (pandas, SQLAlchemy) are imported inside `_run`, so
# `yuecai --help` stays fast.

app = typer.Typer(no_args_is_help=True)

FileArgument = Annotated[
    Path, typer.Argument(help="CSV, JSON (array), JSON Lines or Parquet, by extension.")
]
StrictOption = Annotated[
    bool, typer.Option("--strict", help="Store nothing if any row or column is bad.")
]
ReportOption = Annotated[
    Path | None, typer.Option("--report", help="Write every bad row to this CSV.")
]
ShowOption = Annotated[int, typer.Option("--show", min=0, help="Bad rows to print.")]
TenantOption = Annotated[
    str | None,
    typer.Option(
        "--tenant",
        help=(
            "Write every row into this tenant (ids are unique per tenant; a row naming"
            " another tenant is bad). Default: each row's tenant_id column, else 'public'."
        ),
    ),
]


def _summary(report: IngestReport, strict: bool) -> Table:
    table = Table(title=f"{report.kind} ← {report.path.name}", show_header=False)
    table.add_row("rows read", str(report.rows))
    table.add_row("inserted", f"[green]{report.inserted}[/]")
    table.add_row("updated", f"[cyan]{report.updated}[/]")
    table.add_row("unchanged", str(report.unchanged))
    table.add_row("bad rows", f"[red]{report.bad}[/]" if report.bad else "0")
    if report.file_errors:
        table.add_row("file problems", f"[red]{len(report.file_errors)}[/]")
    if strict and not report.ok:
        table.add_row("stored", "[red]nothing (--strict)[/]")
    return table


def _errors(report: IngestReport, show: int) -> Table:
    shown = [*report.file_errors, *report.errors][:show]
    table = Table(title=f"first {len(shown)} problem(s)")
    table.add_column("line", justify="right")
    table.add_column("field")
    table.add_column("reason")
    for error in shown:
        table.add_row(str(error.line) if error.line else "file", error.field or "—", error.reason)
    return table


def _run(
    kind: Kind,
    file: Path,
    db: str | None,
    strict: bool,
    report_path: Path | None,
    show: int,
    progress: bool,
    source_format: Literal["records", "jobsite"] = "records",
    tenant: str | None = None,
) -> None:
    from data.ingest import IngestFileError, ingest_file
    from data.store import open_store

    console = Console()
    try:
        with open_store(db) as engine:
            report = ingest_file(
                engine,
                kind,
                file,
                strict=strict,
                progress=progress,
                occupation_coder=_title_coder,
                source_format=source_format,
                tenant_id=tenant,
            )
    except IngestFileError as error:
        Console(stderr=True).print(f"[red]cannot read {file}:[/] {error}")
        raise typer.Exit(code=2) from error
    console.print(_summary(report, strict))
    if not report.ok and show:
        console.print(_errors(report, show))
    if report_path is not None:
        report.write_errors_csv(report_path)
        console.print(f"all problems written to {report_path}")
    raise typer.Exit(code=0 if report.ok else 1)


def _title_coder() -> TitleCoder:
    """Build the occupation coder (only called when a vacancy lacks a code)."""
    from data.title_testcases import labelled_titles
    from models.occupation_coder import TitleCoder

    labelled = labelled_titles()
    return TitleCoder().fit(labelled["job_name"].tolist(), labelled["code"].tolist())


@app.command("vacancies")
def vacancies(
    file: FileArgument,
    db: DbOption = None,
    strict: StrictOption = False,
    report: ReportOption = None,
    show: ShowOption = 20,
    progress: ProgressOption = True,
    source_format: Annotated[
        str,
        typer.Option(
            "--format",
            help="records: vacancy columns; jobsite: job-site export (see data.ingest.jobsite).",
        ),
    ] = "records",
    tenant: TenantOption = None,
) -> None:
    """Load job postings (招聘岗位); titles without an occupation code are coded."""
    if source_format not in ("records", "jobsite"):
        raise typer.BadParameter("must be records or jobsite", param_hint="--format")
    _run("vacancies", file, db, strict, report, show, progress, source_format, tenant)  # type: ignore[arg-type]


def _plain_import(kind: Kind, summary: str) -> Callable[..., None]:
    """The command importing ``kind`` records (no format choice: they come as records only)."""

    def command(
        file: FileArgument,
        db: DbOption = None,
        strict: StrictOption = False,
        report: ReportOption = None,
        show: ShowOption = 20,
        progress: ProgressOption = True,
        tenant: TenantOption = None,
    ) -> None:
        _run(kind, file, db, strict, report, show, progress, tenant=tenant)

    command.__doc__ = summary
    return command


candidates = app.command("candidates")(
    _plain_import(
        "candidates",
        "Load job seekers (求职者), with contact.* and protected.* columns kept apart.",
    )
)
outcomes = app.command("outcomes")(
    _plain_import(
        "outcomes",
        "Load match outcomes (viewed/applied/interviewed/hired); import both ends first.",
    )
)
