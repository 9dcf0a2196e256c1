"""The latest early warnings (预警) for planners.

From the newest forecast bundle when the registry has one (its ``warnings`` table: the
forecast-ratio, demand-surge and supply-drop rules, Chinese ``message_zh``). Without a bundle
they are computed from the store's history alone with :class:`models.forecast.warning.EarlyWarning`
(demand-surge and supply-drop rules only; the ratio rule needs a forecast), and the source
says so. Warnings are statements about aggregates; rules never fire on series smaller than
the estimator's ``min_volume``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from data.panels import demand_panel as monthly_demand
from data.panels import ratio_panel, supply_panel
from data.store import read_candidates_frame, read_vacancies_frame
from models.forecast.warning import EarlyWarning, series_label
from service.dashboard.editions import frame_records
from service.dashboard.forecasts import latest_forecast

__all__ = ["RULE_LABELS", "WarningFeed", "latest_warnings"]

RULE_LABELS = {
    "ratio_threshold": "预测求人倍率超预警线",
    "demand_growth": "需求异常增长",
    "supply_drop": "求职供给下降",
}
SOURCE_BUNDLE = "forecast"
SOURCE_HISTORY = "history"


@dataclass(frozen=True)
class WarningFeed:
    """Warnings, most severe first, and where they come from."""

    items: list[dict[str, Any]]
    source: str  # 'forecast' (bundle) or 'history' (store only)
    model_version: str | None
    note: str


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
        "city_code": parts[0] if len(parts) == 2 and parts[0].startswith("44") else None,
        "occupation_code": parts[1] if len(parts) == 2 else None,
        "ds": pd.Timestamp(record["ds"]).date().isoformat(),
        "rule": str(record["rule"]),
        "rule_label": RULE_LABELS.get(str(record["rule"]), str(record["rule"])),
        "level": str(record["level"]),
        "severity": _jsonable(record.get("severity")),
        "message_zh": str(record.get("message_zh", "")),
        "evidence": _jsonable(evidence) if isinstance(evidence, dict) else {},
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


def latest_warnings(engine: Engine, registry_dir: Path, *, limit: int = 200) -> WarningFeed:
    """The newest warnings (see the module docstring), at most ``limit``."""
    loaded = latest_forecast(registry_dir)
    table = getattr(loaded.bundle, "warnings", None) if loaded else None
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
