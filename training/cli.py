"""The ``yuecai`` command line: ingest, train, backtest, publish, report, serve.

Each area lives in ``training/commands/<area>.py`` and is mounted here, so commands stay
small and owned by the pipeline they drive. :func:`main` (the ``yuecai`` entry point) turns a
domain error that no command handled into its message and the exit code of its branch
(:data:`data.errors.EXIT_CODES`: 2 bad input, 3 not found, 4 conflict, 5 unavailable), never
a traceback.
"""

from __future__ import annotations

import sys

import typer
from rich.console import Console

from data.errors import DomainError, exit_code
from training.commands import (
    catalogue,
    demo,
    generate,
    ingest,
    keys,
    occupations,
    report,
    serve,
    supply_flow,
    train,
)

app = typer.Typer(
    name="yuecai",
    help="YueCai (粤才): talent shortage forecasting, 急需紧缺人才目录 and matching.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(ingest.app, name="ingest", help="Validate and load vacancies, candidates, outcomes.")
app.add_typer(train.app, name="train", help="Fit models and write them to the registry.")
app.add_typer(catalogue.app, name="catalogue", help="Publish and export catalogue editions.")
app.add_typer(occupations.app, name="occupations", help="Code free job titles to 大典 2022.")
app.add_typer(keys.app, name="keys", help="Issue and revoke API keys.")
app.add_typer(generate.app, name="generate", help="Write the seeded synthetic demo data.")
app.add_typer(report.app, name="report", help="Print the latest forecast's warnings and backtest.")
report.app.command("supply-flow")(supply_flow.supply_flow_command)
app.command("serve")(serve.serve)
app.command("demo")(demo.demo)


def main() -> None:
    """Run the CLI; a :class:`~data.errors.DomainError` exits with its branch's code."""
    try:
        app()
    except DomainError as error:
        Console(stderr=True).print(f"[red]{type(error).__name__}[/]: {error}")
        sys.exit(exit_code(error))


if __name__ == "__main__":  # pragma: no cover
    main()
