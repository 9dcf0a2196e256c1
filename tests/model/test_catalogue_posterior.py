"""The seasonal posterior behind the 4–5★ grades (models.catalogue.shrinkage.ratio_posterior)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models.catalogue.grading import ShortageIndex
from models.catalogue.shrinkage import OccupationPriors, ratio_posterior

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
