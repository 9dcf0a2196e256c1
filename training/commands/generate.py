"""`yuecai generate` commands: the seeded synthetic demo data set."""

from __future__ import annotations

import time
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(no_args_is_help=True)

# GeneratorConfig().seed, spelled out so `--help` needs no pandas (data.generator is imported
# inside the command).
DEFAULT_SEED = 20240601
_STAGES = ("volumes", "vacancies", "candidates", "outcomes", "write")


class OutputFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"


@app.command("demo")
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path("var/demo"),
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = DEFAULT_SEED,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.csv,
    start: Annotated[str, typer.Option("--start", help="First month, YYYY-MM.")] = "2019-01",
    end: Annotated[str, typer.Option("--end", help="Last month, YYYY-MM.")] = "2026-10",
    scale: Annotated[float, typer.Option("--scale", help="Multiplier on the default size.")] = 1.0,
) -> None:
    """Write the demo data set (what `make run` loads; same seed → same bytes), with the
    latent intensities and planted shortages in OUT/truth/."""
    from data.generator import GeneratorConfig, generate, write

    default = GeneratorConfig()
    config = GeneratorConfig(seed=seed, start=start, end=end, scale=default.scale * scale)
    console = Console()
    began = time.perf_counter()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("generating", total=len(_STAGES))

        def advance(stage: str) -> None:
            progress.update(task, description=f"generating {stage}", completed=_STAGES.index(stage))

        data = generate(config, progress=advance)
        advance("write")
        paths = write(data, out, format=output_format.value)
        progress.update(task, completed=len(_STAGES), description="done")
    rows = {name: len(getattr(data, name)) for name in ("vacancies", "candidates", "outcomes")}
    _summary(console, out, time.perf_counter() - began, paths, rows)


@app.command("province")
def province(
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path(
        "var/province"
    ),
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = DEFAULT_SEED,
    scale: Annotated[float, typer.Option("--scale", help="Multiplier on the preset size.")] = 1.0,
    start: Annotated[str | None, typer.Option("--start", help="First month, YYYY-MM.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last month, YYYY-MM.")] = None,
) -> None:
    """Write the province-scale data set (~10^5 vacancies and seekers a month, 21 cities),
    month by month in CSV so memory stays bounded, with OUT/truth/ (latent intensities and
    the planted shortage list)."""
    from data.generator import PRESETS, generate_chunks, preset, write_chunked

    overrides: dict[str, object] = {"seed": seed, "scale": PRESETS["province"]["scale"] * scale}
    if start is not None:
        overrides["start"] = start
    if end is not None:
        overrides["end"] = end
    try:
        config = preset("province", **overrides)
    except ValueError as error:
        Console(stderr=True).print(f"[red]{error}[/]")
        raise typer.Exit(2) from error
    console = Console()
    began = time.perf_counter()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(), console=console
    ) as progress:
        task = progress.add_task("generating", total=None)
        chunks = generate_chunks(
            config, progress=lambda stage: progress.update(task, description=stage)
        )
        paths, rows = write_chunked(chunks, out)
    _summary(console, out, time.perf_counter() - began, paths, rows)


def _summary(
    console: Console, out: Path, seconds: float, paths: dict[str, Path], rows: dict[str, int]
) -> None:
    table = Table(title=f"Synthetic data in {out} ({seconds:.1f} s)")
    table.add_column("table")
    table.add_column("rows", justify="right")
    table.add_column("file")
    for name, path in paths.items():
        table.add_row(name, f"{rows[name]:,}" if name in rows else "", str(path))
    console.print(table)
