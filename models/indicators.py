"""Progress of the 14th Five-Year Plan indicators: pure functions, no I/O.

An indicator moves from its 2020 baseline to its 2025 target. For an observation of period
``p`` (``'2023'`` = end of 2023, ``'2024Q2'`` = end of June 2024) we report

* **progress** — the share of the baseline→target distance covered,
  ``(value - baseline) / (target - baseline)``: 0 at the baseline, 1 at the target, above 1
  beyond it, negative when the indicator moved the wrong way. The same formula serves
  ``decrease`` indicators, since numerator and denominator are then both negative;
* **expected value** — the straight line from baseline (end of 2020) to target (end of 2025)
  evaluated at the end of ``p``, held at the target after 2025. A linear path is what the plan
  implies when it states only two points; it is a yardstick, not a forecast;
* **status** — ``achieved`` (target met, whatever the date), ``on_track`` (at least as good as
  the expected value), ``behind``, ``unknown`` (the baseline or the target is missing, so no
  path exists and the target is not met) or ``no_data`` (nothing observed yet).

Missing plan numbers arrive as None or NaN (the vendored table leaves unverifiable values
empty) and are never filled in here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from data.vocabulary.indicators import Direction, Status
from data.vocabulary.periods import match_period

__all__ = [
    "BASELINE_YEAR",
    "PLAN_YEARS",
    "TARGET_YEAR",
    "Assessment",
    "Direction",
    "Status",
    "assess",
    "expected_value",
    "meets_target",
    "period_offset_years",
    "progress_share",
]

BASELINE_YEAR = 2020
TARGET_YEAR = 2025
PLAN_YEARS = float(TARGET_YEAR - BASELINE_YEAR)
# Relative slack when comparing floats, so a value typed exactly at the path is on track.
_RELATIVE_TOLERANCE = 1e-9


def _known(number: float | None) -> bool:
    return number is not None and math.isfinite(number)


def period_offset_years(period: str) -> float:
    """Years from the end of 2020 to the end of ``period``.

    Examples
    --------
    >>> period_offset_years("2023"), period_offset_years("2024Q2"), period_offset_years("2021Q1")
    (3.0, 3.5, 0.25)

    Raises
    ------
    ValueError
        ``period`` is not ``YYYY`` or ``YYYYQn``.
    """
    found = match_period(period)
    if found is None or found.is_month:
        raise ValueError(f"period must look like '2023' or '2024Q2', not {period!r}")
    if found.quarter is None:
        return float(found.year - BASELINE_YEAR)
    return (found.year - 1 - BASELINE_YEAR) + found.quarter / 4


def _plan_fraction(offset_years: float) -> float:
    return min(max(offset_years / PLAN_YEARS, 0.0), 1.0)


def expected_value(baseline: float, target: float, offset_years: float) -> float:
    """The linear baseline→target path at ``offset_years`` after 2020 (held flat outside).

    Examples
    --------
    >>> expected_value(100.0, 150.0, 2.0), expected_value(100.0, 150.0, 9.0)
    (120.0, 150.0)
    """
    return baseline + (target - baseline) * _plan_fraction(offset_years)


def progress_share(baseline: float | None, target: float | None, value: float) -> float | None:
    """Share of the baseline→target distance covered by ``value``; None if a bound is missing.

    When target equals baseline (a "hold the level" goal) there is no distance to share out:
    1.0 if ``value`` equals the target, else 0.0.

    Examples
    --------
    >>> progress_share(443.0, 480.0, 461.5)
    0.5
    >>> progress_share(6.0, 4.0, 5.0)  # a decrease indicator, halfway down
    0.5
    """
    if baseline is None or target is None or not (_known(baseline) and _known(target)):
        return None
    distance = target - baseline
    if distance == 0:
        return 1.0 if math.isclose(value, target) else 0.0
    return (value - baseline) / distance


def _at_least_as_good(value: float, reference: float, direction: Direction) -> bool:
    slack = _RELATIVE_TOLERANCE * max(abs(value), abs(reference), 1.0)
    if direction == "increase":
        return value >= reference - slack
    return value <= reference + slack


def meets_target(value: float, target: float, direction: Direction) -> bool:
    """Whether ``value`` is at or beyond ``target`` in the good direction.

    Examples
    --------
    >>> meets_target(5.2, 5.5, "decrease"), meets_target(94.0, 95.0, "increase")
    (True, False)
    """
    return _at_least_as_good(value, target, direction)


@dataclass(frozen=True, slots=True)
class Assessment:
    """Where one indicator stands at its latest observation.

    ``progress`` and ``expected_progress`` are shares of the baseline→target distance (observed
    and on the linear path); ``expected_value`` is the path's value for ``period``. Fields that
    need a missing plan number, or an observation, are None.
    """

    period: str | None
    value: float | None
    progress: float | None
    expected_progress: float | None
    expected_value: float | None
    status: Status

    @property
    def on_track(self) -> bool | None:
        """True if achieved or on track, False if behind, None if it cannot be told."""
        if self.status in ("achieved", "on_track"):
            return True
        return False if self.status == "behind" else None


def assess(
    baseline: float | None,
    target: float | None,
    direction: Direction,
    period: str | None,
    value: float | None,
) -> Assessment:
    """Assess the observation ``(period, value)`` of an indicator against its plan.

    Parameters
    ----------
    baseline, target
        The 2020 baseline and the 2025 target; None or NaN when unknown.
    direction
        ``'increase'`` if higher is better, ``'decrease'`` for ceilings (unemployment rates).
    period, value
        The latest observation, or None for both when nothing has been observed.

    Examples
    --------
    >>> assess(443.0, 480.0, "increase", "2023", 470.0).status
    'on_track'
    >>> assess(443.0, 480.0, "increase", "2023", 450.0).status
    'behind'
    """
    if period is None or value is None:
        return Assessment(period, value, None, None, None, "no_data")
    offset = period_offset_years(period)
    progress = progress_share(baseline, target, value)
    if target is None or not _known(target):
        return Assessment(period, value, None, None, None, "unknown")
    if baseline is None or not _known(baseline):
        status: Status = "achieved" if meets_target(value, target, direction) else "unknown"
        return Assessment(period, value, None, None, None, status)
    path_value = expected_value(baseline, target, offset)
    if meets_target(value, target, direction):
        status = "achieved"
    elif _at_least_as_good(value, path_value, direction):
        status = "on_track"
    else:
        status = "behind"
    return Assessment(period, value, progress, _plan_fraction(offset), path_value, status)
