"""Catalogue editions as the API and the dashboard show them.

One place for what both need: the edition or a 404 problem, validated entry filters (a 422
naming the field), the diff against the previous edition with Chinese names, per-grade and
per-city summaries, and small-cell suppression.

Suppression: planners see aggregates only. An entry's head counts (``COUNT_COLUMNS``) below
``settings.min_cell_size`` are blanked, and so are the 求人倍率 figures when supply is blanked
(demand ÷ ratio would give the supply back; likewise the shrunk ratio and its bound). The
stored edition is never changed (editions are immutable); the masking happens on the way out
and each record lists what was blanked in ``suppressed``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from data.store.catalogue import (
    EditionInfo,
    diff_editions,
    get_edition,
    list_entries,
    previous_edition,
    read_entries_frame,
)
from data.taxonomy import cities, city_name, industry_name, occupation_name
from data.vocabulary.changes import CHANGE_LABELS
from data.vocabulary.zones import ZONES
from models.catalogue.suppression import (  # the one suppression function (issue 10)
    COUNT_COLUMNS,
    frame_records,
    suppress_frame,
    suppress_record,
)
from service.core.errors import InvalidInput, NotFound

__all__ = [
    "COUNT_COLUMNS",
    "IDENTITY_COLUMNS",
    "EntryFilters",
    "city_summary",
    "diff_with_previous",
    "edition_entries",
    "entries_page",
    "frame_records",
    "grade_counts",
    "require_edition",
    "suppress_frame",
    "suppress_record",
]

IDENTITY_COLUMNS: tuple[str, ...] = (
    "rank",
    "city_code",
    "city_name",
    "zone",
    "industry_code",
    "industry_name",
    "occupation_code",
    "occupation_name",
    "shortage_index",
    "stars",
    "grade",
)


def require_edition(session: Session, edition_id: int) -> EditionInfo:
    """The edition, or a 404 problem naming it."""
    info = get_edition(session, edition_id)
    if info is None:
        raise NotFound(f"No catalogue edition {edition_id}.")
    return info


def _known(lookup: Any, code: str) -> bool:
    try:
        lookup(code)
    except KeyError:
        return False
    return True


@dataclass(frozen=True)
class EntryFilters:
    """The planner's filters on an edition's entries (all optional)."""

    city_code: str | None = None
    zone: str | None = None
    industry_code: str | None = None
    occupation_code: str | None = None
    grade_min: int | None = None

    def validated(self) -> EntryFilters:
        """Self, or a 422 problem naming every unknown code (``query.city_code`` ...)."""
        checks = (
            ("city_code", city_name, "不是广东省 21 个地级市的代码"),
            ("industry_code", industry_name, "不是 GB/T 4754-2017 行业代码"),
            ("occupation_code", occupation_name, "不是职业分类大典（2022）职业代码"),
        )
        bad = [
            (f"query.{name}", f"{value!r} {reason}")
            for name, lookup, reason in checks
            if (value := getattr(self, name)) is not None and not _known(lookup, value)
        ]
        if self.zone is not None and self.zone not in ZONES:
            bad.append(("query.zone", f"{self.zone!r} 不是 {'/'.join(ZONES)} 之一"))
        if self.grade_min is not None and not 1 <= self.grade_min <= 5:
            bad.append(("query.grade_min", "星级须在 1–5 之间"))
        if bad:
            (field, reason), *more = bad
            raise InvalidInput(field, reason, more=more)
        return self

    def query(self) -> dict[str, str]:
        """The non-empty filters as URL query parameters (for pagination links)."""
        values = {
            "city_code": self.city_code,
            "zone": self.zone,
            "industry_code": self.industry_code,
            "occupation_code": self.occupation_code,
            "grade_min": None if self.grade_min is None else str(self.grade_min),
        }
        return {name: value for name, value in values.items() if value}


def entries_page(
    session: Session,
    edition_id: int,
    filters: EntryFilters,
    *,
    offset: int,
    limit: int,
    min_cell_size: int,
) -> tuple[list[dict[str, Any]], int]:
    """One page of suppressed entries matching ``filters``, and the total matching."""
    rows, total = list_entries(
        session,
        edition_id,
        city_code=filters.city_code,
        zone=filters.zone,
        industry_code=filters.industry_code,
        occupation_code=filters.occupation_code,
        grade_min=filters.grade_min,
        offset=offset,
        limit=limit,
    )
    return [suppress_record(row, min_cell_size) for row in rows], total


def _name_or_code(lookup: Any, code: str) -> str:
    try:
        return str(lookup(code)).strip()
    except KeyError:
        return code


def diff_with_previous(
    session: Session, edition_id: int
) -> tuple[EditionInfo | None, pd.DataFrame]:
    """The previous edition (None for the first) and the changes against it, with names.

    Columns: those of :func:`data.store.catalogue.diff_entries` plus ``city_name``,
    ``industry_name``, ``occupation_name`` and ``change_label``; unchanged rows dropped.
    """
    base = previous_edition(session, edition_id)
    if base is None:
        changes = diff_editions(session, edition_id, edition_id).iloc[0:0]
    else:
        changes = diff_editions(session, base.edition_id, edition_id)
    changes = changes[changes["change"] != "unchanged"].reset_index(drop=True)
    changes["city_name"] = [_name_or_code(city_name, code) for code in changes["city_code"]]
    changes["industry_name"] = [
        _name_or_code(industry_name, code) for code in changes["industry_code"]
    ]
    changes["occupation_name"] = [
        _name_or_code(occupation_name, code) for code in changes["occupation_code"]
    ]
    changes["change_label"] = changes["change"].map(CHANGE_LABELS)
    return base, changes


def grade_counts(entries: pd.DataFrame) -> dict[int, int]:
    """Entries per star grade, 5★ first (grades without entries count 0)."""
    counts = entries["stars"].value_counts() if "stars" in entries else pd.Series(dtype=int)
    return {stars: int(counts.get(stars, 0)) for stars in (5, 4, 3)}


def city_summary(entries: pd.DataFrame) -> pd.DataFrame:
    """Per city of the 21: entries, 4–5★ entries and mean 紧缺指数 (NaN without entries)."""
    table = cities()[["city_code", "name", "zone", "gba"]].copy()
    if entries.empty:
        table["entries"] = 0
        table["severe"] = 0
        table["mean_index"] = float("nan")
        return table
    grouped = entries.groupby("city_code")
    table["entries"] = table["city_code"].map(grouped.size()).fillna(0).astype(int)
    severe = entries[entries["stars"] >= 4].groupby("city_code").size()
    table["severe"] = table["city_code"].map(severe).fillna(0).astype(int)
    mean_index = grouped["shortage_index"].mean()
    table["mean_index"] = table["city_code"].map(mean_index).astype(float)
    return table


def edition_entries(session: Session, edition_id: int, min_cell_size: int) -> pd.DataFrame:
    """Every entry of an edition, suppressed, in rank order."""
    return suppress_frame(read_entries_frame(session, edition_id), min_cell_size)
