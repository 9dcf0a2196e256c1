"""Hysteresis between editions (models.catalogue.builder.keep_listed and ``previous=``): a
cell listed 4–5★ last edition stays 4★ while its shortage probability is ≥ the keep line."""

from __future__ import annotations

import pandas as pd
import pytest

from models.catalogue import build_catalogue
from models.catalogue.builder import DEFAULT_KEEP_PROBABILITY, keep_listed
from models.catalogue.sample import sample_records


def _scored(probabilities: list[float], stars: list[int]) -> pd.DataFrame:
    n = len(stars)
    return pd.DataFrame(
        {
            "city_code": ["4401"] * n,
            "industry_code": ["65"] * n,
            "occupation_code": [f"2-02-10-0{i}" for i in range(n)],
            "stars": stars,
            "shortage_probability": probabilities,
        }
    )


def test_only_previous_4_star_cells_above_the_keep_line_are_kept() -> None:
    scored = _scored([0.45, 0.2, 0.45, 0.45, 0.8], [3, 3, 3, 2, 4])
    previous = scored.assign(stars=[4, 5, 3, 5, 4])
    kept = keep_listed(scored, previous, 0.3)
    # 0: was 4★, p 0.45 ≥ 0.3 → kept; 1: below the line; 2: was only 3★; 3: was 5★, now 2★
    # but p 0.45 → kept; 4: already 4★ on its own.
    assert kept.tolist() == [True, False, False, True, False]
    assert not keep_listed(scored, None, 0.3).any()
    assert not keep_listed(scored, previous.iloc[0:0], 0.3).any()


def test_build_with_its_own_edition_as_previous_keeps_every_4_star_entry() -> None:
    vacancies, candidates = sample_records()
    alone = build_catalogue(vacancies, candidates, "2026Q4")
    again = build_catalogue(vacancies, candidates, "2026Q4", previous=alone.entries)
    top = alone.entries[alone.entries["stars"] >= 4]
    keys = ["city_code", "industry_code", "occupation_code"]
    merged = top[keys].merge(again.entries[[*keys, "stars"]], on=keys, how="left")
    assert (merged["stars"] >= 4).all()
    assert again.meta["hysteresis"] == {
        "previous_edition": True,
        "keep_probability": pytest.approx(DEFAULT_KEEP_PROBABILITY),
        "kept_4_star": 0,
    }
    assert "连续性" in again.meta["method"] and "连续性" not in alone.meta["method"]
