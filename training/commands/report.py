"""`yuecai report warnings|backtest`: read the latest good forecast bundle and print it.

Exit code 1 when no forecast has been trained (or none verifies).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from data.vocabulary.warning_rules import RULE_LABELS

if TYPE_CHECKING:
    from app.forecasting import ForecastBundle

__all__ = ["app"]

app = typer.Typer(no_args_is_help=True)
_LEVEL_STYLE = {"红色": "bold red", "橙色": "dark_orange", "黄色": "yellow"}


def _latest() -> tuple[ForecastBundle, Any]:
    from app.registry import Registry
    from models.registry import ArtifactNotFoundError

    try:
        loaded = Registry.from_settings().load_forecast_bundle()
    except ArtifactNotFoundError as error:
        Console(stderr=True).print(
            f"[red]没有可用的预测模型[/] ({error}); run `yuecai train forecast` first"
        )
        raise typer.Exit(code=1) from error
    return loaded.obj, loaded.info


@app.command("warnings")
def warnings(
    top: Annotated[int, typer.Option("--top", min=1, help="Warnings to print.")] = 20,
) -> None:
    """The latest forecast's early warnings, most severe first (in Chinese)."""
    bundle, info = _latest()
    shown = bundle.warnings.head(top)
    table = Table(
        title=f"预警（{info.version}，共 {len(bundle.warnings)} 条，显示 {len(shown)} 条）"
    )
    table.add_column("级别")
    table.add_column("类型")
    table.add_column("说明")
    for row in shown.itertuples(index=False):
        style = _LEVEL_STYLE.get(str(row.level), "")
        table.add_row(
            f"[{style}]{row.level}[/]",
            RULE_LABELS.get(str(row.rule), str(row.rule)),
            str(row.message_zh),
        )
    Console().print(table)


@app.command("backtest")
def backtest() -> None:
    """The latest forecast's backtest metrics per panel and candidate model."""
    bundle, info = _latest()
    selection = bundle.selection
    levels = bundle.levels
    table = Table(
        title=f"回测指标（{info.version}，{bundle.data_range[0]} – {bundle.data_range[1]}）"
    )
    for column in (
        "panel",
        "model",
        "MASE",
        "MASE naive",
        "ratio",
        "sMAPE",
        *(f"cover {level}" for level in levels),
        "chosen",
    ):
        table.add_column(column, justify="left" if column in ("panel", "model") else "right")
    for row in selection.to_dict("records"):
        table.add_row(
            str(row["panel"]),
            str(row["model"]),
            f"{row['mase']:.3f}",
            f"{row['mase_naive']:.3f}",
            f"{row['mase'] / row['mase_naive']:.3f}",
            f"{row['smape']:.1f}",
            *(f"{row[f'coverage_{level}']:.1%}" for level in levels),
            "✓" if row["chosen"] else "",
        )
    metrics = bundle.metrics
    table.add_row(
        "overall",
        "chosen",
        f"{metrics['mase']:.3f}",
        f"{metrics['mase_naive']:.3f}",
        f"{metrics['mase_ratio']:.3f}",
        f"{metrics['smape']:.1f}",
        *(f"{metrics[f'coverage_{level}']:.1%}" for level in levels),
        "",
    )
    Console().print(table)
