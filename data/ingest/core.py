"""`ingest_file`: read, validate every row, then write the good ones in one transaction."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from data.ingest.jobsite import jobsite_source
from data.ingest.readers import RawRow, RowError, SourceFile, is_missing, open_source
from data.ingest.rows import Kind, KindSpec, parse_row, spec_for
from data.occupation_coding import TitleCoding, code_missing_occupation
from data.records import MatchOutcome, Vacancy
from data.store import (
    UpsertCounts,
    insert_outcomes,
    session_scope,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.repository import CANDIDATES, VACANCIES
from data.store.schema import as_utc

__all__ = ["IngestReport", "ingest_file"]

_WRITERS: dict[Kind, Callable[[Session, Iterable[Any]], UpsertCounts]] = {
    "vacancies": upsert_vacancies,
    "candidates": upsert_candidates,
    "outcomes": insert_outcomes,
}


@dataclass
class IngestReport:
    """What one import did.

    ``errors`` lists every fault of every bad row (a row may have several; ``bad`` counts
    rows); ``file_errors`` are faults of the file as a whole, such as unknown columns,
    reported once with ``line`` 0. ``written`` is False when nothing was stored (strict
    mode with errors, or no good rows).
    """

    kind: Kind
    path: Path
    rows: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    bad: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_errors: list[RowError] = field(default_factory=list)
    written: bool = False

    @property
    def ok(self) -> bool:
        """No bad row and no file-level fault."""
        return not self.errors and not self.file_errors

    def write_errors_csv(self, path: Path) -> None:
        """Write file-level then row errors as ``line,field,reason`` (UTF-8 with BOM, for Excel)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["line", "field", "reason"])
            for error in [*self.file_errors, *self.errors]:
                writer.writerow([error.line, error.field or "", error.reason])


def _natural_key(record: BaseModel, spec: KindSpec) -> tuple[Any, ...]:
    values = [getattr(record, name) for name in spec.key_fields]
    return tuple(
        as_utc(value) if name == "occurred_at" else value
        for name, value in zip(spec.key_fields, values, strict=True)
    )


@dataclass
class _Collected:
    records: list[BaseModel] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unknown_columns: dict[str, int] = field(default_factory=dict)
    rows: int = 0


def _collect(
    rows: Iterator[RawRow | RowError],
    spec: KindSpec,
    tick: Callable[[], None],
    tenant_id: str | None = None,
) -> _Collected:
    """Validate all rows; keep the good ones, with their lines, and every error.

    With ``tenant_id``, every record is written into that tenant; a row naming another
    one is an error (an import never spills into a tenant it was not pointed at)."""
    out = _Collected()
    first_line: dict[tuple[Any, ...], int] = {}
    for row in rows:
        tick()
        out.rows += 1
        if isinstance(row, RowError):
            out.errors.append(row)
            continue
        for name in row.values.keys() - spec.columns:
            out.unknown_columns.setdefault(name, row.line)
        record, errors = parse_row(row, spec)
        if record is not None and tenant_id is not None:
            named = row.values.get("tenant_id")
            if not is_missing(named) and str(named).strip() != tenant_id:
                reason = f"is {named!r}, but this import writes tenant {tenant_id!r}"
                errors = [*errors, RowError(row.line, "tenant_id", reason)]
            record = record.model_copy(update={"tenant_id": tenant_id})
        if record is not None:
            key = _natural_key(record, spec)
            if key in first_line:
                names = ", ".join(spec.key_fields)
                reason = f"duplicate {names}: same as line {first_line[key]}"
                errors = [RowError(row.line, spec.key_fields[0], reason)]
            else:
                first_line[key] = row.line
        if errors:
            out.errors.extend(errors)
        else:
            out.records.append(record)  # type: ignore[arg-type]  # record is set when no errors
            out.lines.append(row.line)
    return out


def _of_tenant(tenant_id: str) -> str:
    return "" if tenant_id == "public" else f" for tenant {tenant_id!r}"


def _missing_references(session: Session, collected: _Collected) -> None:
    """Move outcomes whose candidate or vacancy is not stored (in the outcome's tenant)
    from records to errors."""
    outcomes: list[MatchOutcome] = collected.records  # type: ignore[assignment]
    known: dict[str, set[tuple[str, str]]] = {}
    for name, table in (("candidate_id", CANDIDATES), ("vacancy_id", VACANCIES)):
        wanted: dict[str, set[str]] = {}
        for outcome in outcomes:
            wanted.setdefault(outcome.tenant_id, set()).add(getattr(outcome, name))
        known[name] = set()
        for tenant, ids in wanted.items():
            ordered = sorted(ids)
            for start in range(0, len(ordered), 900):
                query = select(table.c[name]).where(
                    table.c.tenant_id == tenant, table.c[name].in_(ordered[start : start + 900])
                )
                known[name].update((tenant, key) for key in session.execute(query).scalars())
    kept_records, kept_lines = [], []
    for outcome, line in zip(outcomes, collected.lines, strict=True):
        faults = [
            RowError(
                line,
                name,
                f"{getattr(outcome, name)!r} is not in the store"
                f"{_of_tenant(outcome.tenant_id)} (import it first)",
            )
            for name in ("candidate_id", "vacancy_id")
            if (outcome.tenant_id, getattr(outcome, name)) not in known[name]
        ]
        if faults:
            collected.errors.extend(faults)
        else:
            kept_records.append(outcome)
            kept_lines.append(line)
    collected.records, collected.lines = kept_records, kept_lines  # type: ignore[assignment]


def _progress(source: SourceFile, enabled: bool) -> Progress:
    return Progress(
        TextColumn(f"[bold]{source.path.name}[/]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
        disable=not enabled,
    )


def ingest_file(
    engine: Engine,
    kind: Kind,
    path: str | Path,
    *,
    strict: bool = False,
    progress: bool = True,
    occupation_coder: Callable[[], TitleCoding] | None = None,
    source_format: Literal["records", "jobsite"] = "records",
    tenant_id: str | None = None,
) -> IngestReport:
    """Validate a vacancies/candidates/outcomes file and store its good rows.

    The format follows the extension: ``.csv`` (UTF-8, BOM allowed), ``.json`` (an array
    of objects), ``.jsonl``/``.ndjson``, ``.parquet``. Every row is validated against the
    record in :mod:`data.records` and the taxonomies; outcomes must refer to stored
    candidates and vacancies. Good rows are written in one transaction, all or nothing;
    with ``strict=True`` nothing is written if any row (or the header) is at fault.
    Importing the same file again changes nothing. With ``occupation_coder`` (a factory),
    vacancies without an occupation code are coded from their title
    (:func:`data.occupation_coding.code_missing_occupation`). ``source_format="jobsite"``
    reads vacancies in job-site columns (:mod:`data.ingest.jobsite`). Records are written
    into their ``tenant_id`` column's tenant (``public`` when the file has none); with
    ``tenant_id`` into that tenant, a row naming another being an error. Ids are unique per
    tenant, and an outcome's candidate and vacancy must be stored in the outcome's tenant.

    Raises
    ------
    data.ingest.IngestFileError
        If the file can't be read at all (missing, unknown extension, not UTF-8, ...).
    """
    spec = spec_for(kind)
    source = open_source(Path(path))
    if source_format == "jobsite":
        source = jobsite_source(source)
    report = IngestReport(kind=kind, path=source.path)
    with _progress(source, progress) as bar:
        task = bar.add_task("rows", total=source.total)
        collected = _collect(source.rows, spec, lambda: bar.advance(task), tenant_id)
    report.file_errors = [
        RowError(0, name, f"unknown column (first seen on line {line}); its values were ignored")
        for name, line in sorted(collected.unknown_columns.items(), key=lambda item: item[1])
    ]
    with session_scope(engine) as session:
        if kind == "outcomes" and collected.records:
            _missing_references(session, collected)
        report.errors = sorted(collected.errors, key=lambda error: error.line)
        blocked = strict and not report.ok
        if collected.records and not blocked:
            if kind == "vacancies" and occupation_coder is not None:
                vacancies = [r for r in collected.records if isinstance(r, Vacancy)]
                collected.records = list(code_missing_occupation(vacancies, occupation_coder))
            counts = _WRITERS[kind](session, collected.records)
            report.inserted, report.updated = counts.inserted, counts.updated
            report.unchanged, report.written = counts.unchanged, True
    report.rows = collected.rows
    report.bad = len({error.line for error in report.errors})
    return report
