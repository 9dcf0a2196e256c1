"""Access control: API keys, roles, tenant confinement, and the global deny-by-default policy.

Callers send ``Authorization: Bearer yc_<key_id>_<secret>`` or ``X-API-Key: yc_...``; keys are
issued with ``yuecai keys issue`` and stored hashed (:mod:`data.store.keys`). Roles:
``platform`` (one tenant's vacancies, candidates, matches, feedback), ``planner`` (catalogue,
reports, aggregates — never personal data) and ``admin`` (everything; passes every role check).

The policy is global: :func:`service.main.create_app` mounts every router of
:data:`service.api.routes.ROUTERS` with :data:`ACCESS_POLICY`, which, for each route

* lets :data:`PUBLIC_PATHS` through without a key (health, docs, problem types, login);
* serves ``/metrics`` to a direct loopback client (a scraper on the same host: no
  ``Forwarded``/``X-Forwarded-For``/``X-Real-IP`` header) or to an admin key. The metrics hold
  route templates, counts, latencies and model versions, nothing personal; still, anything
  reaching the service through a proxy needs the admin key. A reverse proxy on the same host
  must add ``X-Forwarded-For`` (or not route ``/metrics``);
* otherwise demands a valid key (401) and, unless the route declares its roles with
  :func:`require_roles` (or an alias), an **admin** key (403): a route that forgets to say who
  may call it fails closed.

Route authors::

    router = APIRouter(prefix="/catalogue", dependencies=[require_roles("planner")])

    @router.get("/vacancies/{vacancy_id}")
    def get_vacancy(
        vacancy_id: str, principal: PlatformOrAdmin, session: SessionDep, tenant_id: TenantQuery
    ) -> ...:
        row = store.get_vacancy(session, vacancy_id, tenant_for_read(principal, tenant_id))
        if row is None:  # ids are unique per tenant: another tenant's is simply not there
            raise NotFound(f"No vacancy {vacancy_id!r}.")

Verified keys are cached per app for :data:`CACHE_TTL_SECONDS`: a revoke in this process
(through :func:`data.store.keys.revoke_key`) takes effect at once; other processes (other
uvicorn workers, the ``yuecai keys revoke`` CLI) are seen by this one within the TTL.

Dashboard pages (HTML) may also authenticate from the ``yuecai_key`` cookie set by ``/login``
(HttpOnly, SameSite=Strict); only planner and admin keys may log in. The cookie alone is
honoured for GET/HEAD only. A state change (the 专栏1 entry form) may ride on it only with the
page's CSRF token — :func:`csrf_token` of the cookie's key, sent as the ``csrf_token`` form field
or the ``X-CSRF-Token`` header — which another site can neither read nor compute (the
synchroniser-token pattern, on top of SameSite=Strict).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request, params
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.responses import HTMLResponse, RedirectResponse, Response

from data.store.keys import ROLES, Principal, Role, add_revocation_listener, parse_key, verify_key
from service.api.deps import app_engine
from service.core.errors import Forbidden, InvalidInput, NotFound, ServiceUnavailable, Unauthorized
from service.core.openapi import problem_responses
from service.core.state import app_state_once
from service.core.templating import templates

__all__ = [
    "ACCESS_POLICY",
    "API_KEY_HEADER",
    "CACHE_TTL_SECONDS",
    "COOKIE_NAME",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "PUBLIC_PATHS",
    "AdminOnly",
    "AnyRole",
    "CurrentPrincipal",
    "PlannerOrAdmin",
    "PlatformOrAdmin",
    "Principal",
    "PrincipalCache",
    "Role",
    "RoleCheck",
    "TenantQuery",
    "authenticate",
    "csrf_token",
    "enforce_access_policy",
    "ensure_tenant",
    "get_principal_from_cookie",
    "install_security",
    "login_router",
    "require_roles",
    "tenant_for_read",
    "tenant_for_write",
    "tenant_scope",
]

logger = logging.getLogger("yuecai.service.security")

API_KEY_HEADER = "X-API-Key"
COOKIE_NAME = "yuecai_key"
COOKIE_MAX_AGE_SECONDS = 8 * 3600
CACHE_TTL_SECONDS = 30.0
CACHE_MAX_ENTRIES = 10_000
METRICS_PATH = "/metrics"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
_CSRF_CONTEXT = b"yuecai-dashboard-csrf-v1"
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
PUBLIC_PATHS: frozenset[str] = frozenset(
    {"/health", "/ready", "/meta", "/problems", "/problems/{slug}", "/login", "/logout"}
    | {"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"}
)
"""Route templates served without a key (``/static/*`` is a mount, outside the routers)."""
_SAFE_METHODS = frozenset({"GET", "HEAD"})
_FORWARDING_HEADERS = ("forwarded", "x-forwarded-for", "x-real-ip")
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="yuecai"'}
_SECURITY_SCHEMES: dict[str, Any] = {
    "bearerKey": {"type": "http", "scheme": "bearer", "bearerFormat": "yc_<key_id>_<secret>"},
    "apiKeyHeader": {"type": "apiKey", "in": "header", "name": API_KEY_HEADER},
}


class PrincipalCache:
    """Verified keys of one app: ``key_id → (principal, sha256(key), expiry)``, thread-safe.

    Holding the key's digest means a cached ``key_id`` with a different secret is a miss.
    """

    def __init__(self, ttl_seconds: float = CACHE_TTL_SECONDS) -> None:
        self.ttl_seconds = ttl_seconds
        self._entries: dict[str, tuple[Principal, bytes, float]] = {}
        self._lock = threading.Lock()
        add_revocation_listener(self)

    def get(self, key_id: str, digest: bytes) -> Principal | None:
        """The cached principal, if fresh and the digest matches."""
        with self._lock:
            entry = self._entries.get(key_id)
        if entry is None or entry[2] < time.monotonic():
            return None
        principal, cached_digest, _expiry = entry
        return principal if hmac.compare_digest(cached_digest, digest) else None

    def put(self, principal: Principal, digest: bytes) -> None:
        """Remember a principal verified just now."""
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= CACHE_MAX_ENTRIES:
                self._entries = {k: v for k, v in self._entries.items() if v[2] >= now}
                while len(self._entries) >= CACHE_MAX_ENTRIES:  # oldest insertion first
                    del self._entries[next(iter(self._entries))]
            self._entries[principal.key_id] = (principal, digest, now + self.ttl_seconds)

    def forget(self, key_id: str) -> None:
        """Drop ``key_id`` (called on revoke)."""
        with self._lock:
            self._entries.pop(key_id, None)


def _cache(app: FastAPI) -> PrincipalCache:
    return app_state_once(app, "key_cache", PrincipalCache)


def _verify_in_store(app: FastAPI, plaintext: str) -> Principal | None:
    try:
        with Session(app_engine(app)) as session:
            principal = verify_key(session, plaintext)
            session.commit()  # the last_used_at stamp, if due
    except SQLAlchemyError as error:
        logger.warning("API key store unavailable: %s", type(error).__name__)
        raise ServiceUnavailable("The API key store is unavailable.") from error
    return principal


async def _verify(request: Request, plaintext: str) -> Principal:
    """The principal of ``plaintext``: from the cache, else from the store; 401 if invalid."""
    parsed = parse_key(plaintext)
    if parsed is None:
        raise Unauthorized("Malformed API key.", headers=_CHALLENGE)
    digest = hashlib.sha256(plaintext.strip().encode()).digest()
    cache = _cache(request.app)
    principal = cache.get(parsed[0], digest)
    if principal is None:
        principal = await run_in_threadpool(_verify_in_store, request.app, plaintext)
        if principal is None:
            logger.info("API key rejected", extra={"key_id": parsed[0]})
            raise Unauthorized("Invalid or revoked API key.", headers=_CHALLENGE)
        cache.put(principal, digest)
    return principal


def _key_from_headers(request: Request) -> str | None:
    authorization = request.headers.get("authorization")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise Unauthorized("Use 'Authorization: Bearer <API key>'.", headers=_CHALLENGE)
        return credentials.strip()
    return request.headers.get(API_KEY_HEADER) or None


def csrf_token(cookie_key: str) -> str:
    """The CSRF token a dashboard page embeds for the logged-in ``cookie_key`` (hex, 32 chars).

    Keyed by the secret key itself, so only a page served to its holder can carry it.
    """
    digest = hmac.new(cookie_key.strip().encode(), _CSRF_CONTEXT, hashlib.sha256)
    return digest.hexdigest()[:32]


async def _cookie_key(request: Request) -> str | None:
    """The login cookie's key if this request may use it: always for GET/HEAD, else only with
    the matching CSRF token (header, or form field of a form post)."""
    cookie = request.cookies.get(COOKIE_NAME)
    if not cookie or request.method in _SAFE_METHODS:
        return cookie or None
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORM_TYPES):
        field = (await request.form()).get(CSRF_FIELD)  # cached: the route reads the same form
        sent = field if isinstance(field, str) else None
    if sent and hmac.compare_digest(sent.encode(), csrf_token(cookie).encode()):
        return cookie
    return None


async def authenticate(request: Request) -> Principal:
    """The caller's :class:`Principal` (401 if no valid key); computed once per request.

    Headers first; then the login cookie (for a state change only with its CSRF token).
    """
    known: Principal | None = getattr(request.state, "principal", None)
    if known is not None:
        return known
    plaintext = _key_from_headers(request)
    if plaintext is None:
        plaintext = await _cookie_key(request)
    if plaintext is None:
        detail = f"An API key is required (Authorization: Bearer … or {API_KEY_HEADER})."
        raise Unauthorized(detail, headers=_CHALLENGE)
    principal = await _verify(request, plaintext)
    request.state.principal = principal
    return principal


class RoleCheck:
    """Dependency admitting the given roles (and always ``admin``); 403 for any other."""

    def __init__(self, roles: frozenset[Role]) -> None:
        self.roles = roles | {"admin"}

    async def __call__(self, principal: Annotated[Principal, Depends(authenticate)]) -> Principal:
        """Return the principal if its role is allowed."""
        if principal.role not in self.roles:
            allowed = ", ".join(sorted(self.roles))
            raise Forbidden(f"This requires one of the roles: {allowed}.")
        return principal


def require_roles(*roles: Role) -> params.Depends:
    """``Depends`` that authenticates and admits ``roles`` (admin always passes).

    Use in ``dependencies=[require_roles("planner")]`` of a router or route, or as
    ``Annotated[Principal, require_roles(...)]`` to receive the principal.
    """
    unknown = sorted(set(roles) - set(ROLES))
    if unknown or not roles:
        raise ValueError(f"roles must be some of {ROLES}, got {roles!r}")
    return params.Depends(RoleCheck(frozenset(roles)))


CurrentPrincipal = Annotated[Principal, Depends(authenticate)]
PlatformOrAdmin = Annotated[Principal, require_roles("platform")]
PlannerOrAdmin = Annotated[Principal, require_roles("planner")]
AdminOnly = Annotated[Principal, require_roles("admin")]
AnyRole = Annotated[Principal, require_roles(*ROLES)]


def tenant_scope(principal: Principal) -> str | None:
    """The tenant a platform key is confined to; None (all tenants) for admin.

    Planners never read tenant records: :class:`Forbidden`.
    """
    if principal.role == "admin":
        return None
    if principal.role == "platform" and principal.tenant_id:
        return principal.tenant_id
    raise Forbidden("This key may not read tenant records.")


def ensure_tenant(
    principal: Principal, record_tenant_id: str, *, detail: str | None = None
) -> None:
    """Raise :class:`NotFound` if ``principal`` may not see a record of ``record_tenant_id``.

    Not 403: another tenant's record must look exactly like a missing one, so pass the same
    ``detail`` the route gives for a real miss.
    """
    scope = tenant_scope(principal)
    if scope is not None and scope != record_tenant_id:
        raise NotFound(detail)


def tenant_for_write(principal: Principal, requested: str | None) -> str:
    """The tenant a write goes to: a platform's own (any other is 403); admin must name one."""
    scope = tenant_scope(principal)
    if scope is None:
        if not requested:
            raise InvalidInput("body.tenant_id", "required with an admin key")
        return requested
    if requested not in (None, scope):
        raise Forbidden("A platform key may only write its own tenant's records.")
    return scope


TENANT_QUERY_DESCRIPTION = (
    "Whose record the path's id names. Ids are unique per tenant only, so two tenants may"
    " both have a record 'V1'. Platform keys always address their own tenant and may leave"
    " this out (naming another tenant is 403). Admin keys: name the tenant; it may be left"
    " out while only one tenant uses the id (several: 422 naming query.tenant_id)."
)
TenantQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9_.:-]+$",
        description=TENANT_QUERY_DESCRIPTION,
    ),
]
"""The ``tenant_id`` query parameter of every id-addressed record route."""


def tenant_for_read(principal: Principal, requested: str | None) -> str | None:
    """The tenant an id-addressed request means: a platform's own (naming another is 403,
    whether or not the id exists there, so nothing leaks); for admin the one it names, or
    None (whichever tenant uses the id, if only one does)."""
    scope = tenant_scope(principal)
    if scope is None:
        return requested
    if requested not in (None, scope):
        raise Forbidden("A platform key may only address its own tenant's records.")
    return scope


async def get_principal_from_cookie(request: Request) -> Principal:
    """Dashboard pages: the planner/admin logged in through ``/login`` (401/403 otherwise)."""
    plaintext = request.cookies.get(COOKIE_NAME)
    if not plaintext:
        raise Unauthorized("Log in at /login first.", extensions={"login_url": "/login"})
    principal = await _verify(request, plaintext)
    if principal.role not in ("planner", "admin"):
        raise Forbidden("Only planner and admin keys may use the dashboard.")
    return principal


# --- the global policy --------------------------------------------------------------------


def _route_declares_roles(route: APIRoute) -> bool:
    """Whether any dependency of ``route`` is a :class:`RoleCheck` (a walk of a few nodes)."""
    pending = [route.dependant]
    while pending:
        dependant = pending.pop()
        if isinstance(dependant.call, RoleCheck):
            return True
        pending.extend(dependant.dependencies)
    return False


def _is_direct_loopback(request: Request) -> bool:
    if request.client is None or any(h in request.headers for h in _FORWARDING_HEADERS):
        return False
    try:
        return ipaddress.ip_address(request.client.host).is_loopback
    except ValueError:  # e.g. a unix socket or the test client's "testclient"
        return False


async def enforce_access_policy(request: Request) -> None:
    """The check every router in ``ROUTERS`` runs first (see the module docstring)."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute) else None
    if path in PUBLIC_PATHS:
        return
    if path == METRICS_PATH and _is_direct_loopback(request):
        return
    principal = await authenticate(request)
    declared = isinstance(route, APIRoute) and _route_declares_roles(route)
    if principal.role != "admin" and (path == METRICS_PATH or not declared):
        raise Forbidden("This requires the admin role.")


ACCESS_POLICY: params.Depends = params.Depends(enforce_access_policy)
"""Put on every router: ``app.include_router(router, dependencies=[ACCESS_POLICY])``."""


def _document_security(schema: dict[str, Any]) -> dict[str, Any]:
    components = schema.setdefault("components", {})
    components["securitySchemes"] = _SECURITY_SCHEMES
    problems = {str(status): body for status, body in problem_responses(401, 403).items()}
    for path, path_item in schema.get("paths", {}).items():
        if path in PUBLIC_PATHS:
            continue
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["security"] = [{name: []} for name in _SECURITY_SCHEMES]
                for status, body in problems.items():
                    operation["responses"].setdefault(status, body)
    return schema


def install_security(app: FastAPI) -> None:
    """Key cache, OpenAPI security schemes (the Authorize button) and ``/login``/``/logout``."""
    _cache(app)
    build_openapi: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document_security(build_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
    app.include_router(login_router, dependencies=[ACCESS_POLICY])


# --- /login and /logout -------------------------------------------------------------------

login_router = APIRouter(tags=["auth"], include_in_schema=False)
_LOGIN_PAGE = templates.env.from_string(
    """{% extends "base.html" %}
{% block title %}登录{% endblock %}
{% block content %}
<h1>登录</h1>
{% if principal %}<p role="status">已登录：{{ principal.role }} 密钥 {{ principal.key_id }}。
  <a href="{{ root }}/logout">退出登录</a></p>{% endif %}
{% if error %}<p role="alert" class="error">{{ error }}</p>{% endif %}
<form method="post" action="{{ root }}/login">
  <label for="key">API 密钥（规划人员或管理员）</label>
  <input id="key" name="key" type="password" autocomplete="off" required
         placeholder="yc_…">
  <input type="hidden" name="next" value="{{ next }}">
  <button type="submit">登录</button>
</form>
<p>密钥保存在本浏览器的 HttpOnly Cookie 中，8 小时后失效。</p>
{% endblock %}"""
)


def _local_path(target: str | None) -> str:
    """``target`` if it is a path on this site, else ''; no open redirects."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return ""


def _login_page(request: Request, status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("next", "")
    html = _LOGIN_PAGE.render(request=request, root=request.scope.get("root_path", ""), **context)
    return HTMLResponse(html, status_code=status)


@login_router.get("/login", response_class=HTMLResponse)
async def login_form(
    request: Request, next_path: Annotated[str, Query(alias="next")] = ""
) -> HTMLResponse:
    """The login form (Chinese); ``next`` is where to go after logging in."""
    return _login_page(request, next=_local_path(next_path))


@login_router.post("/login", response_class=HTMLResponse)
async def login(
    request: Request,
    key: Annotated[str, Form()],
    next_path: Annotated[str, Form(alias="next")] = "",
) -> Response:
    """Check the key; set the HttpOnly, SameSite=Strict cookie; go to ``next``."""
    target = _local_path(next_path)
    try:
        principal = await _verify(request, key)
    except Unauthorized:
        return _login_page(request, 401, error="密钥无效或已吊销。", next=target)
    if principal.role not in ("planner", "admin"):
        return _login_page(request, 403, error="仅规划人员或管理员密钥可登录。", next=target)
    response: Response = (
        RedirectResponse(target, status_code=303)
        if target
        else _login_page(request, principal=principal)
    )
    response.set_cookie(
        COOKIE_NAME,
        key.strip(),
        max_age=COOKIE_MAX_AGE_SECONDS,
        path="/",
        secure=request.url.scheme == "https",
        httponly=True,
        samesite="strict",
    )
    return response


@login_router.api_route("/logout", methods=["GET", "POST"], response_class=RedirectResponse)
async def logout(request: Request) -> RedirectResponse:
    """Delete the cookie and return to the login form."""
    response = RedirectResponse(f"{request.scope.get('root_path', '')}/login", status_code=303)
    response.delete_cookie(COOKIE_NAME, path="/", httponly=True, samesite="strict")
    return response
