"""Turn a CSV, JSON, JSON Lines or Parquet file into raw rows, keeping where each came from.

A raw row is a flat mapping from the column name as written in the file to the value as
read: nested objects (``{"contact": {"name": ...}}``, Parquet structs) are flattened to
``contact.name`` so that every format names fields the way the CSV header does. Nothing
is validated here beyond the file's own syntax.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from data.errors import InvalidDataError

__all__ = [
    "FORMATS",
    "IngestFileError",
    "RawRow",
    "RowError",
    "SourceFile",
    "guarded",
    "is_missing",
    "open_source",
]

FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


class IngestFileError(InvalidDataError):
    """The file as a whole cannot be read (missing, not UTF-8, not JSON, not Parquet...)."""


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row (``line`` ≥ 1) or the whole file (``line`` 0) was not accepted.

    ``line`` is the physical line for CSV and JSON Lines, the 1-based position for JSON
    arrays and Parquet; ``field`` is the column as named in the file (None: the whole row).
    """

    line: int
    field: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class RawRow:
    """One row as read: ``line`` as in :class:`RowError`, values keyed by file column."""

    line: int
    values: dict[str, Any]


@dataclass
class SourceFile:
    """An opened source: an iterator of rows (or row-level syntax errors) and a row estimate."""

    path: Path
    format: str
    rows: Iterator[RawRow | RowError]
    total: int | None = None
    header: list[str] = field(default_factory=list)


def _flatten(values: Mapping[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Mapping):
            for sub_key, sub_value in value.items():
                flat[f"{key}.{sub_key}"] = sub_value
        else:
            flat[str(key)] = value
    return flat


def _count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        return sum(1 for _ in handle)


def _csv_rows(path: Path, header: list[str]) -> Iterator[RawRow | RowError]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader, None)
        last_line = reader.line_num
        for cells in reader:
            # A quoted cell may span lines: a row starts on the line after the previous one.
            line, last_line = last_line + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) != len(header):
                reason = f"has {len(cells)} cells but the header has {len(header)} columns"
                yield RowError(line, None, reason)
                continue
            yield RawRow(line, dict(zip(header, cells, strict=True)))


def _open_csv(path: Path) -> SourceFile:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        header = [name.strip() for name in next(csv.reader(handle), [])]
    if not header or not any(header):
        raise IngestFileError("the CSV file has no header row")
    duplicated = sorted({name for name in header if header.count(name) > 1})
    if duplicated:
        raise IngestFileError(f"the CSV header repeats column(s) {', '.join(duplicated)}")
    total = max(_count_lines(path) - 1, 0)
    return SourceFile(path, "csv", _csv_rows(path, header), total, header)


def _jsonl_rows(path: Path) -> Iterator[RawRow | RowError]:
    with path.open(encoding="utf-8-sig") as handle:
        for line, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as error:
                yield RowError(line, None, f"is not valid JSON ({error.msg})")
                continue
            if not isinstance(value, dict):
                yield RowError(line, None, "is not a JSON object")
                continue
            yield RawRow(line, _flatten(value))


def _json_rows(items: list[Any]) -> Iterator[RawRow | RowError]:
    for position, value in enumerate(items, start=1):
        if isinstance(value, dict):
            yield RawRow(position, _flatten(value))
        else:
            yield RowError(position, None, "is not a JSON object")


def _open_json(path: Path) -> SourceFile:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            items = json.load(handle)
    except json.JSONDecodeError as error:
        raise IngestFileError(f"not valid JSON: {error}") from error
    if not isinstance(items, list):
        raise IngestFileError("a .json file must hold one array of objects (or use .jsonl)")
    return SourceFile(path, "json", _json_rows(items), len(items))


def _parquet_rows(table: pa.Table) -> Iterator[RawRow]:
    position = 0
    for batch in table.to_batches(max_chunksize=10_000):
        for values in batch.to_pylist():
            position += 1
            yield RawRow(position, _flatten(values))


def _open_parquet(path: Path) -> SourceFile:
    try:
        table = pq.read_table(path)
    except (pa.ArrowException, OSError) as error:
        raise IngestFileError(f"not a readable Parquet file: {error}") from error
    while any(pa.types.is_struct(column.type) for column in table.schema):
        table = table.flatten()
    return SourceFile(path, "parquet", _parquet_rows(table), table.num_rows, table.column_names)


def open_source(path: Path) -> SourceFile:
    """Open ``path`` by its extension; raise :class:`IngestFileError` if it can't be read.

    Decoding errors that surface later, while iterating, are raised as
    :class:`IngestFileError` too (see :func:`guarded`).
    """
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise IngestFileError(f"unknown file type {suffix or '(none)'!r}; use one of {known}")
    if not path.is_file():
        raise IngestFileError(f"no such file: {path}")
    try:
        opener = {"csv": _open_csv, "json": _open_json, "jsonl": _open_jsonl}.get(
            FORMATS[suffix], _open_parquet
        )
        source = opener(path)
    except UnicodeDecodeError as error:
        raise IngestFileError(_NOT_UTF8) from error
    except (OSError, csv.Error) as error:
        raise IngestFileError(str(error)) from error
    source.rows = guarded(source.rows)
    return source


def _open_jsonl(path: Path) -> SourceFile:
    return SourceFile(path, "jsonl", _jsonl_rows(path), _count_lines(path))


_NOT_UTF8 = "the file is not UTF-8 text (re-save it as UTF-8, e.g. 'CSV UTF-8' in Excel)"


def guarded(rows: Iterator[RawRow | RowError]) -> Iterator[RawRow | RowError]:
    """Re-raise read failures met mid-file as :class:`IngestFileError`."""
    try:
        yield from rows
    except UnicodeDecodeError as error:
        raise IngestFileError(_NOT_UTF8) from error
    except csv.Error as error:
        raise IngestFileError(f"CSV syntax error: {error}") from error


def is_missing(value: Any) -> bool:
    """Empty cell, JSON null or a floating NaN (how Parquet/pandas spell a missing number)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)
