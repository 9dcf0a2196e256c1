"""The early-warning (预警) rules and the Chinese name planners see for each.

The rules are computed in :mod:`models.forecast.warning`; the dashboard's feed and
``yuecai report warnings`` name them. The two used to word them differently (the CLI said
“求人倍率超线”, the dashboard “预测求人倍率超预警线”); the dashboard's wording, which also
heads the method notes, is the one kept.

>>> WARNING_RULES
('ratio_threshold', 'demand_growth', 'supply_drop')
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["RULE_LABELS", "WARNING_RULES", "WarningRule"]

WarningRule = Literal["ratio_threshold", "demand_growth", "supply_drop"]
WARNING_RULES: tuple[WarningRule, ...] = get_args(WarningRule)
RULE_LABELS: dict[str, str] = {
    "ratio_threshold": "预测求人倍率超预警线",
    "demand_growth": "需求异常增长",
    "supply_drop": "求职供给下降",
}
