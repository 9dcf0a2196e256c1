"""Shapes of the catalogue API: editions, entries with evidence, diffs and early warnings."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from data.vocabulary.changes import ChangeKind
from data.vocabulary.zones import Zone

__all__ = [
    "ChangeKind",
    "DiffItem",
    "EditionDetail",
    "EditionDiff",
    "EditionSummary",
    "EntryOut",
    "WarningItem",
    "WarningList",
    "Zone",
]


class EditionSummary(BaseModel):
    """One published edition (a period's revision) of the 急需紧缺人才目录."""

    edition_id: int
    period: str = Field(examples=["2026Q4"])
    revision: int = Field(ge=1)
    published_at: datetime
    content_sha256: str = Field(description="SHA-256 of the edition's canonical content.")
    entry_count: int = Field(ge=0)


class EditionDetail(EditionSummary):
    """An edition with its 方法说明, counts and parameters."""

    method: str = Field(description="方法说明 (Chinese), as published with the edition.")
    counts_by_grade: dict[str, int] = Field(
        description="Entries per star grade ('5', '4', '3').", examples=[{"5": 3, "4": 2, "3": 0}]
    )
    counts_by_zone: dict[str, int] = Field(description="Entries per zone 一核/一带/一区.")
    previous_edition_id: int | None = Field(
        description="The edition the diff compares with (None for the first)."
    )
    forecast_used: bool | None = None
    forecast_note: str | None = None
    meta: dict[str, Any] = Field(description="Everything stored with the edition.")


class EntryOut(BaseModel):
    """A catalogue entry (city × industry × occupation) and its evidence.

    Head counts below the service's ``min_cell_size`` are null and named in ``suppressed``.
    """

    rank: int
    city_code: str
    city_name: str | None
    zone: str | None
    industry_code: str
    industry_name: str | None
    occupation_code: str
    occupation_name: str | None
    shortage_index: float = Field(description="紧缺指数, 0–100.")
    stars: int = Field(ge=1, le=5)
    grade: str | None = Field(description="特别紧缺 / 比较紧缺 / 一般紧缺.")
    evidence: dict[str, Any] = Field(
        description="Demand, supply, 求人倍率 and its 12-month trend, forecast and interval, "
        "backtest MASE, typical requirements and the component scores."
    )
    suppressed: list[str] = Field(default_factory=list)


class DiffItem(BaseModel):
    """One entry that changed between two editions."""

    key: str = Field(examples=["4403|65|2-02-10-03"])
    city_code: str
    city_name: str
    industry_code: str
    industry_name: str
    occupation_code: str
    occupation_name: str
    change: ChangeKind
    change_label: str = Field(examples=["升级"])
    old_grade: int | None
    new_grade: int | None


class EditionDiff(BaseModel):
    """What changed from the previous edition to this one."""

    edition_id: int
    previous_edition_id: int | None
    counts: dict[str, int] = Field(description="Changes per kind (new/removed/...).")
    items: list[DiffItem]


class WarningItem(BaseModel):
    """One early warning (预警) on a series."""

    unique_id: str = Field(examples=["4403/2-02-10-03"])
    label: str = Field(examples=["深圳市 · 计算机软件工程技术人员"])
    city_code: str | None
    occupation_code: str | None
    ds: str = Field(description="Month the warning is about (ISO date).")
    rule: str
    rule_label: str
    level: str = Field(examples=["红色"])
    severity: float | None
    message_zh: str
    evidence: dict[str, Any]
    hierarchy: str | None = None


class WarningList(BaseModel):
    """The latest warnings, most severe first."""

    source: Literal["forecast", "history"] = Field(
        description="'forecast': the newest forecast artifact's warnings; 'history': computed "
        "from the store's history alone (no forecast artifact yet)."
    )
    model_version: str | None
    note: str
    items: list[WarningItem]
