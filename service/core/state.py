"""Objects an app builds once, on first use, and keeps on ``app.state``.

Several request threads may ask at once; exactly one builds, the others wait for it. Each
name has its own lock, so a slow build (the title coder takes seconds) never holds up the
first use of another (the engine, the key cache).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import FastAPI

__all__ = ["app_state_once"]

T = TypeVar("T")
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


def app_state_once(app: FastAPI, name: str, build: Callable[[], T]) -> T:
    """``app.state.<name>``, built by ``build()`` on the first call (None counts as unset).

    >>> app = FastAPI()
    >>> app_state_once(app, "answer", lambda: 42), app_state_once(app, "answer", lambda: 0)
    (42, 42)
    """
    value: Any = getattr(app.state, name, None)
    if value is None:
        with _LOCKS_GUARD:
            lock = _LOCKS.setdefault(name, threading.Lock())
        with lock:
            value = getattr(app.state, name, None)
            if value is None:
                value = build()
                setattr(app.state, name, value)
    return value  # type: ignore[no-any-return]
