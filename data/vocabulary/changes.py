"""What can happen to a catalogue entry between two editions, and its Chinese name.

The edition diff (store, models, CLI report) and the API's diff schema share these values.
The API lists only entries that changed, so :data:`ChangeKind` leaves out ``unchanged``;
:data:`Change` is every outcome of a comparison.

>>> CHANGES
('new', 'removed', 'upgraded', 'downgraded', 'unchanged')
>>> CHANGE_LABELS["upgraded"]
'升级'
"""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["CHANGES", "CHANGE_KINDS", "CHANGE_LABELS", "Change", "ChangeKind"]

ChangeKind = Literal["new", "removed", "upgraded", "downgraded"]
Change = Literal[ChangeKind, "unchanged"]
CHANGE_KINDS: tuple[ChangeKind, ...] = get_args(ChangeKind)
CHANGES: tuple[Change, ...] = get_args(Change)
CHANGE_LABELS: dict[str, str] = {
    "new": "新增",
    "removed": "移出",
    "upgraded": "升级",
    "downgraded": "降级",
    "unchanged": "不变",
}
