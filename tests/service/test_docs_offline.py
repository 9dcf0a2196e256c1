"""Over a real socket (uvicorn in a thread): offline Swagger UI, OpenAPI, health, body limit."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from typing import TYPE_CHECKING

import httpx
import pytest
from fastapi import Request

from data.settings import Settings
from service.main import create_app

if TYPE_CHECKING:
    from tests.support.service import LiveServerFactory

URL_ATTRIBUTE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")
EXPECTED_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
    ".png": {"image/png"},
}


@pytest.fixture(scope="module")
def http(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=10.0) as client:
        yield client


def test_health_over_a_real_socket(http: httpx.Client) -> None:
    response = http.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response.headers["x-request-id"]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_reference_only_our_static_assets(http: httpx.Client, page: str) -> None:
    response = http.get(page)
    assert response.status_code == 200
    html = response.text
    assert "http://" not in html and "https://" not in html and "//cdn" not in html
    assets = URL_ATTRIBUTE.findall(html)
    assert len(assets) >= 2  # script and favicon (+ stylesheet for Swagger UI)
    assert all(asset.startswith("/static/") for asset in assets), assets
    assert "/openapi.json" in html


def test_swagger_ui_never_phones_the_validator(http: httpx.Client) -> None:
    assert '"validatorUrl": null' in http.get("/docs").text


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_assets_load_with_their_content_types(http: httpx.Client, page: str) -> None:
    for asset in URL_ATTRIBUTE.findall(http.get(page).text):
        response = http.get(asset)
        assert response.status_code == 200, asset
        media_type = response.headers["content-type"].split(";")[0].strip()
        suffix = asset[asset.rfind(".") :]
        assert media_type in EXPECTED_TYPES[suffix], (asset, media_type)
        assert len(response.content) > 0


@pytest.mark.parametrize(
    ("asset", "marker"),
    [
        ("/static/swagger/swagger-ui-bundle.js", 'PACKAGE_VERSION:"5.'),  # 5.x reads OpenAPI 3.1
        ("/static/redoc/redoc.standalone.js", "Redoc"),
    ],
)
def test_vendored_bundles_are_the_real_thing(http: httpx.Client, asset: str, marker: str) -> None:
    assert marker in http.get(asset).text


def test_oauth2_redirect_page_is_local(http: httpx.Client) -> None:
    html = http.get("/docs/oauth2-redirect").text
    assert "<script" in html and "https://" not in html


def test_openapi_loads_over_the_socket(http: httpx.Client) -> None:
    response = http.get("/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/health" in schema["paths"]


def test_oversized_bodies_get_413_over_the_socket(
    service_settings: Settings, live_server_factory: LiveServerFactory
) -> None:
    limit = 64 * 1024
    app = create_app(service_settings.model_copy(update={"request_body_max_bytes": limit}))

    @app.post("/echo-size")
    async def echo_size(request: Request) -> dict[str, int]:
        return {"bytes": len(await request.body())}

    def chunks(total: int) -> Iterator[bytes]:
        for start in range(0, total, 16 * 1024):
            yield b"x" * min(16 * 1024, total - start)

    with live_server_factory(app) as base_url, httpx.Client(base_url=base_url) as http:
        declared = http.post("/health", content=b"x" * (limit + 1))
        chunked = http.post("/echo-size", content=chunks(4 * limit))
        for response in (declared, chunked):
            assert response.status_code == 413, response.text
            assert response.headers["content-type"] == "application/problem+json"
        assert "content-length" not in chunked.request.headers
        assert http.post("/echo-size", content=chunks(limit)).json() == {"bytes": limit}
        assert http.get("/health").status_code == 200  # the server is fine afterwards


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("page", "rendered"), [("/docs", "opblock"), ("/redoc", "/ready")])
def test_docs_render_in_a_browser_without_internet(
    live_server: str, page: str, rendered: str
) -> None:
    """Headless Chromium with every host but loopback unresolvable still renders the docs."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        pytest.skip("headless Chromium is not installed (make system-deps)")
    completed = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "--virtual-time-budget=15000",
            "--dump-dom",
            f"{live_server}{page}",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = completed.stdout
    assert "Unable to render this definition" not in dom
    assert rendered in dom, dom[-2000:]
