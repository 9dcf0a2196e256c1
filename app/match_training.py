"""Matching pipeline: read → time-split outcomes → fit `MatchEngine` → evaluate → save.

``run_match_pipeline`` takes DataFrames (so tests need no database); ``load_frames`` reads
them from the store for ``yuecai train match``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from models.match import MatchEngine, MatchIndex
from models.match.evaluation import evaluate, time_split

__all__ = [
    "MatchTrainingResult",
    "load_frames",
    "metrics_dict",
    "run_match_pipeline",
    "store_seq",
]


@dataclass
class MatchTrainingResult:
    """The fitted engine, the index of its training records, its held-out metrics table and
    the outcome date range used."""

    engine: MatchEngine
    index: MatchIndex
    metrics: pd.DataFrame
    cutoff: pd.Timestamp
    data_range: tuple[str, str]
    artifact_version: str | None = None


def metrics_dict(metrics: pd.DataFrame) -> dict[str, float]:
    """Flat ``{direction/method/metric: value}`` for the registry metadata."""
    flat: dict[str, float] = {}
    for row in metrics.to_dict("records"):
        for name in ("ndcg@10", "map", "recall@5"):
            flat[f"{row['direction']}/{row['method']}/{name}"] = round(float(row[name]), 6)
    return flat


def run_match_pipeline(
    candidates: pd.DataFrame,
    vacancies: pd.DataFrame,
    outcomes: pd.DataFrame,
    *,
    test_fraction: float = 0.2,
    engine_params: dict[str, Any] | None = None,
    max_eval_queries: int = 500,
    save: bool = False,
    registry_root: str | None = None,
    index_seq: int | None = None,
) -> MatchTrainingResult:
    """Fit on outcomes before the time cutoff, evaluate after it, optionally save.

    The saved engine is the one evaluated (fitted on the earlier outcomes), so the
    registry's metrics describe exactly the stored object. With ``save`` and
    ``index_seq`` (the store's change-log seq noted *before* the frames were read), the
    index of the training records is saved too, as the start-up snapshot the service
    loads instead of re-reading the store (:mod:`models.match.snapshots`).
    """
    if outcomes.empty:
        raise ValueError("no match outcomes: the ranker needs funnel events to learn from")
    train, test, cutoff = time_split(outcomes, test_fraction)
    index = MatchEngine(**(engine_params or {})).fit_index(candidates, vacancies, train)
    engine = index.engine
    metrics = evaluate(index, test, max_queries=max_eval_queries)
    when = pd.to_datetime(outcomes["occurred_at"], utc=True)
    data_range = (when.min().date().isoformat(), when.max().date().isoformat())
    result = MatchTrainingResult(engine, index, metrics, cutoff, data_range)
    if save:
        from app.registry import MATCH
        from models.registry import save_artifact

        info = save_artifact(
            engine,
            MATCH,
            data_range=data_range,
            metrics=metrics_dict(metrics),
            params={
                **engine.get_params(),
                "test_fraction": test_fraction,
                "cutoff": cutoff.isoformat(),
                "model_version": engine.model_version_,
            },
            root=registry_root,
        )
        result.artifact_version = info.version
        if index_seq is not None:
            from models.match.snapshots import save_snapshot

            index.seq = index_seq
            save_snapshot(index.snapshot(), root=registry_root, source="training")
    return result


def store_seq(db_url: str | None = None) -> int:
    """The store's change-log seq now (note it before reading the frames to index)."""
    from sqlalchemy.orm import Session

    from data.store import open_store
    from data.store.changes import latest_seq

    with open_store(db_url) as engine, Session(engine) as session:
        return latest_seq(session)


def load_frames(db_url: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(candidates, vacancies, outcomes) from the store."""
    from data.store import (
        open_store,
        read_candidates_frame,
        read_outcomes_frame,
        read_vacancies_frame,
    )

    with open_store(db_url) as engine:
        return (
            _keyed(read_candidates_frame(engine), "candidate_id"),
            _keyed(read_vacancies_frame(engine), "vacancy_id"),
            _keyed(read_outcomes_frame(engine), "candidate_id", "vacancy_id"),
        )


def _keyed(frame: pd.DataFrame, *id_columns: str) -> pd.DataFrame:
    """``frame`` with its ids tenant-qualified (:func:`data.records.record_key`): ids are
    unique per tenant only, so outcomes must join the records of their own tenant."""
    from data.records import record_key

    keyed = frame.copy()
    for column in id_columns:
        keyed[column] = [
            record_key(str(t), str(i))
            for t, i in zip(keyed["tenant_id"], keyed[column], strict=True)
        ]
    return keyed
