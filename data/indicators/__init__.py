"""The 14th Five-Year Plan indicators planners track: 2020 baselines, 2025 targets, sources.

:func:`plan_indicators` reads ``plan_indicators.csv`` (vendored beside this module, attribution
and the search that produced it in ``SOURCE.txt``). Unknown baselines or targets are left
empty (NaN), never guessed: ``verified`` says whether every filled number is quoted, for its
year, at ``source_url``.

Observations are entered per *period*: a year (``'2023'``, the value at the end of the year) or
a quarter (``'2024Q2'``, at the end of the quarter). :func:`validate_period` and
:func:`validate_value` are the one definition of what may be stored; the store and the API both
call them.
"""

from __future__ import annotations

import math
from functools import cache
from pathlib import Path

import pandas as pd

from data.errors import InvalidDataError
from data.vocabulary.indicators import DIRECTIONS  # re-exported
from data.vocabulary.periods import match_period

__all__ = [
    "DIRECTIONS",
    "INDICATORS_CSV",
    "KINDS",
    "PERIOD_YEAR_RANGE",
    "IndicatorInputError",
    "indicator",
    "plan_indicators",
    "validate_period",
    "validate_value",
]

INDICATORS_CSV = Path(__file__).with_name("plan_indicators.csv")
KINDS = ("预期性", "约束性")
# The plan runs 2021–2025; a little either side lets planners record the baseline year and the
# follow-up, while a typo such as '2203' is still caught.
PERIOD_YEAR_RANGE = (2020, 2030)
_COLUMNS = [
    "indicator_id",
    "name",
    "unit",
    "baseline_2020",
    "target_2025",
    "direction",
    "kind",
    "source_url",
    "verified",
    "note",
    "cumulative",
    "withheld",
]


@cache
def _read() -> pd.DataFrame:
    frame = pd.read_csv(
        INDICATORS_CSV,
        dtype={
            "cumulative": str,
            "withheld": str,
            "indicator_id": str,
            "name": str,
            "unit": str,
            "direction": str,
            "kind": str,
            "verified": str,
        },
        keep_default_na=False,
        na_values={"baseline_2020": [""], "target_2025": [""]},
    )
    for flag in ("verified", "cumulative", "withheld"):
        frame[flag] = frame[flag].map({"true": True, "false": False})
    _check(frame)
    return frame[_COLUMNS]


def _check(frame: pd.DataFrame) -> None:
    """Fail loudly on a malformed CSV edit rather than mis-scoring an indicator later."""
    if frame["indicator_id"].duplicated().any():
        raise ValueError("plan_indicators.csv: duplicate indicator_id")
    if not frame["direction"].isin(DIRECTIONS).all():
        raise ValueError(f"plan_indicators.csv: direction must be one of {DIRECTIONS}")
    if not frame["kind"].isin(KINDS).all():
        raise ValueError(f"plan_indicators.csv: kind must be one of {KINDS}")
    for flag in ("verified", "cumulative", "withheld"):
        if frame[flag].isna().any():
            raise ValueError(f"plan_indicators.csv: {flag} must be 'true' or 'false'")
    if (frame["source_url"].str.strip() == "").any():
        raise ValueError("plan_indicators.csv: every row needs a source_url")


def plan_indicators() -> pd.DataFrame:
    """The tracked indicators, one row each, in the plan's order (a copy).

    Returns
    -------
    pandas.DataFrame
        ``indicator_id, name, unit, baseline_2020, target_2025, direction ('increase' |
        'decrease'), kind ('预期性' | '约束性'), source_url, verified (bool), note,
        cumulative (a five-year sum, 五年累计), withheld (the plan prints [略])``;
        ``baseline_2020`` and ``target_2025`` are floats, NaN where no source was found.
    """
    return _read().copy()


def indicator(indicator_id: str) -> dict[str, object] | None:
    """One indicator's row as a dict, or None if there is no such indicator."""
    frame = _read()
    found = frame[frame["indicator_id"] == indicator_id]
    return None if found.empty else {str(key): value for key, value in found.iloc[0].items()}


class IndicatorInputError(InvalidDataError):
    """A value or period a planner cannot enter; ``str()`` in English (API), ``zh`` in Chinese
    (the entry form), both from here so the two never say different things."""

    def __init__(self, message: str, zh: str) -> None:
        super().__init__(message)
        self.zh = zh


def validate_period(period: str) -> str:
    """Return ``period`` (stripped, ``q`` upper-cased) if it is ``YYYY`` or ``YYYYQn``.

    Raises
    ------
    IndicatorInputError
        Another shape, or a year outside :data:`PERIOD_YEAR_RANGE`.

    Examples
    --------
    >>> validate_period(" 2024q2 ")
    '2024Q2'
    >>> validate_period("2024-06")
    Traceback (most recent call last):
    ...
    data.indicators.IndicatorInputError: period must look like '2023' or '2024Q2', not '2024-06'
    """
    text = period.strip().upper()
    found = match_period(text)
    if found is None or found.is_month:
        raise IndicatorInputError(
            f"period must look like '2023' or '2024Q2', not {period!r}",
            f"期别应为年份（如 2023）或季度（如 2024Q2），不能是“{period}”。",
        )
    low, high = PERIOD_YEAR_RANGE
    year = text[:4]  # as typed, e.g. '2203'
    if not low <= found.year <= high:
        raise IndicatorInputError(
            f"period year must be between {low} and {high}, not {year}",
            f"期别年份应在 {low} 至 {high} 年之间，不能是 {year} 年。",
        )
    return text


def validate_value(value: float, unit: str) -> float:
    """Return ``value`` as a float if it is finite and possible in ``unit``.

    Counts (万人) cannot be negative and a percentage lies in [0, 100].

    Raises
    ------
    IndicatorInputError
        NaN, infinity, a boolean, or outside the unit's range.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise IndicatorInputError(f"value must be a number, not {value!r}", "数值必须是数字。")
    number = float(value)
    if not math.isfinite(number):
        raise IndicatorInputError("value must be a finite number", "数值必须是有限的数字。")
    if number < 0:
        raise IndicatorInputError(
            f"value must not be negative in {unit}", f"以“{unit}”为单位的数值不能为负数。"
        )
    if unit == "%" and number > 100:
        raise IndicatorInputError("a percentage must be at most 100", "百分比不能超过 100。")
    return number
