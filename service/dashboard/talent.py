"""The talent-stock maps (高技能人才地图, 专业技术人才地图): read what publication computed.

Publication writes the stock of each published period with
:func:`models.catalogue.talent_stock.write_talent_stock`; a request reads that JSON. A period
with no such file (an edition published before the maps existed) is computed from the store,
with the same small-cell suppression (slower; republishing writes the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from data.store import read_candidates_frame, read_vacancies_frame
from models.catalogue.periods import records_window
from models.catalogue.talent_stock import read_talent_stock, stock_payload, talent_stock

__all__ = ["STOCK_METRICS", "load_talent_stock"]

STOCK_METRICS: dict[str, str] = {"count": "人数", "share": "占本市求职者比例"}
"""What a talent map can shade: the count, or its share of the city's seekers."""


def load_talent_stock(
    engine: Engine, var_dir: Path, period: str, *, min_cell_size: int
) -> dict[str, Any]:
    """The talent stock of ``period`` (``rows`` per city, ``window_start``/``window_end``)."""
    stored = read_talent_stock(var_dir, period)
    if stored is not None:
        return stored
    vacancies = read_vacancies_frame(engine)
    candidates = read_candidates_frame(engine)
    if candidates.empty or vacancies.empty:
        return {"period": period, "window_start": "", "window_end": "", "rows": []}
    table = talent_stock(
        candidates, records_window(period, vacancies, candidates), min_cell_size=min_cell_size
    )
    return stock_payload(table, period)
