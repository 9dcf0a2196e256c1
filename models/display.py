"""Display rules of every planner page, in one place.

- a missing, suppressed or non-finite value is shown as "—" (never ``nan`` or ``inf``);
- counts of people or postings are whole numbers with thousands separators;
- shares and growth rates are percentages ("−5.6 %");
- times are in Asia/Shanghai with the zone shown ("2026-12-01 08:30 北京时间").

Dashboard templates reach these as filters (``{{ value|count }}``, registered by
:func:`install_display_filters`); the PDF/HTML reports and exports call them directly, so a
number looks the same on a page, in a PDF and in a spreadsheet.

>>> number(float("inf")), number(None), number(2.345), count(6.6), percent(-0.0559)
('—', '—', '2.35', '7', '-5.6%')
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

__all__ = [
    "MISSING",
    "count",
    "install_display_filters",
    "is_missing",
    "local_time",
    "number",
    "percent",
]

MISSING = "—"
SHANGHAI = ZoneInfo("Asia/Shanghai")
ZONE_LABEL = "北京时间"


def is_missing(value: Any) -> bool:
    """True for None, NaN, ±inf, pandas NA and anything that is not a number."""
    if value is None or isinstance(value, bool):
        return value is None
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


def number(value: Any, digits: int = 2) -> str:
    """A measured quantity: ``digits`` decimals, integers as integers, missing as "—"."""
    if is_missing(value):
        return MISSING
    real = float(value)
    if real == int(real) and abs(real) < 1e15:
        return f"{int(real):,}"
    return f"{real:,.{digits}f}"


def count(value: Any) -> str:
    """A count of people or postings: rounded to a whole number."""
    if is_missing(value):
        return MISSING
    return f"{round(float(value)):,}"


def percent(value: Any, digits: int = 1) -> str:
    """A share or growth given as a fraction (0.25) shown as a percentage ("25.0%")."""
    if is_missing(value):
        return MISSING
    return f"{float(value) * 100:.{digits}f}%"


def local_time(value: Any, with_zone: bool = True) -> str:
    """A timestamp in Asia/Shanghai; naive values are taken as UTC (how the store keeps them)."""
    if value is None:
        return MISSING
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    shown = moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return f"{shown} {ZONE_LABEL}" if with_zone else shown


class _HasFilters(Protocol):
    filters: dict[str, Any]


def install_display_filters(env: _HasFilters) -> None:
    """Register the rules as Jinja filters ``number``, ``count``, ``percent``, ``local_time``."""
    env.filters.update(
        number=number, count=count, percent=percent, local_time=local_time, missing=is_missing
    )
