"""The one definition of supply (求职人数), 求人倍率 and its zero-supply policy.

Every consumer -- the forecasting panels (:mod:`data.panels`), the catalogue's indicators,
priors and city chunks (:mod:`models.catalogue`), the reports and the service -- counts
supply and divides by it through this module, so a figure means the same wherever it is shown.

* **Supply** (求职人数) of a city × occupation in a period: job seekers *registered* in the
  period, each counted **once**, in their own city (``city_code``) and under their first
  desired occupation (``desired_occupation_codes[0]``; ``current_occupation_code`` when they
  name none; seekers with neither have no occupation and count only in totals that do not
  split by occupation). One registration, one seeker, as the public employment services count
  求职人数 by 首选求职意向; sums over cities and occupations give back the number of seekers,
  so the hierarchy stays coherent.
* **Demand** (需求人数): the ``headcount`` of vacancies posted in the period (missing = 1).
* **求人倍率** = demand ÷ supply. **Zero-supply policy**: the observed ratio is *undefined*
  (NaN, never ``inf`` and never a floor of 1) where supply is 0 (:func:`observed_ratio`).
  Where a finite number is needed -- forecasting the ratio, ranking cells -- it is the
  smoothed ratio ``(demand + a) / (supply + a)`` with ``a`` = :data:`RATIO_OFFSET` pseudo
  counts on both sides (:func:`smoothed_ratio`, :func:`log_ratio`), which is finite, positive
  and equal to 1 for an empty cell.

Examples
--------
>>> import pandas as pd
>>> seekers = pd.DataFrame({"candidate_id": ["a", "b"], "city_code": ["4401", "4403"],
...     "desired_occupation_codes": [("2-02-10-03", "4-04-05-01"), ()],
...     "current_occupation_code": [None, "6-31-01-03"],
...     "registered_on": pd.to_datetime(["2026-01-05", "2026-02-01"])})
>>> supply_rows(seekers)[["city_code", "occupation_code"]].values.tolist()
[['4401', '2-02-10-03'], ['4403', '6-31-01-03']]
>>> observed_ratio([3.0, 2.0], [0.0, 4.0]).tolist()
[nan, 0.5]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "RATIO_OFFSET",
    "SUPPLY_DEFINITION",
    "ZERO_SUPPLY_POLICY",
    "log_ratio",
    "observed_ratio",
    "primary_occupation",
    "smoothed_ratio",
    "supply_rows",
]

#: Pseudo count added to demand and supply for the smoothed (finite) ratio.
RATIO_OFFSET = 1.0
SUPPLY_DEFINITION = (
    "求职人数：统计期内新登记的求职者，按其所在城市和首选意向职业（未填意向职业的按现职业）"
    "各计 1 人。"
)
ZERO_SUPPLY_POLICY = (
    f"求职人数为 0 时观测求人倍率无定义（不显示、不按 1 计）；预测和排序使用平滑倍率"
    f"（需求人数 + {RATIO_OFFSET:g}）÷（求职人数 + {RATIO_OFFSET:g}）。"
)

FloatArray = npt.NDArray[np.float64]
# What the ratio functions accept for demand and supply counts: one value per cell.
_Counts = Sequence[float] | FloatArray | pd.Series


def _first_code(codes: object) -> str | None:
    """The first non-empty code of a desired-occupation list (None: no list, no code)."""
    if not isinstance(codes, list | tuple) or not codes:
        return None
    head = codes[0]
    if head:  # the common case: the first desired code is there
        return str(head)
    return next((str(code) for code in codes if code), None)


def primary_occupation(candidates: pd.DataFrame) -> pd.Series:
    """Each seeker's occupation for supply: first desired code, else the current one.

    >>> frame = pd.DataFrame({"desired_occupation_codes": [["2-02-07-07"], [], ("", "6-18")],
    ...                       "current_occupation_code": ["4-01", "4-02", None]})
    >>> primary_occupation(frame).tolist()
    ['2-02-07-07', '4-02', '6-18']
    """
    n = len(candidates)
    desired = (
        candidates["desired_occupation_codes"] if "desired_occupation_codes" in candidates else None
    )
    current = (
        candidates["current_occupation_code"] if "current_occupation_code" in candidates else None
    )
    first = [None] * n if desired is None else [_first_code(codes) for codes in desired]
    if current is not None:
        first = [
            f if f is not None else (c if isinstance(c, str) and c else None)
            for f, c in zip(first, current, strict=True)
        ]
    return pd.Series(first, index=candidates.index, dtype=object)


def supply_rows(candidates: pd.DataFrame) -> pd.DataFrame:
    """One row per seeker with an occupation: ``candidate_id`` (if given), ``city_code``,
    ``occupation_code``, ``registered_on`` and ``weight`` (= 1), plus the input's other
    columns -- what every supply count sums. (One copy of the kept rows: the province's
    millions of seekers are read three times per edition.)"""
    occupation = primary_occupation(candidates)
    known = occupation.notna().to_numpy()
    # take, not a boolean .loc: a new frame (no chained-assignment flag), one copy of the rows
    frame = candidates.take(np.flatnonzero(known))
    frame["occupation_code"] = occupation.to_numpy()[known]
    frame["city_code"] = frame["city_code"].astype(str)
    frame["weight"] = 1.0
    return frame


def _arrays(demand: _Counts, supply: object) -> tuple[FloatArray, FloatArray]:
    d = np.asarray(demand, dtype=float)
    s = np.asarray(supply, dtype=float)
    return d, s


def observed_ratio(demand: _Counts, supply: _Counts) -> FloatArray:
    """Demand ÷ supply; NaN where supply is 0 (the zero-supply policy), 0 for no demand."""
    d, s = _arrays(demand, supply)
    defined = s > 0
    out: FloatArray = np.where(defined, d / np.where(defined, s, 1.0), np.nan)
    return out


def smoothed_ratio(demand: _Counts, supply: _Counts, offset: float = RATIO_OFFSET) -> FloatArray:
    """``(demand + a) / (supply + a)``: finite and positive for any counts ≥ 0."""
    d, s = _arrays(demand, supply)
    out: FloatArray = (np.maximum(d, 0.0) + offset) / (np.maximum(s, 0.0) + offset)
    return out


def log_ratio(demand: _Counts, supply: _Counts, offset: float = RATIO_OFFSET) -> FloatArray:
    """``log((demand + a) / (supply + a))``, the scale 求人倍率 forecasts are made on."""
    out: FloatArray = np.log(smoothed_ratio(demand, supply, offset))
    return out
