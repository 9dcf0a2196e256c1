"""Options several commands share, declared once (name, type, help); commands set defaults."""

from __future__ import annotations

from typing import Annotated

import typer

__all__ = ["BackendOption", "DbOption", "NJobsOption", "ProgressOption", "SchedulerOption"]

DbOption = Annotated[
    str | None, typer.Option("--db", help="SQLAlchemy URL (default: YUECAI_DATABASE_URL).")
]
BackendOption = Annotated[
    str, typer.Option("--backend", help="joblib backend: sequential, loky or dask.")
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", help="Dask scheduler address (tcp://…).")
]
NJobsOption = Annotated[int, typer.Option("--n-jobs", help="Parallel workers (-1: all).")]
ProgressOption = Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar.")]
