"""Where a 专栏1 indicator stands against its target, and the Chinese word for it.

:func:`models.indicators.assess` decides the status; the indicators page shows the label.

>>> STATUSES
('achieved', 'on_track', 'behind', 'unknown', 'no_data')
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["STATUSES", "STATUS_LABELS", "Status"]

Status = Literal["achieved", "on_track", "behind", "unknown", "no_data"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_LABELS: dict[str, str] = {
    "achieved": "已达标",
    "on_track": "符合进度",
    "behind": "滞后",
    "unknown": "无法判断",
    "no_data": "暂无数据",
}
