"""Observed values of the plan indicators (:mod:`data.indicators`), entered by planners.

History is kept: the table is append-only. A correction of ``(indicator_id, period)`` is a new
row with a later ``entered_at``; the *current* value of a period is its newest row (ties, which
the unique constraint on ``(indicator_id, period, entered_at)`` makes impossible within one
indicator and period, would fall back to the higher ``id``). So an audit can always show who
entered what and when, and what a page said before a correction; readers that want one value per
period use :func:`current_observations`.

``entered_by`` is the API key id (:mod:`data.store.keys`) of the planner or admin. It is not a
foreign key: keys are never deleted, and imports from scripts may record a label of their own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Float, String, Text, UniqueConstraint, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from data.errors import NotFoundError
from data.indicators import indicator, validate_period, validate_value
from data.store.schema import Base, as_utc, utc_now
from data.vocabulary.periods import match_period

__all__ = [
    "IndicatorObservationRow",
    "Observation",
    "UnknownIndicatorError",
    "current_observations",
    "latest_observations",
    "observation_history",
    "record_observation",
]

ENTERED_BY_MAX = 64


class UnknownIndicatorError(NotFoundError):
    """No indicator of :func:`data.indicators.plan_indicators` has this id."""


class IndicatorObservationRow(Base):
    """One entered value of an indicator for a period; never updated, never deleted."""

    __tablename__ = "indicator_observations"
    # Also the index for reads by indicator (and period): its leading columns.
    __table_args__ = (UniqueConstraint("indicator_id", "period", "entered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    indicator_id: Mapped[str] = mapped_column(String(64))
    period: Mapped[str] = mapped_column(String(6))
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    entered_by: Mapped[str] = mapped_column(String(ENTERED_BY_MAX))
    entered_at: Mapped[datetime] = mapped_column(default=utc_now)


@dataclass(frozen=True, slots=True)
class Observation:
    """A stored observation, detached from the session."""

    id: int
    indicator_id: str
    period: str
    value: float
    note: str
    entered_by: str
    entered_at: datetime


def _observation(row: IndicatorObservationRow) -> Observation:
    return Observation(
        id=row.id,
        indicator_id=row.indicator_id,
        period=row.period,
        value=row.value,
        note=row.note,
        entered_by=row.entered_by,
        entered_at=row.entered_at,
    )


def record_observation(
    session: Session,
    indicator_id: str,
    period: str,
    value: float,
    *,
    entered_by: str,
    note: str = "",
    entered_at: datetime | None = None,
) -> Observation:
    """Append a value (a first entry or a correction) and return it; the caller commits.

    Raises
    ------
    UnknownIndicatorError
        ``indicator_id`` is not a plan indicator.
    ValueError
        A malformed period, a value impossible in the indicator's unit, or no ``entered_by``.
    """
    spec = indicator(indicator_id)
    if spec is None:
        raise UnknownIndicatorError(f"no indicator {indicator_id!r}")
    if not entered_by or len(entered_by) > ENTERED_BY_MAX:
        raise ValueError(f"entered_by must be 1 to {ENTERED_BY_MAX} characters")
    row = IndicatorObservationRow(
        indicator_id=indicator_id,
        period=validate_period(period),
        value=validate_value(value, str(spec["unit"])),
        note=note.strip(),
        entered_by=entered_by,
        entered_at=as_utc(entered_at) if entered_at is not None else utc_now(),
    )
    session.add(row)
    session.flush()
    return _observation(row)


def _period_key(period: str) -> tuple[int, int]:
    # '2024' is the end of 2024, the same moment as '2024Q4'; the annual figure sorts after it.
    parsed = match_period(period)
    if parsed is None or parsed.is_month:
        raise ValueError(f"stored period {period!r} is not a year or a quarter")
    return parsed.year, parsed.quarter or 5


def _ordered(session: Session, indicator_id: str | None) -> list[Observation]:
    """Observations by indicator, period (in time order), then oldest entry first."""
    query = select(IndicatorObservationRow)
    if indicator_id is not None:
        query = query.where(IndicatorObservationRow.indicator_id == indicator_id)
    found = [_observation(row) for row in session.scalars(query)]
    return sorted(
        found,
        key=lambda item: (item.indicator_id, _period_key(item.period), item.entered_at, item.id),
    )


def observation_history(session: Session, indicator_id: str) -> list[Observation]:
    """Every stored version for ``indicator_id``: by period in time order, oldest entry first."""
    return _ordered(session, indicator_id)


def current_observations(session: Session, indicator_id: str | None = None) -> list[Observation]:
    """The current value of each period (its newest entry), by indicator and period.

    Read in one query and reduced in Python: a few indicators times a few dozen periods.
    """
    newest: dict[tuple[str, str], Observation] = {}
    for item in _ordered(session, indicator_id):  # oldest first, so the last one seen wins
        newest[(item.indicator_id, item.period)] = item
    return list(newest.values())


def latest_observations(session: Session) -> dict[str, Observation]:
    """Per indicator, the current value of its most recent period."""
    latest: dict[str, Observation] = {}
    for item in current_observations(session):  # in period order, so the last one seen wins
        latest[item.indicator_id] = item
    return latest
