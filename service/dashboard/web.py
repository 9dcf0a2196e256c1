"""HTML plumbing of the dashboard: login redirects and page rendering.

Pages are planner/admin only (the router declares ``require_roles("planner")``); the key comes
from the ``/login`` cookie (:mod:`service.api.security`). A browser without a valid cookie is
sent to ``/login?next=<this page>`` instead of seeing a JSON problem: :class:`DashboardRoute`
turns the access policy's 401 into that redirect for GET requests that accept HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.responses import HTMLResponse, RedirectResponse, Response

from models.display import install_display_filters
from service.core.errors import Unauthorized, wants_html
from service.core.templating import templates

__all__ = ["NAV_ITEMS", "DashboardRoute", "page", "url_with", "wants_html"]

NAV_ITEMS: tuple[tuple[str, str], ...] = (
    ("/", "概览"),
    ("/catalogue", "紧缺目录"),
    ("/map", "人才地图"),
    ("/warnings", "预警"),
    ("/reports", "供给与流动报告"),
    ("/indicators", "专栏1 指标"),
    ("/coding", "编码质量"),
)
install_display_filters(templates.env)
Handler = Callable[[Request], Coroutine[Any, Any, Response]]


def login_redirect(request: Request) -> RedirectResponse:
    """303 to the login form, coming back to this page afterwards."""
    root = request.scope.get("root_path", "")
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{root}/login?next={quote(target, safe='')}", status_code=303)


class DashboardRoute(APIRoute):
    """An ``APIRoute`` whose 401 (no or bad login cookie) becomes a login redirect for browsers."""

    def get_route_handler(self) -> Handler:
        """Wrap the normal handler (dependencies included, so the access policy's 401 too)."""
        handler = super().get_route_handler()

        async def redirecting_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Unauthorized:
                if request.method in ("GET", "HEAD") and wants_html(request):
                    return login_redirect(request)
                raise

        return redirecting_handler


def url_with(path: str, **query: str | int | None) -> str:
    """``path`` plus the non-empty query parameters, URL-encoded."""
    pairs = {key: str(value) for key, value in query.items() if value not in (None, "")}
    return f"{path}?{urlencode(pairs)}" if pairs else path


def page(request: Request, template: str, *, active: str, **context: Any) -> HTMLResponse:
    """Render ``dashboard/<template>`` with the navigation and the site root."""
    return templates.TemplateResponse(
        request,
        f"dashboard/{template}",
        {
            "nav_items": NAV_ITEMS,
            "active": active,
            "root": request.scope.get("root_path", ""),
            "url_with": url_with,
            **context,
        },
    )
