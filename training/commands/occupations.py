"""``yuecai occupations code``: code a CSV of free job titles to 大典 2022 细类.

The coder (:class:`models.occupation_coder.TitleCoder`) is built at start from the vendored
taxonomy and labelled titles (a few seconds, deterministic), so there is nothing to train.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(no_args_is_help=True)

_BATCH = 1000
OUTPUT_COLUMNS = (
    "occupation_code",
    "occupation_name",
    "confidence",
    "needs_review",
    "top2_code",
    "top2_probability",
    "top3_code",
    "top3_probability",
)


@app.command("code")
def code(
    input_csv: Annotated[Path, typer.Argument(help="CSV with a title column (UTF-8).")],
    title_column: Annotated[str, typer.Option("--title-column", help="Column of job titles.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write the coded CSV.")],
    description_column: Annotated[
        str | None, typer.Option("--description-column", help="Column of posting text.")
    ] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress")] = True,
) -> None:
    """Write every input row plus code, name, confidence, needs_review and the top 3."""
    import pandas as pd
    from rich.progress import Progress

    from data.title_testcases import labelled_titles
    from models.occupation_coder import TitleCoder

    console = Console(stderr=True)
    try:
        frame = pd.read_csv(input_csv, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as error:
        console.print(f"[red]cannot read {input_csv}:[/] {error}")
        raise typer.Exit(code=2) from error
    for column in (title_column, description_column):
        if column is not None and column not in frame.columns:
            console.print(f"[red]no column {column!r}[/] (columns: {', '.join(frame.columns)})")
            raise typer.Exit(code=2)
    labelled = labelled_titles()
    coder = TitleCoder().fit(labelled["job_name"].tolist(), labelled["code"].tolist())
    titles = frame[title_column].tolist()
    texts = frame[description_column].tolist() if description_column else None
    rows: list[tuple[object, ...]] = []
    with Progress(console=console, disable=not progress) as bar:
        task = bar.add_task("coding titles", total=len(titles))
        for start in range(0, len(titles), _BATCH):
            batch = titles[start : start + _BATCH]
            context = texts[start : start + _BATCH] if texts is not None else None
            for title, item in zip(batch, coder.code(batch, context), strict=True):
                if not str(title).strip():  # nothing to code: say so, never guess
                    rows.append(("", "", 0.0, True, "", None, "", None))
                    continue
                extra = [value for alt in item.top[1:] for value in (alt[0], round(alt[2], 4))]
                rows.append((item.code, item.name, item.confidence, item.needs_review, *extra))
            bar.advance(task, len(batch))
    coded = pd.DataFrame(rows, columns=list(OUTPUT_COLUMNS), index=frame.index)
    pd.concat([frame, coded], axis=1).to_csv(out, index=False)
    flagged = int(coded["needs_review"].sum()) if len(coded) else 0
    Console().print(f"coded {len(coded)} rows → {out} ({flagged} flagged needs_review)")
