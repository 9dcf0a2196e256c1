"""EarlyWarning on constructed panels where the right answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from models.forecast.warning import EarlyWarning, series_label

OCC = "2-02-11-01"  # 电工电器工程技术人员
MONTHS = pd.date_range("2023-01-01", periods=36, freq="MS")
SURGE, STEADY = f"4403/{OCC}", f"4401/{OCC}"
PEERS = [f"{city}/{OCC}" for city in ("4404", "4406", "4419", "4420")]


def _history() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = []
    for uid in [SURGE, STEADY, *PEERS]:
        demand = 50 + rng.integers(-4, 5, size=len(MONTHS))
        supply = 100 + rng.integers(-5, 6, size=len(MONTHS))
        if uid == SURGE:
            demand[-3:] *= 2  # demand doubles in the last quarter
            supply[-3:] = 35  # and new job seekers collapse
        rows += [
            {"unique_id": uid, "ds": ds, "demand": float(d), "supply": float(s)}
            for ds, d, s in zip(MONTHS, demand, supply, strict=True)
        ]
    return pd.DataFrame(rows)


def _forecast() -> pd.DataFrame:
    table = {  # point, lo-80, hi-80
        SURGE: (2.31, 1.9, 2.8),
        PEERS[0]: (1.6, 1.4, 1.9),
        STEADY: (1.2, 0.9, 1.6),
        PEERS[1]: (1.0, 0.8, 1.3),
    }
    ds = pd.Timestamp("2026-01-01")
    return pd.DataFrame(
        [
            {"unique_id": uid, "ds": ds, "m": p, "m-lo-80": lo, "m-hi-80": hi}
            for uid, (p, lo, hi) in table.items()
        ]
    )


@pytest.fixture(scope="module")
def flags() -> pd.DataFrame:
    return EarlyWarning().flag(_history(), _forecast())


@pytest.mark.parametrize(
    ("unique_id", "level"),
    [(SURGE, "红色"), (PEERS[0], "橙色"), (STEADY, "黄色"), (PEERS[1], None)],
)
def test_ratio_levels_follow_the_interval(
    flags: pd.DataFrame, unique_id: str, level: str | None
) -> None:
    fired = flags[(flags["rule"] == "ratio_threshold") & (flags["unique_id"] == unique_id)]
    assert fired["level"].tolist() == ([] if level is None else [level])


def test_ratio_message_and_evidence(flags: pd.DataFrame) -> None:
    row = flags[(flags["rule"] == "ratio_threshold") & (flags["unique_id"] == SURGE)].iloc[0]
    assert row["message_zh"] == (
        "深圳市 · 电工电器工程技术人员: 2026年1月预测求人倍率 2.31（80%区间 1.9–2.8）超过预警线 1.5"
    )
    evidence = row["evidence"]
    assert evidence["interval"] == [1.9, 2.8]
    assert evidence["threshold"] == 1.5
    assert evidence["last_observed"] == pytest.approx(_history().iloc[35]["demand"] / 35, abs=1e-4)
    assert row["severity"] == pytest.approx((1.9 - 1.5) / 1.5, abs=1e-5)


@pytest.mark.parametrize(("rule", "fires_for"), [("demand_growth", SURGE), ("supply_drop", SURGE)])
def test_history_rules_fire_only_for_the_shocked_series(
    flags: pd.DataFrame, rule: str, fires_for: str
) -> None:
    fired = flags[flags["rule"] == rule]
    assert fired["unique_id"].tolist() == [fires_for]


def test_growth_evidence_and_levels(flags: pd.DataFrame) -> None:
    row = flags[flags["rule"] == "demand_growth"].iloc[0]
    assert row["evidence"]["yoy_growth"] == pytest.approx(1.0, abs=0.25)
    assert row["evidence"]["z_score"] >= 2.5
    assert row["level"] == "红色"  # a doubling is far beyond 2 × the z threshold
    assert "同比增长" in row["message_zh"]
    drop = flags[flags["rule"] == "supply_drop"].iloc[0]
    assert drop["level"] == "红色"  # 100 → 35 is a 65 % fall, beyond 2 × 30 %
    assert drop["evidence"]["yoy_growth"] < -0.6


def test_sorted_most_severe_first(flags: pd.DataFrame) -> None:
    ranks = flags["level"].map({"红色": 3, "橙色": 2, "黄色": 1}).to_numpy()
    assert (np.diff(ranks) <= 0).all()


def test_small_series_never_fire() -> None:
    history = _history()
    history[["demand", "supply"]] /= 100  # the same shape at 1 % of the volume
    flags = EarlyWarning().flag(history, None)
    assert flags.empty
    assert list(flags.columns) == [
        "unique_id",
        "ds",
        "rule",
        "level",
        "severity",
        "evidence",
        "message_zh",
    ]


def test_point_only_forecast_gives_orange_at_most() -> None:
    forecast = _forecast()[["unique_id", "ds", "m"]]
    flags = EarlyWarning(growth_z=100).flag(_history()[["unique_id", "ds", "demand"]], forecast)
    assert set(flags["level"]) == {"橙色"}
    assert set(flags["unique_id"]) == {SURGE, PEERS[0]}
    assert flags["evidence"].iloc[0]["interval"] is None
    assert "区间" not in flags["message_zh"].iloc[0]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"supply_drop": 1.5}, "supply_drop"),
        ({"ratio_threshold": 0}, "positive"),
        ({"window": 0}, "window"),
    ],
)
def test_invalid_params_rejected(params: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        EarlyWarning(**params).flag(_history(), None)


def test_sklearn_params_and_labels() -> None:
    warning = clone(EarlyWarning(ratio_threshold=2.0, labels={SURGE: "深圳 电工"}))
    assert warning.get_params()["ratio_threshold"] == 2.0
    flags = warning.flag(_history(), _forecast())
    ratio = flags[flags["rule"] == "ratio_threshold"]
    assert ratio["message_zh"].iloc[0].startswith("深圳 电工: ")
    assert series_label("广东省/4403/9-99") == "广东省 · 深圳市 · 9-99"
