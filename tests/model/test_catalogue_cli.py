"""`yuecai catalogue publish|list|diff|export` end to end on an SQLite store."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from data.records import Candidate, Vacancy
from data.store import (
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from models.catalogue.sample import sample_records
from training.cli import app


def _records() -> tuple[list[Vacancy], list[Candidate]]:
    vacancies, candidates = sample_records()
    vacancy_records = [
        Vacancy(title="岗位", **{k: (v.date() if isinstance(v, pd.Timestamp) else v)
                                for k, v in row.items()})
        for row in vacancies.to_dict("records")
    ]  # fmt: skip
    candidate_records = [
        Candidate(**{k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in row.items()})
        for row in candidates.to_dict("records")
    ]
    return vacancy_records, candidate_records


@pytest.mark.slow
def test_publish_list_diff_export(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.sqlite3'}"
    engine = make_engine(url)
    upgrade_to_head(engine)
    vacancies, candidates = _records()
    with session_scope(engine) as session:
        upsert_vacancies(session, vacancies)
        upsert_candidates(session, candidates)
    engine.dispose()
    runner = CliRunner()
    out = tmp_path / "exports"
    command = ["catalogue", "publish", "--period", "2026Q4", "--db", url, "--no-forecast"]
    first = runner.invoke(app, [*command, "--out", str(out)])
    assert first.exit_code == 0, first.output
    assert {path.suffix for path in out.iterdir()} == {".json", ".csv", ".xlsx", ".html", ".pdf"}
    assert (out / "supply-2026Q4-r1.pdf").stat().st_size > 0
    second = runner.invoke(app, [*command, "--out", str(tmp_path / "again")])
    assert second.exit_code == 0, second.output
    listed = runner.invoke(app, ["catalogue", "list", "--db", url])
    assert listed.exit_code == 0 and "2026Q4" in listed.output
    diffed = runner.invoke(app, ["catalogue", "diff", "2", "--db", url])
    assert diffed.exit_code == 0, diffed.output
    exported = runner.invoke(app, ["catalogue", "export", "1", "--format", "json", "--db", url])
    assert exported.exit_code == 0
    payload = json.loads(exported.stdout)
    assert payload["edition"]["revision"] == 1
    assert payload["entries"][0]["city_name"] == "深圳市"
    bad = runner.invoke(app, ["catalogue", "export", "1", "--format", "doc", "--db", url])
    assert bad.exit_code == 2
    for period, message in (("2026Q5", "must look like"), ("2027Q2", "晚于数据截止月份")):
        refused = runner.invoke(app, ["catalogue", "publish", "--period", period, "--db", url])
        assert refused.exit_code == 2 and message in refused.output, refused.output
    after = runner.invoke(app, ["catalogue", "list", "--db", url]).output
    assert "2027Q2" not in after and "2026Q5" not in after  # nothing half-published
