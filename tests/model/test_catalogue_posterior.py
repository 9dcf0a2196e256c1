"""The seasonal posterior behind the 4–5★ grades (models.catalogue.shrinkage.ratio_posterior)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.catalogue.grading import ShortageIndex
from models.catalogue.shrinkage import (
    OccupationPriors,
    _filtered_occupation_level,
    _headcount_pseudo_postings,
    ratio_posterior,
)

MONTHS = pd.date_range("2025-10-01", periods=12, freq="MS")


def _priors(ratio: float = 1.2) -> OccupationPriors:
    """One occupation seen province-wide on 12 000 seekers a month at ``ratio``."""
    demand = pd.DataFrame([[12_000.0 * ratio] * 12], index=["6-01-01-01"], columns=MONTHS)
    supply = pd.DataFrame([[12_000.0] * 12], index=["6-01-01-01"], columns=MONTHS)
    totals = pd.DataFrame(
        {
            "demand": [3 * 12_000.0 * ratio],
            "supply": [36_000.0],
            "demand_year_ago": [3 * 12_000.0 * ratio],
            "dispersion": [2.0],
        },
        index=["6-01-01-01"],
    )
    return OccupationPriors(
        k=10.0,
        totals=totals,
        monthly_demand=demand,
        monthly_supply=supply,
        province_ratio=ratio,
        province_monthly=np.full(12, ratio),
        province_growth=0.0,
        months=3,
    )


def _cell(city: str, demand: list[float], supply: list[float]) -> dict[str, object]:
    return {
        "city_code": city,
        "occupation_code": "6-01-01-01",
        "demand_city_occupation": sum(demand[-3:]),
        "supply": sum(supply[-3:]),
        "ratio_trend_demand": demand,
        "ratio_trend_supply": supply,
    }


def _graded(cells: list[dict[str, object]]) -> pd.DataFrame:
    frame = pd.DataFrame(cells)
    frame = frame.join(ratio_posterior(frame, _priors()))
    frame["ratio"] = frame["demand_city_occupation"] / frame["supply"].where(frame["supply"] > 0)
    return frame.join(ShortageIndex().fit(frame).transform(frame))


def test_a_steady_large_shortage_is_5_stars_and_a_few_postings_without_seekers_is_not() -> None:
    graded = _graded(
        [
            _cell("4401", [90.0] * 12, [30.0] * 12),  # three posts per seeker all year
            _cell("4419", [0.0] * 9 + [5.0, 5.0, 4.0], [0.0] * 12),  # the 14 postings
            _cell("4403", [60.0] * 12, [60.0] * 12),  # balanced
        ]
    )
    stars = dict(zip(graded["city_code"], graded["stars"], strict=True))
    assert stars["4401"] == 5
    assert stars["4419"] <= 3 and stars["4403"] <= 3
    steady = graded.iloc[0]
    assert steady["ratio_posterior_lo"] < 3.0 < steady["ratio_posterior_hi"]
    assert steady["shortage_probability"] > 0.9 > graded["shortage_probability"].iloc[1:].max()


def test_more_seekers_never_make_a_cell_more_likely_short() -> None:
    cells = [
        _cell(f"44{i:02d}", [60.0] * 12, [float(s)] * 12) for i, s in enumerate(range(5, 60, 5))
    ]
    probability = _graded(cells)["shortage_probability"].to_numpy()
    assert (np.diff(probability) <= 1e-12).all() and probability[0] > 0.9 > probability[-1]


def test_a_cell_below_the_shortage_demand_is_not_listed_as_short_whatever_its_ratio() -> None:
    graded = _graded([_cell("4401", [6.0] * 12, [1.0] * 12)])  # ratio 6, 6 heads a month
    assert graded["ratio_posterior"].iloc[0] > 2.0
    assert graded["stars"].iloc[0] <= 3


def test_grader_refuses_inconsistent_evidence_thresholds() -> None:
    frame = pd.DataFrame({"ratio": [1.0]})
    with pytest.raises(ValueError, match="probable < certain"):
        ShortageIndex(probable=0.9, certain=0.5).fit(frame)


HISTORY = pd.date_range("2024-10-01", periods=24, freq="MS")


def _history_priors(collected_from: int = 0) -> OccupationPriors:
    """:func:`_priors` with 24 history months, the first ``collected_from`` without any
    record in the province (the data starts later)."""
    base = _priors()
    collected = np.arange(24) >= collected_from
    demand = pd.DataFrame([np.where(collected, 12_000.0 * 1.2, 0.0)], index=["6-01-01-01"])
    supply = pd.DataFrame([np.where(collected, 12_000.0, 0.0)], index=["6-01-01-01"])
    demand.columns = supply.columns = HISTORY
    return OccupationPriors(**{**base.__dict__, "history_demand": demand, "history_supply": supply})


def _history_cell(city: str, demand: float, supply: float, earlier: int) -> dict[str, object]:
    """A steady cell seen for the period's 3 months and ``earlier`` months before them."""
    seen = np.arange(24) >= 21 - earlier
    cell = _cell(city, [demand] * 12, [supply] * 12)
    cell["history_demand"] = list(np.where(seen, demand, 0.0))
    cell["history_supply"] = list(np.where(seen, supply, 0.0))
    return cell


def test_the_prior_reads_two_years_of_history_but_not_months_before_the_data() -> None:
    cells = [_history_cell(f"44{i:02d}", 50.0, 25.0, 21) for i in (1, 3, 4, 6)]
    two_years = ratio_posterior(pd.DataFrame(cells), _history_priors())
    one_year = ratio_posterior(pd.DataFrame(cells).drop(columns=["history_demand"]), _priors())
    # 21 earlier months give a tighter posterior than 9, around the same ratio.
    assert (two_years["ratio_log_sd"] < one_year["ratio_log_sd"]).all()
    assert np.allclose(two_years["ratio_posterior"], 2.0, rtol=0.05)
    # Months before the data starts are not months of zero demand: a history whose first
    # 12 months were never collected gives the one-year posterior.
    late = [_history_cell(f"44{i:02d}", 50.0, 25.0, 9) for i in (1, 3, 4, 6)]
    collected_late = ratio_posterior(pd.DataFrame(late), _history_priors(collected_from=12))
    assert np.allclose(collected_late["ratio_posterior"], one_year["ratio_posterior"], rtol=1e-3)
    assert np.allclose(collected_late["ratio_log_sd"], one_year["ratio_log_sd"], rtol=1e-3)


def test_heads_per_posting_are_pooled_as_far_as_cells_really_differ() -> None:
    rng = np.random.default_rng(7)
    postings = rng.integers(40, 400, 200).astype(float)
    hpp = np.full(200, 3.0)
    phi = np.full(200, 3.0 + 2.0 / 3.0)  # Σh² ÷ Σh of a head count with mean 3, variance 2
    # Cells that differ only by sampling (head counts drawn around one mean): full pooling.
    same = np.array([rng.normal(3.0 * n, np.sqrt(2.0 * n)) for n in postings])
    assert _headcount_pseudo_postings(same, postings, hpp, phi).min() >= 500
    # Cells whose own means really differ (1.5 or 4.5 heads a posting): little pooling.
    differ = postings * np.where(np.arange(200) % 2 == 0, 1.5, 4.5)
    assert _headcount_pseudo_postings(differ, postings, hpp, phi).max() < 5.0


def _time_to_fill_cells(related: bool) -> tuple[pd.DataFrame, OccupationPriors, np.ndarray]:
    """120 cells of one occupation whose true ratios spread around 1.2, seen on a few seekers
    a month, with 200 closed vacancies each whose mean log days open follows the cell's
    level (``related``) or not; returns the cells, their priors and the true log ratios."""
    rng = np.random.default_rng(11)
    level = rng.normal(0.0, 0.3, 120)
    cells = []
    for i, rel in enumerate(level):
        demand = rng.poisson(6.0 * 1.2 * np.exp(rel), 24).astype(float)
        supply = rng.poisson(6.0, 24).astype(float)
        cell = _cell(f"c{i:03d}", list(demand[-12:]), list(supply[-12:]))
        cell["history_demand"], cell["history_supply"] = list(demand), list(supply)
        signal = 0.8 * rel if related else 0.0
        cell["duration_log_mean"] = 3.0 + signal + rng.normal(0.0, 0.9 / np.sqrt(200))
        cell["duration_count"] = 200
        cells.append(cell)
    base = _history_priors()
    totals = base.totals.assign(duration_log_mean=3.0)
    priors = OccupationPriors(**{**base.__dict__, "totals": totals, "duration_log_var": 0.81})
    return pd.DataFrame(cells), priors, np.log(1.2) + level


def test_time_to_fill_sharpens_the_level_only_where_it_tracks_it() -> None:
    cells, priors, truth = _time_to_fill_cells(related=True)
    counts_only = ratio_posterior(cells.drop(columns=["duration_log_mean"]), priors)
    with_time = ratio_posterior(cells, priors)

    def rmse(posterior: pd.DataFrame) -> float:
        return float(np.sqrt(np.mean((np.log(posterior["ratio_posterior"]) - truth) ** 2)))

    assert rmse(with_time) < 0.8 * rmse(counts_only)
    assert (with_time["ratio_log_sd"] < counts_only["ratio_log_sd"]).all()
    # Days open that say nothing of the level leave the count-based posterior as it was.
    cells, priors, _ = _time_to_fill_cells(related=False)
    unrelated = ratio_posterior(cells, priors)
    plain = ratio_posterior(cells.drop(columns=["duration_log_mean"]), priors)
    gap = np.log(unrelated["ratio_posterior"]) - np.log(plain["ratio_posterior"])
    assert np.abs(gap).max() < 0.03


def test_the_occupation_ratio_is_filtered_over_its_quarters_but_follows_a_boom() -> None:
    rng = np.random.default_rng(5)
    level = rng.normal(0.0, 0.4, 60)  # each occupation's steady log ratio
    level[0] = 0.0
    true_now = level.copy()
    true_now[0] = 0.7  # occupation 0 booms in the last quarter only
    mean = np.repeat(np.exp(level)[:, None], 24, axis=1)
    mean[0, 21:] = np.exp(0.7)
    supply = rng.poisson(600.0, (60, 24)).astype(float)
    demand = rng.poisson(600.0 * mean).astype(float)
    codes = [f"o{i:02d}" for i in range(60)]
    d, s = pd.DataFrame(demand, index=codes), pd.DataFrame(supply, index=codes)
    filtered, variance = _filtered_occupation_level(
        d, s, pd.Series(1.0, index=codes), np.ones(24, dtype=bool), 3
    )
    raw = np.log(demand[:, 21:].sum(axis=1) / supply[:, 21:].sum(axis=1))
    steady = np.arange(60) > 0

    def error(estimate: np.ndarray) -> float:
        gap = estimate - true_now
        gap = gap - np.mean(gap[steady])  # both are measured against the province
        return float(np.sqrt(np.mean(gap[steady] ** 2)))

    assert error(filtered.to_numpy()) < 0.7 * error(raw)
    assert (variance.to_numpy() < 1.0 / 1800.0 + 2.0 / 1800.0).all()
    # The boom is followed at once, not smoothed toward the occupation's past.
    boom = filtered.iloc[0] - np.mean(filtered.to_numpy()[steady] - true_now[steady])
    assert boom == pytest.approx(0.7, abs=0.08)
    # Too few well-measured occupations to estimate how far they move: no filtering.
    few, few_variance = _filtered_occupation_level(
        d.iloc[:5], s.iloc[:5], pd.Series(1.0, index=codes[:5]), np.ones(24, dtype=bool), 3
    )
    assert few.isna().all() and few_variance.isna().all()
