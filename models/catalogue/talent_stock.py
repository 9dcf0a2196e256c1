"""Talent stock by city (人才地图, 规划第五章第六节): where talent is, not only where it is short.

The plan asks for a 高技能人才地图 and a 高层次专业技术人才地图 of the 21 cities. What the store
knows is its job seekers, so the stock here is the seekers registered in the twelve months
to the period's data end (the workforce *in the data*, not a census), split into

* 高技能人才: skill level 高级工 and above (:attr:`data.levels.SkillLevel.senior_worker`);
* 专业技术人才: any 职称 (初级 and above), with 高层次 (副高 and above) counted beside it;

each with its share of the city's seekers and its change against the twelve months a year
earlier. Counts below the small-cell threshold are withheld (``None``), and so is what is
derived from them, as everywhere else in the catalogue (:mod:`models.catalogue.suppression`).

Computed once at publication (``app.supply_flow``) and stored as JSON beside the
supply and flow report (:func:`talent_stock_file`); the dashboard reads that file.

Examples
--------
>>> import pandas as pd
>>> from models.catalogue.periods import period_window
>>> seekers = pd.DataFrame({
...     "city_code": ["4401"] * 4 + ["4403"] * 2,
...     "skill_level": [3, 4, 0, 1, 5, 0],
...     "title_level": [0, 2, 3, 0, 0, 1],
...     "registered_on": pd.to_datetime(["2026-03-01"] * 6),
... })
>>> table = talent_stock(seekers, period_window("2026Q2"), min_cell_size=1)
>>> row = table.set_index("city_code").loc["4401"]
>>> int(row["seekers"]), int(row["high_skilled"]), float(row["high_skilled_share"])
(4, 2, 0.5)
>>> int(row["professional"]), int(row["high_level_professional"])
(2, 1)
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from data.jsonable import jsonable
from data.levels import SkillLevel, TitleLevel
from data.taxonomy import cities
from models.catalogue.periods import PeriodWindow

__all__ = [
    "KINDS",
    "STOCK_COUNTS",
    "read_talent_stock",
    "stock_payload",
    "talent_stock",
    "talent_stock_file",
    "write_talent_stock",
]

KINDS: dict[str, str] = {"high_skilled": "高技能人才", "professional": "专业技术人才"}
"""The two talent maps the plan asks for, by their field name."""
STOCK_COUNTS: tuple[str, ...] = (
    "seekers",
    "high_skilled",
    "high_skilled_previous",
    "professional",
    "high_level_professional",
    "professional_previous",
)
"""Count columns of :func:`talent_stock`; each is withheld below the small-cell threshold."""
_DERIVED: dict[str, tuple[str, ...]] = {
    "seekers": ("high_skilled_share", "professional_share"),
    "high_skilled": ("high_skilled_share", "high_skilled_change"),
    "high_skilled_previous": ("high_skilled_change",),
    "professional": ("professional_share", "professional_change"),
    "professional_previous": ("professional_change",),
}


def _stock_window(window: PeriodWindow) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """Start of the previous twelve months, start and (exclusive) end of the current twelve."""
    end = window.end
    return end - pd.DateOffset(months=24), end - pd.DateOffset(months=12), end


def _counts(seekers: pd.DataFrame) -> pd.DataFrame:
    skill = pd.to_numeric(seekers["skill_level"], errors="coerce").fillna(0)
    title = pd.to_numeric(seekers["title_level"], errors="coerce").fillna(0)
    flags = pd.DataFrame(
        {
            "city_code": seekers["city_code"].astype(str),
            "seekers": 1,
            "high_skilled": (skill >= int(SkillLevel.senior_worker)).astype(int),
            "professional": (title >= int(TitleLevel.junior)).astype(int),
            "high_level_professional": (title >= int(TitleLevel.associate_senior)).astype(int),
        }
    )
    return flags.groupby("city_code").sum()


def talent_stock(
    candidates: pd.DataFrame, window: PeriodWindow, *, min_cell_size: int
) -> pd.DataFrame:
    """One row per city (all 21, in the city table's order): counts, shares and year change.

    ``candidates`` needs ``city_code``, ``skill_level``, ``title_level`` and ``registered_on``;
    ``window`` is the period's, ended by the data
    (:func:`~models.catalogue.periods.records_window`).
    """
    previous_start, start, end = _stock_window(window)
    registered = pd.to_datetime(candidates["registered_on"])
    current = _counts(candidates[(registered >= start) & (registered < end)])
    previous = _counts(candidates[(registered >= previous_start) & (registered < start)])
    table = cities()[["city_code", "name", "zone", "gba"]].set_index("city_code")
    for column in ("seekers", "high_skilled", "professional", "high_level_professional"):
        table[column] = current[column].reindex(table.index).fillna(0).astype(float)
    table["high_skilled_previous"] = (
        previous["high_skilled"].reindex(table.index).fillna(0).astype(float)
    )
    table["professional_previous"] = (
        previous["professional"].reindex(table.index).fillna(0).astype(float)
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        for kind in KINDS:
            table[f"{kind}_share"] = table[kind] / table["seekers"]
            table[f"{kind}_change"] = table[kind] / table[f"{kind}_previous"] - 1
    table = table.replace([np.inf, -np.inf], np.nan)
    for column in STOCK_COUNTS:
        small = table[column] < min_cell_size
        table.loc[small, column] = np.nan
        for derived in _DERIVED.get(column, ()):
            table.loc[small, derived] = np.nan
    table.attrs["window"] = (str(start.date()), str(end.date()))
    return table.reset_index()


def talent_stock_file(var_dir: Path, period: str) -> Path:
    """Where publication writes the talent stock of ``period`` and the dashboard reads it."""
    return Path(var_dir) / "reports" / f"talent-stock-{period}.json"


def stock_payload(table: pd.DataFrame, period: str) -> dict[str, Any]:
    """``table`` as plain JSON-ready data: ``period``, the window and ``rows`` (None = withheld)."""
    start, end = table.attrs.get("window", ("", ""))
    return {
        "period": period,
        "window_start": start,
        "window_end": end,
        "rows": [jsonable(row) for row in table.to_dict("records")],
    }


def write_talent_stock(table: pd.DataFrame, period: str, var_dir: Path) -> Path:
    """Write ``table`` as JSON (atomically: a reader never sees half a file); its path."""
    target = talent_stock_file(var_dir, period)
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = stock_payload(table, period)
    partial = target.with_suffix(f".json.{os.getpid()}.part")
    partial.write_text(json.dumps(payload, ensure_ascii=False, indent=1), encoding="utf-8")
    partial.replace(target)
    return target


def read_talent_stock(var_dir: Path, period: str) -> dict[str, Any] | None:
    """The stored talent stock of ``period`` (``period``, window and ``rows``), or None."""
    path = talent_stock_file(var_dir, period)
    if not path.is_file():
        return None
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded
