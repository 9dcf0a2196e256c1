"""Guangdong's three development zones (一核一带一区), short and long Chinese names.

The short names are what the city taxonomy, series ids and the API's ``zone`` filter use;
the long names are how warnings and reports spell a zone out for planners.

>>> ZONES
('一核', '一带', '一区')
>>> ZONE_NAMES["一区"]
'一区（北部生态发展区）'
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["ZONES", "ZONE_NAMES", "Zone"]

Zone = Literal["一核", "一带", "一区"]
ZONES: tuple[Zone, ...] = get_args(Zone)
ZONE_NAMES: dict[str, str] = {
    "一核": "一核（珠三角核心区）",
    "一带": "一带（沿海经济带）",
    "一区": "一区（北部生态发展区）",
}
