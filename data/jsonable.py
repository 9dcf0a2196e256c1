"""Plain JSON values from what pandas and numpy hand back: one conversion for every writer.

Edition content (whose SHA-256 is the edition's identity), registry metadata, the warning feed
and the talent-stock file all turn frames and dicts into JSON. They used to carry four private
copies of this function that differed only at the edges, so the same NaN or numpy integer
could come out differently depending on who wrote it.

The rules, in order: mappings and sequences (``list``, ``tuple``, ``numpy.ndarray``) are
walked, with keys made strings; numpy scalars are unwrapped; NaN, ±inf, ``NaT`` and ``pd.NA``
become ``None``; dates, datetimes and Timestamps become ISO strings. Anything else is returned
as is, or passed to ``default`` when given (as with :func:`json.dumps`), e.g. ``default=str``
for metadata that must never fail to serialise.

Examples
--------
>>> import numpy as np, pandas as pd
>>> jsonable({"n": np.int64(3), "r": float("nan"), "d": pd.Timestamp("2026-11-01")})
{'n': 3, 'r': None, 'd': '2026-11-01T00:00:00'}
>>> jsonable((np.float32(0.5), np.inf, pd.NA, np.bool_(True)))
[0.5, None, None, True]
>>> jsonable({1: {"x"}}, default=sorted)
{'1': ['x']}
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["jsonable"]

_PLAIN = (str, int, float, bool)


def jsonable(value: Any, *, default: Callable[[Any], Any] | None = None) -> Any:
    """``value`` as plain JSON data (see the module docstring for the rules)."""
    if isinstance(value, dict):
        return {str(key): jsonable(item, default=default) for key, item in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [jsonable(item, default=default) for item in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is pd.NaT or (value is not None and not isinstance(value, str) and _is_na(value)):
        return None
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if default is not None and value is not None and not isinstance(value, _PLAIN):
        return default(value)
    return value


def _is_na(value: Any) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
