"""One domain error tree (data.errors), mapped once to CLI exit codes and once to problem+json."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from app import publish
from app.forecasting import ForecastDataError
from app.publish_guard import PublishRefused
from data.errors import (
    ConflictError,
    DomainError,
    InsufficientDataError,
    InvalidDataError,
    NotFoundError,
    PeriodError,
    UnavailableError,
    exit_code,
)
from data.fonts import CJKFontNotFoundError
from data.indicators import IndicatorInputError
from data.ingest.jobsite import CellError
from data.ingest.readers import IngestFileError
from data.levels import UnknownLevelError
from data.records import FieldOrderError
from data.store.catalogue import ImmutableEditionError
from data.store.indicators import UnknownIndicatorError
from data.store.keys import Principal, UnknownKeyError
from data.store.sealing import SealedDataError
from models.catalogue.periods import period_window
from models.match.errors import UnknownRecord, UnscorableProfile
from models.registry import ArtifactIntegrityError, ArtifactNotFoundError, RegistryError
from service.api.security import authenticate, require_roles
from service.main import create_app
from tests.support.service import make_service_settings
from training import cli

ADMIN = Principal(key_id="test", role="admin", tenant_id=None)
BRANCHES = {
    IngestFileError: InvalidDataError,
    IndicatorInputError: InvalidDataError,
    PublishRefused: InvalidDataError,
    FieldOrderError: InvalidDataError,
    UnknownLevelError: InvalidDataError,
    CellError: InvalidDataError,
    UnscorableProfile: InsufficientDataError,
    ForecastDataError: InsufficientDataError,
    InsufficientDataError: InvalidDataError,
    PeriodError: InvalidDataError,
    UnknownKeyError: NotFoundError,
    UnknownIndicatorError: NotFoundError,
    ArtifactNotFoundError: NotFoundError,
    UnknownRecord: NotFoundError,
    ImmutableEditionError: ConflictError,
    ArtifactIntegrityError: UnavailableError,
    CJKFontNotFoundError: UnavailableError,
    SealedDataError: UnavailableError,
    RegistryError: DomainError,
}


@pytest.mark.parametrize(("error", "branch"), BRANCHES.items(), ids=lambda e: e.__name__)
def test_every_domain_error_sits_on_its_branch(error: type, branch: type) -> None:
    assert issubclass(error, branch) and issubclass(error, DomainError)


def test_a_malformed_period_is_a_period_error_and_still_a_value_error() -> None:
    with pytest.raises(PeriodError):
        period_window("2026Q5")
    with pytest.raises(ValueError):  # callers that catch ValueError keep working
        period_window("26-Q4")


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (PublishRefused("期间 2030Q1 晚于数据截止月份"), 2),
        (UnknownKeyError("no key k1"), 3),
        (ImmutableEditionError("edition 3 is published"), 4),
        (ArtifactIntegrityError("hash mismatch"), 5),
        (RegistryError("registry folder unreadable"), 1),
    ],
)
def test_cli_turns_an_unhandled_domain_error_into_its_exit_code(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    error: DomainError,
    code: int,
) -> None:
    def failing_app() -> None:
        raise error

    monkeypatch.setattr(cli, "app", failing_app)
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == code == exit_code(error)
    captured = capsys.readouterr()
    assert type(error).__name__ in captured.err and str(error) in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("error", "status", "slug"),
    [
        (UnknownKeyError("No key 'k9'."), 404, "not-found"),
        (ImmutableEditionError("Edition 1 is published."), 409, "conflict"),
        (IngestFileError("not a CSV file"), 422, "invalid-input"),
        (ForecastDataError("history too short"), 422, "insufficient-data"),
        (UnscorableProfile("nothing to match on"), 422, "insufficient-data"),
        (SealedDataError("sealed with another key"), 503, "service-unavailable"),
        (RegistryError("registry unreadable"), 500, "internal-error"),
    ],
)
def test_api_maps_each_branch_to_problem_json_once(
    tmp_path: Path, error: DomainError, status: int, slug: str
) -> None:
    app = create_app(make_service_settings(tmp_path))
    router = APIRouter(dependencies=[require_roles("admin", "planner", "platform")])

    @router.get("/boom")
    def boom() -> None:
        raise error

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom", headers={"X-API-Key": "yc_nope_nope"})
        assert response.status_code == 401  # the access policy still comes first
        app.dependency_overrides[authenticate] = lambda: ADMIN
        response = client.get("/boom")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"].endswith(f"/{slug}") and str(error) in body["detail"] + str(
        body.get("errors")
    )


@pytest.fixture
def empty_store(tmp_path: Path) -> str:
    """An SQLite file that exists (so publication is not refused) and holds no tables yet."""
    path = tmp_path / "store.sqlite3"
    sqlite3.connect(path).close()
    return f"sqlite:///{path}"


def _publish_raising(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    def build_fails(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(publish, "publish_catalogue", build_fails)


def test_publish_reports_a_period_error_of_the_build_with_exit_2(
    monkeypatch: pytest.MonkeyPatch, empty_store: str
) -> None:
    _publish_raising(monkeypatch, PeriodError("period '2026Q4' starts after the data"))
    command = ["catalogue", "publish", "--period", "2026Q4", "--db", empty_store]
    result = CliRunner().invoke(cli.app, [*command, "--no-forecast"])
    assert result.exit_code == 2 and "starts after the data" in result.output


def test_publish_does_not_turn_a_value_error_of_the_build_into_a_period_error(
    monkeypatch: pytest.MonkeyPatch, empty_store: str
) -> None:
    """A bug (a plain ValueError deep in the build) is a traceback, not "bad period, exit 2"."""
    _publish_raising(monkeypatch, ValueError("operands could not be broadcast together"))
    command = ["catalogue", "publish", "--period", "2026Q4", "--db", empty_store]
    result = CliRunner().invoke(cli.app, [*command, "--no-forecast"])
    assert result.exit_code == 1 and isinstance(result.exception, ValueError)
    assert "period" not in result.output


def test_publish_leaves_another_domain_error_to_its_branch(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], empty_store: str
) -> None:
    _publish_raising(monkeypatch, InsufficientDataError("no vacancy has an occupation code"))
    command = ["catalogue", "publish", "--period", "2026Q4", "--db", empty_store]
    monkeypatch.setattr(sys, "argv", ["yuecai", *command, "--no-forecast"])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    assert exited.value.code == exit_code(InsufficientDataError("x")) == 2
    assert "InsufficientDataError: no vacancy has an occupation code" in capsys.readouterr().err
