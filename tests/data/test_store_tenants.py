"""Ids unique per tenant in the store, on SQLite and PostgreSQL: the same id in two tenants
is two records for every write, read, delete, outcome, hire count and change-log entry."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from app.match_training import load_frames
from data.records import (
    Candidate,
    ContactDetails,
    MatchOutcome,
    Vacancy,
    keyed_record,
    record_key,
    split_record_key,
)
from data.store import list_vacancies, make_engine, session_scope
from data.store.changes import changes_since
from data.store.repository import (
    CONTACTS,
    AmbiguousRecordError,
    delete_candidate,
    delete_vacancy,
    get_candidate,
    get_candidates,
    get_vacancies,
    get_vacancy,
    hired_candidates,
    hired_counts,
    insert_outcomes,
    latest_hires,
    upsert_candidates,
    upsert_vacancies,
)
from training.cli import app

DAY = date(2025, 3, 1)
HIRED_AT = datetime(2025, 3, 2, 9, 0, tzinfo=UTC)


def _vacancy(tenant_id: str, title: str = "数控车工") -> Vacancy:
    return Vacancy(
        vacancy_id="V1", tenant_id=tenant_id, title=title, city_code="4401", date_posted=DAY
    )


def _candidate(tenant_id: str, name: str) -> Candidate:
    return Candidate(
        candidate_id="C1",
        tenant_id=tenant_id,
        city_code="4401",
        registered_on=DAY,
        contact=ContactDetails(name=name),
    )


def test_record_keys_are_opaque_and_invertible() -> None:
    assert split_record_key(record_key("ta", "V1:x.y")) == ("ta", "V1:x.y")
    assert record_key("ta", "V1") != record_key("tb", "V1")
    with pytest.raises(ValueError, match="not a record key"):
        split_record_key("V1")
    assert keyed_record(_vacancy("ta")).vacancy_id == record_key("ta", "V1")


def test_the_same_ids_in_two_tenants_are_two_records(engine: Engine) -> None:
    with session_scope(engine) as session:
        assert upsert_vacancies(session, [_vacancy("ta"), _vacancy("tb", "电工")]).inserted == 2
        people = [_candidate("ta", "甲"), _candidate("tb", "乙")]
        assert upsert_candidates(session, people).inserted == 2
        # Writing one tenant's again changes only that one.
        assert upsert_vacancies(session, [_vacancy("ta", "钳工")]).updated == 1
    with session_scope(engine) as session:
        assert get_vacancy(session, "V1", "ta").title == "钳工"  # type: ignore[union-attr]
        assert get_vacancy(session, "V1", "tb").title == "电工"  # type: ignore[union-attr]
        assert get_vacancy(session, "V1", "tc") is None
        with pytest.raises(AmbiguousRecordError, match="several tenants"):
            get_vacancy(session, "V1")
        with pytest.raises(AmbiguousRecordError):
            delete_candidate(session, "C1")
        keys = [record_key("tb", "V1"), record_key("tc", "V1")]
        assert [(v.tenant_id, v.title) for v in get_vacancies(session, keys)] == [("tb", "电工")]
        assert {c.tenant_id for c in get_candidates(session, [record_key("ta", "C1")])} == {"ta"}
        page, total = list_vacancies(session)
        assert total == 2 and [v.tenant_id for v in page] == ["ta", "tb"]  # tenant breaks ties
        outcomes = [
            MatchOutcome(
                candidate_id="C1", vacancy_id="V1", event=e, occurred_at=HIRED_AT, tenant_id="ta"
            )
            for e in ("applied", "hired")
        ]
        assert insert_outcomes(session, outcomes).inserted == 2
    with session_scope(engine) as session:
        assert hired_counts(session) == {record_key("ta", "V1"): 1}
        assert hired_counts(session, [record_key("tb", "V1")]) == {}
        assert hired_candidates(session, [record_key("ta", "V1")]) == [record_key("ta", "C1")]
        assert set(latest_hires(session)) == {record_key("ta", "C1")}
        assert latest_hires(session, [record_key("tb", "C1")]) == {}
    # Deleting a's candidate erases a's personal data and outcomes only.
    with session_scope(engine) as session:
        assert delete_candidate(session, "C1", "ta") is True
        assert delete_candidate(session, "C1", "ta") is False
        names = session.execute(select(CONTACTS.c.tenant_id, func.count()).group_by("tenant_id"))
        assert dict(names.all()) == {"tb": 1}
        kept = get_candidate(session, "C1", include_personal=True)  # only b's is left
        assert kept is not None and kept.contact is not None and kept.contact.name == "乙"
        assert hired_counts(session) == {}
        assert delete_vacancy(session, "V1", "tb") is True
        assert get_vacancy(session, "V1") is not None  # a's
    with session_scope(engine) as session:
        log = [(c.side, c.key, c.deleted) for c in changes_since(session, 0)]
    assert log == [
        ("vacancies", record_key("ta", "V1"), False),
        ("vacancies", record_key("tb", "V1"), False),
        ("candidates", record_key("ta", "C1"), False),
        ("candidates", record_key("tb", "C1"), False),
        ("vacancies", record_key("ta", "V1"), False),
        ("vacancies", record_key("ta", "V1"), False),  # the hire, for the match index
        ("candidates", record_key("ta", "C1"), True),
        ("vacancies", record_key("tb", "V1"), True),
    ]


def test_an_outcome_needs_both_ends_in_its_tenant(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [_vacancy("tb")])
        upsert_candidates(session, [_candidate("ta", "甲")])
    stray = MatchOutcome(
        candidate_id="C1", vacancy_id="V1", event="applied", occurred_at=HIRED_AT, tenant_id="ta"
    )
    with pytest.raises(IntegrityError):  # a's candidate, b's vacancy: no such pair in a
        with session_scope(engine) as session:
            insert_outcomes(session, [stray])


def test_ingest_writes_into_a_tenant(db_url: str, tmp_path: Path) -> None:
    """``yuecai ingest --tenant``: every row into that tenant (a row naming another is bad);
    without it each row's own tenant_id, else public. The same ids stay apart per tenant."""
    rows = [
        {"vacancy_id": "V1", "title": "电工", "city_code": "4401", "date_posted": "2025-03-01"},
        {"vacancy_id": "V2", "title": "钳工", "city_code": "4401", "date_posted": "2025-03-01"},
    ]
    rows = [row | {"occupation_code": "2-02-10-03"} for row in rows]  # given: nothing to code
    plain = tmp_path / "v.jsonl"
    plain.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows), "utf-8")
    named = tmp_path / "named.jsonl"
    named.write_text(json.dumps(rows[0] | {"tenant_id": "tb"}, ensure_ascii=False), "utf-8")
    runner = CliRunner()
    for args in (["--tenant", "ta"], ["--tenant", "tb"], []):
        result = runner.invoke(
            app, ["ingest", "vacancies", str(plain), "--db", db_url, "--no-progress", *args]
        )
        assert result.exit_code == 0, result.output
    refused = runner.invoke(
        app, ["ingest", "vacancies", str(named), "--db", db_url, "--no-progress", "--tenant", "ta"]
    )
    assert refused.exit_code == 1 and "tenant_id" in refused.output
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as session:
            page, total = list_vacancies(session, limit=10)
            assert total == 6
            assert sorted({v.tenant_id for v in page}) == ["public", "ta", "tb"]
    finally:
        engine.dispose()


def test_match_training_frames_join_records_of_their_own_tenant(
    engine: Engine, db_url: str
) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [_vacancy("ta"), _vacancy("tb")])
        upsert_candidates(session, [_candidate("ta", "甲"), _candidate("tb", "乙")])
        hire = MatchOutcome(
            candidate_id="C1", vacancy_id="V1", event="hired", occurred_at=HIRED_AT, tenant_id="tb"
        )
        insert_outcomes(session, [hire])
    candidates, vacancies, outcomes = load_frames(db_url)
    assert sorted(candidates["candidate_id"]) == [record_key("ta", "C1"), record_key("tb", "C1")]
    assert sorted(vacancies["vacancy_id"]) == [record_key("ta", "V1"), record_key("tb", "V1")]
    pairs = list(zip(outcomes["candidate_id"], outcomes["vacancy_id"], strict=True))
    assert pairs == [(record_key("tb", "C1"), record_key("tb", "V1"))]
