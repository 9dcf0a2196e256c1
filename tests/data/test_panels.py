"""Demand/supply/ratio panels and hierarchy tagging."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.panels import (
    GBA_LABEL,
    demand_panel,
    hierarchy_frame,
    hierarchy_spec,
    ratio_panel,
    supply_panel,
)

ELECTRICIAN, WELDER = "2-02-11-01", "6-31-01-03"


@pytest.fixture
def vacancies() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "vacancy_id": ["a", "b", "c", "d"],
            "city_code": ["4401", "4403", "4401", "4401"],
            "occupation_code": [ELECTRICIAN, ELECTRICIAN, None, ELECTRICIAN],
            "industry_code": ["3973", "3973", "39", "39"],
            "date_posted": pd.to_datetime(["2026-01-05", "2026-03-31", "2026-02-01", "2026-01-20"]),
            "headcount": [3, 2, 5, 4],
        }
    )


@pytest.fixture
def candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "candidate_id": ["x", "y", "z", "w"],
            "city_code": ["4401", "4401", "4419", "4401"],
            "desired_occupation_codes": [(WELDER, ELECTRICIAN), (), [], (ELECTRICIAN,)],
            "current_occupation_code": [None, ELECTRICIAN, None, WELDER],
            "industry_code": [None] * 4,
            "registered_on": pd.to_datetime(
                ["2026-01-09", "2026-02-02", "2026-02-03", "2026-03-01"]
            ),
        }
    )


def test_demand_sums_headcount_and_zero_fills(vacancies: pd.DataFrame) -> None:
    panel = demand_panel(vacancies)
    assert list(panel.columns) == ["unique_id", "ds", "y", "city_code", "occupation_code"]
    table = panel.pivot(index="unique_id", columns="ds", values="y")
    assert table.loc[f"4401/{ELECTRICIAN}"].tolist() == [7.0, 0.0, 0.0]  # a + d in January
    assert table.loc[f"4403/{ELECTRICIAN}"].tolist() == [0.0, 0.0, 2.0]
    assert panel["ds"].dt.is_month_start.all()
    assert panel.groupby("unique_id").size().nunique() == 1  # no gaps


@pytest.mark.parametrize(
    ("by", "ids"),
    [(["city_code"], {"4401", "4403"}), (["industry_code"], {"3973", "39"})],
)
def test_demand_by_other_keys(vacancies: pd.DataFrame, by: list[str], ids: set[str]) -> None:
    panel = demand_panel(vacancies, by=by)
    assert set(panel["unique_id"]) == ids
    assert panel["y"].sum() == vacancies["headcount"].sum()  # no record drops without a key


def test_supply_counts_each_seeker_once_in_total(candidates: pd.DataFrame) -> None:
    panel = supply_panel(candidates)
    # data.supply: x once, under the first desired occupation; y: current occupation;
    # z: no occupation at all (dropped); w: desired wins over current.
    assert panel["y"].sum() == 3.0
    january = panel[panel["ds"] == "2026-01-01"].set_index("unique_id")["y"]
    assert january[f"4401/{WELDER}"] == 1.0 and january[f"4401/{ELECTRICIAN}"] == 0.0
    by_city = supply_panel(candidates, by=["city_code"])
    assert by_city["y"].sum() == 4.0  # z counts when occupation is not a key


def test_aligned_ranges_and_ratio(vacancies: pd.DataFrame, candidates: pd.DataFrame) -> None:
    span = {"start": "2025-12-01", "end": "2026-03-01"}
    demand = demand_panel(vacancies, **span)
    supply = supply_panel(candidates, **span)
    assert demand["ds"].min() == pd.Timestamp("2025-12-01")
    ratio = ratio_panel(demand, supply).set_index(["unique_id", "ds"])
    cell = ratio.loc[(f"4401/{ELECTRICIAN}", pd.Timestamp("2026-01-01"))]
    # No seeker: the observed ratio is undefined (NaN), never inf nor a floor of 1.
    assert (cell["demand"], cell["supply"]) == (7.0, 0.0) and np.isnan(cell["y"])
    assert np.isnan(ratio.loc[(f"4403/{ELECTRICIAN}", pd.Timestamp("2026-03-01")), "y"])
    assert ratio.loc[(f"4401/{ELECTRICIAN}", pd.Timestamp("2026-02-01")), "y"] == 0.0
    assert not np.isinf(ratio["y"]).any()
    welder = ratio.loc[f"4401/{WELDER}"]  # supply-only series gets demand 0 and its keys
    assert (welder["demand"] == 0).all() and (welder["city_code"] == "4401").all()


def test_ratio_min_supply_guards_small_denominators() -> None:
    demand = pd.DataFrame(
        {"unique_id": ["a", "b"], "ds": pd.Timestamp("2026-01-01"), "y": [3.0, 3.0]}
    )
    supply = demand.assign(y=[0.5, 2.0])
    ratio = ratio_panel(demand, supply, min_supply=1.0)
    assert np.isnan(ratio["y"].iloc[0]) and ratio["y"].iloc[1] == 1.5


def test_geo_tags_zone_and_gba() -> None:
    tagged = hierarchy_frame(pd.DataFrame({"city_code": ["4403", "4405", "4402"]}), "geo")
    assert tagged["zone"].tolist() == ["一核", "一带", "一区"]
    assert tagged["gba"].tolist() == [GBA_LABEL, None, None]
    assert set(tagged["province"]) == {"广东省"}


def test_occupation_tags_by_prefix() -> None:
    tagged = hierarchy_frame(pd.DataFrame({"occupation_code": [ELECTRICIAN]}), "occupation")
    row = tagged.iloc[0]
    assert (row["occ_major"], row["occ_middle"], row["occ_minor"]) == ("2", "2-02", "2-02-11")
    coarse = hierarchy_frame(pd.DataFrame({"occupation_code": ["2-02"]}), "occupation")
    assert "occ_middle" not in coarse and coarse["occ_major"].iloc[0] == "2"
    assert hierarchy_spec("occupation", occupation_depth=2) == [
        ["province"],
        ["occ_major"],
        ["occupation_code"],
    ]


@pytest.mark.parametrize(
    ("frame", "kind", "match"),
    [
        (pd.DataFrame({"city_code": ["1101"]}), "geo", "unknown city"),
        (pd.DataFrame({"occupation_code": ["2-02", ELECTRICIAN]}), "occupation", "one level"),
        (pd.DataFrame({"city_code": ["4401"]}), "planet", "kind must be"),
    ],
)
def test_hierarchy_frame_rejects_bad_input(frame: pd.DataFrame, kind: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        hierarchy_frame(frame, kind)  # type: ignore[arg-type]


def test_cross_spec_ends_with_the_panel_key() -> None:
    spec = hierarchy_spec("geo_x_occupation")
    assert spec[0] == ["province"] and spec[-1] == ["city_code", "occupation_code"]
    assert len({tuple(level) for level in spec}) == len(spec) == 20
