"""The 供给状况和流动趋势研判报告 of a period, from the store, with small cells suppressed.

:func:`models.catalogue.supply.supply_flow` counts seekers and vacancies per city, industry
and flow; any count below ``min_cell_size`` is blanked here before rendering, together with
the figures derived from it on the same row (growth, ratio, shares), so a planner never reads
a handful of identifiable people off a table.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from data.store import read_candidates_frame, read_vacancies_frame
from models.catalogue.periods import period_window
from models.catalogue.supply import SupplyFlow, render_supply_html, render_supply_pdf, supply_flow
from service.core.errors import InvalidInput

__all__ = ["REPORT_MEDIA_TYPES", "render_supply_report", "suppress_counts"]

REPORT_MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}
COUNT_COLUMNS = ("求职人数", "需求人数", "有跨市意向", "流向大湾区", "流向其他城市")
DERIVED = {
    "求职人数": ("求职同比", "求人倍率"),
    "需求人数": ("求人倍率",),
    "有跨市意向": ("流向大湾区占比",),
    "流向大湾区": ("流向大湾区占比",),
}


def suppress_counts(table: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
    """Blank counts below ``min_cell_size`` (and what is derived from them on that row)."""
    out = table.astype({c: float for c in COUNT_COLUMNS if c in table}).copy()
    for column in COUNT_COLUMNS:
        if column not in out:
            continue
        small = out[column] < min_cell_size
        out.loc[small, column] = np.nan
        for derived in DERIVED.get(column, ()):
            if derived in out:
                out.loc[small, derived] = np.nan
    return out


def render_supply_report(engine: Engine, period: str, fmt: str, *, min_cell_size: int) -> bytes:
    """The report of ``period`` as HTML or PDF bytes (422 naming ``query.period`` if bad)."""
    try:
        period_window(period)
    except ValueError as error:
        raise InvalidInput("query.period", f"{period!r}: {error}") from error
    flow = supply_flow(read_vacancies_frame(engine), read_candidates_frame(engine), period)
    safe: SupplyFlow = replace(
        flow,
        by_city=suppress_counts(flow.by_city, min_cell_size),
        by_industry=suppress_counts(flow.by_industry, min_cell_size),
        flows=suppress_counts(flow.flows, min_cell_size),
    )
    return render_supply_pdf(safe) if fmt == "pdf" else render_supply_html(safe)
