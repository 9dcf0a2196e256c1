"""The 供给状况和流动趋势研判报告 use cases: write a period's report, and read it back.

:func:`write_supply_flow_report` computes it once, small cells suppressed, with the talent stock
by city the 人才地图 shows (:mod:`models.catalogue.talent_stock`) beside it. It is called at
publication (:func:`app.publish.publish_catalogue`) and by ``yuecai report supply-flow --period P``.
The HTML and PDF go to :func:`models.catalogue.supply.report_file` (``<var_dir>/reports/``).

:func:`supply_flow_report` is what the API's ``/reports/supply-flow`` serves: that file, without
recomputing anything; a period never published but inside the data is computed on request (the
same suppressed view, slower).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from data.errors import PeriodError
from data.settings import Settings
from data.store import read_candidates_frame, read_vacancies_frame
from models.catalogue.periods import period_window, records_window
from models.catalogue.supply import (
    SupplyFlow,
    render_supply_html,
    render_supply_pdf,
    report_file,
    supply_flow,
    suppressed_flow,
)
from models.catalogue.talent_stock import talent_stock, write_talent_stock

__all__ = ["REPORT_FORMATS", "supply_flow_report", "write_supply_flow_report"]

REPORT_FORMATS = ("html", "pdf")


def _rendered(flow: SupplyFlow, fmt: str, settings: Settings) -> bytes:
    return (
        render_supply_pdf(flow, settings.issuing_body) if fmt == "pdf" else render_supply_html(flow)
    )


def supply_flow_report(engine: Engine, period: str, fmt: str, settings: Settings) -> bytes:
    """The report of ``period`` as ``fmt`` (html or pdf) bytes: the published file, else
    computed now from the store (small cells suppressed the same way).

    Raises :class:`~data.errors.PeriodError` for a malformed period or one outside the data.
    """
    try:
        period_window(period)  # a malformed label is refused before anything is read
    except PeriodError as error:
        raise PeriodError(f"{period!r} 不是有效的期别：{error}") from error
    published = report_file(settings.var_dir, period, fmt)
    if published.is_file():
        return published.read_bytes()
    try:
        flow = supply_flow(read_vacancies_frame(engine), read_candidates_frame(engine), period)
    except ValueError as error:  # PeriodError included: the period lies outside the data
        raise PeriodError(f"{period} 超出数据范围：{error}") from error
    return _rendered(suppressed_flow(flow, settings.min_cell_size), fmt, settings)


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
    payloads = {fmt: _rendered(flow, fmt, settings) for fmt in REPORT_FORMATS}
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
