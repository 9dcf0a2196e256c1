"""`yuecai report supply-flow --period P`: write the 供给状况和流动趋势研判报告 (HTML and PDF).

The same files publication writes (small cells suppressed), to ``<var_dir>/reports/``, where
the dashboard serves them from. Exit 2 for a period outside the data.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from data.errors import PeriodError
from training.commands.options import DbOption

__all__ = ["supply_flow_command"]

console = Console()


def supply_flow_command(
    period: Annotated[str, typer.Option("--period", help="Period, e.g. 2026Q3 or 2026-09.")],
    db: DbOption = None,
) -> None:
    """Compute and write the supply and flow report of PERIOD (HTML and PDF)."""
    from app.supply_flow import write_supply_flow_report
    from data.settings import get_settings
    from data.store import open_store, read_candidates_frame, read_vacancies_frame

    settings = get_settings()
    with open_store(db or settings.database_url) as engine:
        vacancies, candidates = read_vacancies_frame(engine), read_candidates_frame(engine)
    try:
        paths = write_supply_flow_report(vacancies, candidates, period, settings)
    except PeriodError as error:  # only the period; any other error is not "this period"
        Console(stderr=True).print(f"[red]期别 {period} 无法生成报告：{error}[/]")
        raise typer.Exit(code=2) from error
    for path in paths.values():
        console.print(f"已写入 {path}")
