"""`yuecai train forecast|match`: each model family registers its command on ``app``."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True)

# Registration side effects: the modules below add their commands to ``app``.
from training.commands import train_forecast, train_match  # noqa: E402, F401
