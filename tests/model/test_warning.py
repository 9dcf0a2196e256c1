"""EarlyWarning on constructed panels where the right answer is known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from models.forecast.warning import EarlyWarning, same_series, series_label

OCC = "2-02-11-01"  # 电工电器工程技术人员
MONTHS = pd.date_range("2023-01-01", periods=36, freq="MS")
SURGE, STEADY = f"4403/{OCC}", f"4401/{OCC}"
PEERS = [f"{city}/{OCC}" for city in ("4404", "4406", "4419", "4420")]
COLUMNS = ["unique_id", "ds", "rule", "level", "severity", "evidence", "message_zh"]


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
        SURGE: (2.31, 1.9, 2.8),  # even the lower bound is past 1.5
        PEERS[0]: (1.6, 1.4, 1.9),  # the point is, with a believable interval
        PEERS[2]: (1.8, 0.4, 4.0),  # the point is, but the interval spans 10×
        STEADY: (1.2, 0.9, 1.6),  # only the upper bound is: no warning
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
    return EarlyWarning(ratio_threshold=1.5).flag(_history(), _forecast())


@pytest.mark.parametrize(
    ("unique_id", "level"),
    [(SURGE, "红色"), (PEERS[0], "橙色"), (PEERS[2], "黄色"), (STEADY, None), (PEERS[1], None)],
)
def test_ratio_levels_follow_the_interval(
    flags: pd.DataFrame, unique_id: str, level: str | None
) -> None:
    fired = flags[(flags["rule"] == "ratio_threshold") & (flags["unique_id"] == unique_id)]
    assert fired["level"].tolist() == ([] if level is None else [level])


def test_ratio_message_and_evidence(flags: pd.DataFrame) -> None:
    row = flags[(flags["rule"] == "ratio_threshold") & (flags["unique_id"] == SURGE)].iloc[0]
    recent = _history().query("unique_id == @SURGE")["demand"].iloc[-3:].sum()
    assert row["message_zh"] == (
        "深圳市 · 电工电器工程技术人员: 未来1个月中有1个月预测求人倍率连80%区间下限都超过"
        f"预警线 1.5，峰值 2026年1月 2.31（80%区间 1.9–2.8），近3个月需求 {recent:.0f} 人"
    )
    evidence = row["evidence"]
    assert evidence["interval"] == [1.9, 2.8]
    assert evidence["threshold"] == 1.5
    assert evidence["recent_demand"] == recent
    assert evidence["last_observed"] == pytest.approx(_history().iloc[35]["demand"] / 35, abs=1e-4)
    strength = np.log(2.31 / 1.5) / np.log(2.31 / 1.9)  # log excess in lower half-widths
    assert evidence["strength"] == pytest.approx(strength, abs=1e-4)
    assert row["severity"] == pytest.approx(strength * np.log10(1 + recent / 60), abs=1e-5)


def test_wide_interval_says_so(flags: pd.DataFrame) -> None:
    row = flags[flags["unique_id"] == PEERS[2]].iloc[0]
    assert "区间可信" in row["message_zh"]
    assert "待观察" in row["message_zh"]
    assert row["evidence"]["months_informative"] == 0


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
    assert drop["evidence"]["count_z"] > 2
    assert "去年同期" in drop["message_zh"]


def test_sorted_most_severe_first(flags: pd.DataFrame) -> None:
    ranks = flags["level"].map({"红色": 3, "橙色": 2, "黄色": 1}).to_numpy()
    assert (np.diff(ranks) <= 0).all()
    for _, same_level in flags.groupby("level"):
        assert (np.diff(same_level["severity"].to_numpy()) <= 0).all()


def test_small_series_never_fire() -> None:
    history = _history()
    history[["demand", "supply"]] /= 10  # the same shape at 10 % of the volume: below 60
    flags = EarlyWarning(ratio_threshold=1.5).flag(history, _forecast())
    assert flags.empty
    assert list(flags.columns) == COLUMNS


def _flat(uid: str, demand: float, supply: float, months: int = 24) -> pd.DataFrame:
    ds = pd.date_range("2024-01-01", periods=months, freq="MS")
    return pd.DataFrame({"unique_id": uid, "ds": ds, "demand": demand, "supply": supply})


def _months_above(uid: str, above: int, months: int = 12) -> pd.DataFrame:
    point = np.where(np.arange(months) < above, 2.5, 1.5)
    return pd.DataFrame(
        {
            "unique_id": uid,
            "ds": pd.date_range("2026-01-01", periods=months, freq="MS"),
            "m": point,
            "m-lo-80": point / 1.1,
            "m-hi-80": point * 1.1,
        }
    )


@pytest.mark.parametrize(("above", "fires"), [(2, False), (3, True), (12, True)])
def test_one_peak_is_not_a_shortage(above: int, fires: bool) -> None:
    history = _flat("4403", 500.0, 250.0)
    flags = EarlyWarning().flag(history, _months_above("4403", above))
    assert (not flags.empty) == fires
    if fires:
        assert flags["evidence"].iloc[0]["months_lo_above"] == above
        assert f"未来12个月中有{above}个月" in flags["message_zh"].iloc[0]


def test_more_volume_ranks_higher() -> None:
    history = pd.concat([_flat("4401", 100.0, 50.0), _flat("4403", 1000.0, 500.0)])
    forecast = pd.concat([_months_above("4401", 12), _months_above("4403", 12)])
    flags = EarlyWarning().flag(history, forecast)
    assert flags["unique_id"].tolist() == ["4403", "4401"]
    assert flags["level"].tolist() == ["红色", "红色"]


@pytest.mark.parametrize(
    ("year_ago", "recent", "fires"),
    [
        (80.0, 40.0, True),  # −50 %, z = 40 / √120 ≈ 3.7
        (62.0, 42.0, False),  # −32 %, but z = 20 / √104 ≈ 1.96: count noise
        (40.0, 10.0, False),  # −75 %, but last year's 40 is below min_volume
    ],
)
def test_supply_drop_needs_volume_and_a_real_fall(
    year_ago: float, recent: float, fires: bool
) -> None:
    history = _flat("4403", 10.0, year_ago / 3)
    history.loc[history.index[-3:], "supply"] = recent / 3
    flags = EarlyWarning().flag(history, None)
    assert (flags["rule"] == "supply_drop").any() == fires


@pytest.mark.parametrize(
    ("ids", "kept"),
    [
        (["4403/2-02-11", "4403/2-02-11-01", "4403/2-02-11-00"], "4403/2-02-11-01"),
        (["粤港澳大湾区/C00", "一核/C"], "一核/C"),
        (["C", "4403/C"], "4403/C"),
    ],
)
def test_a_node_repeating_another_warns_once(ids: list[str], kept: str) -> None:
    history = pd.concat([_flat(uid, 500.0, 250.0) for uid in ids])
    forecast = pd.concat([_months_above(uid, 12) for uid in ids])
    groups = same_series(history)
    assert list(groups) == [kept]
    assert set(groups[kept]) == set(ids) - {kept}
    flags = EarlyWarning().flag(history, forecast)
    assert flags["unique_id"].tolist() == [kept]
    assert set(flags["evidence"].iloc[0]["same_series"]) == set(ids) - {kept}


def test_point_only_forecast_gives_yellow_at_most() -> None:
    forecast = _forecast()[["unique_id", "ds", "m"]]
    flags = EarlyWarning(1.5, growth_z=100).flag(
        _history()[["unique_id", "ds", "demand"]], forecast
    )
    assert set(flags["level"]) == {"黄色"}
    assert set(flags["unique_id"]) == {SURGE, PEERS[0], PEERS[2]}
    assert flags["evidence"].iloc[0]["interval"] is None
    assert "无预测区间" in flags["message_zh"].iloc[0]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"supply_drop": 1.5}, "supply_drop"),
        ({"ratio_threshold": 0}, "positive"),
        ({"window": 0}, "window"),
        ({"min_months": 0}, "min_months"),
        ({"min_volume": -1}, "min_volume"),
    ],
)
def test_invalid_params_rejected(params: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        EarlyWarning(**params).flag(_history(), None)


def test_sklearn_params_and_labels() -> None:
    warning = clone(EarlyWarning(ratio_threshold=1.5, labels={SURGE: "深圳 电工"}))
    assert warning.get_params()["ratio_threshold"] == 1.5
    assert EarlyWarning().get_params()["ratio_threshold"] == 2.0
    flags = warning.flag(_history(), _forecast())
    ratio = flags[flags["rule"] == "ratio_threshold"]
    assert ratio["message_zh"].iloc[0].startswith("深圳 电工: ")
    assert series_label("广东省/4403/9-99") == "广东省 · 深圳市 · 9-99"
