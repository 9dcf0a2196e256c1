"""Checks that refuse a publication before anything heavy is imported, read or written.

Light on purpose (SQLAlchemy and the standard library; no pandas, no store package): the CLI
runs them before importing the catalogue builder, so a mistyped ``--db`` or a period outside
the data fails in well under two seconds with exit 2.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from data.errors import InvalidDataError
from data.vocabulary.periods import match_period

__all__ = ["PublishRefused", "check_period_in_data", "period_bounds", "require_database"]


class PublishRefused(InvalidDataError):
    """Publication refused before anything was read or written (the CLI exits 2)."""


def period_bounds(period: str) -> tuple[date, date]:
    """First day of ``period`` and first day after it ('2026Q4', '2026-11', '2026').

    >>> period_bounds("2026Q4")
    (datetime.date(2026, 10, 1), datetime.date(2027, 1, 1))
    """
    parsed = match_period(period)
    if parsed is None:
        raise PublishRefused(f"period {period!r} must look like '2026Q4', '2026-11' or '2026'")
    return parsed.start, parsed.end


def _as_date(value: Any) -> date:
    """A DATE column's value (a date, a datetime or an ISO string, by driver) as a date."""
    return date.fromisoformat(str(value)[:10])


def require_database(db_url: str | None) -> str:
    """The store URL, refusing an SQLite file that does not exist: publishing must never
    create an empty store (and then an empty edition) because of a mistyped ``--db``."""
    from sqlalchemy.engine import make_url

    from data.settings import get_settings

    url = db_url or get_settings().database_url
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:") or not Path(database).is_file():
            raise PublishRefused(
                f"数据库不存在：{database or url}（--db 须指向已导入数据的库，不会新建空库）"
            )
    return url


def check_period_in_data(engine: Any, period: str) -> None:
    """Refuse ``period`` if it ends before the first record's month or starts after the
    last month both vacancies and candidates reach -- three MIN/MAX queries on indexed
    columns, before the tables are read. A store not migrated yet is left to the pipeline."""
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    start_of, end_of = period_bounds(period)
    try:
        with engine.connect() as connection:
            row = connection.execute(
                text(
                    "SELECT (SELECT MIN(date_posted) FROM vacancies),"
                    " (SELECT MAX(date_posted) FROM vacancies),"
                    " (SELECT MAX(registered_on) FROM candidates)"
                )
            ).one()
    except (OperationalError, ProgrammingError):
        return  # not migrated yet: the pipeline migrates, then checks again
    first, last_vacancy, last_candidate = row
    if first is None or last_vacancy is None or last_candidate is None:
        raise PublishRefused("库中没有岗位或求职者记录，无法编制目录")
    start = _as_date(first).replace(day=1)
    data_month = min(_as_date(last_vacancy), _as_date(last_candidate)).replace(day=1)
    if end_of <= start:
        raise PublishRefused(f"期间 {period} 早于数据起始月份 {start:%Y-%m}，无法编制目录")
    if start_of > data_month:
        raise PublishRefused(f"期间 {period} 晚于数据截止月份 {data_month:%Y-%m}，无法编制目录")
