"""Migration 0015 (ids unique per tenant) keeps every row, on SQLite and PostgreSQL, and
goes back down only while no id is shared by two tenants."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from alembic import command
from sqlalchemy import Engine, func, select, text

from data.records import Candidate, ContactDetails, MatchOutcome, Vacancy, record_key
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.changes import changes_since
from data.store.migrate import alembic_config
from data.store.repository import (
    CONTACTS,
    OUTCOMES,
    delete_candidate,
    delete_vacancy,
    get_candidate,
    get_vacancy,
    insert_outcomes,
    upsert_candidates,
    upsert_vacancies,
)

DAY = date(2025, 1, 1)


def _old_rows(engine: Engine) -> None:
    """Rows as revision 0014 held them: a public vacancy and candidate with contact, an
    outcome, and change-log rows for both (one of an id deleted since)."""
    stamp = {"stamp": datetime(2025, 1, 1, tzinfo=UTC)}
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO vacancies (vacancy_id, tenant_id, title, description, city_code,"
                " date_posted, headcount, experience_years_min, required_certificates, skills,"
                " gba_scope, occupation_needs_review, created_at, updated_at) VALUES ('V1', 'sz',"
                " '数控车工', '', '4403', '2025-01-01', 1, 0, '[]', '[]', false, false, :stamp,"
                " :stamp)"
            ),
            stamp,
        )
        connection.execute(
            text(
                "INSERT INTO candidates (candidate_id, tenant_id, city_code,"
                " desired_city_codes, willing_gba, desired_occupation_codes, skill_level,"
                " title_level, experience_years, certificates, skills, registered_on,"
                " resume_text, created_at, updated_at) VALUES ('C1', 'sz', '4403',"
                " '[]', false, '[]', 0, 0, 0, '[]', '[]', '2025-01-01', '',"
                " :stamp, :stamp)"
            ),
            stamp,
        )
        connection.execute(
            text("INSERT INTO candidate_contacts (candidate_id, name) VALUES ('C1', '陈小明')")
        )
        connection.execute(
            text(
                "INSERT INTO match_outcomes (candidate_id, vacancy_id, event, occurred_at,"
                " tenant_id, created_at) VALUES ('C1', 'V1', 'hired', :stamp, 'sz', :stamp)"
            ),
            stamp,
        )
        for side, record_id in (("vacancies", "V1"), ("candidates", "C1"), ("vacancies", "GONE")):
            connection.execute(
                text(
                    "INSERT INTO record_changes (side, record_id, deleted, changed_at)"
                    " VALUES (:side, :id, false, :stamp)"
                ),
                stamp | {"side": side, "id": record_id},
            )


def _vacancy(tenant_id: str) -> Vacancy:
    return Vacancy(
        vacancy_id="V1", tenant_id=tenant_id, title="电工", city_code="4401", date_posted=DAY
    )


def _candidate(tenant_id: str) -> Candidate:
    return Candidate(
        candidate_id="C1",
        tenant_id=tenant_id,
        city_code="4401",
        registered_on=DAY,
        contact=ContactDetails(name=f"{tenant_id} 的人"),
    )


def test_0015_keeps_rows_and_gives_each_tenant_its_ids(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0014")
        _old_rows(engine)
        upgrade_to_head(engine)
        with session_scope(engine) as session:
            vacancy = get_vacancy(session, "V1", "sz")
            candidate = get_candidate(session, "C1", "sz", include_personal=True)
            assert vacancy is not None and candidate is not None
            assert candidate.contact is not None and candidate.contact.name == "陈小明"
            assert session.scalar(select(func.count()).select_from(OUTCOMES)) == 1
            assert [c.key for c in changes_since(session, 0)] == [
                record_key("sz", "V1"),
                record_key("sz", "C1"),
                record_key("public", "GONE"),  # deleted before the migration: public
            ]
            # Another tenant may now use the same ids: separate records.
            assert upsert_vacancies(session, [_vacancy("gz")]).inserted == 1
            assert upsert_candidates(session, [_candidate("gz")]).inserted == 1
            outcome = MatchOutcome(
                candidate_id="C1",
                vacancy_id="V1",
                event="applied",
                occurred_at=datetime(2025, 1, 2, tzinfo=UTC),
                tenant_id="gz",
            )
            assert insert_outcomes(session, [outcome]).inserted == 1
        with session_scope(engine) as session:
            assert get_vacancy(session, "V1", "sz").title == "数控车工"  # type: ignore[union-attr]
            assert get_vacancy(session, "V1", "gz").title == "电工"  # type: ignore[union-attr]
        # Down refuses while "V1"/"C1" are shared, and changes nothing.
        with pytest.raises(RuntimeError, match="more than one tenant"):
            with engine.begin() as connection:
                command.downgrade(alembic_config(connection), "0014")
        with session_scope(engine) as session:
            assert delete_candidate(session, "C1", "gz") and delete_vacancy(session, "V1", "gz")
            assert session.scalar(select(func.count()).select_from(CONTACTS)) == 1
        with engine.begin() as connection:
            command.downgrade(alembic_config(connection), "0014")
            contact = connection.execute(text("SELECT candidate_id FROM candidate_contacts"))
            assert contact.scalars().all() == ["C1"]
            assert connection.execute(text("SELECT count(*) FROM match_outcomes")).scalar() == 1
            changed = connection.execute(text("SELECT record_id FROM record_changes ORDER BY seq"))
            assert changed.scalars().all()[:3] == ["V1", "C1", "GONE"]
        upgrade_to_head(engine)  # and up again
        with session_scope(engine) as session:
            assert get_candidate(session, "C1", include_personal=True) is not None
    finally:
        engine.dispose()


def test_0015_refuses_an_outcome_joining_two_tenants(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection), "0014")
        _old_rows(engine)
        with engine.begin() as connection:
            connection.execute(text("UPDATE candidates SET tenant_id = 'gz'"))
        with pytest.raises(RuntimeError, match="different tenants"):
            upgrade_to_head(engine)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT count(*) FROM match_outcomes")).scalar() == 1
    finally:
        engine.dispose()
