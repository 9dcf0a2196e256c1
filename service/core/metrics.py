"""Prometheus metrics, one registry per app (so tests and several apps never share counters).

Request metrics are labelled by the route *template* (``/vacancies/{vacancy_id}``), never the
raw path, to keep the number of series bounded. Other code publishes which models are live
through :meth:`AppMetrics.set_model_info`::

    request.app.state.metrics.set_model_info("forecast", "2026-11-25.1")
"""

from __future__ import annotations

import threading
import time

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client import generate_latest as _generate_latest
from starlette.types import ASGIApp, Receive, Scope, Send

from service.core.asgi import HttpMiddleware, WatchedSend

__all__ = ["UNMATCHED_ROUTE", "AppMetrics", "MetricsMiddleware", "route_template"]

UNMATCHED_ROUTE = "<unmatched>"
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class AppMetrics:
    """The metric families of one app, all in its own :class:`CollectorRegistry`."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "yuecai_http_requests",
            "HTTP requests served, by method, route template and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "yuecai_http_request_duration_seconds",
            "Time to serve an HTTP request, by method, route template and status.",
            ["method", "route", "status"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.match_latency = Histogram(
            "yuecai_match_duration_seconds",
            "Time the matching engine spent ranking one request, by direction.",
            ["direction"],
            buckets=_LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.discriminatory_vacancies = Counter(
            "yuecai_discriminatory_vacancies",
            "Vacancy writes refused for a discriminatory requirement, by category.",
            ["category"],
            registry=self.registry,
        )
        self.model_info = Gauge(
            "yuecai_model_info",
            "Models currently loaded (value 1), by model name and version.",
            ["name", "version"],
            registry=self.registry,
        )
        self._model_versions: dict[str, str] = {}
        self._model_lock = threading.Lock()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one request and record its duration."""
        labels = {"method": method, "route": route, "status": str(status)}
        self.requests.labels(**labels).inc()
        self.latency.labels(**labels).observe(seconds)

    def set_model_info(self, name: str, version: str) -> None:
        """Mark ``version`` as the live version of model ``name`` (dropping the previous one)."""
        with self._model_lock:
            previous = self._model_versions.get(name)
            if previous is not None and previous != version:
                self.model_info.remove(name, previous)
            self._model_versions[name] = version
            self.model_info.labels(name=name, version=version).set(1)

    def render(self) -> bytes:
        """The registry in Prometheus text exposition format."""
        return _generate_latest(self.registry)


def route_template(scope: Scope) -> str:
    """The matched route's path template, or ``<unmatched>`` (404s must not add series)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return UNMATCHED_ROUTE


class MetricsMiddleware(HttpMiddleware):
    """Observe every HTTP request into ``metrics`` once its response has started."""

    def __init__(self, app: ASGIApp, metrics: AppMetrics) -> None:
        super().__init__(app)
        self.metrics = metrics

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request; record status 500 if the app raised before responding."""
        started = time.perf_counter()
        watched = WatchedSend(send)
        try:
            await self.app(scope, receive, watched)
        finally:
            status = 500 if watched.status is None else watched.status
            self.metrics.observe_request(
                scope["method"], route_template(scope), status, time.perf_counter() - started
            )
