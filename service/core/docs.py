"""Offline interactive docs: Swagger UI (``/docs``) and ReDoc (``/redoc``) from ``/static/``.

Their JS/CSS are vendored under ``service/static/swagger/`` and ``service/static/redoc/`` (see
the ``SOURCE.txt`` files there), so the docs work on a network without internet access and the
served HTML names no CDN, web font or remote favicon.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.responses import HTMLResponse

__all__ = ["DOCS_URL", "DOC_ASSETS", "REDOC_URL", "docs_router"]

DOCS_URL = "/docs"
REDOC_URL = "/redoc"
OAUTH2_REDIRECT_URL = "/docs/oauth2-redirect"
STATIC_URL = "/static"
DOC_ASSETS: dict[str, str] = {
    "swagger_js": f"{STATIC_URL}/swagger/swagger-ui-bundle.js",
    "swagger_css": f"{STATIC_URL}/swagger/swagger-ui.css",
    "favicon": f"{STATIC_URL}/swagger/favicon-32x32.png",
    "redoc_js": f"{STATIC_URL}/redoc/redoc.standalone.js",
}
# validatorUrl=None: Swagger UI would otherwise send the spec to validator.swagger.io.
SWAGGER_UI_PARAMETERS: dict[str, object] = {"validatorUrl": None}

docs_router = APIRouter(include_in_schema=False)


def _root(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root


def _openapi_url(request: Request) -> str:
    openapi_url: str = request.app.openapi_url or "/openapi.json"
    return _root(request) + openapi_url


def _asset(request: Request, name: str) -> str:
    return _root(request) + DOC_ASSETS[name]


@docs_router.get(DOCS_URL, response_class=HTMLResponse)
async def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI for this app's ``/openapi.json``, using only local assets."""
    return get_swagger_ui_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} — 接口文档",
        swagger_js_url=_asset(request, "swagger_js"),
        swagger_css_url=_asset(request, "swagger_css"),
        swagger_favicon_url=_asset(request, "favicon"),
        oauth2_redirect_url=_root(request) + OAUTH2_REDIRECT_URL,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )


@docs_router.get(OAUTH2_REDIRECT_URL, response_class=HTMLResponse)
async def swagger_ui_redirect() -> HTMLResponse:
    """Swagger UI's OAuth2 redirect page (inline script, no external assets)."""
    return get_swagger_ui_oauth2_redirect_html()


@docs_router.get(REDOC_URL, response_class=HTMLResponse)
async def redoc(request: Request) -> HTMLResponse:
    """ReDoc for this app's ``/openapi.json``; no Google Fonts, no remote favicon."""
    return get_redoc_html(
        openapi_url=_openapi_url(request),
        title=f"{request.app.title} — 接口参考",
        redoc_js_url=_asset(request, "redoc_js"),
        redoc_favicon_url=_asset(request, "favicon"),
        with_google_fonts=False,
    )
