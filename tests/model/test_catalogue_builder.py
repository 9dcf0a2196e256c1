"""The catalogue builder: grading behaviour, evidence on every entry, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.catalogue import ShortageIndex, build_catalogue
from models.catalogue.sample import SHORT_CELL, SURPLUS_CELL, sample_records
from models.catalogue.shrinkage import OccupationPriors, shrink_indicators

EVIDENCE_COLUMNS = (
    "demand",
    "supply",
    "ratio",
    "ratio_trend",
    "ratio_trend_slope",
    "forecast_point",
    "forecast_lo_80",
    "forecast_hi_80",
    "forecast_model",
    "model_version",
    "backtest_mase",
    "education_mode",
    "skill_level_mode",
    "title_level_mode",
    "experience_median",
    "salary_p25",
    "salary_p75",
)


@pytest.fixture(scope="module")
def records() -> tuple[pd.DataFrame, pd.DataFrame]:
    return sample_records()


def _forecasts(vacancies: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    pairs = vacancies[["city_code", "occupation_code"]].drop_duplicates().to_numpy()
    rows, metrics = [], []
    for city, job in sorted(map(tuple, pairs)):
        uid = f"{city}|{job}"
        for step, ds in enumerate(pd.date_range("2027-01-01", periods=6, freq="MS")):
            point = 2.0 + 0.1 * step
            rows.append(
                {"unique_id": uid, "ds": ds, "ets": point, "ets-lo-80": point - 0.5,
                 "ets-hi-80": point + 0.5, "naive": 1.0, "naive-lo-80": 0.5, "naive-hi-80": 1.5}
            )  # fmt: skip
        metrics += [
            {"unique_id": uid, "model": "ets", "mase": 0.8},
            {"unique_id": uid, "model": "naive", "mase": 1.1},
        ]
    return pd.DataFrame(rows), pd.DataFrame(metrics)


def _key(entries: pd.DataFrame) -> set[tuple[str, str, str]]:
    return set(
        zip(
            entries["city_code"], entries["industry_code"], entries["occupation_code"], strict=False
        )
    )


def test_short_cell_listed_top_and_surplus_cell_not_listed(records):
    catalogue = build_catalogue(*records, "2026Q4")
    assert SHORT_CELL in _key(catalogue.entries)
    assert SURPLUS_CELL not in _key(catalogue.entries)
    top = catalogue.entries.iloc[0]
    assert (top["stars"], top["grade"]) == (5, "特别紧缺")
    assert set(catalogue.entries["stars"]) <= {3, 4, 5}
    assert catalogue.entries["rank"].tolist() == list(range(1, len(catalogue.entries) + 1))
    assert catalogue.meta["forecast_used"] is False
    assert "方法说明" in catalogue.meta["method"]
    assert "未使用预测" in catalogue.meta["method"]


def test_every_entry_carries_its_evidence_with_forecast(records):
    vacancies, candidates = records
    forecasts, metrics = _forecasts(vacancies)
    catalogue = build_catalogue(
        vacancies, candidates, "2026Q4", forecasts=forecasts, metrics=metrics, model_version="v7"
    )
    entries = catalogue.entries
    assert len(entries) >= 3
    for column in EVIDENCE_COLUMNS:
        assert entries[column].notna().all(), column
    assert all(len(trend) == 12 for trend in entries["ratio_trend"])
    assert set(entries["forecast_model"]) == {"ets"}  # best backtest MASE per series
    assert set(entries["backtest_mase"]) == {0.8}
    assert set(entries["forecast_ds"]) == {"2027-03"}  # 3 months after the period
    assert (entries["forecast_lo_80"] <= entries["forecast_point"]).all()
    assert (entries["forecast_point"] <= entries["forecast_hi_80"]).all()
    assert set(entries["model_version"]) == {"v7"}
    assert entries["education_mode"].isin(["大专", "本科"]).all()
    assert catalogue.meta["forecast_used"] is True


def test_output_is_deterministic_whatever_the_input_order(records):
    vacancies, candidates = records
    first = build_catalogue(vacancies, candidates, "2026Q4").entries
    shuffled = build_catalogue(
        vacancies.sample(frac=1.0, random_state=1), candidates.sample(frac=1.0, random_state=2),
        "2026Q4",
    ).entries  # fmt: skip
    pd.testing.assert_frame_equal(first, shuffled)


@pytest.mark.parametrize(
    ("ratio", "expected_stars"),
    [(0.25, 1), (1.0, 2), (1.3, 3), (1.6, 4), (2.4, 5)],  # index 0, 50, 59.5, 67, 81.6
)
def test_ratio_alone_grades_by_thresholds(ratio, expected_stars):
    frame = pd.DataFrame({"ratio": [ratio]})
    assert ShortageIndex().fit(frame).predict(frame).tolist() == [expected_stars]


def test_thresholds_are_configurable():
    frame = pd.DataFrame({"ratio": [1.6]})  # index 67: 4★ by default
    strict = ShortageIndex(thresholds={2: 60, 3: 70, 4: 80, 5: 90}).fit(frame)
    assert strict.predict(frame).tolist() == [2]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"thresholds": {2: 50, 3: 40, 4: 65, 5: 75}}, "increase"),
        ({"weights": {"luck": 1.0}}, "unknown weight"),
        ({"weights": {"ratio": 0.0}}, "ratio weight"),
        ({"ratio_cap": 1.0}, "ratio_cap"),
        ({"forecast_target": "supply"}, "forecast_target"),
    ],
)
def test_invalid_parameters_are_rejected(params, message):
    with pytest.raises(ValueError, match=message):
        ShortageIndex(**params).fit(pd.DataFrame({"ratio": [1.0]}))


def test_a_component_missing_for_some_cells_scores_as_balanced():
    frame = pd.DataFrame({"ratio": [2.0, 2.0], "demand_growth_yoy": [np.nan, 1.0]})
    scored = ShortageIndex().fit(frame).transform(frame)
    assert np.isnan(scored["score_demand_growth"].iloc[0])  # shown as missing, 0.5 in the index
    dropped = ShortageIndex(missing_as_neutral=False).fit(frame).transform(frame)
    alone = ShortageIndex().fit(frame[["ratio"]]).transform(frame[["ratio"]])
    assert dropped["shortage_index"].iloc[0] == alone["shortage_index"].iloc[0]
    assert scored["shortage_index"].iloc[0] < dropped["shortage_index"].iloc[0]


def test_missing_indicators_do_not_move_the_index():
    index = ShortageIndex().fit(pd.DataFrame({"ratio": [2.0]}))
    alone = index.transform(pd.DataFrame({"ratio": [2.0]}))["shortage_index"].iloc[0]
    with_gaps = index.transform(
        pd.DataFrame({"ratio": [2.0], "demand_growth_yoy": [np.nan], "forecast_point": [None]})
    )["shortage_index"].iloc[0]
    assert alone == with_gaps


optional = st.one_of(st.none(), st.floats(-5, 5, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(0.0, 50.0, allow_nan=False),
    raise_by=st.floats(0.0, 50.0, allow_nan=False),
    trend=optional,
    growth=optional,
    duration=st.one_of(st.none(), st.floats(0.01, 10.0)),
    salary=optional,
    forecast=st.one_of(st.none(), st.floats(0.0, 20.0)),
)
def test_raising_the_ratio_never_lowers_the_index(
    low, raise_by, trend, growth, duration, salary, forecast
):
    row = {
        "ratio_trend_slope": trend,
        "demand_growth_yoy": growth,
        "duration_vs_occupation": duration,
        "salary_growth_yoy": salary,
        "forecast_point": forecast,
    }
    frame = pd.DataFrame([{**row, "ratio": low}, {**row, "ratio": low + raise_by}])
    scored = ShortageIndex().fit(frame).transform(frame)
    assert scored["shortage_index"].iloc[1] >= scored["shortage_index"].iloc[0]
    assert scored["stars"].iloc[1] >= scored["stars"].iloc[0]
    assert scored["shortage_index"].between(0, 100).all()


def test_period_must_be_well_formed(records):
    with pytest.raises(ValueError, match="2026Q4"):
        build_catalogue(*records, "Q4-2026")


# --- small-cell shrinkage ----------------------------------------------------------------


def _priors(province_ratio: float, k: float) -> OccupationPriors:
    """Priors with no per-occupation totals: every cell shrinks toward ``province_ratio``."""
    empty = pd.DataFrame(columns=["demand", "supply", "demand_year_ago"], dtype=float)
    return OccupationPriors(
        k=k,
        totals=empty,
        monthly_demand=pd.DataFrame(),
        monthly_supply=pd.DataFrame(),
        province_ratio=province_ratio,
        province_monthly=np.full(12, province_ratio),
        province_growth=0.0,
    )


def _cells(demand: list[float], supply: list[float]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "occupation_code": "2-02-10-03",
            "demand": demand,
            "demand_city_occupation": demand,
            "supply": supply,
            "ratio": [d / max(s, 1.0) for d, s in zip(demand, supply, strict=True)],
            "ratio_trend_slope": 0.1,
            "duration_vs_occupation": 1.2,
        }
    )


def _graded(cells: pd.DataFrame, priors: OccupationPriors) -> pd.DataFrame:
    shrunk = shrink_indicators(cells, priors)
    return pd.concat([shrunk, ShortageIndex().fit(shrunk).transform(shrunk)], axis=1)


@settings(max_examples=200, deadline=None)
@given(
    prior=st.floats(0.2, 3.0),
    excess=st.floats(1.0, 10.0),
    small_supply=st.integers(1, 20),
    scale=st.integers(2, 50),
    k=st.floats(1.0, 30.0),
)
def test_tiny_cell_never_outranks_a_large_cell_with_the_same_raw_ratio(
    prior, excess, small_supply, scale, k
):
    """At a raw 求人倍率 at or above the prior (the shortage side), less evidence never ranks
    higher: the shrunk ratio, its lower credible bound and the index all favour volume."""
    raw = prior * excess
    supply = [float(small_supply), float(small_supply * scale)]
    graded = _graded(_cells([raw * s for s in supply], supply), _priors(prior, k))
    small, large = graded.iloc[0], graded.iloc[1]
    assert small["ratio"] == pytest.approx(large["ratio"])
    assert small["ratio_shrunk"] <= large["ratio_shrunk"] + 1e-9
    assert small["ratio_shrunk_lo"] <= large["ratio_shrunk_lo"] + 1e-9
    assert small["shortage_index"] <= large["shortage_index"]


@settings(max_examples=200, deadline=None)
@given(
    demand=st.floats(0.0, 500.0),
    raise_by=st.floats(0.0, 500.0),
    supply=st.integers(0, 300),
    others=st.tuples(st.floats(0.0, 1000.0), st.floats(0.0, 1000.0)),
    k=st.floats(0.5, 50.0),
)
def test_raising_demand_with_supply_fixed_never_lowers_the_index(
    demand, raise_by, supply, others, k
):
    priors = _priors(0.8, k)
    other_demand, other_supply = others
    totals = pd.DataFrame(
        {"demand": [other_demand], "supply": [other_supply], "demand_year_ago": [0.0]},
        index=["2-02-10-03"],
    )
    priors = OccupationPriors(**{**priors.__dict__, "totals": totals})
    graded = _graded(_cells([demand, demand + raise_by], [float(supply)] * 2), priors)
    assert graded["ratio_shrunk"].iloc[1] >= graded["ratio_shrunk"].iloc[0]
    assert graded["ratio_shrunk_lo"].iloc[1] >= graded["ratio_shrunk_lo"].iloc[0]
    assert graded["shortage_index"].iloc[1] >= graded["shortage_index"].iloc[0]


def _with_tiny_cell(records, headcount: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample plus one new cell (湛江 · 电气机械 · 电工) with no seekers and no history."""
    vacancies, candidates = records
    extra = vacancies.iloc[[0] * 2].copy()
    extra["vacancy_id"] = ["tiny-1", "tiny-2"]
    extra["city_code"], extra["industry_code"] = "4408", "3810"
    extra["occupation_code"] = "2-02-11-01"
    extra["date_posted"] = pd.Timestamp("2026-11-03")
    extra["headcount"] = [headcount, headcount]
    return pd.concat([vacancies, extra], ignore_index=True), candidates


def test_a_tiny_cell_with_no_seekers_no_longer_tops_the_catalogue(records):
    catalogue = build_catalogue(*_with_tiny_cell(records, 3), "2026Q4")
    scored = catalogue.scored.set_index(["city_code", "industry_code", "occupation_code"])
    tiny = scored.loc[("4408", "38", "2-02-11-01")]
    # raw: 6 vacancies ÷ 0 seekers is undefined (data.supply's zero-supply policy)
    assert np.isnan(tiny["ratio"]) and tiny["demand_city_occupation"] == 6
    assert tiny["ratio_shrunk"] < 6.0
    top = catalogue.entries.iloc[0]
    assert (top["city_code"], top["industry_code"], top["occupation_code"]) == SHORT_CELL


@pytest.mark.parametrize("headcount", [3, 10, 40])
def test_more_demand_in_a_cell_never_lowers_its_index_end_to_end(records, headcount):
    key = ("4408", "38", "2-02-11-01")
    low = build_catalogue(*_with_tiny_cell(records, headcount), "2026Q4").scored
    high = build_catalogue(*_with_tiny_cell(records, headcount + 5), "2026Q4").scored
    index = ["city_code", "industry_code", "occupation_code"]
    assert (
        high.set_index(index).loc[key, "shortage_index"]
        >= low.set_index(index).loc[key, "shortage_index"]
    )


def test_entries_carry_raw_and_shrunk_figures_and_the_method_says_so(records):
    catalogue = build_catalogue(*records, "2026Q4", shrinkage_k=15.0)
    entries = catalogue.entries
    for column in ("ratio", "ratio_prior", "ratio_shrunk", "ratio_shrunk_lo", "shrinkage_k"):
        assert entries[column].notna().all(), column
    assert set(entries["shrinkage_k"]) == {15.0}
    assert (entries["ratio_shrunk_lo"] > 1).all()  # the listing rule
    assert all(len(trend) == 12 for trend in entries["ratio_trend_shrunk"])
    expected = (entries["demand_city_occupation"] + 15.0 * entries["ratio_prior"]) / (
        entries["supply"] + 15.0
    )
    np.testing.assert_allclose(entries["ratio_shrunk"], expected, atol=1e-3)
    assert "小样本修正" in catalogue.meta["method"] and "k = 15" in catalogue.meta["method"]
    assert catalogue.meta["shrinkage"]["k"] == 15.0


def test_stronger_shrinkage_pulls_ratios_toward_the_prior(records):
    weak = build_catalogue(*records, "2026Q4", shrinkage_k=1.0).scored
    strong = build_catalogue(*records, "2026Q4", shrinkage_k=1000.0).scored
    assert strong["ratio_shrunk"].std() < weak["ratio_shrunk"].std()
    np.testing.assert_allclose(strong["ratio_shrunk"], strong["ratio_prior"], rtol=0.15)


@pytest.mark.parametrize(
    ("options", "message"),
    [({"shrinkage_k": 0.0}, "pseudo-count k"), ({"credible_level": 1.0}, "credible_level")],
)
def test_invalid_shrinkage_options_are_rejected(records, options, message):
    with pytest.raises(ValueError, match=message):
        build_catalogue(*records, "2026Q4", **options)


def test_months_without_data_have_no_ratio_and_do_not_bend_the_trend():
    """2026Q4 published with data to October: November and December are gaps, not ratio 0."""
    from models.catalogue.indicators import compute_indicators, relative_slope
    from models.catalogue.periods import period_window

    window = period_window("2026Q4")
    months = pd.date_range("2026-01-01", "2026-10-01", freq="MS")
    demand = np.arange(1, len(months) + 1, dtype=float)  # rising, one seeker a month
    vacancies = pd.DataFrame(
        {"city_code": "4401", "industry_code": "39", "occupation_code": "6-25-04-07",
         "date_posted": months, "headcount": demand}
    )  # fmt: skip
    candidates = pd.DataFrame(
        {"candidate_id": [f"c{i}" for i in range(len(months))], "city_code": "4401",
         "registered_on": months, "desired_occupation_codes": [("6-25-04-07",)] * len(months)}
    )  # fmt: skip
    row = compute_indicators(vacancies, candidates, window).iloc[0]
    assert row["ratio_trend"] == [*demand.tolist(), None, None]
    assert row["ratio_trend_slope"] == pytest.approx(relative_slope(demand), abs=1e-4)
    assert row["ratio_trend_slope"] > 0  # zeros for the gap would have read as a fall


def test_a_period_the_data_ends_inside_compares_the_same_months_a_year_earlier():
    """Data to October, period 2026Q4: "this period" is October, and so is its year-ago base
    (not the whole of 2025Q4, which made growth look three times smaller than it is)."""
    vacancies, candidates = sample_records(end="2026-11-01")
    catalogue = build_catalogue(vacancies, candidates, "2026Q4")
    assert (catalogue.meta["data_through"], catalogue.meta["months_covered"]) == ("2026-10", 1)
    assert "本期数据截至 2026年10月（本期 3 个月中的 1 个月）" in catalogue.meta["method"]
    scored = catalogue.scored.set_index(["city_code", "industry_code", "occupation_code"])
    posted = pd.to_datetime(vacancies["date_posted"])
    cells = vacancies.assign(industry_code=vacancies["industry_code"].str[:2])
    october = cells[(posted >= "2026-10-01") & (posted < "2026-11-01")]
    base = cells[(posted >= "2025-10-01") & (posted < "2025-11-01")]
    keys = ["city_code", "industry_code", "occupation_code"]
    expected_now = october.groupby(keys)["headcount"].sum()
    expected_base = base.groupby(keys)["headcount"].sum()
    np.testing.assert_allclose(scored["demand"], expected_now.reindex(scored.index))
    np.testing.assert_allclose(scored["demand_year_ago"], expected_base.reindex(scored.index))
    whole = build_catalogue(*sample_records(), "2026Q4").meta
    assert (whole["data_through"], whole["months_covered"]) == ("2026-12", 3)
    assert "数据覆盖" not in whole["method"]


def test_a_period_after_the_data_is_refused():
    with pytest.raises(ValueError, match=r"starts after the data, which ends with 2026-10"):
        build_catalogue(*sample_records(end="2026-11-01"), "2027Q1")
