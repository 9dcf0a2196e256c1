"""What every pure-ASGI middleware of the service shares (:mod:`service.core.middleware`,
:class:`service.core.metrics.MetricsMiddleware`): HTTP scopes only, and a ``send`` that
notes the response's status as it starts.
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HttpMiddleware", "WatchedSend"]


class HttpMiddleware:
    """A middleware that acts on HTTP requests only: other scopes (lifespan, websocket)
    pass through to ``app`` untouched; an HTTP request goes to :meth:`handle`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass non-HTTP scopes through; :meth:`handle` an HTTP request."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """One HTTP request (subclasses wrap ``self.app`` here)."""
        await self.app(scope, receive, send)


class WatchedSend:
    """``send``, noting the response's status when it starts (``status`` stays None while
    nothing was sent, e.g. when the app raised first); ``on_start`` may amend the start
    message (its headers) before it goes out."""

    def __init__(self, send: Send, on_start: Callable[[Message], None] | None = None) -> None:
        self.send = send
        self.on_start = on_start
        self.status: int | None = None

    async def __call__(self, message: Message) -> None:
        """Send ``message``, noting (and amending) a response start."""
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            if self.on_start is not None:
                self.on_start(message)
        await self.send(message)
