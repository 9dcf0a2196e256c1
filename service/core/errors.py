"""The service's errors and their one mapping to RFC 9457 ``application/problem+json``.

Routes and services raise a :class:`YueCaiError` subclass; :func:`install_error_handlers`
turns it — and FastAPI's validation errors, Starlette's ``HTTPException`` (unknown route 404,
405) — into a problem body. Unhandled exceptions become a generic 500 in
:class:`service.core.middleware.UnhandledErrorMiddleware`, which uses :func:`problem_response`
from here, so every error body in the service is built by one function.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import HTMLResponse, JSONResponse, Response

from data.errors import (
    ConflictError,
    DomainError,
    InsufficientDataError,
    InvalidDataError,
    NotFoundError,
    UnavailableError,
)
from service.core.logging import request_id_var

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "Conflict",
    "Forbidden",
    "HTTPProblem",
    "InsufficientData",
    "InternalError",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "ProblemResponse",
    "ServiceUnavailable",
    "Unauthorized",
    "YueCaiError",
    "from_domain_error",
    "from_pydantic_error",
    "install_error_handlers",
    "problem_response",
    "wants_html",
]

PROBLEM_MEDIA_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "/problems/"
logger = logging.getLogger("yuecai.service.errors")


class ProblemResponse(JSONResponse):
    """A JSON response with the RFC 9457 media type."""

    media_type = PROBLEM_MEDIA_TYPE


class YueCaiError(Exception):
    """Base of every error the service reports to clients as problem details.

    Each subclass fixes the HTTP ``status``, a short ``title`` and a ``type`` slug (published
    as ``/problems/<slug>``); an instance adds the ``detail`` of this occurrence, optional
    ``extensions`` (extra problem members) and response ``headers``::

        YueCaiError                  500 internal-error
        ├── NotFound                 404 not-found
        ├── Conflict                 409 conflict
        ├── InvalidInput             422 invalid-input       (field, reason) → errors[]
        ├── InsufficientData         422 insufficient-data
        ├── Unauthorized             401 unauthorized
        ├── Forbidden                403 forbidden
        ├── PayloadTooLarge          413 payload-too-large
        └── ServiceUnavailable       503 service-unavailable

    Examples
    --------
    >>> error = NotFound("No vacancy 'v-1'.")
    >>> (error.status, error.type, error.detail)
    (404, 'not-found', "No vacancy 'v-1'.")
    """

    status: int = 500
    title: str = "Internal server error"
    type: str = "internal-error"

    def __init__(
        self,
        detail: str | None = None,
        *,
        extensions: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or self.title)
        self.detail = detail
        self.extensions: dict[str, Any] = dict(extensions or {})
        self.headers: dict[str, str] = dict(headers or {})

    @property
    def type_uri(self) -> str:
        """The problem ``type`` member: ``/problems/<slug>`` (documented there) or a full URI."""
        return self.type if ":" in self.type else PROBLEM_TYPE_PREFIX + self.type

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        """The RFC 9457 body for this occurrence (``instance`` is the request path)."""
        body: dict[str, Any] = {
            "type": self.type_uri,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }
        request_id = request_id_var.get()
        if request_id is not None:
            body["request_id"] = request_id
        # Extensions may add members but never overwrite the standard ones.
        body.update({key: value for key, value in self.extensions.items() if key not in body})
        return body


class InternalError(YueCaiError):
    """An unexpected failure; the detail stays generic so internals never leak."""


class HTTPProblem(YueCaiError):
    """A plain HTTP error from the framework (e.g. 405) with no problem type of its own.

    RFC 9457 ``about:blank``: the title is the HTTP status phrase.
    """

    type = "about:blank"

    def __init__(
        self, status: int, detail: str | None = None, *, headers: Mapping[str, str] | None = None
    ) -> None:
        self.status = status
        self.title = _status_phrase(status)
        super().__init__(detail, headers=headers)


class NotFound(YueCaiError):
    """The addressed resource does not exist (or is not visible to this caller)."""

    status = 404
    title = "Not found"
    type = "not-found"


class Conflict(YueCaiError):
    """The request clashes with the current state, e.g. a duplicate natural key."""

    status = 409
    title = "Conflict"
    type = "conflict"


class InvalidInput(YueCaiError):
    """Input that parsed but makes no sense; names the offending field(s) like a 422.

    Examples
    --------
    >>> InvalidInput("query.size", "must be at most 200").problem()["errors"]
    [{'field': 'query.size', 'reason': 'must be at most 200'}]
    """

    status = 422
    title = "Invalid input"
    type = "invalid-input"

    def __init__(
        self,
        field: str,
        reason: str,
        *,
        more: Iterable[tuple[str, str]] = (),
        detail: str | None = None,
    ) -> None:
        self.errors: list[dict[str, str]] = [
            {"field": name, "reason": why} for name, why in [(field, reason), *more]
        ]
        super().__init__(detail or _count_invalid(len(self.errors)))
        self.extensions["errors"] = self.errors


class InsufficientData(YueCaiError):
    """Too little data to answer: a too-short series, or a cell below ``min_cell_size``."""

    status = 422
    title = "Insufficient data"
    type = "insufficient-data"


class Unauthorized(YueCaiError):
    """Missing or invalid credentials (API key)."""

    status = 401
    title = "Unauthorized"
    type = "unauthorized"


class Forbidden(YueCaiError):
    """Valid credentials that do not allow this action or tenant."""

    status = 403
    title = "Forbidden"
    type = "forbidden"


class PayloadTooLarge(YueCaiError):
    """The request body exceeds ``settings.request_body_max_bytes``."""

    status = 413
    title = "Payload too large"
    type = "payload-too-large"


class ServiceUnavailable(YueCaiError):
    """A dependency (database, model registry) is not ready; retry later."""

    status = 503
    title = "Service unavailable"
    type = "service-unavailable"


PROBLEM_TYPES: tuple[type[YueCaiError], ...] = (
    InternalError,
    NotFound,
    Conflict,
    InvalidInput,
    InsufficientData,
    Unauthorized,
    Forbidden,
    PayloadTooLarge,
    ServiceUnavailable,
)
_TYPE_BY_STATUS: dict[int, type[YueCaiError]] = {}
for _problem_type in PROBLEM_TYPES:
    _TYPE_BY_STATUS.setdefault(_problem_type.status, _problem_type)


STATUS_ZH: dict[int, str] = {
    400: "请求有误",
    401: "请先登录",
    403: "无权访问",
    404: "页面不存在",
    405: "不支持该操作",
    409: "与现有数据冲突",
    413: "上传内容过大",
    422: "输入有误",
    503: "服务暂不可用",
}


def wants_html(request: Request) -> bool:
    """Whether the client prefers HTML (a browser navigation) over JSON, by ``Accept``."""
    accept = request.headers.get("accept", "")
    html_at = accept.find("text/html")
    json_at = accept.find("json")
    return html_at >= 0 and (json_at < 0 or html_at < json_at)


def _html_error_page(body: dict[str, Any]) -> str:
    """A self-contained Chinese error page (no template: it must render even when they fail)."""
    status = int(body["status"])
    title = STATUS_ZH.get(status, "服务器内部错误" if status >= 500 else "请求未能完成")
    request_id = escape(str(body.get("request_id") or "—"))
    detail = escape(str(body.get("detail") or ""))
    errors = body.get("errors") or []
    field_line = "".join(
        f"<p>出错的字段 <code>{escape(str(e.get('field')))}</code>："
        f"{escape(str(e.get('reason')))}</p>"
        for e in errors
        if isinstance(e, dict)
    )
    return (
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{status} {title} · 粤才 YueCai</title>"
        '<link rel="stylesheet" href="/static/css/yuecai.css"></head><body>'
        f'<main class="content error-page"><h1>{status} · {title}</h1>'
        f'{field_line}<p class="muted">技术说明：{detail}</p>'
        f"<p>请求编号：<code>{request_id}</code>（联系管理员时请提供此编号）</p>"
        '<p><a href="/">返回概览</a> · <a href="javascript:history.back()">返回上一页</a></p>'
        "</main></body></html>"
    )


def problem_response(error: YueCaiError, request: Request) -> Response:
    """Render ``error`` for ``request``: the single place error bodies are written.

    API clients get RFC 9457 problem+json; a browser (``Accept`` prefers ``text/html``) gets
    the same facts as a Chinese HTML page carrying the request id.
    """
    body = error.problem(instance=request.url.path)
    if wants_html(request):
        return HTMLResponse(_html_error_page(body), status_code=error.status, headers=error.headers)
    return ProblemResponse(body, status_code=error.status, headers=error.headers)


def _status_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:  # a non-standard code
        return "Error"


def _count_invalid(count: int) -> str:
    return f"{count} invalid field{'s' if count != 1 else ''}."


def _dotted(location: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in location)


def from_http_exception(exc: StarletteHTTPException) -> YueCaiError:
    """Translate Starlette's ``HTTPException`` (routing 404/405, FastAPI security 401/403)."""
    error = HTTPProblem(exc.status_code, headers=exc.headers)
    known = _TYPE_BY_STATUS.get(exc.status_code)
    if known is not None:  # e.g. an unknown route is our not-found, not about:blank
        error.type, error.title = known.type, known.title
    if isinstance(exc.detail, str) and exc.detail != _status_phrase(exc.status_code):
        error.detail = exc.detail
    return error


def _located(item: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field, reason)`` of one validation error; a rule on several fields names each.

    Such a rule raises a ``ValueError`` whose ``fields`` attribute names the fields
    (:class:`data.records.FieldOrderError`): ``base_salary_min > base_salary_max`` is
    reported at ``body.base_salary_min`` and at ``body.base_salary_max``.
    """
    location, reason = list(item.get("loc", ())), str(item.get("msg", ""))
    fields = getattr((item.get("ctx") or {}).get("error"), "fields", None)
    if isinstance(fields, tuple) and fields:
        reason = reason.removeprefix("Value error, ")
        return [(_dotted([*location, field]), reason) for field in fields]
    return [(_dotted(location), reason)]


def from_validation_error(exc: RequestValidationError) -> InvalidInput:
    """Name each invalid field by its dotted location, e.g. ``body.base_salary_min``."""
    found = [pair for item in exc.errors() for pair in _located(item)]
    if not found:
        return InvalidInput("request", "invalid request")
    (field, reason), *more = found
    return InvalidInput(field, reason, more=more)


def from_pydantic_error(exc: ValidationError, location: Sequence[int | str]) -> InvalidInput:
    """The same problem for a model validated inside a route (a PATCH's merged record, a
    batch item): each field named under ``location``, e.g. ``body.items.3.city_code``."""
    found = [
        pair
        for item in exc.errors(include_url=False)
        for pair in _located({**item, "loc": (*location, *item["loc"])})
    ]
    (field, reason), *more = found or [(_dotted(location), "invalid")]
    return InvalidInput(field, reason, more=more)


def from_domain_error(exc: DomainError) -> YueCaiError:
    """The one mapping of the data layer's error tree (:mod:`data.errors`) to problem details:
    not found 404, conflict 409, too little data 422 insufficient-data, other invalid data 422
    invalid-input, unavailable 503, any other 500. Routes that know better (which field, which
    record) raise a :class:`YueCaiError` themselves."""
    detail = str(exc) or None
    if isinstance(exc, NotFoundError):
        return NotFound(detail)
    if isinstance(exc, ConflictError):
        return Conflict(detail)
    if isinstance(exc, InsufficientDataError):
        return InsufficientData(detail)
    if isinstance(exc, InvalidDataError):
        return InvalidInput("request", detail or "invalid data")
    if isinstance(exc, UnavailableError):
        return ServiceUnavailable(detail)
    return InternalError(detail)


async def _handle_domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, DomainError)  # noqa: S101 — registered for this type only
    return await _handle_yuecai_error(request, from_domain_error(exc))


async def _handle_yuecai_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, YueCaiError)  # noqa: S101 — registered for this type only
    if exc.status >= 500:
        logger.warning("%s: %s", type(exc).__name__, exc.detail)
    return problem_response(exc, request)


async def _handle_http_exception(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)  # noqa: S101 — registered for this type only
    return problem_response(from_http_exception(exc), request)


async def _handle_validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)  # noqa: S101 — registered for this type only
    return problem_response(from_validation_error(exc), request)


def install_error_handlers(app: FastAPI) -> None:
    """Register the problem+json handlers on ``app`` (500s: see ``UnhandledErrorMiddleware``)."""
    app.add_exception_handler(YueCaiError, _handle_yuecai_error)
    app.add_exception_handler(DomainError, _handle_domain_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
