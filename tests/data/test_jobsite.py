"""Job-site exports (data.ingest.jobsite) into vacancies: formats, errors, coding, re-import."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from data.ingest import ingest_file
from data.ingest.jobsite import (
    parse_education,
    parse_experience,
    parse_headcount,
    parse_location,
    parse_salary,
)
from data.store import session_scope
from data.store.repository import get_vacancy, list_vacancies
from data.title_testcases import labelled_titles
from models.occupation_coder import TitleCoder
from training.cli import app

SAMPLE = Path(__file__).parent / "fixtures" / "jobsite_vacancies.csv"


@pytest.fixture(scope="module")
def coder() -> TitleCoder:
    frame = labelled_titles()
    return TitleCoder().fit(frame["job_name"].tolist(), frame["code"].tolist())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5千-8千", (5000, 8000)),
        ("5-8千", (5000, 8000)),
        ("1.5-2万·13薪", (15000, 20000)),
        ("8K-12K", (8000, 12000)),
        ("200元/天", (4350, 4350)),
        ("30元/时", (5220, 5220)),
        ("10-15万/年", (8333, 12500)),
        ("6000以上", (6000, None)),
        ("面议", (None, None)),
    ],
)
def test_salary_strings(text: str, expected: tuple[int | None, int | None]) -> None:
    assert parse_salary(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("深圳·龙岗区·坂田", ("4403", "440307")),
        ("广东省肇庆市高新区", ("4412", None)),
        ("广州·番禺区", ("4401", "440113")),
        ("东莞·长安镇", ("4419", None)),
    ],
)
def test_locations(text: str, expected: tuple[str, str | None]) -> None:
    assert parse_location(text) == expected


def test_levels_experience_headcount() -> None:
    assert [parse_education(t) for t in ("大学专科", "技工学校", "学历不限", "硕士")] == [
        2,
        1,
        None,
        4,
    ]
    assert [parse_experience(t) for t in ("3-5年", "经验不限", "应届生", "1年以下")] == [3, 0, 0, 0]
    assert [parse_headcount(t) for t in ("招3人", "若干", "12")] == [3, 1, 12]
    with pytest.raises(ValueError, match="salary"):
        parse_salary("很多钱")
    with pytest.raises(ValueError, match="Guangdong"):
        parse_location("北京·朝阳区")


def test_every_row_coded_or_named_and_reimport_is_idempotent(
    engine: Engine, coder: TitleCoder
) -> None:
    report = ingest_file(
        engine,
        "vacancies",
        SAMPLE,
        progress=False,
        occupation_coder=lambda: coder,
        source_format="jobsite",
    )
    assert report.rows == 8
    assert {(e.line, e.field) for e in report.errors} == {
        (7, "工作地点"),  # 北京: not a Guangdong city
        (8, "薪资"),  # 很多钱
        (9, "经验要求"),  # 一年: not a number of years
    }
    assert report.inserted == 5 and report.bad == 3
    with session_scope(engine) as session:
        vacancies, total = list_vacancies(session, limit=50)
        assert total == len(vacancies) == 5
        for vacancy in vacancies:
            assert vacancy.occupation_code is not None
            assert vacancy.occupation_code_source == "coded"
            assert vacancy.occupation_confidence is not None
        welder = next(v for v in vacancies if v.title.startswith("急招电焊工"))
        assert welder.occupation_code == "6-18-02-04"
        assert (welder.base_salary_min, welder.base_salary_max, welder.headcount) == (5000, 8000, 3)
        assert welder.city_code == "4419" and welder.skills == ("二保焊", "氩弧焊")
        assert get_vacancy(session, welder.vacancy_id) is not None
    again = ingest_file(
        engine,
        "vacancies",
        SAMPLE,
        progress=False,
        occupation_coder=lambda: coder,
        source_format="jobsite",
    )
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5)


def test_cli_format_jobsite(db_url: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["ingest", "vacancies", str(SAMPLE), "--db", db_url, "--format", "jobsite"]
    )
    assert result.exit_code == 1, result.output  # three bad rows
    assert "inserted" in result.output and "很多钱" in result.output
    wrong = CliRunner().invoke(app, ["ingest", "vacancies", str(SAMPLE), "--format", "xml"])
    assert wrong.exit_code == 2
