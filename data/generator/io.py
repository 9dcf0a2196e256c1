"""Writing the generated tables in the ingest import format, and turning rows into records.

Import format (what ``yuecai ingest`` reads): files ``vacancies.*``, ``candidates.*``,
``outcomes.*``; in CSV, list fields are joined by ``;``, nested fields are flattened into
``contact.name``, ``protected.gender`` … columns, levels are integers, dates ISO
``YYYY-MM-DD``, timestamps ``YYYY-MM-DDTHH:MM:SS``, booleans ``true``/``false``, missing
values empty. Parquet keeps lists as list columns and nested fields as structs; JSON Lines
keeps them as arrays and objects.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel

from data.generator.config import GeneratedData, GeneratorConfig
from data.generator.truth import write_truth
from data.records import Candidate, MatchOutcome, Vacancy

__all__ = ["TABLES", "flatten_for_csv", "to_records", "write", "write_chunked"]

TABLES: dict[str, type[BaseModel]] = {
    "vacancies": Vacancy,
    "candidates": Candidate,
    "outcomes": MatchOutcome,
}
_NESTED = ("contact", "protected")
_DATE_FIELDS = {"date_posted", "valid_through", "date_closed", "available_from", "registered_on"}


def _plain(value: Any, column: str) -> Any:
    """A JSON-friendly Python value for one cell."""
    if isinstance(value, dict):
        return {k: _plain(v, k) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return list(value)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if column in _DATE_FIELDS else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = list(frame.columns)
    return [
        {c: _plain(v, c) for c, v in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]


def to_records(frame: pd.DataFrame, table: str) -> list[BaseModel]:
    """Validate rows of a generated table into their pydantic records.

    Parameters
    ----------
    frame
        ``GeneratedData.vacancies`` / ``candidates`` / ``outcomes`` (or a slice of one).
    table
        ``"vacancies"``, ``"candidates"`` or ``"outcomes"``.
    """
    model = TABLES[table]
    return [model.model_validate(row) for row in _rows(frame)]


def _holds_sequences(values: pd.Series) -> bool:
    """Whether an object column carries list/tuple cells (checked only on object dtype:
    mapping an empty datetime column warns in pandas 2.3)."""
    return values.dtype == object and bool(values.map(lambda x: isinstance(x, tuple | list)).any())


def flatten_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """The CSV import layout: ``;``-joined lists, ``contact.*``/``protected.*`` columns."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        values = frame[column]
        if column in _NESTED:
            nested = pd.DataFrame(list(values), index=frame.index)
            for key in nested.columns:
                out[f"{column}.{key}"] = nested[key]
        elif _holds_sequences(values):
            out[column] = values.map(lambda x: ";".join(x) if x else "")
        elif values.dtype == bool:
            out[column] = values.map({True: "true", False: "false"})
        elif pd.api.types.is_datetime64_any_dtype(values):
            fmt = "%Y-%m-%d" if column in _DATE_FIELDS else "%Y-%m-%dT%H:%M:%S"
            out[column] = values.dt.strftime(fmt)
        else:
            out[column] = values
    return out


def _for_parquet(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if column in _DATE_FIELDS:
            out[column] = out[column].dt.date
        elif _holds_sequences(out[column]):
            out[column] = out[column].map(list)
    return out


def write(
    data: GeneratedData,
    folder: str | Path,
    format: Literal["csv", "parquet", "jsonl"] = "csv",
) -> dict[str, Path]:
    """Write ``vacancies``, ``candidates`` and ``outcomes`` to ``folder`` in ``format``.

    Output is byte-identical for identical data. Returns the paths written, by table (the
    three record tables only, so callers can import each; the planted truth, when the data
    carries it, goes to ``folder/truth/`` beside them, outside the record tables).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for table in TABLES:
        frame: pd.DataFrame = getattr(data, table)
        path = folder / f"{table}.{format}"
        if format == "csv":
            flatten_for_csv(frame).to_csv(path, index=False, lineterminator="\n")
        elif format == "parquet":
            _for_parquet(frame).to_parquet(path, index=False, engine="pyarrow")
        elif format == "jsonl":
            with path.open("w", encoding="utf-8", newline="\n") as handle:
                for row in _rows(frame):
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        else:
            raise ValueError(f"unknown format {format!r}; use csv, parquet or jsonl")
        paths[table] = path
    if isinstance(data.debug.get("latent"), pd.DataFrame):
        write_truth(data.debug["latent"], folder)
    return paths


def write_chunked(
    chunks: Iterable[GeneratedData],
    folder: str | Path,
    format: Literal["csv", "jsonl"] = "csv",
) -> tuple[dict[str, Path], dict[str, int]]:
    """Stream chunks (:func:`data.generator.generate_chunks`) into one file per table.

    Each chunk is appended and dropped, so memory holds one chunk; the truth files come from
    the first chunk. Files are written as ``*.partial`` and renamed when complete, so a killed
    run leaves no table that looks whole. Returns the paths and the rows written per table.
    """
    if format not in ("csv", "jsonl"):
        raise ValueError(f"chunked writing supports csv and jsonl; got {format!r}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = {table: folder / f"{table}.{format}" for table in TABLES}
    partial = {table: path.with_name(path.name + ".partial") for table, path in final.items()}
    rows = dict.fromkeys(TABLES, 0)
    headed: set[str] = set()
    truth: dict[str, Path] = {}
    for path in partial.values():
        path.unlink(missing_ok=True)
    for data in chunks:
        if isinstance(data.debug.get("latent"), pd.DataFrame):
            truth = write_truth(data.debug["latent"], folder)
        for table in TABLES:
            frame: pd.DataFrame = getattr(data, table)
            if format == "csv":
                flatten_for_csv(frame).to_csv(
                    partial[table],
                    index=False,
                    lineterminator="\n",
                    mode="a",
                    header=table not in headed,
                )
                headed.add(table)
            else:
                with partial[table].open("a", encoding="utf-8", newline="\n") as handle:
                    for row in _rows(frame):
                        handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            rows[table] += len(frame)
    for table in TABLES:
        if not partial[table].exists():
            partial[table].touch()
        partial[table].replace(final[table])
    return {**final, **truth}, rows


def chunked_config(config: GeneratorConfig) -> bool:
    """Whether ``config`` asks for chunked generation."""
    return config.months_per_chunk > 0
