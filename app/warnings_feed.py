"""The *warnings feed* use case: the latest early warnings (预警) for planners.

From the newest forecast bundle when the registry has one (its ``warnings`` table: the
forecast-ratio, demand-surge and supply-drop rules, Chinese ``message_zh``). Without a bundle
they are computed from the store's history alone with :class:`models.forecast.warning.EarlyWarning`
(demand-surge and supply-drop rules only; the ratio rule needs a forecast), and the source
says so. Warnings are statements about aggregates; rules never fire on series smaller than
the estimator's ``min_volume``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from app.registry import Loaded
from data.jsonable import jsonable
from data.panels import demand_panel as monthly_demand
from data.panels import ratio_panel, supply_panel
from data.store import read_candidates_frame, read_vacancies_frame
from data.taxonomy import cities
from data.vocabulary.warning_rules import RULE_LABELS
from models.catalogue.suppression import frame_records
from models.forecast.bundle import ForecastBundle
from models.forecast.warning import EarlyWarning, series_label, series_level

__all__ = ["METHOD_ZH", "WarningFeed", "WarningFilters", "latest_warnings"]

METHOD_ZH = (
    (
        RULE_LABELS["ratio_threshold"],
        "预测的求人倍率（需求÷求职）连续数月高于预警线。"
        "红色：这些月份中连 80% 预测区间的下限也高于预警线；"
        "橙色：预测值高于预警线且区间可信；"
        "黄色（待观察）：仅预测值高于预警线，区间缺失或过宽。",
    ),
    (
        RULE_LABELS["demand_growth"],
        "近几个月需求人数同比增长的稳健 z 值"
        "（与本序列以往增长或其他城市同职业比较）达到阈值为黄色，"
        "达到 1.5 倍为橙色，达到 2 倍为红色。",
    ),
    (
        RULE_LABELS["supply_drop"],
        "近几个月新增求职人数同比下降达到阈值为黄色，1.5 倍为橙色，"
        "2 倍为红色（且下降超出计数噪声）。",
    ),
    (
        "规模门槛",
        "样本量不足的序列不发预警；需求与求职历史完全相同的多个节点只在最具体的名称下预警一次。",
    ),
)
SOURCE_BUNDLE = "forecast"
SOURCE_HISTORY = "history"


@dataclass(frozen=True)
class WarningFeed:
    """Warnings, most severe first, and where they come from."""

    items: list[dict[str, Any]]
    source: str  # 'forecast' (bundle) or 'history' (store only)
    model_version: str | None
    note: str


@dataclass(frozen=True)
class WarningFilters:
    """The warnings page's filters; empty means all."""

    city_code: str | None = None
    zone: str | None = None
    level_name: str | None = None  # e.g. '城市 · 职业'
    rule: str | None = None
    grade: str | None = None  # 红色 / 橙色 / 黄色

    def keep(self, item: dict[str, Any]) -> bool:
        """Whether ``item`` passes every filter that is set."""
        unique_id = str(item["unique_id"])
        zone_of = _zone_of_city()
        checks = (
            (self.city_code, item.get("city_code")),
            (self.level_name, item.get("level_name")),
            (self.rule, item.get("rule")),
            (self.grade, item.get("level")),
        )
        if any(wanted and wanted != found for wanted, found in checks):
            return False
        if self.zone:
            city = item.get("city_code")
            in_zone = (
                zone_of.get(str(city)) == self.zone if city else unique_id.startswith(self.zone)
            )
            return bool(in_zone)
        return True


def _zone_of_city() -> dict[str, str]:
    table = cities()
    return dict(zip(table["city_code"], table["zone"], strict=True))


def _item(record: dict[str, Any]) -> dict[str, Any]:
    unique_id = str(record["unique_id"])
    parts = unique_id.split("/")
    evidence = record.get("evidence")
    if isinstance(evidence, str):
        try:
            evidence = json.loads(evidence)
        except ValueError:
            evidence = {"text": evidence}
    return {
        "unique_id": unique_id,
        "label": series_label(unique_id),
        "level_name": series_level(unique_id),
        "href": f"/series/{unique_id}",
        "city_code": parts[0] if len(parts[0]) == 4 and parts[0].startswith("44") else None,
        "occupation_code": parts[1] if len(parts) == 2 else None,
        "ds": pd.Timestamp(record["ds"]).date().isoformat(),
        "rule": str(record["rule"]),
        "rule_label": RULE_LABELS.get(str(record["rule"]), str(record["rule"])),
        "level": str(record["level"]),
        "severity": jsonable(record.get("severity")),
        "message_zh": str(record.get("message_zh", "")),
        "evidence": jsonable(evidence) if isinstance(evidence, dict) else {},
        "hierarchy": record.get("hierarchy"),
    }


def _from_history(engine: Engine) -> pd.DataFrame:
    vacancies = read_vacancies_frame(engine)
    candidates = read_candidates_frame(engine)
    if vacancies.empty and candidates.empty:
        return pd.DataFrame()
    moments = pd.concat(
        [pd.to_datetime(vacancies["date_posted"]), pd.to_datetime(candidates["registered_on"])]
    ).dropna()
    start = moments.min().to_period("M").to_timestamp()
    end = moments.max().to_period("M").to_timestamp()
    demand = monthly_demand(vacancies, start=start, end=end)
    supply = supply_panel(candidates, start=start, end=end)
    history = ratio_panel(demand, supply)[["unique_id", "ds", "demand", "supply"]]
    return EarlyWarning().flag(history, None)


def latest_warnings(
    engine: Engine, loaded: Loaded[ForecastBundle] | None, *, limit: int = 200
) -> WarningFeed:
    """The newest warnings (see the module docstring), at most ``limit``: the served bundle's
    (``loaded``), or computed from the store's history when there is none."""
    table = getattr(loaded.obj, "warnings", None) if loaded else None
    if isinstance(table, pd.DataFrame):
        records = frame_records(table.head(limit))
        note = f"来自预测模型 {loaded.version if loaded else ''} 的预警（含预测倍率规则）。"
        return WarningFeed(
            [_item(r) for r in records], SOURCE_BUNDLE, loaded.version if loaded else None, note
        )
    flagged = _from_history(engine)
    note = (
        "模型库中尚无预测制品：预警仅由历史数据计算（需求异常增长、求职供给下降），"
        "不含预测倍率规则。"
    )
    records = frame_records(flagged.head(limit)) if not flagged.empty else []
    return WarningFeed([_item(r) for r in records], SOURCE_HISTORY, None, note)
