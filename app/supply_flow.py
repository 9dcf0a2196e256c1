"""Write the 供给状况和流动趋势研判报告 of a period, computed once, small cells suppressed;
beside it the talent stock by city the 人才地图 shows (:mod:`models.catalogue.talent_stock`).

Called at publication (:func:`app.publish.publish_catalogue`) and by
``yuecai report supply-flow --period P``. The HTML and PDF go to
:func:`models.catalogue.supply.report_file` (``<var_dir>/reports/``), where the service serves
them from without recomputing anything, and optionally into the edition's export folder.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from data.settings import Settings
from models.catalogue.periods import records_window
from models.catalogue.supply import (
    render_supply_html,
    render_supply_pdf,
    report_file,
    supply_flow,
    suppressed_flow,
)
from models.catalogue.talent_stock import talent_stock, write_talent_stock

__all__ = ["write_supply_flow_report"]


def write_supply_flow_report(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    period: str,
    settings: Settings,
    *,
    extra_folder: Path | None = None,
) -> dict[str, Path]:
    """Compute, suppress, render and write the report and the city talent stock (人才地图);
    returns the paths written."""
    flow = suppressed_flow(supply_flow(vacancies, candidates, period), settings.min_cell_size)
    payloads = {
        "html": render_supply_html(flow),
        "pdf": render_supply_pdf(flow, settings.issuing_body),
    }
    paths: dict[str, Path] = {}
    for fmt, payload in payloads.items():
        target = report_file(settings.var_dir, period, fmt)
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(target.suffix + ".part")
        partial.write_bytes(payload)
        partial.replace(target)  # never a half-written report on disk
        paths[f"supply_{fmt}"] = target
        if extra_folder is not None:
            copy = extra_folder / f"supply-{period}.{fmt}"
            copy.write_bytes(payload)
            paths[f"supply_{fmt}_export"] = copy
    stock = talent_stock(
        candidates,
        records_window(period, vacancies, candidates),
        min_cell_size=settings.min_cell_size,
    )
    paths["talent_stock"] = write_talent_stock(stock, period, settings.var_dir)
    return paths
