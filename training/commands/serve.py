"""`yuecai serve`: run the API and dashboard with uvicorn."""

from __future__ import annotations

import typer


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to bind."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, help="uvicorn worker processes (stateless API)."),
) -> None:
    """Serve the FastAPI app (API, offline OpenAPI docs, planners' dashboard)."""
    import os

    import uvicorn

    # Serving processes build the occupation coder at start-up, not on the first create.
    from data.settings import get_settings

    os.environ.setdefault("YUECAI_PRELOAD_TITLE_CODER", "true")
    get_settings.cache_clear()  # `yuecai demo` read the settings before this
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,  # the app writes its own JSON access log (service.core.middleware)
        ws="none",  # no websocket routes; skips importing a websockets implementation
    )
