"""The serving process's occupation coder: built once per app, on first use.

The :class:`models.occupation_coder.TitleCoder` build is deterministic and takes a few
seconds (vendored taxonomy + labelled titles), so there is no registry artifact to train,
version or hash-check; it lives on ``app.state`` like the engine.
"""

from __future__ import annotations

import threading

from fastapi import FastAPI

from data.title_testcases import labelled_titles
from models.occupation_coder import TitleCoder
from service.core.state import app_state_once

__all__ = ["build_title_coder", "get_title_coder", "preload_title_coder"]


def build_title_coder() -> TitleCoder:
    """Fit the production coder on every labelled title."""
    frame = labelled_titles()
    return TitleCoder().fit(frame["job_name"].tolist(), frame["code"].tolist())


def get_title_coder(app: FastAPI) -> TitleCoder:
    """The app's coder, built on first call (thread-safe)."""
    return app_state_once(app, "title_coder", build_title_coder)


def preload_title_coder(app: FastAPI) -> threading.Thread:
    """Build the app's coder in a daemon thread (a request meanwhile waits on the lock)."""
    thread = threading.Thread(
        target=get_title_coder, args=(app,), name="title-coder-preload", daemon=True
    )
    thread.start()
    app.state.title_coder_preload = thread
    return thread
