"""Personal data at rest: contact columns sealed (AES-GCM) on SQLite and PostgreSQL, the
SQLite file created 0600, old rows sealed by the migration, a wrong key refused loudly."""

from __future__ import annotations

import base64
import stat
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from data.records import Candidate, ContactDetails
from data.settings import get_settings
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.migrate import alembic_config
from data.store.repository import delete_candidate, get_candidate, upsert_candidates
from data.store.sealing import DEMO_KEY, SealedDataError, seal, unseal

PHONE, ID_NUMBER, NAME = "+86 138-0013-8000", "44030119900307123X", "陈小明"


def _candidate(candidate_id: str = "c1") -> Candidate:
    return Candidate(
        candidate_id=candidate_id,
        city_code="4403",
        registered_on=date(2026, 3, 1),
        contact=ContactDetails(name=NAME, phone=PHONE, id_number=ID_NUMBER, email="c@example.cn"),
    )


def _raw_contacts(engine: Engine) -> list[tuple[str, ...]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT name, phone, id_number, email FROM candidate_contacts")
        ).all()
    return [tuple(row) for row in rows]


def test_contact_data_is_sealed_in_the_database_and_plain_through_the_store(
    engine: Engine,
) -> None:
    with session_scope(engine) as session:
        upsert_candidates(session, [_candidate()])
    raw = _raw_contacts(engine)
    assert len(raw) == 1
    dump = " ".join(raw[0])
    for secret in (PHONE, ID_NUMBER, NAME, "13800138000", "c@example.cn"):
        assert secret not in dump
    assert all(value.startswith("enc1:") for value in raw[0])
    with session_scope(engine) as session:
        stored = get_candidate(session, "c1", include_personal=True)
        assert stored is not None and stored.contact is not None
        assert (stored.contact.phone, stored.contact.id_number) == (PHONE, ID_NUMBER)
        assert stored.contact.name == NAME
        # re-upserting the same record is "unchanged": comparison happens on plain values
        counts = upsert_candidates(session, [_candidate()])
    assert counts.unchanged == 1
    with session_scope(engine) as session:
        assert delete_candidate(session, "c1")
    assert _raw_contacts(engine) == []  # deletion still complete


def test_a_wrong_key_is_refused_not_garbled(monkeypatch: pytest.MonkeyPatch) -> None:
    token = seal(PHONE, key=DEMO_KEY)
    other = base64.urlsafe_b64encode(b"k" * 32).decode()
    with pytest.raises(SealedDataError, match="sealed with key"):
        unseal(token, key=other)
    tampered = token[:-6] + ("AAAA==" if not token.endswith("AAAA==") else "BBBB==")
    with pytest.raises(SealedDataError, match="altered"):
        unseal(tampered, key=DEMO_KEY)
    monkeypatch.setenv("YUECAI_PERSONAL_DATA_KEY", other)
    get_settings.cache_clear()
    try:
        assert unseal(seal(PHONE)) == PHONE  # the configured key is the one used
        with pytest.raises(SealedDataError):
            unseal(token)
    finally:
        monkeypatch.delenv("YUECAI_PERSONAL_DATA_KEY")
        get_settings.cache_clear()


def test_sqlite_file_is_created_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade_to_head(engine)
    finally:
        engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_migration_seals_rows_written_before_it_and_downgrade_opens_them(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0013")
        with engine.begin() as connection:
            connection.execute(
                text(
                    "INSERT INTO candidates (candidate_id, tenant_id, city_code,"
                    " desired_city_codes, willing_gba, desired_occupation_codes, skill_level,"
                    " title_level, experience_years, certificates, skills, registered_on,"
                    " resume_text, created_at, updated_at) VALUES ('old', 'public', '4401',"
                    " '[]', false, '[]', 0, 0, 0, '[]', '[]', '2025-01-01', '',"
                    " '2025-01-01 00:00:00', '2025-01-01 00:00:00')"
                )
            )
            connection.execute(
                text(
                    "INSERT INTO candidate_contacts (candidate_id, name, phone, id_number)"
                    " VALUES ('old', :name, :phone, :id)"
                ),
                {"name": NAME, "phone": PHONE, "id": ID_NUMBER},
            )
        upgrade_to_head(engine)
        ((name, phone, id_number, email),) = _raw_contacts(engine)
        assert email is None and all(v.startswith("enc1:") for v in (name, phone, id_number))
        assert unseal(phone) == PHONE and unseal(id_number) == ID_NUMBER
        with session_scope(engine) as session:
            stored = get_candidate(session, "old", include_personal=True)
            assert stored is not None and stored.contact is not None
            assert stored.contact.name == NAME
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0013")
        assert _raw_contacts(engine) == [(NAME, PHONE, ID_NUMBER, None)]
    finally:
        engine.dispose()
