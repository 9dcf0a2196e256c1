"""Importing files: every bad row named with line and field, good rows stored once, the CLI."""

from __future__ import annotations

import csv
import json
import random
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from data import taxonomy
from data.ingest import IngestFileError, RowError, ingest_file
from data.levels import Education, SkillLevel, TitleLevel
from data.records import ContactDetails, Gender
from data.store import (
    get_candidate,
    get_vacancy,
    list_vacancies,
    make_engine,
    read_outcomes_frame,
    read_vacancies_frame,
    session_scope,
    upsert_vacancies,
)
from training.cli import app

Row = dict[str, Any]
LIST_FIELDS = {"skills", "required_certificates"}


def _good_vacancy(index: int, rng: random.Random) -> Row:
    districts = taxonomy.districts()
    district = districts.iloc[rng.randrange(len(districts))]
    occupations = taxonomy.occupations(level=4)["code"].tolist()
    low = rng.randrange(3_000, 9_000, 500)
    return {
        "vacancy_id": f"V{index:05d}",
        "title": rng.choice(["数控车工", "电工", "护理员", "软件工程师"]),
        "city_code": district["city_code"],
        "district_code": district["district_code"] if index % 3 else None,
        "occupation_code": rng.choice(occupations),
        "date_posted": f"2024-{1 + index % 12:02d}-{1 + index % 28:02d}",
        "headcount": rng.randint(1, 20),
        "base_salary_min": low,
        "base_salary_max": low + 2_000,
        "education_requirement": rng.choice(["大专", "本科", 1, "3", None]),
        "skill_level_requirement": rng.choice(["高级工", "技师", None]),
        "title_level_requirement": rng.choice(["中级", None]),
        "skills": ["PLC", "焊接"][: index % 3],
        "gba_scope": rng.choice(["true", "false", "是"]),
    }


# (field the report must name, how to spoil a good row)
FAULTS: list[tuple[str, Callable[[Row], None]]] = [
    ("city_code", lambda row: row.update(city_code="9901", district_code=None)),
    ("city_code", lambda row: row.update(city_code="4499", district_code=None)),
    ("base_salary_min", lambda row: row.update(base_salary_min=9_000, base_salary_max=5_000)),
    ("title", lambda row: row.update(title="  ")),
    ("date_posted", lambda row: row.update(date_posted="2024-13-45")),
    ("education_requirement", lambda row: row.update(education_requirement="研究生以上")),
    ("skill_level_requirement", lambda row: row.update(skill_level_requirement="大师")),
    ("headcount", lambda row: row.update(headcount="three")),
    ("headcount", lambda row: row.update(headcount=0)),
    ("occupation_code", lambda row: row.update(occupation_code="9-99-99-99")),
    ("occupation_code", lambda row: row.update(occupation_code="2-02")),
    ("gba_scope", lambda row: row.update(gba_scope="maybe")),
    ("valid_through", lambda row: row.update(valid_through="2023-01-01")),
    ("district_code", lambda row: row.update(city_code="4403", district_code="440103")),
    ("vacancy_id", lambda row: row.update(vacancy_id="has space")),
    ("vacancy_id", lambda row: None),  # duplicate: keeps the key of the good row before it
]


def vacancy_rows(
    good: int = 1_000, bad: int = 50, seed: int = 7
) -> tuple[list[Row], list[str | None]]:
    """``good`` valid rows with ``bad`` faulty ones spread among them, and per row the
    field the report must name (None for a good row)."""
    rng = random.Random(seed)
    rows: list[Row] = [_good_vacancy(i, rng) for i in range(good)]
    faults: list[str | None] = [None] * good
    step = good // max(bad, 1)
    for n in range(bad):
        field, spoil = FAULTS[n % len(FAULTS)]
        position = (n + 1) * step + n  # right after a good row, which the duplicate copies
        faulty = _good_vacancy(good + n, rng) | {"vacancy_id": f"BAD{n:03d}"}
        if n % len(FAULTS) == len(FAULTS) - 1:
            faulty["vacancy_id"] = rows[position - 1]["vacancy_id"]
        spoil(faulty)
        rows.insert(position, faulty)
        faults.insert(position, field)
    return rows, faults


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return ";".join(value) if isinstance(value, list) else str(value)


def write_csv(rows: list[Row], path: Path, bom: bool = False) -> list[int]:
    columns = sorted({name for row in rows for name in row})
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows([_cell(row.get(name)) for name in columns] for row in rows)
    return [index + 2 for index in range(len(rows))]  # header is line 1


def write_jsonl(rows: list[Row], path: Path) -> list[int]:
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), "utf-8")
    return [index + 1 for index in range(len(rows))]


def write_parquet(rows: list[Row], path: Path) -> list[int]:
    columns = sorted({name for row in rows for name in row})
    table = {
        name: [
            row.get(name) if name in LIST_FIELDS or row.get(name) is None else str(row[name])
            for row in rows
        ]
        for name in columns
    }
    pq.write_table(pa.table(table), path)
    return [index + 1 for index in range(len(rows))]


WRITERS = {"csv": write_csv, "jsonl": write_jsonl, "parquet": write_parquet}


def _stored_vacancies(engine: Engine) -> int:
    with session_scope(engine) as session:
        return list_vacancies(session, limit=1)[1]


@pytest.mark.parametrize("fmt", sorted(WRITERS))
def test_good_rows_stored_bad_rows_named_reimport_changes_nothing(
    engine: Engine, tmp_path: Path, fmt: str
) -> None:
    rows, faults = vacancy_rows()
    lines = WRITERS[fmt](rows, tmp_path / f"vacancies.{fmt}")
    expected = {line: field for line, field in zip(lines, faults, strict=True) if field}
    assert len(expected) == 50 and len(set(expected.values())) == len(set(dict(FAULTS)))
    bad_ids = sorted(row["vacancy_id"] for row in rows if row["vacancy_id"].startswith("BAD"))

    report = ingest_file(engine, "vacancies", tmp_path / f"vacancies.{fmt}", progress=False)

    assert (report.rows, report.inserted, report.bad, report.file_errors) == (1050, 1000, 50, [])
    assert {error.line for error in report.errors} == set(expected)
    for line, field in expected.items():
        named = {error.field for error in report.errors if error.line == line}
        assert field in named, (line, field, report.errors)
    assert all(error.reason for error in report.errors)
    assert _stored_vacancies(engine) == 1000
    with session_scope(engine) as session:
        assert not any(get_vacancy(session, key) for key in bad_ids)

    again = ingest_file(engine, "vacancies", tmp_path / f"vacancies.{fmt}", progress=False)
    assert (again.inserted, again.updated, again.unchanged, again.bad) == (0, 0, 1000, 50)
    assert _stored_vacancies(engine) == 1000


def test_strict_mode_stores_nothing_when_a_row_is_bad(engine: Engine, tmp_path: Path) -> None:
    rows, _ = vacancy_rows(good=40, bad=2)
    write_csv(rows, tmp_path / "v.csv")
    report = ingest_file(engine, "vacancies", tmp_path / "v.csv", strict=True, progress=False)
    assert (report.bad, report.written, report.inserted) == (2, False, 0)
    assert _stored_vacancies(engine) == 0


def test_a_database_failure_stores_nothing(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from data.ingest import core

    def half_then_fail(session: Any, records: list[Any]) -> Any:
        upsert_vacancies(session, records[: len(records) // 2])
        session.flush()
        raise RuntimeError("disk full")

    monkeypatch.setitem(core._WRITERS, "vacancies", half_then_fail)
    rows, _ = vacancy_rows(good=40, bad=0)
    write_csv(rows, tmp_path / "v.csv")
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_file(engine, "vacancies", tmp_path / "v.csv", progress=False)
    assert _stored_vacancies(engine) == 0


def test_csv_conventions_bom_multiline_cells_and_unknown_columns(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "v.csv"
    path.write_text(
        "\ufeffvacancy_id,title,city_code,date_posted,description,skills,salary\n"
        'a1,电工,4401,2024/3/5,"第一行\n第二行",PLC; 焊接 ;,5000\n'
        "\n"
        "a2,,4401,2024-03-05,,,\n"
        "a3,焊工,4401\n",
        encoding="utf-8",
    )
    report = ingest_file(engine, "vacancies", path, progress=False)
    assert report.file_errors == [
        RowError(0, "salary", "unknown column (first seen on line 2); its values were ignored")
    ]
    assert [(e.line, e.field) for e in report.errors] == [(5, "title"), (6, None)]
    assert report.errors[1].reason == "has 3 cells but the header has 7 columns"
    with session_scope(engine) as session:
        stored = get_vacancy(session, "a1")
    assert stored is not None
    assert (stored.date_posted, stored.skills) == (date(2024, 3, 5), ("PLC", "焊接"))
    assert stored.description == "第一行\n第二行"


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        ({"education": "大专"}, {"education": Education.college}),
        ({"education": "中专"}, {"education": Education.senior_high}),
        ({"education": "3"}, {"education": Education.bachelor}),
        ({"education": "master"}, {"education": Education.master}),
        ({"skill_level": "高级工"}, {"skill_level": SkillLevel.senior_worker}),
        ({"title_level": "中级"}, {"title_level": TitleLevel.intermediate}),
        ({"willing_gba": "否"}, {"willing_gba": False}),
        (
            {"contact.name": "王五", "contact.phone": "13800000000"},
            {"contact": ContactDetails(name="王五", phone="13800000000")},
        ),
    ],
)
def test_candidate_cells_accept_labels(
    engine: Engine, tmp_path: Path, cells: Row, expected: Row
) -> None:
    row = {"candidate_id": "c1", "city_code": "4403", "registered_on": "2024-03-01"} | cells
    write_csv([row], tmp_path / "c.csv")
    report = ingest_file(engine, "candidates", tmp_path / "c.csv", progress=False)
    assert report.ok, report.errors
    with session_scope(engine) as session:
        stored = get_candidate(session, "c1", include_personal=True)
    assert stored is not None
    assert {name: getattr(stored, name) for name in expected} == expected


def test_candidates_json_array_with_nested_personal_data(engine: Engine, tmp_path: Path) -> None:
    items = [
        {
            "candidate_id": "c1",
            "city_code": "4401",
            "registered_on": "2024-01-02",
            "desired_city_codes": ["4403", "4404"],
            "education": "本科",
            "contact": {"name": "张三", "phone": "12"},
            "protected": {"gender": "female"},
        },
        {
            "candidate_id": "c2",
            "city_code": "4401",
            "registered_on": "2024-01-02",
            "desired_city_codes": "4403;4499",
            "protected": {"gender": "female"},
        },
        ["not", "an", "object"],
        {
            "candidate_id": "c3",
            "city_code": "4460",
            "registered_on": "2024-02-30",
            "skills": 7,
            "education": 2.0,
        },
        {
            "candidate_id": "c4",
            "city_code": "4401",
            "registered_on": "2024-01-02",
            "protected": {"gender": "female", "birth_year": 1985},
        },
    ]
    (tmp_path / "c.json").write_text(json.dumps(items, ensure_ascii=False), "utf-8")
    report = ingest_file(engine, "candidates", tmp_path / "c.json", progress=False)
    assert [(e.line, e.field) for e in report.errors] == [
        (1, "contact.phone"),
        (2, "desired_city_codes"),
        (3, None),
        (4, "skills"),
        (4, "registered_on"),
        (4, "city_code"),  # reported although the row had other faults
    ]
    assert report.errors[0].reason == "'12' is not a valid phone number"
    assert "'4499'" in report.errors[1].reason
    with session_scope(engine) as session:
        stored = get_candidate(session, "c4", include_personal=True)
    assert stored is not None and stored.protected is not None
    assert (stored.protected.gender, stored.protected.birth_year) == (Gender.female, 1985)


def test_outcomes_need_stored_candidates_and_vacancies(engine: Engine, tmp_path: Path) -> None:
    write_csv(vacancy_rows(good=3, bad=0)[0], tmp_path / "v.csv")
    ingest_file(engine, "vacancies", tmp_path / "v.csv", progress=False)
    write_csv(
        [{"candidate_id": "c1", "city_code": "4401", "registered_on": "2024-01-01"}],
        tmp_path / "c.csv",
    )
    ingest_file(engine, "candidates", tmp_path / "c.csv", progress=False)
    lines = [
        {
            "candidate_id": "c1",
            "vacancy_id": "V00000",
            "event": "applied",
            "occurred_at": "2024-02-01T09:00:00+08:00",
        },
        {
            "candidate_id": "c1",
            "vacancy_id": "V00000",
            "event": "applied",
            "occurred_at": "2024-02-01 01:00:00+00:00",
        },  # the same instant: a duplicate
        {
            "candidate_id": "c9",
            "vacancy_id": "V00001",
            "event": "hired",
            "occurred_at": "2024-02-01T09:00:00",
        },
        {
            "candidate_id": "c1",
            "vacancy_id": "V00002",
            "event": "rejected",
            "occurred_at": "yesterday",
        },
    ]
    write_jsonl(lines, tmp_path / "o.jsonl")
    report = ingest_file(engine, "outcomes", tmp_path / "o.jsonl", progress=False)
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "candidate_id"),
        (3, "candidate_id"),
        (4, "event"),
        (4, "occurred_at"),
    ]
    assert "same as line 1" in report.errors[0].reason
    assert report.errors[1].reason == "'c9' is not in the store (import it first)"
    assert (report.inserted, report.bad) == (1, 3)
    assert len(read_outcomes_frame(engine)) == 1
    again = ingest_file(engine, "outcomes", tmp_path / "o.jsonl", progress=False)
    assert (again.inserted, again.unchanged) == (0, 1)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("v.txt", b"a,b\n", "unknown file type '.txt'"),
        ("v.csv", "vacancy_id,title\n甲,乙\n".encode("gbk"), "not UTF-8"),
        ("v.csv", b"", "no header row"),
        ("v.csv", b"title,title\n", "repeats column"),
        ("v.json", b'{"vacancy_id": 1}', "one array of objects"),
        ("v.json", b"[{", "not valid JSON"),
        ("v.parquet", b"PAR1 nope", "not a readable Parquet file"),
    ],
)
def test_unreadable_files_raise(
    engine: Engine, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    (tmp_path / name).write_bytes(content)
    with pytest.raises(IngestFileError, match=message):
        ingest_file(engine, "vacancies", tmp_path / name, progress=False)


def test_missing_file_raises(engine: Engine, tmp_path: Path) -> None:
    with pytest.raises(IngestFileError, match="no such file"):
        ingest_file(engine, "vacancies", tmp_path / "absent.csv", progress=False)


# --- CLI --------------------------------------------------------------------------------


def test_cli_exit_codes_and_report_file(db_url: str, tmp_path: Path) -> None:
    runner = CliRunner()
    rows, _ = vacancy_rows(good=60, bad=3)
    write_csv(rows, tmp_path / "bad.csv")
    write_csv(vacancy_rows(good=10, bad=0)[0], tmp_path / "good.csv")
    report_path = tmp_path / "out" / "errors.csv"

    clean = runner.invoke(app, ["ingest", "vacancies", str(tmp_path / "good.csv"), "--db", db_url])
    assert clean.exit_code == 0, clean.output
    assert "inserted" in clean.output

    args = ["ingest", "vacancies", str(tmp_path / "bad.csv"), "--db", db_url, "--report"]
    strict = runner.invoke(app, [*args, str(report_path), "--strict", "--no-progress"])
    assert strict.exit_code == 1, strict.output
    assert "nothing (--strict)" in strict.output

    some_bad = runner.invoke(app, [*args, str(report_path)])
    assert some_bad.exit_code == 1, some_bad.output
    with report_path.open(encoding="utf-8-sig", newline="") as handle:
        written = list(csv.DictReader(handle))
    assert len(written) == 3 and set(written[0]) == {"line", "field", "reason"}
    engine = make_engine(db_url)
    try:
        assert len(read_vacancies_frame(engine)) == 60  # the 10 from good.csv share keys
    finally:
        engine.dispose()

    (tmp_path / "broken.json").write_text("[{", "utf-8")
    broken = runner.invoke(
        app, ["ingest", "vacancies", str(tmp_path / "broken.json"), "--db", db_url]
    )
    assert broken.exit_code == 2
