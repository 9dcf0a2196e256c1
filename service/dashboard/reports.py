"""The 供给状况和流动趋势研判报告 of a period as the API serves it (``/reports/supply-flow``).

What is served is :func:`app.supply_flow.supply_flow_report`: the file publication wrote, or,
for a period never published but inside the data, the same suppressed view computed now. This
module only maps a bad period to a 422 naming ``query.period``.
"""

from __future__ import annotations

from sqlalchemy import Engine

from app.supply_flow import supply_flow_report
from data.errors import PeriodError
from data.settings import Settings
from service.core.errors import InvalidInput

__all__ = ["REPORT_MEDIA_TYPES", "render_supply_report"]

REPORT_MEDIA_TYPES = {"html": "text/html; charset=utf-8", "pdf": "application/pdf"}


def render_supply_report(engine: Engine, period: str, fmt: str, settings: Settings) -> bytes:
    """The report of ``period`` as HTML or PDF bytes (422 naming ``query.period`` if bad)."""
    try:
        return supply_flow_report(engine, period, fmt, settings)
    except PeriodError as error:
        raise InvalidInput("query.period", str(error)) from error
