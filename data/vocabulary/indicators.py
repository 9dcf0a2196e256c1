"""How a 专栏1 plan indicator is read: which way is better, and where it stands.

The plan's table (:mod:`data.indicators`) says for each indicator whether its value should
``increase`` or ``decrease``; :func:`models.indicators.assess` uses that to decide a status,
and the indicators page shows the status in Chinese. The direction used to be a tuple in the
data layer and a ``Literal`` in the models, the statuses a ``Literal`` in the models and a
label table in the API route.

>>> DIRECTIONS
('increase', 'decrease')
>>> STATUSES
('achieved', 'on_track', 'behind', 'unknown', 'no_data')
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["DIRECTIONS", "STATUSES", "STATUS_LABELS", "Direction", "Status"]

Direction = Literal["increase", "decrease"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
Status = Literal["achieved", "on_track", "behind", "unknown", "no_data"]
STATUSES: tuple[Status, ...] = get_args(Status)
STATUS_LABELS: dict[str, str] = {
    "achieved": "已达标",
    "on_track": "符合进度",
    "behind": "滞后",
    "unknown": "无法判断",
    "no_data": "暂无数据",
}
