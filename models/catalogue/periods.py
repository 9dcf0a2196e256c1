"""Catalogue periods: ``'2026Q4'`` (quarter), ``'2026-11'`` (month) or ``'2026'`` (year).

The grammar is :mod:`data.vocabulary.periods`; this module adds the windows the builder reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from data.errors import PeriodError
from data.vocabulary.periods import match_period

__all__ = ["PeriodWindow", "last_data_month", "period_window", "records_window"]

TREND_MONTHS = 12
#: Months of a cell's own history behind its seasonal posterior's prior (the period's
#: included): two years, so the prior of a cell's level rests on 21 earlier months.
HISTORY_MONTHS = 24


@dataclass(frozen=True)
class PeriodWindow:
    """Month-start bounds of a period, its year-earlier twin and the trailing trend months.

    ``start`` is inclusive and ``end`` exclusive; ``trend_months`` are the 12 month starts
    ending with the period's last month (the ratio trend's x axis), ``history_months`` the
    24 (:data:`HISTORY_MONTHS`) behind the seasonal posterior's prior. A period the data covers
    only in part ends with the data (``period_end`` keeps the label's own end): the year-ago
    bounds then span the same months a year earlier, so growth compares like with like.
    """

    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    previous_year_start: pd.Timestamp
    previous_year_end: pd.Timestamp
    trend_months: tuple[pd.Timestamp, ...]
    period_end: pd.Timestamp
    history_months: tuple[pd.Timestamp, ...] = ()

    @property
    def n_months(self) -> int:
        """Number of months the window spans: the period's (1, 3 or 12) unless the data ends
        inside it."""
        return _months_between(self.start, self.end)

    @property
    def period_months(self) -> int:
        """Number of months of the period label itself (1, 3 or 12)."""
        return _months_between(self.start, self.period_end)

    @property
    def is_partial(self) -> bool:
        """Whether the data ends before the period does."""
        return self.end < self.period_end


def _months_between(start: pd.Timestamp, end: pd.Timestamp) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def last_data_month(*dates: pd.Series) -> pd.Timestamp | None:
    """The last month that every source of ``dates`` reaches: the month start of the earliest
    of their latest dates (empty sources are skipped; None when all are empty).

    >>> str(last_data_month(pd.Series(["2026-10-31"]), pd.Series(["2026-09-02"])).date())
    '2026-09-01'
    """
    latest = [pd.to_datetime(series).max() for series in dates if len(series)]
    latest = [value for value in latest if pd.notna(value)]
    return pd.Timestamp(min(latest)).to_period("M").start_time if latest else None


def records_window(period: str, vacancies: pd.DataFrame, candidates: pd.DataFrame) -> PeriodWindow:
    """:func:`period_window` of ``period`` ended by the data: the last month both the
    vacancies (``date_posted``) and the candidates (``registered_on``) reach."""
    data_month = last_data_month(vacancies["date_posted"], candidates["registered_on"])
    return period_window(period, data_month)


def period_window(period: str, data_month: pd.Timestamp | None = None) -> PeriodWindow:
    """Parse a period label into its :class:`PeriodWindow`, ended early by the data.

    Parameters
    ----------
    period
        ``'2026Q4'``, ``'2026-11'`` or ``'2026'``.
    data_month
        The last month the data covers (:func:`last_data_month`); a period it ends inside is
        cut at it, a period that starts after it is refused. None: the whole period.

    Examples
    --------
    >>> window = period_window("2026Q4")
    >>> str(window.start.date()), str(window.end.date()), window.n_months
    ('2026-10-01', '2027-01-01', 3)
    >>> str(window.trend_months[0].date()), str(window.history_months[0].date())
    ('2026-01-01', '2025-01-01')
    >>> cut = period_window("2026Q4", data_month=pd.Timestamp("2026-10-01"))
    >>> str(cut.end.date()), str(cut.previous_year_end.date()), cut.n_months, cut.is_partial
    ('2026-11-01', '2025-11-01', 1, True)
    """
    label = match_period(period)
    if label is None:
        raise PeriodError(f"period {period!r} must look like '2026Q4', '2026-11' or '2026'")
    parsed = pd.Period(period, freq=label.freq)
    start = parsed.start_time.normalize()
    period_end = (parsed + 1).start_time.normalize()
    end = period_end
    if data_month is not None:
        data_end = pd.Timestamp(data_month).to_period("M").start_time + pd.DateOffset(months=1)
        if data_end <= start:
            raise PeriodError(
                f"period {period!r} starts after the data, which ends with "
                f"{pd.Timestamp(data_month):%Y-%m}"
            )
        end = min(end, pd.Timestamp(data_end))
    last_month = end - pd.DateOffset(months=1)
    history = tuple(
        pd.Timestamp(last_month - pd.DateOffset(months=offset))
        for offset in range(HISTORY_MONTHS - 1, -1, -1)
    )
    return PeriodWindow(
        period=period,
        start=start,
        end=end,
        previous_year_start=pd.Timestamp(start - pd.DateOffset(years=1)),
        previous_year_end=pd.Timestamp(end - pd.DateOffset(years=1)),
        trend_months=history[-TREND_MONTHS:],
        period_end=period_end,
        history_months=history,
    )
