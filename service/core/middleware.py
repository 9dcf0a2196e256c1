"""Pure-ASGI middleware: request id + access log, unhandled errors, request body limit.

Order, outermost first (see :func:`install_middleware`)::

    RequestContextMiddleware   X-Request-ID, one JSON access-log line per request
    MetricsMiddleware          Prometheus request count and latency (service.core.metrics)
    UnhandledErrorMiddleware   any exception → logged traceback + generic 500 problem
    BodySizeLimitMiddleware    413 problem past settings.request_body_max_bytes
    (FastAPI's exception handlers and router)

Pure ASGI rather than ``BaseHTTPMiddleware`` so streaming responses and context variables pass
through untouched and no extra task group is spawned per request.
"""

from __future__ import annotations

import logging
import re
import time
import uuid

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.requests import ClientDisconnect, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.core.asgi import HttpMiddleware, WatchedSend
from service.core.errors import InternalError, PayloadTooLarge, problem_response
from service.core.logging import request_id_var
from service.core.metrics import AppMetrics, MetricsMiddleware

__all__ = [
    "REQUEST_ID_HEADER",
    "BodySizeLimitMiddleware",
    "RequestContextMiddleware",
    "UnhandledErrorMiddleware",
    "install_middleware",
]

REQUEST_ID_HEADER = "X-Request-ID"
# Accept a caller's id only if it is short and plain: it is echoed and logged verbatim.
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")

access_logger = logging.getLogger("yuecai.access")
error_logger = logging.getLogger("yuecai.service.errors")


class RequestContextMiddleware(HttpMiddleware):
    """Give each request an id (the caller's ``X-Request-ID`` if safe), echo it, log access."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the request inside its id's context and log one line when it ends."""
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER, "")
        request_id = incoming if _SAFE_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        started = time.perf_counter()

        def echo_id(message: Message) -> None:
            MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id

        watched = WatchedSend(send, echo_id)
        try:
            await self.app(scope, receive, watched)
        finally:
            access_logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": 500 if watched.status is None else watched.status,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                    "request_id": request_id,
                },
            )
            request_id_var.reset(token)


class UnhandledErrorMiddleware(HttpMiddleware):
    """Turn any exception that escaped the handlers into a logged, generic 500 problem.

    Done here rather than with an ``Exception`` handler because Starlette re-raises after
    such a handler runs, so the server would log the same traceback a second time.
    """

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass through; on an exception before the response started, answer 500."""
        watched = WatchedSend(send)
        try:
            await self.app(scope, receive, watched)
        except ClientDisconnect:  # the caller left mid-upload: nobody to answer, nothing broke
            error_logger.info("Client disconnected during %s %s", scope["method"], scope["path"])
        except Exception:
            error_logger.exception("Unhandled error in %s %s", scope["method"], scope["path"])
            if watched.status is not None:  # too late for a problem body; let the server drop it
                raise
            error = InternalError("The server could not complete the request.")
            await problem_response(error, Request(scope))(scope, receive, send)


class _BodyTooLarge(Exception):
    """Raised from ``receive`` once the body passes the limit."""


class BodySizeLimitMiddleware(HttpMiddleware):
    """Answer 413 problem+json to bodies over ``max_bytes``, declared or chunked.

    A ``Content-Length`` over the limit is refused before the app runs. Otherwise bytes are
    counted as the app reads them; past the limit ``receive`` raises, and whatever the app
    makes of that (FastAPI turns body errors into 400) is replaced by the 413.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        super().__init__(app)
        self.max_bytes = max_bytes

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Enforce the limit (HTTP requests only; other scopes pass through)."""
        declared = Headers(scope=scope).get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(scope, receive, send)
            return
        received = 0
        exceeded = False
        replaced = False

        async def receive_limited() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def send_unless_exceeded(message: Message) -> None:
            nonlocal replaced
            if not exceeded:
                await send(message)
            elif not replaced and message["type"] == "http.response.start":
                replaced = True
                await self._refuse(scope, receive, send)

        try:
            await self.app(scope, receive_limited, send_unless_exceeded)
        except Exception:
            if not exceeded:
                raise
            if not replaced:
                replaced = True
                await self._refuse(scope, receive, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        error = PayloadTooLarge(f"The request body exceeds {self.max_bytes} bytes.")
        # The unread rest of the body makes the connection unusable for another request.
        error.headers["Connection"] = "close"
        await problem_response(error, Request(scope))(scope, receive, send)


def install_middleware(app: FastAPI, *, metrics: AppMetrics, max_body_bytes: int) -> None:
    """Add the service middleware to ``app`` in the documented order."""
    # Starlette wraps in reverse: the last added is the outermost.
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_body_bytes)
    app.add_middleware(UnhandledErrorMiddleware)
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.add_middleware(RequestContextMiddleware)
