"""Which vacancies are open and which candidates available on a day.

A candidate is *available* on day ``d`` when registered by then (``registered_on <= d``)
and not hired since registering: a hire on day ``h`` with ``registered_on <= h <= d``
makes them unavailable; registering again after the hire makes them available again.

A vacancy is *open* on day ``d`` (days since 1970-01-01) when ``date_posted <= d``, it has
no ``date_closed`` on or before ``d``, its ``valid_through`` (if any) is ``>= d`` and fewer
candidates were hired than its ``headcount``. Serving queries pass the day (China Standard
Time); evaluation on historical data passes none and sees every vacancy.

>>> import datetime
>>> epoch_days(datetime.date(1970, 1, 2))
1
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import numpy.typing as npt

from models.match.encoding import NO_DATE, CandidateArrays, VacancyArrays

__all__ = ["CHINA_TZ", "available_mask", "epoch_days", "open_mask", "today_in_china"]

CHINA_TZ = timezone(timedelta(hours=8))
"""Guangdong's time zone (UTC+08:00): days of the lifecycle are China days."""
_EPOCH = date(1970, 1, 1)


def epoch_days(day: date) -> int:
    """``day`` as days since 1970-01-01 (the encoding of dates in the index arrays)."""
    return (day - _EPOCH).days


def today_in_china() -> date:
    """Today's date in Guangdong (UTC+08:00)."""
    return datetime.now(UTC).astimezone(CHINA_TZ).date()


def open_mask(v: VacancyArrays, rows: npt.NDArray[np.int64], day: date) -> npt.NDArray[np.bool_]:
    """Whether each of ``rows`` is open on ``day``."""
    d = epoch_days(day)
    posted, closed, until = v.date_posted[rows], v.date_closed[rows], v.valid_through[rows]
    return np.asarray(
        ((posted == NO_DATE) | (posted <= d))
        & ((closed == NO_DATE) | (closed > d))
        & ((until == NO_DATE) | (until >= d))
        & (v.hires[rows] < v.headcount[rows])
    )


def available_mask(
    c: CandidateArrays, rows: npt.NDArray[np.int64], day: date
) -> npt.NDArray[np.bool_]:
    """Whether each candidate of ``rows`` is available on ``day`` (see module docstring)."""
    d = epoch_days(day)
    registered, hired = c.registered_on[rows], c.hired_on[rows]
    hired_since = (hired != NO_DATE) & ((registered == NO_DATE) | (hired >= registered))
    return np.asarray(((registered == NO_DATE) | (registered <= d)) & ~(hired_since & (hired <= d)))
