"""The store on SQLite and PostgreSQL: migrations, lossless round trips, upserts, reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, inspect, select, text

from data.levels import Education, SkillLevel, TitleLevel
from data.records import (
    Candidate,
    ContactDetails,
    Gender,
    MatchOutcome,
    OutcomeEvent,
    ProtectedAttributes,
    Vacancy,
)
from data.settings import get_settings
from data.store import (
    Base,
    current_revision,
    delete_candidate,
    delete_vacancy,
    get_candidate,
    get_vacancy,
    head_revision,
    insert_outcomes,
    list_candidates,
    list_vacancies,
    make_engine,
    read_candidates_frame,
    read_outcomes_frame,
    read_vacancies_frame,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.migrate import load_table_modules
from data.store.schema import CandidateContactRow, CandidateProtectedRow, VacancyRow

DAY = date(2024, 3, 1)
TABLES = {"vacancies", "candidates", "candidate_contacts", "candidate_protected", "match_outcomes"}


def vacancy(key: str = "v1", **changes: object) -> Vacancy:
    base = {"vacancy_id": key, "title": "数控车工", "city_code": "4401", "date_posted": DAY}
    return Vacancy.model_validate(base | changes)


def candidate(key: str = "c1", **changes: object) -> Candidate:
    base = {"candidate_id": key, "city_code": "4403", "registered_on": DAY}
    return Candidate.model_validate(base | changes)


def outcome(candidate_id: str = "c1", vacancy_id: str = "v1", **changes: object) -> MatchOutcome:
    base = {
        "candidate_id": candidate_id,
        "vacancy_id": vacancy_id,
        "event": "applied",
        "occurred_at": datetime(2024, 3, 2, 9, 30, tzinfo=UTC),
    }
    return MatchOutcome.model_validate(base | changes)


FULL_VACANCY = vacancy(
    "v-full.1:x",
    tenant_id="gz-hrss",
    employer_id="e_9",
    title="  工业机器人系统运维员  ",
    description="负责产线机器人维护。\n多行描述",
    occupation_code="6-31-07-03",
    industry_code="3491",
    district_code="440106",
    valid_through=date(2024, 4, 1),
    date_closed=date(2024, 3, 20),
    headcount=12,
    base_salary_min=6000,
    base_salary_max=9000,
    education_requirement=Education.college,
    skill_level_requirement=SkillLevel.senior_worker,
    title_level_requirement=TitleLevel.junior,
    experience_years_min=3,
    required_certificates=("电工证", "特种作业操作证"),
    skills=("PLC", "ABB", "焊接"),
    gba_scope=True,
)
FULL_CANDIDATE = candidate(
    "c-full",
    tenant_id="sz",
    desired_city_codes=("4403", "4419"),
    willing_gba=True,
    desired_occupation_codes=("6-31-07-03",),
    current_occupation_code="6-31-01-01",
    industry_code="34",
    education=Education.senior_high,
    skill_level=SkillLevel.technician,
    title_level=TitleLevel.intermediate,
    experience_years=8,
    certificates=("技师证",),
    skills=("PLC",),
    expected_salary_min=8000,
    expected_salary_max=12000,
    available_from=date(2024, 4, 1),
    resume_text="八年数控经验",
    contact=ContactDetails(name="李四", phone="+86 138-0000-0000", email="li@example.cn"),
    protected=ProtectedAttributes(gender=Gender.female, birth_year=1990, hukou_city_code="4501"),
)


# --- migrations -------------------------------------------------------------------------


def test_migration_upgrades_an_empty_database_to_head(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        assert current_revision(engine) is None
        assert upgrade_to_head(engine) == head_revision()
        assert upgrade_to_head(engine) == head_revision()  # idempotent
        assert current_revision(engine) == head_revision()
        assert TABLES <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrated_schema_matches_the_orm_metadata(engine: Engine) -> None:
    load_table_modules()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_upgrade_accepts_a_url(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'deeper' / 'x.sqlite3'}"
    assert upgrade_to_head(url) == head_revision()
    assert (tmp_path / "nested" / "deeper" / "x.sqlite3").is_file()


def test_make_engine_defaults_to_the_settings_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YUECAI_DATABASE_URL", f"sqlite:///{tmp_path / 'var' / 'default.db'}")
    get_settings.cache_clear()
    try:
        engine = make_engine()
        assert engine.url.database == str(tmp_path / "var" / "default.db")
        assert (tmp_path / "var").is_dir()
        engine.dispose()
    finally:
        get_settings.cache_clear()


# --- round trips ------------------------------------------------------------------------


@pytest.mark.parametrize("record", [vacancy(), FULL_VACANCY], ids=["minimal", "full"])
def test_vacancy_round_trip_is_lossless(engine: Engine, record: Vacancy) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [record])
    with session_scope(engine) as session:
        assert get_vacancy(session, record.vacancy_id) == record


@pytest.mark.parametrize(
    "record",
    [
        candidate(),
        FULL_CANDIDATE,
        candidate("c-empty-contact", contact=ContactDetails(), protected=ProtectedAttributes()),
    ],
    ids=["minimal", "full", "empty-personal"],
)
def test_candidate_round_trip_is_lossless(engine: Engine, record: Candidate) -> None:
    with session_scope(engine) as session:
        upsert_candidates(session, [record])
    with session_scope(engine) as session:
        assert get_candidate(session, record.candidate_id, include_personal=True) == record
        features_only = get_candidate(session, record.candidate_id)
    assert features_only == record.model_copy(update={"contact": None, "protected": None})


@pytest.mark.parametrize(
    ("occurred_at", "stored"),
    [
        (datetime(2024, 3, 2, 9, 30, 15, 123456, tzinfo=UTC), "2024-03-02T09:30:15.123456+00:00"),
        (datetime(2024, 3, 2, 17, 30, tzinfo=timezone(timedelta(hours=8))), "2024-03-02T09:30"),
        (datetime(2024, 3, 2, 17, 30), "2024-03-02T09:30:00+00:00"),  # naive = China time
    ],
    ids=["utc", "offset", "naive"],
)
def test_outcome_times_are_stored_in_utc(
    engine: Engine, occurred_at: datetime, stored: str
) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [vacancy()])
        upsert_candidates(session, [candidate()])
        insert_outcomes(session, [outcome(occurred_at=occurred_at)])
    frame = read_outcomes_frame(engine)
    assert frame["occurred_at"].iloc[0] == datetime.fromisoformat(stored).replace(tzinfo=UTC)


_keys = st.from_regex(r"[A-Za-z0-9_.:-]{1,64}", fullmatch=True)
_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)
_words = st.lists(_text.filter(lambda s: s == s.strip() and s), max_size=3).map(tuple)
_dates = st.dates(date(2000, 1, 1), date(2030, 12, 31))
_money = st.none() | st.integers(0, 1_000_000)


@st.composite
def vacancies(draw: st.DrawFn) -> Vacancy:
    posted = draw(_dates)
    low, high = sorted([draw(st.integers(0, 1_000_000)), draw(st.integers(0, 1_000_000))])
    return Vacancy(
        vacancy_id=draw(_keys),
        title=draw(_text.map(str.strip).filter(bool)) if draw(st.booleans()) else "焊工",
        description=draw(_text),
        city_code=draw(st.from_regex(r"44\d{2}", fullmatch=True)),
        date_posted=posted,
        valid_through=posted + timedelta(days=draw(st.integers(0, 90))),
        headcount=draw(st.integers(1, 10_000)),
        base_salary_min=low if draw(st.booleans()) else None,
        base_salary_max=high,
        education_requirement=draw(st.none() | st.sampled_from(Education)),
        skill_level_requirement=draw(st.none() | st.sampled_from(SkillLevel)),
        required_certificates=draw(_words),
        skills=draw(_words),
        gba_scope=draw(st.booleans()),
    )


@st.composite
def candidates(draw: st.DrawFn) -> Candidate:
    return Candidate(
        candidate_id=draw(_keys),
        city_code=draw(st.from_regex(r"44\d{2}", fullmatch=True)),
        desired_city_codes=draw(st.lists(st.sampled_from(["4401", "4403"]), max_size=2).map(tuple)),
        education=draw(st.none() | st.sampled_from(Education)),
        title_level=draw(st.sampled_from(TitleLevel)),
        expected_salary_max=draw(_money),
        registered_on=draw(_dates),
        resume_text=draw(_text),
        skills=draw(_words),
        contact=draw(st.none() | st.builds(ContactDetails, name=st.none() | _text)),
        protected=draw(
            st.none()
            | st.builds(ProtectedAttributes, birth_year=st.none() | st.integers(1940, 2015))
        ),
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=vacancies())
def test_any_vacancy_survives_the_round_trip(engine: Engine, record: Vacancy) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [record])
        assert get_vacancy(session, record.vacancy_id) == record
        delete_vacancy(session, record.vacancy_id)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(record=candidates())
def test_any_candidate_survives_the_round_trip(engine: Engine, record: Candidate) -> None:
    with session_scope(engine) as session:
        upsert_candidates(session, [record])
        assert get_candidate(session, record.candidate_id, include_personal=True) == record
        delete_candidate(session, record.candidate_id)


# --- upserts ----------------------------------------------------------------------------


def test_upsert_counts_inserted_updated_unchanged(engine: Engine) -> None:
    first = [vacancy(f"v{i}") for i in range(5)]
    with session_scope(engine) as session:
        assert upsert_vacancies(session, first).inserted == 5
    second = [*first[:3], first[3].model_copy(update={"headcount": 9}), vacancy("v9")]
    with session_scope(engine) as session:
        counts = upsert_vacancies(session, second)
    assert (counts.inserted, counts.updated, counts.unchanged, counts.total) == (1, 1, 3, 5)
    with session_scope(engine) as session:
        assert get_vacancy(session, "v3") == first[3].model_copy(update={"headcount": 9})
        created, updated = session.execute(
            select(VacancyRow.created_at, VacancyRow.updated_at).where(
                VacancyRow.vacancy_id == "v3"
            )
        ).one()
    assert updated > created


def test_candidate_update_replaces_personal_data(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_candidates(session, [FULL_CANDIDATE])
    changed = FULL_CANDIDATE.model_copy(update={"contact": None})
    with session_scope(engine) as session:
        counts = upsert_candidates(session, [changed])
        again = upsert_candidates(session, [changed])
    assert (counts.updated, again.unchanged) == (1, 1)
    with session_scope(engine) as session:
        assert get_candidate(session, "c-full", include_personal=True) == changed
        assert session.scalar(select(func.count()).select_from(CandidateContactRow)) == 0


@pytest.mark.parametrize(
    ("write", "records", "message"),
    [
        (upsert_vacancies, [vacancy("a"), vacancy("a")], "vacancy_id 'a' appears more than once"),
        (upsert_candidates, [candidate("b"), candidate("b")], "candidate_id 'b' appears"),
    ],
)
def test_duplicate_keys_in_one_write_are_refused(
    engine: Engine, write: object, records: list[object], message: str
) -> None:
    with pytest.raises(ValueError, match=message), session_scope(engine) as session:
        write(session, records)  # type: ignore[operator]


def test_outcomes_are_idempotent_on_their_natural_key(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [vacancy("v1"), vacancy("v2")])
        upsert_candidates(session, [candidate("c1")])
        same_instant = outcome(occurred_at=datetime(2024, 3, 2, 17, 30))  # naive = UTC+8
        first = insert_outcomes(session, [outcome(), outcome(vacancy_id="v2")])
        second = insert_outcomes(session, [same_instant, outcome(event=OutcomeEvent.hired)])
    assert (first.inserted, first.unchanged) == (2, 0)
    assert (second.inserted, second.unchanged) == (1, 1)
    assert len(read_outcomes_frame(engine)) == 3


def test_session_scope_rolls_back_on_error(engine: Engine) -> None:
    with pytest.raises(RuntimeError, match="boom"), session_scope(engine) as session:
        upsert_vacancies(session, [vacancy()])
        raise RuntimeError("boom")
    with session_scope(engine) as session:
        assert get_vacancy(session, "v1") is None


# --- deletes ----------------------------------------------------------------------------


def test_delete_candidate_erases_personal_data_and_outcomes(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [vacancy(), vacancy(tenant_id="sz")])  # one "v1" each
        upsert_candidates(session, [FULL_CANDIDATE, candidate("c2")])
        insert_outcomes(session, [outcome("c-full", tenant_id="sz"), outcome("c2")])
    with session_scope(engine) as session:
        assert delete_candidate(session, "c-full") is True
        assert delete_candidate(session, "c-full") is False
    with session_scope(engine) as session:
        for row in (CandidateContactRow, CandidateProtectedRow):
            assert session.scalar(select(func.count()).select_from(row)) == 0
        assert get_candidate(session, "c2") is not None
    assert read_outcomes_frame(engine)["candidate_id"].tolist() == ["c2"]


def test_foreign_keys_cascade_on_raw_deletes(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [vacancy(tenant_id="sz")])
        upsert_candidates(session, [FULL_CANDIDATE])
        insert_outcomes(session, [outcome("c-full", tenant_id="sz")])
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM candidates"))
        connection.execute(text("DELETE FROM vacancies"))
        for table in TABLES:
            assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0  # noqa: S608


def test_delete_vacancy_removes_its_outcomes(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_vacancies(session, [vacancy("v1"), vacancy("v2")])
        upsert_candidates(session, [candidate()])
        insert_outcomes(session, [outcome(vacancy_id="v1"), outcome(vacancy_id="v2")])
        assert delete_vacancy(session, "v1") is True
        assert delete_vacancy(session, "nope") is False
    assert read_outcomes_frame(engine)["vacancy_id"].tolist() == ["v2"]


# --- pages ------------------------------------------------------------------------------


def test_list_vacancies_filters_and_pages(engine: Engine) -> None:
    records = [
        vacancy(
            f"v{i:02d}",
            city_code="4401" if i % 2 else "4403",
            tenant_id=f"t{i % 3}",
            occupation_code="6-31-07-03" if i < 4 else "2-02-10-09",
        )
        for i in range(10)
    ]
    with session_scope(engine) as session:
        upsert_vacancies(session, records)
        page, total = list_vacancies(session, city_code="4401", offset=1, limit=2)
        assert (total, [v.vacancy_id for v in page]) == (5, ["v03", "v05"])
        _, total = list_vacancies(session, tenant_id="t0", city_code="4403")
        assert total == 2  # v00, v06
        page, total = list_vacancies(session, occupation_code="6-31")
        assert total == 4 and all(v.occupation_code == "6-31-07-03" for v in page)
        with pytest.raises(ValueError, match="limit >= 1"):
            list_vacancies(session, limit=0)


def test_list_candidates_hides_personal_data_unless_asked(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_candidates(session, [FULL_CANDIDATE, candidate("c2", city_code="4401")])
        page, total = list_candidates(session, city_code="4403")
        assert total == 1 and page[0].contact is None and page[0].protected is None
        page, _ = list_candidates(session, occupation_code="6-31-01", include_personal=True)
        assert page == [FULL_CANDIDATE]


# --- frames -----------------------------------------------------------------------------


def test_vacancy_frame_has_record_columns_and_date_window(engine: Engine) -> None:
    records = [vacancy(f"v{i}", date_posted=DAY + timedelta(days=i)) for i in range(6)]
    with session_scope(engine) as session:
        upsert_vacancies(session, [*records, FULL_VACANCY])
    frame = read_vacancies_frame(engine, start=DAY + timedelta(days=2), end=DAY + timedelta(days=5))
    assert list(frame.columns) == list(Vacancy.model_fields)
    assert frame["vacancy_id"].tolist() == ["v2", "v3", "v4"]
    whole = read_vacancies_frame(engine).set_index("vacancy_id")
    assert str(whole["date_posted"].dtype) == "datetime64[ns]"
    assert str(whole["education_requirement"].dtype) == "Int64"
    assert whole.loc["v-full.1:x", "skills"] == ("PLC", "ABB", "焊接")
    assert whole.loc["v-full.1:x", "education_requirement"] == int(Education.college)


def test_candidate_frame_never_holds_personal_data(engine: Engine) -> None:
    with session_scope(engine) as session:
        upsert_candidates(session, [FULL_CANDIDATE])
    frame = read_candidates_frame(engine)
    assert len(frame) == 1
    personal = set(ContactDetails.model_fields) | set(ProtectedAttributes.model_fields)
    assert not personal & set(frame.columns)
    assert {"contact", "protected"}.isdisjoint(frame.columns)


def test_frames_of_an_empty_store_are_empty_with_columns(engine: Engine) -> None:
    assert read_vacancies_frame(engine).empty
    assert list(read_outcomes_frame(engine).columns) == list(MatchOutcome.model_fields)


def test_bulk_upsert_of_many_rows(engine: Engine) -> None:
    records = [vacancy(f"bulk{i}", skills=("a", str(i))) for i in range(3_000)]
    with session_scope(engine) as session:
        assert upsert_vacancies(session, records).inserted == 3_000
    with session_scope(engine) as session:
        assert upsert_vacancies(session, records).unchanged == 3_000
        assert list_vacancies(session, limit=1)[1] == 3_000
