"""The 急需紧缺人才目录: indicators, 紧缺指数 grading, evidence, diffs and exports (bytes).

See :mod:`models.catalogue.builder` for the method. Nothing here touches files or the
database: the store (:mod:`data.store.catalogue`) keeps editions, ``training`` writes files.
"""

from __future__ import annotations

from models.catalogue.builder import ENTRY_COLUMNS, Catalogue, build_catalogue, method_text
from models.catalogue.grading import GRADE_LABELS, ShortageIndex
from models.catalogue.periods import PeriodWindow, period_window, records_window

__all__ = [
    "ENTRY_COLUMNS",
    "GRADE_LABELS",
    "Catalogue",
    "PeriodWindow",
    "ShortageIndex",
    "build_catalogue",
    "method_text",
    "period_window",
    "records_window",
]
