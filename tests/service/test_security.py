"""Access control: roles × routes, tenant boundary, public paths, key cache, login cookie.

Probe routers exist only here; they are added to ``ROUTERS`` before ``create_app`` so they
pass through the real global policy, exactly as a future route will.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import TYPE_CHECKING, Annotated, Any

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import event, text

from data.settings import Settings
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.keys import issue_key, list_keys, revoke_key
from service import main
from service.api.routes import ROUTERS
from service.api.security import (
    ACCESS_POLICY,
    COOKIE_NAME,
    PUBLIC_PATHS,
    AdminOnly,
    CurrentPrincipal,
    PlannerOrAdmin,
    PlatformOrAdmin,
    Principal,
    get_principal_from_cookie,
    require_roles,
)
from service.api.tenants import ensure_tenant, tenant_for_write, tenant_scope
from service.core.errors import Forbidden, InvalidInput, NotFound

if TYPE_CHECKING:
    from tests.support.service import LiveServerFactory

PROBLEM_JSON = "application/problem+json"
RECORDS = {"rec-a": "ACME", "rec-b": "BETA"}
LOOPBACK_CLIENT = ("127.0.0.1", 50000)
REMOTE_CLIENT = ("203.0.113.7", 50000)
TTL = 1.5  # a short key-cache TTL for the one test that waits it out


class RecordIn(BaseModel):
    tenant_id: str | None = None


def _probe_routers() -> list[APIRouter]:
    """A route per role, a role-less route, tenant records and a cookie-only dashboard page."""
    platform = APIRouter(prefix="/probe")

    @platform.get("/platform")
    def platform_route(principal: PlatformOrAdmin) -> dict[str, Any]:
        return asdict(principal)

    @platform.get("/records/{record_id}")
    def read_record(record_id: str, principal: PlatformOrAdmin) -> dict[str, str]:
        missing = f"No record {record_id!r}."
        if record_id not in RECORDS:
            raise NotFound(missing)
        ensure_tenant(principal, RECORDS[record_id], detail=missing)
        return {"record_id": record_id, "tenant_id": RECORDS[record_id]}

    @platform.get("/records")
    def list_records(principal: PlatformOrAdmin) -> list[str]:
        scope = tenant_scope(principal)
        return sorted(key for key, tenant in RECORDS.items() if scope in (None, tenant))

    @platform.post("/records")
    def write_record(record: RecordIn, principal: PlatformOrAdmin) -> dict[str, str]:
        return {"tenant_id": tenant_for_write(principal, record.tenant_id)}

    planner = APIRouter(prefix="/probe/planner", dependencies=[require_roles("planner")])

    @planner.get("")
    def planner_route() -> dict[str, str]:
        return {"report": "aggregates"}

    @planner.post("")
    def planner_write(principal: PlannerOrAdmin) -> dict[str, str]:
        return {"written_by": principal.role}

    @planner.get("/dashboard")
    def dashboard(
        principal: Annotated[Principal, Depends(get_principal_from_cookie)],
    ) -> dict[str, str]:
        return {"role": principal.role}

    admin = APIRouter(prefix="/probe")

    @admin.post("/admin")
    def admin_route(principal: AdminOnly) -> dict[str, str]:
        return {"by": principal.key_id}

    @admin.get("/undeclared")
    def undeclared(principal: CurrentPrincipal) -> dict[str, str]:
        return {"role": principal.role}

    return [platform, planner, admin]


@pytest.fixture
def settings(service_settings: Settings) -> Settings:
    upgrade_to_head(service_settings.database_url)
    return service_settings


@pytest.fixture
def keys(settings: Settings) -> dict[str, str]:
    """Plaintext keys by label; ``revoked`` is a platform key of ACME, already revoked."""
    engine = make_engine(settings.database_url)
    issued: dict[str, str] = {}
    with session_scope(engine) as session:
        for label, role, tenant in [
            ("platform", "platform", "ACME"),
            ("platform_b", "platform", "BETA"),
            ("planner", "planner", None),
            ("admin", "admin", None),
            ("revoked", "platform", "ACME"),
        ]:
            issued[label] = issue_key(session, role, tenant_id=tenant, name=label)[1]
        revoke_key(session, issued["revoked"].split("_")[1])
    engine.dispose()
    return issued


@pytest.fixture
def probe_app(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FastAPI:
    monkeypatch.setattr(main, "ROUTERS", [*ROUTERS, *_probe_routers()])
    return main.create_app(settings)


@pytest.fixture
def client(probe_app: FastAPI) -> Iterator[TestClient]:
    with TestClient(probe_app, raise_server_exceptions=False, client=REMOTE_CLIENT) as client:
        yield client


def _auth(key: str | None) -> dict[str, str]:
    return {} if key is None else {"Authorization": f"Bearer {key}"}


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


ROUTES = [("GET", "/probe/platform"), ("GET", "/probe/planner"), ("POST", "/probe/admin")]
ROUTES += [("GET", "/probe/undeclared"), ("GET", "/metrics")]
EXPECTED = {  # role → status per ROUTES entry
    None: [401, 401, 401, 401, 401],
    "platform": [200, 403, 403, 403, 403],
    "planner": [403, 200, 403, 403, 403],
    "admin": [200, 200, 200, 200, 200],
}


@pytest.mark.parametrize("role", list(EXPECTED))
@pytest.mark.parametrize("route", range(len(ROUTES)))
def test_each_role_on_each_kind_of_route(
    client: TestClient, keys: dict[str, str], role: str | None, route: int
) -> None:
    method, path = ROUTES[route]
    response = client.request(method, path, headers=_auth(keys[role] if role else None))
    expected = EXPECTED[role][route]
    if expected == 200:
        assert response.status_code == 200, response.text
        return
    body = _problem(response, expected)
    assert body["type"] == ("/problems/unauthorized" if expected == 401 else "/problems/forbidden")
    if expected == 401:
        assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="missing"),
        pytest.param({"Authorization": "Bearer "}, id="empty-bearer"),
        pytest.param({"Authorization": "Basic dXNlcjpwYXNz"}, id="basic"),
        pytest.param({"Authorization": "Bearer not-a-key"}, id="malformed"),
        pytest.param({"X-API-Key": "yc_0123456789abcdef_" + "A" * 43}, id="unknown"),
    ],
)
def test_missing_or_invalid_credentials_are_401(
    client: TestClient, headers: dict[str, str]
) -> None:
    body = _problem(client.get("/probe/platform", headers=headers), 401)
    assert body["title"] == "Unauthorized"


def test_wrong_secret_and_revoked_keys_are_401(client: TestClient, keys: dict[str, str]) -> None:
    good = keys["platform"]
    wrong = good[:-1] + ("A" if good[-1] != "A" else "B")
    _problem(client.get("/probe/platform", headers=_auth(wrong)), 401)
    _problem(client.get("/probe/platform", headers=_auth(keys["revoked"])), 401)
    assert client.get("/probe/platform", headers=_auth(good)).status_code == 200


def test_x_api_key_header_works_and_names_the_principal(
    client: TestClient, keys: dict[str, str]
) -> None:
    response = client.get("/probe/platform", headers={"X-API-Key": keys["platform"]})
    assert response.json() == {
        "key_id": keys["platform"].split("_")[1],
        "role": "platform",
        "tenant_id": "ACME",
    }


# --- tenant boundary ----------------------------------------------------------------------


def test_platform_cannot_see_another_tenants_record(
    client: TestClient, keys: dict[str, str]
) -> None:
    own = client.get("/probe/records/rec-a", headers=_auth(keys["platform"]))
    assert own.json() == {"record_id": "rec-a", "tenant_id": "ACME"}
    other = _problem(client.get("/probe/records/rec-b", headers=_auth(keys["platform"])), 404)
    missing = _problem(client.get("/probe/records/rec-z", headers=_auth(keys["platform"])), 404)
    assert other["detail"] == "No record 'rec-b'."  # indistinguishable from a real miss
    assert {k: v for k, v in other.items() if k not in ("detail", "instance", "request_id")} == {
        k: v for k, v in missing.items() if k not in ("detail", "instance", "request_id")
    }
    assert client.get("/probe/records/rec-b", headers=_auth(keys["platform_b"])).status_code == 200
    assert client.get("/probe/records/rec-b", headers=_auth(keys["admin"])).status_code == 200


@pytest.mark.parametrize(
    ("label", "expected"),
    [("platform", ["rec-a"]), ("platform_b", ["rec-b"]), ("admin", ["rec-a", "rec-b"])],
)
def test_lists_are_confined_to_the_tenant(
    client: TestClient, keys: dict[str, str], label: str, expected: list[str]
) -> None:
    assert client.get("/probe/records", headers=_auth(keys[label])).json() == expected


@pytest.mark.parametrize(
    ("label", "tenant", "status", "answer"),
    [
        ("platform", None, 200, "ACME"),
        ("platform", "ACME", 200, "ACME"),
        ("platform", "BETA", 403, None),
        ("admin", "BETA", 200, "BETA"),
        ("admin", None, 422, None),
    ],
)
def test_writes_go_to_the_callers_tenant(
    client: TestClient,
    keys: dict[str, str],
    label: str,
    tenant: str | None,
    status: int,
    answer: str | None,
) -> None:
    response = client.post("/probe/records", json={"tenant_id": tenant}, headers=_auth(keys[label]))
    assert response.status_code == status, response.text
    if answer is not None:
        assert response.json() == {"tenant_id": answer}


PLATFORM = Principal("k1", "platform", "ACME")
PLANNER = Principal("k2", "planner", None)
ADMIN = Principal("k3", "admin", None)


def test_tenant_helpers_directly() -> None:
    assert tenant_scope(PLATFORM) == "ACME"
    assert tenant_scope(ADMIN) is None
    with pytest.raises(Forbidden, match="may not read tenant records"):
        tenant_scope(PLANNER)
    ensure_tenant(PLATFORM, "ACME")
    ensure_tenant(ADMIN, "BETA")
    with pytest.raises(NotFound, match="No vacancy"):
        ensure_tenant(PLATFORM, "BETA", detail="No vacancy 'v1'.")
    with pytest.raises(InvalidInput, match="1 invalid field"):
        tenant_for_write(ADMIN, None)
    with pytest.raises(ValueError, match="roles must be some of"):
        require_roles("root")  # type: ignore[arg-type]


# --- public paths, metrics, the global policy ---------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/health",
        "/meta",
        "/problems",
        "/problems/unauthorized",
        "/docs",
        "/docs/oauth2-redirect",
        "/redoc",
        "/openapi.json",
        "/static/css/yuecai.css",
        "/login",
    ],
)
def test_public_paths_need_no_key(client: TestClient, path: str) -> None:
    assert client.get(path).status_code == 200


def test_metrics_open_to_a_direct_loopback_scraper_only(
    probe_app: FastAPI, keys: dict[str, str]
) -> None:
    with TestClient(probe_app, client=LOOPBACK_CLIENT) as local:
        assert local.get("/metrics").status_code == 200
        proxied = local.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"})
        assert proxied.status_code == 401
        assert local.get("/metrics", headers=_auth(keys["planner"])).status_code == 200


def test_every_router_of_the_real_app_is_behind_the_policy(settings: Settings) -> None:
    app = main.create_app(settings)
    included = 0
    for route in app.routes:
        if isinstance(route, APIRoute):  # added straight onto the app: not allowed
            pytest.fail(f"{route.path} bypasses ROUTERS and the access policy")
        context = getattr(route, "include_context", None)  # FastAPI's included router
        if context is not None:
            included += 1
            assert any(dependency is ACCESS_POLICY for dependency in context.dependencies)
    assert included == len(ROUTERS) + 2  # + the docs and login routers


def test_every_documented_operation_of_the_real_app_denies_without_a_key(
    settings: Settings,
) -> None:
    app = main.create_app(settings)
    with TestClient(app, raise_server_exceptions=False, client=REMOTE_CLIENT) as client:
        paths = client.get("/openapi.json").json()["paths"]
        secured = {path: item for path, item in paths.items() if path not in PUBLIC_PATHS}
        assert "/metrics" in secured
        for template, item in secured.items():
            path = re.sub(r"\{[^}]+\}", "x", template)
            for method in item:
                response = client.request(method.upper(), path)
                assert response.status_code == 401, (method, path, response.text)


def test_openapi_offers_the_authorize_button(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearerKey"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "yc_<key_id>_<secret>",
    }
    assert schemes["apiKeyHeader"] == {"type": "apiKey", "in": "header", "name": "X-API-Key"}
    secured = schema["paths"]["/probe/platform"]["get"]
    assert secured["security"] == [{"bearerKey": []}, {"apiKeyHeader": []}]
    assert {"401", "403"} <= set(secured["responses"])
    assert "security" not in schema["paths"]["/health"]["get"]


# --- cache, revocation, last use ----------------------------------------------------------


def _key_id(plaintext: str) -> str:
    return plaintext.split("_")[1]


def test_verified_keys_are_cached_without_db_round_trips(
    client: TestClient, probe_app: FastAPI, keys: dict[str, str]
) -> None:
    assert client.get("/probe/platform", headers=_auth(keys["platform"])).status_code == 200
    statements: list[str] = []
    event.listen(
        probe_app.state.engine,
        "before_cursor_execute",
        lambda *args: statements.append(args[2]),
    )
    for _ in range(20):
        assert client.get("/probe/platform", headers=_auth(keys["platform"])).status_code == 200
    assert statements == []


def test_revoke_in_this_process_takes_effect_at_once(
    client: TestClient, settings: Settings, keys: dict[str, str]
) -> None:
    headers = _auth(keys["admin"])
    assert client.get("/probe/planner", headers=headers).status_code == 200  # now cached
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        revoke_key(session, _key_id(keys["admin"]))
    engine.dispose()
    _problem(client.get("/probe/planner", headers=headers), 401)


def test_revoke_elsewhere_is_seen_after_the_ttl(
    client: TestClient, probe_app: FastAPI, settings: Settings, keys: dict[str, str]
) -> None:
    probe_app.state.key_cache.ttl_seconds = TTL
    headers = _auth(keys["planner"])
    assert client.get("/probe/planner", headers=headers).status_code == 200
    engine = make_engine(settings.database_url)  # another process: no listener is told
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE api_keys SET revoked_at = CURRENT_TIMESTAMP WHERE key_id = :key_id"),
            {"key_id": _key_id(keys["planner"])},
        )
    engine.dispose()
    assert client.get("/probe/planner", headers=headers).status_code == 200  # within the TTL
    time.sleep(TTL + 0.1)
    _problem(client.get("/probe/planner", headers=headers), 401)


def test_use_is_recorded_and_list_keys_still_hides_secrets(
    client: TestClient, settings: Settings, keys: dict[str, str]
) -> None:
    client.get("/probe/platform", headers=_auth(keys["platform"]))
    engine = make_engine(settings.database_url)
    with session_scope(engine) as session:
        used = {info.key_id: info.last_used_at for info in list_keys(session)}
    engine.dispose()
    assert used[_key_id(keys["platform"])] is not None
    assert used[_key_id(keys["planner"])] is None


# --- login cookie over a real socket ------------------------------------------------------


def test_login_cookie_flow(
    probe_app: FastAPI, keys: dict[str, str], live_server_factory: LiveServerFactory
) -> None:
    with (
        live_server_factory(probe_app) as base_url,
        httpx.Client(base_url=base_url, follow_redirects=False) as http,
    ):
        form = http.get("/login?next=/probe/planner/dashboard")
        assert form.status_code == 200 and "登录" in form.text and 'lang="zh-CN"' in form.text
        assert 'value="/probe/planner/dashboard"' in form.text

        bad = http.post("/login", data={"key": "yc_nonsense"})
        assert (
            bad.status_code == 401
            and "密钥无效" in bad.text
            and COOKIE_NAME not in bad.headers.get("set-cookie", "")
        )
        platform = http.post("/login", data={"key": keys["platform"]})
        http.cookies.clear()
        assert platform.status_code == 403 and "set-cookie" not in platform.headers

        login = http.post(
            "/login", data={"key": keys["planner"], "next": "/probe/planner/dashboard"}
        )
        assert login.status_code == 303
        assert login.headers["location"] == "/probe/planner/dashboard"
        cookie = login.headers["set-cookie"]
        assert cookie.startswith(f"{COOKIE_NAME}=")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
        http.cookies.clear()  # send the cookie explicitly below, never by accident
        jar = {"Cookie": f"{COOKIE_NAME}={keys['planner']}"}

        assert http.get("/probe/planner/dashboard", headers=jar).json() == {"role": "planner"}
        assert http.get("/probe/planner", headers=jar).status_code == 200
        # The cookie never authorises a state change: writes need the header.
        assert http.post("/probe/planner", headers=jar).status_code == 401
        assert http.get("/probe/planner/dashboard").status_code == 401
        # A header key alone is not a dashboard login.
        assert (
            http.get("/probe/planner/dashboard", headers=_auth(keys["planner"])).status_code == 401
        )

        logout = http.post("/logout", headers=jar)
        assert logout.status_code == 303 and logout.headers["location"] == "/login"
        assert f'{COOKIE_NAME}=""' in logout.headers["set-cookie"]


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil"])
def test_login_never_redirects_off_site(
    client: TestClient, keys: dict[str, str], target: str
) -> None:
    response = client.post(
        "/login", data={"key": keys["admin"], "next": target}, follow_redirects=False
    )
    assert response.status_code == 200  # the "logged in" page, no redirect
    assert "已登录" in response.text and "evil" not in response.text
