"""``/login`` and ``/logout``: the dashboard's key cookie (HttpOnly, SameSite=Strict).

Only planner and admin keys may log in; the cookie is read by
:func:`service.api.security.get_principal_from_cookie`, and a state change riding on it needs
the page's CSRF token (:func:`service.api.security.csrf_token`).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from service.api.security import COOKIE_MAX_AGE_SECONDS, COOKIE_NAME, verify_plaintext
from service.core.errors import Unauthorized
from service.core.templating import templates

__all__ = ["login_router"]

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
        principal = await verify_plaintext(request, key)
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
