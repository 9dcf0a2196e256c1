"""`yuecai demo`: what `make run` does — load demo data, train, publish, serve."""

from __future__ import annotations

import typer

from training.commands.serve import serve


def demo(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Generate and load the demo data into the store, then serve."""
    serve(host=host, port=port, workers=1)
