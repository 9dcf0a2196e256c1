"""Period labels, parsed once: ``'2026Q4'`` (quarter), ``'2026-11'`` (month), ``'2026'`` (year).

Catalogue editions are published for any of the three; 专栏1 indicator observations are
recorded for years and quarters only (:attr:`Period.is_month` tells them apart). Six modules
used to carry their own regular expression and their own arithmetic for these labels, with
the store, the publication guard and the catalogue windows each deciding separately what a
period is. The callers keep their own error types and messages (an API 422, a CLI exit 2, a
domain ``PeriodError``); only the grammar and the month arithmetic live here.

Light on purpose (the standard library only): the CLI's publication guard uses it before
pandas is imported.

Examples
--------
>>> match_period("2026Q4")
Period(year=2026, quarter=4, month=None)
>>> match_period("2026-11").start, match_period("2026-11").end
(datetime.date(2026, 11, 1), datetime.date(2026, 12, 1))
>>> match_period("2026").freq, match_period("2026").n_months
('Y', 12)
>>> match_period("2026Q5") is None, match_period("2026-13") is None
(True, True)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

__all__ = ["PERIOD_PATTERN", "Period", "match_period"]

PERIOD_PATTERN = re.compile(r"^(?P<year>\d{4})(?:Q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    """A parsed label: a year, a quarter of a year, or a month of a year."""

    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def freq(self) -> str:
        """The pandas frequency of the label: ``'Q'``, ``'M'`` or ``'Y'``."""
        if self.quarter is not None:
            return "Q"
        return "M" if self.month is not None else "Y"

    @property
    def is_month(self) -> bool:
        """True for a month label (``'2026-11'``), which indicator observations never use."""
        return self.month is not None

    @property
    def first_month(self) -> int:
        """The calendar month (1–12) the period starts with."""
        if self.quarter is not None:
            return 3 * (self.quarter - 1) + 1
        return self.month if self.month is not None else 1

    @property
    def n_months(self) -> int:
        """Months the period spans: 3, 1 or 12."""
        if self.quarter is not None:
            return 3
        return 1 if self.month is not None else 12

    @property
    def start(self) -> date:
        """First day of the period."""
        return date(self.year, self.first_month, 1)

    @property
    def end(self) -> date:
        """First day after the period (exclusive end): ``'2026'``, ``'2026Q4'`` and
        ``'2026-12'`` all end on 2027-01-01."""
        after = self.first_month - 1 + self.n_months
        return date(self.year + after // 12, after % 12 + 1, 1)


def match_period(text: str) -> Period | None:
    """``text`` parsed as a period label, or None if it is not one (the caller says why)."""
    found = PERIOD_PATTERN.match(text)
    if found is None:
        return None
    quarter, month = found["quarter"], found["month"]
    return Period(
        int(found["year"]),
        None if quarter is None else int(quarter),
        None if month is None else int(month),
    )
