"""Access control: API keys, roles and the global deny-by-default policy.

Tenant confinement is :mod:`service.api.tenants`; the dashboard's login is
:mod:`service.api.login`.

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

from fastapi import Depends, FastAPI, Request, params
from fastapi.routing import APIRoute
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from data.store.keys import ROLES, Principal, Role, add_revocation_listener, parse_key, verify_key
from service.api.deps import app_engine
from service.core.errors import Forbidden, ServiceUnavailable, Unauthorized
from service.core.openapi import problem_responses
from service.core.state import app_state_once

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
    "authenticate",
    "csrf_token",
    "enforce_access_policy",
    "get_principal_from_cookie",
    "install_security",
    "require_roles",
    "verify_plaintext",
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


async def verify_plaintext(request: Request, plaintext: str) -> Principal:
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
    principal = await verify_plaintext(request, plaintext)
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


async def get_principal_from_cookie(request: Request) -> Principal:
    """Dashboard pages: the planner/admin logged in through ``/login`` (401/403 otherwise)."""
    plaintext = request.cookies.get(COOKIE_NAME)
    if not plaintext:
        raise Unauthorized("Log in at /login first.", extensions={"login_url": "/login"})
    principal = await verify_plaintext(request, plaintext)
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
    """Key cache and OpenAPI security schemes (the Authorize button); ``/login`` and ``/logout``
    are :data:`service.api.login.login_router`."""
    _cache(app)
    build_openapi: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _document_security(build_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented override
