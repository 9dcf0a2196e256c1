"""`yuecai train match`: fit the matching engine on the store's data and register it."""

from __future__ import annotations

import typer

from training.commands.options import DbOption
from training.commands.train import app

__all__ = ["train_match"]


@app.command("match")
def train_match(
    db: DbOption = None,
    test_fraction: float = typer.Option(0.2, min=0.05, max=0.5, help="Held-out share."),
    max_eval_queries: int = typer.Option(500, min=10, help="Evaluation queries per direction."),
) -> None:
    """Fit hard filter + scorer + learned ranker, evaluate on later outcomes, save."""
    from app.match_training import load_frames, run_match_pipeline, store_seq

    seq = store_seq(db)  # before reading: changes made while reading are replayed on load
    candidates, vacancies, outcomes = load_frames(db)
    typer.echo(
        f"candidates {len(candidates):,}  vacancies {len(vacancies):,}  outcomes {len(outcomes):,}"
    )
    result = run_match_pipeline(
        candidates,
        vacancies,
        outcomes,
        test_fraction=test_fraction,
        max_eval_queries=max_eval_queries,
        save=True,
        index_seq=seq,
    )
    typer.echo(result.metrics.to_string(index=False, float_format=lambda x: f"{x:.4f}"))
    typer.echo(f"saved match version {result.artifact_version} ({result.engine.model_version_})")
