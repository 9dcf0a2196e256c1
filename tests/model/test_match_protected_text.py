"""Protected phrases in free text never move a score (the issue's measured leak).

Two resumes identical but for "男，25岁，汉族，已婚，深圳户籍" ↔ "女，48岁，壮族，离异，广西户籍"
must score identically against every vacancy, including one whose text asks for exactly
one of those profiles.
"""

from __future__ import annotations

import numpy as np
import pytest

from data.generator import GeneratorConfig, generate, to_records
from data.records import Candidate, Vacancy
from models.match import MatchEngine, MatchIndex
from models.match.encoding import encode_candidates, records_frame

PROFILE_A = "男，25岁，汉族，已婚，深圳户籍，1999年出生"
PROFILE_B = "女，48岁，壮族，离异，广西户籍，1976年出生"


@pytest.fixture(scope="module")
def fitted() -> tuple[MatchIndex, list[Candidate]]:
    data = generate(GeneratorConfig(start="2025-01", end="2025-02", scale=10, seed=5))
    candidates = [c for c in to_records(data.candidates, "candidates") if isinstance(c, Candidate)]
    vacancies = [v for v in to_records(data.vacancies, "vacancies") if isinstance(v, Vacancy)]
    engine = MatchEngine(use_ranker=False).fit_index(data.candidates, data.vacancies)
    asking = vacancies[0].model_copy(
        update={
            "vacancy_id": "asks-for-a",
            "description": f"{vacancies[0].description} 限男性，已婚，深圳户籍，汉族，25岁以下",
        }
    )
    engine.upsert("vacancies", [asking])
    return engine, candidates[:30]


def _scores(engine: MatchIndex, candidate: Candidate) -> dict[str, float]:
    """Scorer scores against every indexed vacancy, eligible or not."""
    c = encode_candidates(records_frame([candidate]), engine.vocab, engine.engine.text_model_)
    v = engine.vacancies.arrays
    rows = np.flatnonzero(v.active)
    scores = engine.engine.pair_scores(
        c, np.zeros(rows.size, np.int64), v, rows, method="scorer", vocab=engine.vocab
    )
    return {str(v.ids[r]): float(s) for r, s in zip(rows, scores, strict=True)}


def test_swapping_protected_phrases_leaves_every_score_unchanged(
    fitted: tuple[MatchIndex, list[Candidate]],
) -> None:
    engine, candidates = fitted
    compared = 0
    for candidate in candidates:
        a = candidate.model_copy(update={"resume_text": f"{PROFILE_A}。{candidate.resume_text}"})
        b = candidate.model_copy(update={"resume_text": f"{PROFILE_B}。{candidate.resume_text}"})
        scores_a, scores_b = _scores(engine, a), _scores(engine, b)
        assert scores_a == scores_b
        compared += len(scores_a)
    assert compared == 30 * len(engine.vacancies.rows)  # every pair, incl. asks-for-a


def test_the_phrases_would_move_scores_without_stripping(
    fitted: tuple[MatchIndex, list[Candidate]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The test above can fail: with stripping off, the same swap changes some score."""
    import models.match.text as text

    monkeypatch.setattr(text, "strip_protected", lambda value: value)
    engine, candidates = fitted
    moved = False
    for candidate in candidates[:10]:
        a = candidate.model_copy(update={"resume_text": f"{PROFILE_A}。{candidate.resume_text}"})
        b = candidate.model_copy(update={"resume_text": f"{PROFILE_B}。{candidate.resume_text}"})
        moved |= _scores(engine, a) != _scores(engine, b)
    assert moved
