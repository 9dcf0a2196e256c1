"""Catalogue periods: ``'2026Q4'`` (quarter), ``'2026-11'`` (month) or ``'2026'`` (year)."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

__all__ = ["PeriodWindow", "period_window"]

_PERIOD_PATTERN = re.compile(r"^\d{4}(Q[1-4]|-(0[1-9]|1[0-2]))?$")
TREND_MONTHS = 12


@dataclass(frozen=True)
class PeriodWindow:
    """Month-start bounds of a period, its year-earlier twin and the trailing trend months.

    ``start`` is inclusive and ``end`` exclusive; ``trend_months`` are the 12 month starts
    ending with the period's last month (the ratio trend's x axis).
    """

    period: str
    start: pd.Timestamp
    end: pd.Timestamp
    previous_year_start: pd.Timestamp
    previous_year_end: pd.Timestamp
    trend_months: tuple[pd.Timestamp, ...]

    @property
    def n_months(self) -> int:
        """Number of months the period spans (1, 3 or 12)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month


def period_window(period: str) -> PeriodWindow:
    """Parse a period label into its :class:`PeriodWindow`.

    Examples
    --------
    >>> window = period_window("2026Q4")
    >>> str(window.start.date()), str(window.end.date()), window.n_months
    ('2026-10-01', '2027-01-01', 3)
    >>> str(window.trend_months[0].date())
    '2026-01-01'
    """
    if not _PERIOD_PATTERN.match(period):
        raise ValueError(f"period {period!r} must look like '2026Q4', '2026-11' or '2026'")
    freq = "Q" if "Q" in period else ("M" if "-" in period else "Y")
    parsed = pd.Period(period, freq=freq)
    start = parsed.start_time.normalize()
    end = (parsed + 1).start_time.normalize()
    last_month = end - pd.DateOffset(months=1)
    trend = tuple(
        pd.Timestamp(last_month - pd.DateOffset(months=offset))
        for offset in range(TREND_MONTHS - 1, -1, -1)
    )
    return PeriodWindow(
        period=period,
        start=start,
        end=end,
        previous_year_start=pd.Timestamp(start - pd.DateOffset(years=1)),
        previous_year_end=pd.Timestamp(end - pd.DateOffset(years=1)),
        trend_months=trend,
    )
