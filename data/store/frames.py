"""Whole-table reads as pandas DataFrames, for forecasting and analytics.

Columns are the record field names; dtypes are chosen for analysis rather than for
round-tripping: dates become ``datetime64[ns]``, timestamps ``datetime64[ns, UTC]``,
nullable integers (levels, salaries) pandas ``Int64``, and list fields tuples (hashable, so
``groupby``/``explode`` work). The candidate frame never holds contact or protected data.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy import JSON, Boolean, Column, Date, Engine, Integer, Table, select

from data.store import convert
from data.store.repository import CANDIDATES, OUTCOMES, VACANCIES
from data.store.schema import UtcDateTime, as_utc

__all__ = ["read_candidates_frame", "read_outcomes_frame", "read_vacancies_frame"]


def _typed(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    for name in frame.columns:
        column: Column[Any] = table.c[name]
        kind = column.type
        if isinstance(kind, UtcDateTime):
            frame[name] = pd.to_datetime(frame[name], utc=True)
        elif isinstance(kind, Date):
            frame[name] = pd.to_datetime(frame[name])
        elif isinstance(kind, Boolean):
            frame[name] = frame[name].astype(bool)
        elif isinstance(kind, Integer):
            frame[name] = frame[name].astype("Int64" if column.nullable else "int64")
        elif isinstance(kind, JSON):
            frame[name] = pd.Series(
                [tuple(value) for value in frame[name]], index=frame.index, dtype=object
            )
    return frame


def _read(
    engine: Engine,
    table: Table,
    columns: tuple[str, ...],
    period_column: str,
    start: date | datetime | None,
    end: date | datetime | None,
) -> pd.DataFrame:
    period = table.c[period_column]
    query = select(*(table.c[name] for name in columns)).order_by(period, table.c.id)
    if isinstance(period.type, UtcDateTime):
        start = None if start is None else as_utc(_as_datetime(start))
        end = None if end is None else as_utc(_as_datetime(end))
    if start is not None:
        query = query.where(period >= start)
    if end is not None:
        query = query.where(period < end)
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    frame = pd.DataFrame.from_records(rows, columns=list(columns))
    return _typed(frame, table)


def _as_datetime(moment: date | datetime) -> datetime:
    if isinstance(moment, datetime):
        return moment
    return datetime(moment.year, moment.month, moment.day)


def read_vacancies_frame(
    engine: Engine, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """All vacancies with ``start <= date_posted < end`` (either bound optional)."""
    return _read(engine, VACANCIES, convert.VACANCY_COLUMNS, "date_posted", start, end)


def read_candidates_frame(
    engine: Engine, *, start: date | None = None, end: date | None = None
) -> pd.DataFrame:
    """Candidates' ids and features with ``start <= registered_on < end``; no personal data."""
    return _read(engine, CANDIDATES, convert.CANDIDATE_COLUMNS, "registered_on", start, end)


def read_outcomes_frame(
    engine: Engine, *, start: date | datetime | None = None, end: date | datetime | None = None
) -> pd.DataFrame:
    """Outcomes with ``start <= occurred_at < end``; a bare date means its midnight in CST."""
    return _read(engine, OUTCOMES, convert.OUTCOME_COLUMNS, "occurred_at", start, end)
