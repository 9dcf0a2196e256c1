"""Small-cell suppression of catalogue entries: the one function every output applies.

Planners see aggregates only. An entry's head counts (:data:`COUNT_COLUMNS`) below
``min_cell_size`` are blanked, and so are the 求人倍率 figures when supply is blanked (demand ÷
ratio would give the supply back; likewise the shrunk ratio and its bound). The stored edition
is never changed (editions are immutable); the files written at publish
(:mod:`app.publish`) and every API / dashboard response pass through
:func:`suppress_frame` / :func:`suppress_record` exactly once, so they show the same view.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

__all__ = [
    "COUNT_COLUMNS",
    "SUPPLY_REVEALING",
    "frame_records",
    "suppress_frame",
    "suppress_record",
]

COUNT_COLUMNS: tuple[str, ...] = (
    "demand",
    "demand_city_occupation",
    "supply",
    "n_vacancies",
    "demand_year_ago",
)
#: Blanked with ``supply``: each would reveal it (demand ÷ ratio).
SUPPLY_REVEALING: tuple[str, ...] = (
    "ratio", "ratio_shrunk", "ratio_shrunk_lo", "ratio_posterior", "ratio_posterior_lo",
    "ratio_posterior_hi",
)  # fmt: skip


def _missing(value: Any) -> bool:
    if isinstance(value, list | tuple | dict):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as dicts with string keys and ``None`` for every missing value (NaN, NA, NaT)."""
    return [
        {str(key): (None if _missing(value) else value) for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def suppress_record(record: dict[str, Any], min_cell_size: int) -> dict[str, Any]:
    """A copy of an entry with small head counts blanked; ``suppressed`` names them."""
    out = dict(record)
    hidden = [
        column
        for column in COUNT_COLUMNS
        if not _blank(out.get(column)) and float(out[column]) < min_cell_size
    ]
    if "supply" in hidden:
        hidden += [column for column in SUPPLY_REVEALING if not _blank(out.get(column))]
    for column in hidden:
        out[column] = None
    out["suppressed"] = hidden
    return out


def suppress_frame(entries: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
    """:func:`suppress_record` on every row of an entries frame (column order kept)."""
    if entries.empty:
        return entries.copy()
    records = [suppress_record(row, min_cell_size) for row in frame_records(entries)]
    frame = pd.DataFrame.from_records(records).drop(columns="suppressed")
    return frame[list(entries.columns)]
