"""Daily demand and supply intensity: Spring Festival, school calendar, COVID, macro cycle.

Intensities are multiplicative and defined per *day* so that monthly totals and the day a
vacancy is posted within its month come from the same profile. The Spring Festival (春节,
lunar 1/1, dated with ``lunardate``) dominates the Chinese hiring year: postings and job
seekers dry up in the three weeks before it as migrant workers go home, stop during the
holiday week, and surge from 初八 (day 8) for about five weeks — the 节后招工潮 — with demand
surging more than supply. See ``data/generator/README.md`` for every constant.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from lunardate import LunarDate

__all__ = [
    "DayGrid",
    "demand_intensity",
    "family_shock",
    "macro_cycle",
    "sample_days",
    "spring_festival",
    "supply_intensity",
]

# (first offset, last offset, demand multiplier, supply multiplier) around 春节 (offset 0).
_FESTIVAL_WINDOWS = (
    (-21, -1, 0.55, 0.45),
    (0, 7, 0.15, 0.15),
    (8, 42, 1.75, 1.40),
)
_MONTH_OF_YEAR_DEMAND = {7: 0.97, 8: 0.97, 9: 1.08, 10: 1.08, 12: 0.92}
_GRADUATE_SUPPLY = {6: 1.5, 7: 1.8, 8: 1.2}
# (first day, last day, demand multiplier, supply multiplier): COVID-19 disruptions.
_SHOCKS = (
    ("2020-01-23", "2020-02-29", 0.35, 0.40),
    ("2020-03-01", "2020-03-31", 0.65, 0.80),
    ("2020-04-01", "2020-04-30", 0.85, 0.95),
    ("2020-05-01", "2020-06-30", 0.93, 1.00),
    ("2022-03-14", "2022-03-27", 0.65, 0.75),
    ("2022-11-15", "2022-12-31", 0.75, 0.85),
)
# Yearly macro level of hiring (1 = 2019), interpolated monthly.
_MACRO = {2019: 1.0, 2020: 0.93, 2021: 1.06, 2022: 0.95, 2023: 0.98, 2024: 1.0, 2025: 1.02}
# Policy steps by family: (from, log change) — 双减 for tutoring, the 2021 property downturn.
_FAMILY_STEPS = {
    "education": (("2021-08-01", -0.35),),
    "realestate": (("2021-09-01", -0.25), ("2022-06-01", -0.2)),
}


def spring_festival(year: int) -> date:
    """Gregorian date of 春节 (lunar new year's day) of ``year``."""
    solar: date = LunarDate(year, 1, 1).to_solar_date()
    return solar


class DayGrid:
    """Every day from the first of ``start`` to the last day of ``end`` with its month index.

    Parameters
    ----------
    start, end
        Months as ``"YYYY-MM"``.
    """

    def __init__(self, start: str, end: str) -> None:
        self.months = pd.period_range(start, end, freq="M")
        first = self.months[0].start_time.normalize()
        last = self.months[-1].end_time.normalize()
        self.days = pd.date_range(first, last, freq="D")
        self.month_index = (
            (self.days.year - first.year) * 12 + (self.days.month - first.month)
        ).to_numpy()
        self.day_numbers = (self.days - pd.Timestamp("1970-01-01")).days.to_numpy()

    @property
    def n_months(self) -> int:
        return len(self.months)

    def monthly(self, daily: np.ndarray) -> np.ndarray:
        """Sum a daily intensity within each month (expected count per month)."""
        return np.bincount(self.month_index, weights=daily, minlength=self.n_months)


def _festival_offsets(grid: DayGrid) -> np.ndarray:
    """Days from the nearest 春节 for each day of the grid."""
    years = range(grid.days.year.min() - 1, grid.days.year.max() + 2)
    festivals = np.array(
        [(pd.Timestamp(spring_festival(y)) - pd.Timestamp("1970-01-01")).days for y in years]
    )
    offsets = grid.day_numbers[:, None] - festivals[None, :]
    nearest: np.ndarray = offsets[np.arange(len(offsets)), np.abs(offsets).argmin(axis=1)]
    return nearest


def _window_profile(grid: DayGrid, column: int) -> np.ndarray:
    offsets = _festival_offsets(grid)
    profile = np.ones(len(grid.days))
    for first, last, *multipliers in _FESTIVAL_WINDOWS:
        profile[(offsets >= first) & (offsets <= last)] = multipliers[column]
    for shock_first, shock_last, *shock_multipliers in _SHOCKS:
        inside = (grid.days >= pd.Timestamp(shock_first)) & (grid.days <= pd.Timestamp(shock_last))
        profile[inside] *= shock_multipliers[column]
    return profile


def demand_intensity(grid: DayGrid) -> np.ndarray:
    """Daily posting intensity (mean ≈ 1): festival, month of year, COVID, macro cycle."""
    month_effect = np.array([_MONTH_OF_YEAR_DEMAND.get(m, 1.0) for m in grid.days.month])
    intensity: np.ndarray = _window_profile(grid, 0) * month_effect * macro_cycle(grid)
    return intensity


def supply_intensity(grid: DayGrid, graduate: bool) -> np.ndarray:
    """Daily job-seeker registration intensity; ``graduate`` adds the June–August wave of
    college graduates (for occupations typically needing 大专 or more)."""
    profile = _window_profile(grid, 1)
    if graduate:
        profile = profile * np.array([_GRADUATE_SUPPLY.get(m, 1.0) for m in grid.days.month])
    return profile


def macro_cycle(grid: DayGrid) -> np.ndarray:
    """Daily macro hiring level, linearly interpolated between mid-year anchors."""
    anchors = sorted(_MACRO.items())
    x = np.array(
        [(pd.Timestamp(f"{y}-07-01") - pd.Timestamp("1970-01-01")).days for y, _ in anchors]
    )
    y = np.array([level for _, level in anchors])
    level: np.ndarray = np.interp(grid.day_numbers, x, y)
    return level


def family_shock(grid: DayGrid, family: str) -> np.ndarray:
    """Daily log-level shifts from policy steps affecting a family (0 when none)."""
    shift = np.zeros(len(grid.days))
    for first, change in _FAMILY_STEPS.get(family, ()):
        shift[grid.days >= pd.Timestamp(first)] += change
    return shift


def sample_days(
    grid: DayGrid, daily: np.ndarray, months: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Draw a day (as an index into ``grid.days``) within each given month, in proportion to
    the daily intensity — so vacancies cluster after 春节 inside a month too."""
    cumulative = np.cumsum(daily)
    month_first = np.searchsorted(grid.month_index, np.arange(grid.n_months), side="left")
    month_last = np.searchsorted(grid.month_index, np.arange(grid.n_months), side="right") - 1
    low = np.where(month_first > 0, cumulative[np.maximum(month_first - 1, 0)], 0.0)[months]
    high = cumulative[month_last][months]
    target = low + rng.random(len(months)) * (high - low)
    days = np.searchsorted(cumulative, target, side="left")
    clipped: np.ndarray = np.clip(days, month_first[months], month_last[months])
    return clipped
