"""API key store on SQLite and PostgreSQL, and the `yuecai keys` CLI."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from data.store import make_engine, session_scope
from data.store.keys import (
    KeyInfo,
    Principal,
    UnknownKeyError,
    add_revocation_listener,
    issue_key,
    list_keys,
    parse_key,
    revoke_key,
    verify_key,
)
from training.cli import app as cli

KEY_PATTERN = re.compile(r"^yc_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$")


def _issue(engine: Engine, role: str, tenant_id: str | None = None) -> tuple[str, str]:
    with session_scope(engine) as session:
        return issue_key(session, role, tenant_id=tenant_id, name=f"{role} test")


def _verify(engine: Engine, plaintext: str, now: datetime | None = None) -> Principal | None:
    with session_scope(engine) as session:
        return verify_key(session, plaintext, now=now)


def test_issued_key_has_the_documented_shape_and_verifies(engine: Engine) -> None:
    key_id, plaintext = _issue(engine, "platform", "ACME")
    assert KEY_PATTERN.match(plaintext)
    assert parse_key(plaintext) == (key_id, plaintext.split("_", 2)[2])
    assert _verify(engine, plaintext) == Principal(key_id, "platform", "ACME")
    assert _verify(engine, f"  {plaintext}\n") == Principal(key_id, "platform", "ACME")


@pytest.mark.parametrize("role", ["planner", "admin"])
def test_planner_and_admin_keys_have_no_tenant(engine: Engine, role: str) -> None:
    key_id, plaintext = _issue(engine, role)
    assert _verify(engine, plaintext) == Principal(key_id, role, None)  # type: ignore[arg-type]


def test_the_plaintext_never_reaches_the_database(engine: Engine) -> None:
    _key_id, plaintext = _issue(engine, "admin")
    secret = plaintext.split("_", 2)[2]
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT * FROM api_keys")).mappings().all()
    assert len(rows) == 1
    stored = " ".join(str(value) for value in rows[0].values())
    assert secret not in stored
    assert plaintext not in stored
    assert len(rows[0]["secret_hash"]) == 64
    if engine.url.get_backend_name() == "sqlite":  # not even in free pages of the file
        assert secret.encode() not in Path(engine.url.database or "").read_bytes()


@pytest.mark.parametrize(
    "mangle",
    [
        pytest.param(lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"), id="wrong-secret"),
        pytest.param(lambda key: "yc_ffffffffffffffff_" + key.split("_", 2)[2], id="unknown-id"),
        pytest.param(lambda key: key[3:], id="no-prefix"),
        pytest.param(lambda key: key + "x", id="too-long"),
        pytest.param(lambda _key: "", id="empty"),
    ],
)
def test_wrong_or_malformed_keys_do_not_verify(engine: Engine, mangle: object) -> None:
    _key_id, plaintext = _issue(engine, "admin")
    assert callable(mangle)
    assert _verify(engine, mangle(plaintext)) is None


def test_revoked_key_no_longer_verifies(engine: Engine) -> None:
    key_id, plaintext = _issue(engine, "planner")
    with session_scope(engine) as session:
        assert revoke_key(session, key_id) is True
    with session_scope(engine) as session:
        assert revoke_key(session, key_id) is False
    assert _verify(engine, plaintext) is None
    with session_scope(engine) as session, pytest.raises(UnknownKeyError, match="no API key"):
        revoke_key(session, "0000000000000000")


@pytest.mark.parametrize(
    ("role", "tenant_id", "message"),
    [
        ("root", None, "role must be one of"),
        ("platform", None, "needs a tenant_id"),
        ("platform", "  ", "needs a tenant_id"),
        ("platform", "T" * 65, "longer than 64"),
        ("planner", "ACME", "not bound to a tenant"),
        ("admin", "ACME", "not bound to a tenant"),
    ],
)
def test_issue_refuses_bad_role_or_tenant(
    engine: Engine, role: str, tenant_id: str | None, message: str
) -> None:
    with session_scope(engine) as session, pytest.raises(ValueError, match=message):
        issue_key(session, role, tenant_id=tenant_id)


@pytest.mark.parametrize(
    ("role", "tenant_id"), [("platform", None), ("admin", "ACME"), ("superuser", None)]
)
def test_database_rejects_inconsistent_rows(
    engine: Engine, role: str, tenant_id: str | None
) -> None:
    insert = text(
        "INSERT INTO api_keys (key_id, role, tenant_id, name, salt, secret_hash, created_at) "
        "VALUES ('0123456789abcdef', :role, :tenant, '', :salt, :hash, :now)"
    )
    values = {"role": role, "tenant": tenant_id, "salt": "0" * 32, "hash": "0" * 64}
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(insert, {**values, "now": datetime.now(UTC)})


def test_list_keys_shows_no_secret_material(engine: Engine) -> None:
    platform_id, _ = _issue(engine, "platform", "ACME")
    admin_id, _ = _issue(engine, "admin")
    with session_scope(engine) as session:
        revoke_key(session, admin_id)
    with session_scope(engine) as session:
        keys = list_keys(session)
    assert {info.key_id for info in keys} == {platform_id, admin_id}
    assert set(KeyInfo.__dataclass_fields__) == {
        "key_id", "role", "tenant_id", "name", "created_at", "revoked_at", "last_used_at"
    }  # fmt: skip
    by_id = {info.key_id: info for info in keys}
    assert by_id[platform_id].active and by_id[platform_id].tenant_id == "ACME"
    assert not by_id[admin_id].active


def test_last_used_is_written_at_most_once_a_minute(engine: Engine) -> None:
    key_id, plaintext = _issue(engine, "admin")
    start = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)

    def last_used() -> datetime | None:
        with session_scope(engine) as session:
            return next(info.last_used_at for info in list_keys(session) if info.key_id == key_id)

    assert last_used() is None
    _verify(engine, plaintext, now=start)
    assert last_used() == start
    _verify(engine, plaintext, now=start + timedelta(seconds=59))
    assert last_used() == start
    _verify(engine, plaintext, now=start + timedelta(seconds=61))
    assert last_used() == start + timedelta(seconds=61)


class _Recorder:
    def __init__(self) -> None:
        self.forgotten: list[str] = []

    def forget(self, key_id: str) -> None:
        self.forgotten.append(key_id)


def test_revoke_notifies_listeners_now_and_on_commit(engine: Engine) -> None:
    recorder = _Recorder()
    add_revocation_listener(recorder)
    key_id, _ = _issue(engine, "admin")
    with session_scope(engine) as session:
        revoke_key(session, key_id)
        assert recorder.forgotten == [key_id]
    assert recorder.forgotten == [key_id, key_id]


@given(
    key_id=st.text(alphabet="0123456789abcdef", min_size=16, max_size=16),
    secret=st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
        min_size=43,
        max_size=43,
    ),
)
def test_parse_key_round_trips_every_well_formed_key(key_id: str, secret: str) -> None:
    assert parse_key(f"yc_{key_id}_{secret}") == (key_id, secret)


@given(st.text(max_size=80).filter(lambda value: not value.strip().startswith("yc_")))
def test_parse_key_refuses_anything_without_the_prefix(value: str) -> None:
    assert parse_key(value) is None


# --- CLI ----------------------------------------------------------------------------------


def test_cli_issue_list_revoke(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    runner = CliRunner()
    issued = runner.invoke(
        cli,
        ["keys", "issue", "--role", "platform", "--tenant", "ACME", "--name", "前程", "--db", url],
    )
    assert issued.exit_code == 0, issued.output
    plaintext = issued.stdout.strip()
    assert KEY_PATTERN.match(plaintext)
    key_id = plaintext.split("_")[1]
    assert "shown once" in issued.stderr

    listed = runner.invoke(cli, ["keys", "list", "--db", url])
    assert listed.exit_code == 0, listed.output
    assert key_id in listed.stdout and "ACME" in listed.stdout and "active" in listed.stdout
    assert plaintext.split("_", 2)[2] not in listed.output

    revoked = runner.invoke(cli, ["keys", "revoke", key_id, "--db", url])
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in revoked.stderr
    assert "revoked" in runner.invoke(cli, ["keys", "list", "--db", url]).stdout
    engine = make_engine(url)
    try:
        assert _verify(engine, plaintext) is None
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["keys", "issue", "--role", "platform"], 2, "needs a tenant_id"),
        (["keys", "issue", "--role", "god"], 2, "role must be one of"),
        (["keys", "revoke", "0000000000000000"], 1, "no API key"),
    ],
)
def test_cli_reports_errors(tmp_path: Path, args: list[str], exit_code: int, message: str) -> None:
    url = f"sqlite:///{tmp_path / 'keys.sqlite3'}"
    result = CliRunner().invoke(cli, [*args, "--db", url])
    assert result.exit_code == exit_code
    assert message in result.stderr
    assert result.stdout == ""
