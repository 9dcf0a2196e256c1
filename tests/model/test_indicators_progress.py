"""Progress of plan indicators: period offsets, linear path, shares and statuses."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from data.indicators import plan_indicators, validate_period, validate_value
from models.indicators import (
    assess,
    expected_value,
    meets_target,
    period_offset_years,
    progress_share,
)


@pytest.mark.parametrize(
    ("period", "offset"),
    [("2020", 0.0), ("2021Q1", 0.25), ("2023", 3.0), ("2024Q2", 3.5), ("2024Q4", 4.0),
     ("2025", 5.0), ("2027", 7.0)],
)  # fmt: skip
def test_period_offset_years(period: str, offset: float) -> None:
    assert period_offset_years(period) == offset


@pytest.mark.parametrize("period", ["2024-06", "2024Q5", "24", "2024 Q1", ""])
def test_malformed_period_is_rejected(period: str) -> None:
    with pytest.raises(ValueError, match="period must look like"):
        period_offset_years(period)


@pytest.mark.parametrize(
    ("baseline", "target", "offset", "expected"),
    [(100.0, 150.0, 0.0, 100.0), (100.0, 150.0, 2.5, 125.0), (100.0, 150.0, 5.0, 150.0),
     (100.0, 150.0, 8.0, 150.0), (100.0, 150.0, -1.0, 100.0), (6.0, 4.0, 1.0, 5.6)],
)  # fmt: skip
def test_expected_value_is_linear_and_held_outside_the_plan(
    baseline: float, target: float, offset: float, expected: float
) -> None:
    assert expected_value(baseline, target, offset) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("baseline", "target", "value", "share"),
    [(443.0, 480.0, 443.0, 0.0), (443.0, 480.0, 480.0, 1.0), (443.0, 480.0, 461.5, 0.5),
     (443.0, 480.0, 498.5, 1.5), (443.0, 480.0, 430.0, -13 / 37), (6.0, 4.0, 5.0, 0.5),
     (0.0, 550.0, 330.0, 0.6), (95.0, 95.0, 95.0, 1.0), (95.0, 95.0, 94.0, 0.0)],
)  # fmt: skip
def test_progress_share(baseline: float, target: float, value: float, share: float) -> None:
    assert progress_share(baseline, target, value) == pytest.approx(share)


@pytest.mark.parametrize(("baseline", "target"), [(None, 5.5), (33.3, None), (math.nan, 5.5)])
def test_progress_share_needs_both_plan_numbers(
    baseline: float | None, target: float | None
) -> None:
    assert progress_share(baseline, target, 5.0) is None


@pytest.mark.parametrize(
    ("baseline", "target", "direction", "period", "value", "status", "on_track"),
    [
        (443.0, 480.0, "increase", "2021", 456.0, "on_track", True),
        (443.0, 480.0, "increase", "2023", 450.0, "behind", False),
        (443.0, 480.0, "increase", "2023", 465.2, "on_track", True),  # exactly on the path
        (443.0, 480.0, "increase", "2023", 481.0, "achieved", True),
        (0.0, 550.0, "increase", "2024Q2", 385.0, "on_track", True),  # 3.5 of 5 years
        (0.0, 550.0, "increase", "2024Q2", 384.0, "behind", False),
        (0.0, 550.0, "increase", "2024Q2", 300.0, "behind", False),
        (6.0, 4.0, "decrease", "2022", 5.0, "on_track", True),
        (6.0, 4.0, "decrease", "2022", 5.5, "behind", False),
        (6.0, 4.0, "decrease", "2022", 3.9, "achieved", True),
        (None, 5.5, "decrease", "2023", 5.2, "achieved", True),
        (None, 5.5, "decrease", "2023", 5.8, "unknown", None),
        (None, 95.0, "increase", "2022", 93.0, "unknown", None),
        (1330.0, None, "increase", "2022", 1400.0, "unknown", None),
        (1330.0, math.nan, "increase", "2022", 1400.0, "unknown", None),
        (443.0, 480.0, "increase", None, None, "no_data", None),
    ],
)
def test_assess_status(
    baseline: float | None,
    target: float | None,
    direction: str,
    period: str | None,
    value: float | None,
    status: str,
    on_track: bool | None,
) -> None:
    found = assess(baseline, target, direction, period, value)  # type: ignore[arg-type]
    assert (found.status, found.on_track) == (status, on_track)


def test_assess_reports_path_and_shares() -> None:
    found = assess(443.0, 480.0, "increase", "2023", 450.0)
    assert found.expected_progress == pytest.approx(0.6)
    assert found.expected_value == pytest.approx(465.2)
    assert found.progress == pytest.approx(7 / 37)


plan_numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
offsets = st.floats(min_value=-3.0, max_value=12.0, allow_nan=False)


@given(baseline=plan_numbers, target=plan_numbers, offset=offsets)
def test_path_stays_between_baseline_and_target(
    baseline: float, target: float, offset: float
) -> None:
    path = expected_value(baseline, target, offset)
    low, high = min(baseline, target), max(baseline, target)
    assert low - 1e-6 <= path <= high + 1e-6


@given(baseline=plan_numbers, target=plan_numbers, share=st.floats(-2.0, 3.0))
def test_progress_share_inverts_the_path(baseline: float, target: float, share: float) -> None:
    if abs(target - baseline) < 1e-3:
        return
    value = baseline + share * (target - baseline)
    assert progress_share(baseline, target, value) == pytest.approx(share, abs=1e-6)


@given(
    baseline=plan_numbers,
    target=plan_numbers,
    value=plan_numbers,
    year=st.integers(2020, 2030),
)
def test_meeting_the_target_is_always_on_track(
    baseline: float, target: float, value: float, year: int
) -> None:
    direction = "increase" if target >= baseline else "decrease"
    found = assess(baseline, target, direction, str(year), value)
    assert found.status != "no_data"
    if meets_target(value, target, direction):
        assert found.status == "achieved"


# --- the vendored table --------------------------------------------------------------------


def test_vendored_table_is_sourced_and_never_guessed() -> None:
    table = plan_indicators()
    assert list(table.columns[:9]) == [
        "indicator_id", "name", "unit", "baseline_2020", "target_2025", "direction", "kind",
        "source_url", "verified",
    ]  # fmt: skip
    assert table["indicator_id"].is_unique
    assert len(table) == 15 and table["source_url"].str.contains("粤人社函").all()
    assert set(table["direction"]) <= {"increase", "decrease"}
    assert set(table["kind"]) <= {"预期性", "约束性"}
    # Unverifiable numbers stay empty; every row carries a note saying where numbers came from.
    assert table["baseline_2020"].isna().any()
    assert (table["note"].str.len() > 0).all()
    row = table.set_index("indicator_id")
    assert row.loc["high_skilled_workers_total", ["baseline_2020", "target_2025"]].tolist() == [
        445,
        580,
    ]
    assert row["cumulative"].sum() == 2 and row["withheld"].sum() == 1
    assert set(row["kind"]) == {"预期性"}


def test_loader_returns_a_copy() -> None:
    table = plan_indicators()
    table.loc[0, "name"] = "changed"
    assert plan_indicators().loc[0, "name"] != "changed"


@pytest.mark.parametrize(("raw", "clean"), [("2023", "2023"), (" 2024q2 ", "2024Q2")])
def test_validate_period_normalises(raw: str, clean: str) -> None:
    assert validate_period(raw) == clean


@pytest.mark.parametrize(
    ("raw", "message"),
    [("2024-06", "must look like"), ("2019", "between 2020 and 2030"), ("2203Q1", "between")],
)
def test_validate_period_rejects(raw: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_period(raw)


@pytest.mark.parametrize(
    ("value", "unit", "message"),
    [(math.nan, "万人", "finite"), (math.inf, "%", "finite"), (-1.0, "万人", "negative"),
     (100.5, "%", "at most 100"), (True, "%", "must be a number")],
)  # fmt: skip
def test_validate_value_rejects(value: float, unit: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        validate_value(value, unit)
