"""Learned ranker vs baselines on a small generated data set (time-held-out outcomes)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.match_training import run_match_pipeline
from data.generator import GeneratorConfig, generate
from models.match import MatchIndex
from models.registry import load_artifact


@pytest.mark.slow
def test_learned_ranker_beats_both_baselines_on_ndcg(tmp_path: Path) -> None:
    data = generate(GeneratorConfig(start="2024-01", end="2024-12", scale=300))
    result = run_match_pipeline(
        data.candidates,
        data.vacancies,
        data.outcomes,
        max_eval_queries=300,
        save=True,
        registry_root=str(tmp_path),
    )
    table = result.metrics.set_index(["direction", "method"])["ndcg@10"]
    for direction in ("candidates_for_vacancy", "vacancies_for_candidate"):
        assert table[(direction, "learned")] > table[(direction, "rules")]
        assert table[(direction, "learned")] > table[(direction, "tfidf")]
    engine, info = load_artifact("match", root=str(tmp_path))
    assert info.metrics["candidates_for_vacancy/learned/ndcg@10"] == pytest.approx(
        table[("candidates_for_vacancy", "learned")], abs=1e-6
    )
    assert engine.model_version_ == result.engine.model_version_
    some_vacancy = str(data.vacancies["vacancy_id"].iloc[0])
    reloaded = MatchIndex(engine, data.candidates, data.vacancies)
    assert reloaded.candidates_for_vacancy(some_vacancy) == result.index.candidates_for_vacancy(
        some_vacancy
    )
