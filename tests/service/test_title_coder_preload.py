"""A serving process builds its occupation coder at start-up when the setting asks for it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from models.occupation_coder import TitleCoder
from service.main import create_app
from tests.support.service import make_service_settings


def test_the_coder_is_built_at_start_up_when_preloading(tmp_path: Path) -> None:
    settings = make_service_settings(tmp_path).model_copy(update={"preload_title_coder": True})
    app = create_app(settings)
    with TestClient(app):
        app.state.title_coder_preload.join(timeout=600)
        assert isinstance(app.state.title_coder, TitleCoder)


def test_no_coder_is_built_by_default(tmp_path: Path) -> None:
    app = create_app(make_service_settings(tmp_path))
    with TestClient(app):
        assert getattr(app.state, "title_coder", None) is None
