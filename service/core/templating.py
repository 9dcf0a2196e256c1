"""Jinja2 templates for the HTML pages (planners' dashboard), from ``service/templates/``.

Pages extend ``base.html`` (``lang="zh-CN"``, local assets only) and reach static files with
``static_url('css/yuecai.css')``, which honours the ASGI ``root_path`` behind a proxy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import pass_context
from starlette.templating import Jinja2Templates

__all__ = ["STATIC_DIR", "TEMPLATES_DIR", "templates"]

SERVICE_DIR = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = SERVICE_DIR / "templates"
STATIC_DIR = SERVICE_DIR / "static"
STATIC_URL = "/static"


@pass_context
def static_url(context: Any, path: str) -> str:
    """Site-relative URL of a file under ``service/static/`` (no scheme/host, proxy-safe)."""
    request = context.get("request")
    root = request.scope.get("root_path", "") if request is not None else ""
    return f"{root}{STATIC_URL}/{path.lstrip('/')}"


templates = Jinja2Templates(directory=TEMPLATES_DIR)
templates.env.globals["static_url"] = static_url
