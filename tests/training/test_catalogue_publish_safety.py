"""Safe publication: no store created by a typo, periods outside the data refused with exit
2, files written at publish = the suppressed view the API serves, no file overwritten."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from app.publish import _write
from data.records import Candidate, Vacancy
from data.settings import get_settings
from data.store import (
    make_engine,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.vocabulary.formats import EXPORT_FORMATS
from models.catalogue.render import COLUMN_LABELS_ZH
from models.catalogue.sample import sample_records
from models.catalogue.suppression import COUNT_COLUMNS
from training.cli import app


def _plain(row: dict[str, object]) -> dict[str, object]:
    return {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in row.items()}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("store")
    url = f"sqlite:///{folder / 'store.sqlite3'}"
    vacancies, candidates = sample_records()
    engine = make_engine(url)
    upgrade_to_head(engine)
    with session_scope(engine) as session:
        upsert_vacancies(
            session, [Vacancy(title="岗位", **_plain(r)) for r in vacancies.to_dict("records")]
        )
        upsert_candidates(session, [Candidate(**_plain(r)) for r in candidates.to_dict("records")])
    engine.dispose()
    return url


def test_a_missing_db_is_refused_and_never_created(tmp_path: Path) -> None:
    missing = tmp_path / "typo.sqlite3"
    result = CliRunner().invoke(
        app, ["catalogue", "publish", "--period", "2026Q4", "--db", f"sqlite:///{missing}"]
    )
    assert result.exit_code == 2, result.output
    assert "数据库不存在" in result.output
    assert not missing.exists()


@pytest.mark.parametrize(
    ("period", "message"), [("2019Q1", "早于数据起始月份"), ("2027Q2", "晚于数据截止月份")]
)
def test_periods_outside_the_data_are_refused(store: str, period: str, message: str) -> None:
    result = CliRunner().invoke(
        app, ["catalogue", "publish", "--period", period, "--db", store, "--no-forecast"]
    )
    assert result.exit_code == 2 and message in result.output, result.output
    listed = CliRunner().invoke(app, ["catalogue", "list", "--db", store])
    assert period not in listed.output


@pytest.mark.slow
def test_published_files_are_the_suppressed_view(store: str, tmp_path: Path) -> None:
    out = tmp_path / "exports"
    command = ["catalogue", "publish", "--period", "2026Q4", "--db", store, "--no-forecast"]
    result = CliRunner().invoke(app, [*command, "--out", str(out)])
    assert result.exit_code == 0, result.output
    csv = next(out.glob("catalogue-2026Q4-r*.csv"))
    exported = pd.read_csv(csv, encoding="utf-8-sig")  # Chinese headers (planners' export)
    threshold = get_settings().min_cell_size
    columns = [COLUMN_LABELS_ZH[c] for c in COUNT_COLUMNS if COLUMN_LABELS_ZH[c] in exported]
    assert columns
    for column in columns:
        shown = pd.to_numeric(exported[column], errors="coerce").dropna()
        assert (shown >= threshold).all(), column  # small counts blanked, as the API does
    # One export function (app.editions) for the files, the CLI export and the API route.
    listed = CliRunner().invoke(app, ["catalogue", "list", "--db", store])
    edition_id = next(line.split()[1] for line in listed.output.splitlines() if "2026Q4" in line)
    # Exported later than publication by more than the one-second resolution of the dates
    # XLSX and PDF files carry: those are the edition's publication time, not the export's.
    time.sleep(1.1)
    for fmt in EXPORT_FORMATS:
        written = next(out.glob(f"catalogue-2026Q4-r*.{fmt}"))
        exported_file = tmp_path / f"export.{fmt}"
        command = ["catalogue", "export", edition_id, "--format", fmt, "--db", store]
        result = CliRunner().invoke(app, [*command, "-o", str(exported_file)])
        assert result.exit_code == 0, result.output
        assert exported_file.read_bytes() == written.read_bytes(), fmt


def test_write_never_overwrites(tmp_path: Path) -> None:
    path = _write(tmp_path / "catalogue-2026Q4-r1.json", b"first")
    with pytest.raises(FileExistsError):
        _write(path, b"second")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary left behind
