"""Australia's Internet Vacancy Index (IVI) as a forecasting panel.

The IVI counts online job advertisements per month (3-month moving average). It is our real
proving ground for the forecasters: Guangdong has no open monthly vacancy panel of this
granularity, and the AU series share its shape (occupation x region x month, seasonal,
cyclical, many small series).

Attribution: Jobs and Skills Australia, Internet Vacancy Index, CC BY 4.0 (see
``data/au_ivi/SOURCE.txt``).

Examples
--------
>>> panel = load_au_ivi(states=["TAS"])
>>> panel["unique_id"].nunique(), panel["ds"].min().strftime("%Y-%m")
(351, '2006-03')
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Literal

import pandas as pd

DATA_PATH = (
    Path(__file__).resolve().parent.parent / "au_ivi" / "ivi_anzsco4_state_monthly_long.csv.gz"
)
STATES: tuple[str, ...] = ("NSW", "VIC", "QLD", "SA", "WA", "TAS", "NT", "ACT")
NATIONAL = "AUST"
TOTAL_OCCUPATION_CODE = "0"
PANEL_COLUMNS = ["unique_id", "ds", "y", "state", "occupation_code", "occupation_title"]

Level = Literal["anzsco4_state", "anzsco4_national"]


@cache
def _read_raw() -> pd.DataFrame:
    """Read the vendored CSV once; values stay strings until :func:`load_au_ivi`."""
    raw = pd.read_csv(DATA_PATH, dtype=str, keep_default_na=False)
    raw["ds"] = pd.to_datetime(raw["month"], format="%Y-%m")
    # A handful of 3-month averages are slightly negative (revisions netted out); ad counts
    # cannot be, so they are clipped to 0 rather than dropped (dropping would leave gaps).
    raw["y"] = pd.to_numeric(raw["ads_3m_avg"]).clip(lower=0.0)
    return raw.drop(columns=["month", "ads_3m_avg"])


def load_au_ivi(
    level: Level = "anzsco4_state",
    *,
    states: Sequence[str] | None = None,
    drop_totals: bool = True,
) -> pd.DataFrame:
    """Load the IVI ANZSCO 4-digit panel in Nixtla long format.

    Parameters
    ----------
    level : {'anzsco4_state', 'anzsco4_national'}
        ``anzsco4_state``: one series per (occupation, state) for the 8 states/territories;
        ``anzsco4_national``: one series per occupation for Australia as a whole (``AUST``).
    states : sequence of str, optional
        Keep only these state codes (e.g. ``["NSW", "VIC"]``); only for ``anzsco4_state``.
    drop_totals : bool, default True
        Drop the all-occupation total rows (code ``"0"``), which are aggregates of the others
        and would double count in a hierarchy.

    Returns
    -------
    DataFrame
        Columns ``unique_id`` (``"<state>/<code>"``), ``ds`` (month-start Timestamp), ``y``
        (float, >= 0), ``state``, ``occupation_code`` (4-digit ANZSCO, or ``"0"`` for totals),
        ``occupation_title``; sorted by ``unique_id, ds``; one row per series and month.
    """
    raw = _read_raw()
    if level == "anzsco4_state":
        wanted = list(STATES if states is None else states)
        unknown = sorted(set(wanted) - set(STATES))
        if unknown:
            raise ValueError(f"unknown state codes {unknown}; expected a subset of {STATES}")
        frame = raw[raw["state"].isin(wanted)]
    elif level == "anzsco4_national":
        if states is not None:
            raise ValueError("states= only applies to level='anzsco4_state'")
        frame = raw[raw["state"] == NATIONAL]
    else:
        raise ValueError(f"unknown level {level!r}; expected 'anzsco4_state' or 'anzsco4_national'")
    if drop_totals:
        frame = frame[frame["ANZSCO_CODE"] != TOTAL_OCCUPATION_CODE]
    panel = pd.DataFrame(
        {
            "unique_id": frame["state"] + "/" + frame["ANZSCO_CODE"],
            "ds": frame["ds"],
            "y": frame["y"].astype("float64"),
            "state": frame["state"],
            "occupation_code": frame["ANZSCO_CODE"],
            "occupation_title": frame["ANZSCO_TITLE"],
        }
    )
    return panel.sort_values(["unique_id", "ds"], ignore_index=True)[PANEL_COLUMNS]
