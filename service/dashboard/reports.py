"""The 供给状况和流动趋势研判报告 of a period: served from what publication wrote.

Publication (``app.supply_flow``) computes the report once, with small cells
suppressed by :func:`models.catalogue.supply.suppressed_flow`, and writes HTML and PDF to
:func:`models.catalogue.supply.report_file`; a request reads that file. A period that was never
published but lies inside the data is computed on request (the same suppressed view, slower);
a period outside the data is a 422 naming ``query.period``.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from data.store import read_candidates_frame, read_vacancies_frame
from models.catalogue.periods import period_window
from models.catalogue.print_pdf import DEFAULT_ISSUER
from models.catalogue.supply import (
    render_supply_html,
    render_supply_pdf,
    report_file,
    supply_flow,
    suppressed_flow,
)
from service.core.errors import InvalidInput

__all__ = ["REPORT_MEDIA_TYPES", "render_supply_report"]

REPORT_MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def render_supply_report(
    engine: Engine,
    period: str,
    fmt: str,
    *,
    min_cell_size: int,
    var_dir: Path | None = None,
    issuer: str = DEFAULT_ISSUER,
) -> bytes:
    """The report of ``period`` as HTML or PDF bytes (422 naming ``query.period`` if bad)."""
    try:
        period_window(period)
    except ValueError as error:
        raise InvalidInput("query.period", f"{period!r} 不是有效的期别：{error}") from error
    if var_dir is not None:
        published = report_file(var_dir, period, fmt)
        if published.is_file():
            return published.read_bytes()
    try:
        flow = supply_flow(read_vacancies_frame(engine), read_candidates_frame(engine), period)
    except ValueError as error:
        raise InvalidInput("query.period", f"{period} 超出数据范围：{error}") from error
    safe = suppressed_flow(flow, min_cell_size)
    return render_supply_pdf(safe, issuer) if fmt == "pdf" else render_supply_html(safe)
