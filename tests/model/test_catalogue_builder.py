"""The catalogue builder: grading behaviour, evidence on every entry, determinism."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from models.catalogue import ShortageIndex, build_catalogue
from models.catalogue.sample import SHORT_CELL, SURPLUS_CELL, sample_records

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
