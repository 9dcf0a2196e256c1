"""Early-warning rules for planners: forecast shortages, demand surges and supply drops.

Three rules, each giving a level (红色 > 橙色 > 黄色), a severity (how far past its threshold,
in units of the threshold: comparable within a rule), the numbers behind it and a Chinese
sentence:

``ratio_threshold``
    The forecast 求人倍率 (demand / supply) crosses ``ratio_threshold``: 红色 when even the
    lower bound of the ``interval_level`` % interval is above it, 橙色 when the point forecast
    is, 黄色 when only the upper bound is. The most severe forecast month is reported.
``demand_growth``
    Year-over-year growth of demand (log growth of the last ``window`` months' sum against
    the same months a year earlier) is unusual: its robust z-score (median/MAD) against the
    series' own past growth, or against the other cities' growth for the same occupation,
    reaches ``growth_z`` (黄色; 橙色 at 1.5×, 红色 at 2×). Only surges fire.
``supply_drop``
    New job seekers over the last ``window`` months fell by at least ``supply_drop`` year
    over year (黄色; 橙色 at 1.5×, 红色 at 2×, capped below 100 %).

Series too small to judge (fewer than ``min_volume`` in the relevant window) never fire:
going from 2 to 6 postings is noise, not a warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from data.taxonomy import city_name, occupation_name

__all__ = ["LEVELS", "EarlyWarning", "series_label"]

LEVELS: tuple[str, ...] = ("红色", "橙色", "黄色")
_RANK = {"红色": 3, "橙色": 2, "黄色": 1}
_MAD_TO_SIGMA = 1.4826  # MAD of a normal sample times this estimates its standard deviation
_OCCUPATION = re.compile(r"^\d(-\d{2}){0,3}$")
_CITY = re.compile(r"^44\d{2}$")
_COLUMNS = ["unique_id", "ds", "rule", "level", "severity", "evidence", "message_zh"]
FloatArray = NDArray[np.float64]


def series_label(unique_id: str) -> str:
    """Planner-facing name of a series id: '4403/2-02-11-01' → '深圳市 · 电工电器工程技术人员'."""
    names = []
    for part in str(unique_id).split("/"):
        try:
            if _CITY.fullmatch(part):
                names.append(city_name(part))
            elif _OCCUPATION.fullmatch(part):
                names.append(occupation_name(part))
            else:
                names.append(part)
        except KeyError:
            names.append(part)
    return " · ".join(names)


def _month(ds: Any) -> str:
    stamp = pd.Timestamp(ds)
    return f"{stamp.year}年{stamp.month}月"


def _graded(excess: float) -> str:
    """Level from the ratio of the observed statistic to its threshold (≥ 1 fires)."""
    return "红色" if excess >= 2 else "橙色" if excess >= 1.5 else "黄色"


def _robust_z(value: float, reference: FloatArray, floor: float) -> float:
    """(value − median) / (1.4826·MAD), with the scale floored so flat histories stay finite."""
    reference = reference[np.isfinite(reference)]
    if reference.size == 0 or not np.isfinite(value):
        return float("nan")
    median = float(np.median(reference))
    scale = _MAD_TO_SIGMA * float(np.median(np.abs(reference - median)))
    return (value - median) / max(scale, floor)


def _wide(history: pd.DataFrame, column: str) -> pd.DataFrame:
    """(month × series) table, zero-filled over the full monthly range."""
    wide = history.pivot_table(index="ds", columns="unique_id", values=column, aggfunc="sum")
    months = pd.date_range(wide.index.min(), wide.index.max(), freq="MS")
    return wide.reindex(months).fillna(0.0)


class EarlyWarning(BaseEstimator):
    """Rule-based early warnings on forecasts and recent history.

    Parameters
    ----------
    ratio_threshold : float
        预警线 for the forecast 求人倍率.
    growth_z : float
        Robust z-score of YoY demand growth that fires ``demand_growth``.
    supply_drop : float
        YoY fall of new job seekers (fraction, 0.3 = 30 %) that fires ``supply_drop``.
    interval_level : int
        Which forecast interval (``<model>-lo-<level>``) the ratio rule reads.
    model : str, optional
        Forecast column; default: the only point column of ``forecast_df``.
    window : int
        Months summed before comparing year over year (smooths monthly noise).
    min_volume : float
        Smallest window sum (this year's demand, last year's supply) that may fire.
    min_history : int
        Past growth values needed for the own-history z-score.
    min_peers : int
        Other cities with the same occupation needed for the peer z-score.
    min_growth_scale : float
        Floor of the z-score's scale, in log-growth units (0.05 ≈ 5 %).
    labels : mapping, optional
        ``unique_id`` → display name, overriding :func:`series_label`.
    """

    def __init__(
        self,
        ratio_threshold: float = 1.5,
        growth_z: float = 2.5,
        supply_drop: float = 0.3,
        *,
        interval_level: int = 80,
        model: str | None = None,
        window: int = 3,
        min_volume: float = 10.0,
        min_history: int = 6,
        min_peers: int = 3,
        min_growth_scale: float = 0.05,
        labels: Mapping[str, str] | None = None,
    ) -> None:
        self.ratio_threshold = ratio_threshold
        self.growth_z = growth_z
        self.supply_drop = supply_drop
        self.interval_level = interval_level
        self.model = model
        self.window = window
        self.min_volume = min_volume
        self.min_history = min_history
        self.min_peers = min_peers
        self.min_growth_scale = min_growth_scale
        self.labels = labels

    def _label(self, unique_id: str) -> str:
        if self.labels is not None and unique_id in self.labels:
            return self.labels[unique_id]
        return series_label(unique_id)

    def flag(
        self,
        history_df: pd.DataFrame,
        forecast_df: pd.DataFrame | None,
        ratio_df: pd.DataFrame | None = None,
    ) -> pd.DataFrame:
        """Evaluate every rule; one row per (series, rule) that fires.

        Parameters
        ----------
        history_df : DataFrame
            ``unique_id, ds`` and ``demand`` and/or ``supply`` (a ``y`` column alone is read
            as demand), monthly. Rules whose column is absent are skipped.
        forecast_df : DataFrame or None
            Forecast 求人倍率 in the forecasters' long format (``unique_id, ds, <model>``,
            ``<model>-lo-80``, ``<model>-hi-80``...). None skips the ratio rule.
        ratio_df : DataFrame, optional
            Observed 求人倍率 (``data.panels.ratio_panel`` output) for the evidence's last
            observed value; derived from ``history_df`` when it has demand and supply.

        Returns
        -------
        DataFrame
            ``unique_id, ds, rule, level, severity, evidence, message_zh``, most severe first.
        """
        self._validate()
        history = history_df.copy()
        if "demand" not in history and "supply" not in history and "y" in history:
            history = history.rename(columns={"y": "demand"})
        history["ds"] = pd.to_datetime(history["ds"])
        rows: list[dict[str, Any]] = []
        if forecast_df is not None and not forecast_df.empty:
            rows += self._ratio_rule(forecast_df, self._last_ratio(history, ratio_df))
        if "demand" in history:
            rows += self._growth_rule(history)
        if "supply" in history:
            rows += self._supply_rule(history)
        result = pd.DataFrame(rows, columns=_COLUMNS)
        if result.empty:
            return result
        rank = result["level"].map(_RANK)
        order = np.lexsort((-result["severity"].to_numpy(), -rank.to_numpy()))
        return result.iloc[order].reset_index(drop=True)

    def _validate(self) -> None:
        if self.ratio_threshold <= 0 or self.growth_z <= 0:
            raise ValueError("ratio_threshold and growth_z must be positive")
        if not 0 < self.supply_drop < 1:
            raise ValueError(f"supply_drop must be in (0, 1), got {self.supply_drop}")
        if self.window < 1:
            raise ValueError(f"window must be >= 1, got {self.window}")

    # ----------------------------------------------------------------- ratio threshold
    def _last_ratio(
        self, history: pd.DataFrame, ratio_df: pd.DataFrame | None
    ) -> dict[str, tuple[str, float]]:
        """Latest defined observed ratio per series: {uid: (month, ratio)}."""
        if ratio_df is not None:
            observed = ratio_df[["unique_id", "ds", "y"]]
        elif {"demand", "supply"} <= set(history.columns):
            supply = history["supply"].where(history["supply"] > 0)
            observed = history.assign(y=history["demand"] / supply)[["unique_id", "ds", "y"]]
        else:
            return {}
        observed = observed.dropna(subset=["y"]).sort_values("ds")
        last = observed.groupby("unique_id").tail(1)
        return {
            str(uid): (_month(ds), float(y))
            for uid, ds, y in zip(last["unique_id"], last["ds"], last["y"], strict=True)
        }

    def _model_column(self, forecast_df: pd.DataFrame) -> str:
        if self.model is not None:
            return self.model
        points = [
            c
            for c in forecast_df.columns
            if c not in {"unique_id", "ds", "cutoff", "y"} and not re.search(r"-(lo|hi)-\d", c)
        ]
        if len(points) != 1:
            raise ValueError(f"forecast_df has point columns {points}; pass model=")
        return points[0]

    def _ratio_rule(
        self, forecast_df: pd.DataFrame, last_ratio: dict[str, tuple[str, float]]
    ) -> list[dict[str, Any]]:
        model = self._model_column(forecast_df)
        lo_col, hi_col = (f"{model}-{side}-{self.interval_level}" for side in ("lo", "hi"))
        frame = forecast_df.dropna(subset=[model]).copy()
        point = frame[model].to_numpy(dtype=float)
        missing = np.full_like(point, np.nan)  # no interval: only the point can fire (橙色)
        lo = frame[lo_col].to_numpy(dtype=float) if lo_col in frame else missing
        hi = frame[hi_col].to_numpy(dtype=float) if hi_col in frame else missing
        threshold = self.ratio_threshold
        frame["rank"] = np.select([lo > threshold, point > threshold, hi > threshold], [3, 2, 1], 0)
        frame["decisive"] = np.select([lo > threshold, point > threshold], [lo, point], hi)
        frame["lo"], frame["hi"] = lo, hi
        fired = frame[frame["rank"] > 0].sort_values(["rank", model], ascending=False)
        rows = []
        for _, row in fired.groupby("unique_id", sort=False).head(1).iterrows():
            uid = str(row["unique_id"])
            level = {3: "红色", 2: "橙色", 1: "黄色"}[int(row["rank"])]
            has_interval = bool(np.isfinite(row["lo"]) and np.isfinite(row["hi"]))
            observed = last_ratio.get(uid)
            evidence = {
                "ds": _month(row["ds"]),
                "forecast": round(float(row[model]), 4),
                "interval": [round(row["lo"], 4), round(row["hi"], 4)] if has_interval else None,
                "interval_level": self.interval_level,
                "threshold": threshold,
                "last_observed": None if observed is None else round(observed[1], 4),
                "last_observed_ds": None if observed is None else observed[0],
            }
            interval = (
                f"（{self.interval_level}%区间 {row['lo']:.1f}–{row['hi']:.1f}）"
                if has_interval
                else " "
            )
            verb = "超过预警线" if level != "黄色" else "未超过预警线，但区间上限超过"
            message = (
                f"{self._label(uid)}: {_month(row['ds'])}预测求人倍率 {row[model]:.2f}"
                f"{interval}{verb} {threshold:g}"
            )
            severity = (float(row["decisive"]) - threshold) / threshold
            rows.append(self._row(uid, row["ds"], "ratio_threshold", level, severity, evidence))
            rows[-1]["message_zh"] = message
        return rows

    @staticmethod
    def _row(
        uid: str, ds: Any, rule: str, level: str, severity: float, evidence: dict[str, Any]
    ) -> dict[str, Any]:
        return {
            "unique_id": uid,
            "ds": pd.Timestamp(ds),
            "rule": rule,
            "level": level,
            "severity": round(float(severity), 6),
            "evidence": evidence,
            "message_zh": "",
        }

    # ------------------------------------------------------------------- demand growth
    def _growth_table(self, history: pd.DataFrame) -> pd.DataFrame:
        """Per series: recent and year-ago window sums, last YoY log growth, z-scores."""
        rolled = _wide(history, "demand").rolling(self.window).sum()
        growth = cast(pd.DataFrame, np.log1p(rolled) - np.log1p(rolled.shift(12)))
        table = pd.DataFrame(
            {
                "recent": rolled.iloc[-1],
                "year_ago": rolled.shift(12).iloc[-1],
                "growth": growth.iloc[-1],
            }
        )
        past = growth.iloc[:-1]
        last = table["growth"].to_numpy(dtype=float)
        table["z_self"] = [
            _robust_z(last[i], past[uid].to_numpy(), self.min_growth_scale)
            if past[uid].notna().sum() >= self.min_history
            else np.nan
            for i, uid in enumerate(table.index)
        ]
        table["z_peers"] = self._peer_z(table["growth"])
        table.attrs["ds"] = rolled.index[-1]
        return table

    def _peer_z(self, growth: pd.Series) -> list[float]:
        """Z-score against the other series of the same occupation (last id part)."""
        occupation = pd.Series([str(uid).split("/")[-1] for uid in growth.index], growth.index)
        scores = []
        for uid in growth.index:
            peers = growth[(occupation == occupation[uid]) & (growth.index != uid)].to_numpy()
            peers = peers[np.isfinite(peers)]
            enough = peers.size >= self.min_peers and _OCCUPATION.fullmatch(occupation[uid])
            z = _robust_z(growth[uid], peers, self.min_growth_scale) if enough else np.nan
            scores.append(float(z))
        return scores

    def _growth_rule(self, history: pd.DataFrame) -> list[dict[str, Any]]:
        table = self._growth_table(history)
        rows = []
        for uid, stats in table.iterrows():
            z = np.nanmax([stats["z_self"], stats["z_peers"], -np.inf])
            if not (stats["recent"] >= self.min_volume and stats["growth"] > 0):
                continue
            if not z >= self.growth_z:
                continue
            reference = "自身历史" if z == stats["z_self"] else "同职业其他城市"
            yoy = float(np.expm1(stats["growth"]))
            evidence = {
                "ds": _month(table.attrs["ds"]),
                "window_months": self.window,
                "last_observed": float(stats["recent"]),
                "year_ago": float(stats["year_ago"]),
                "yoy_growth": round(yoy, 4),
                "z_score": round(float(z), 3),
                "z_self": None if np.isnan(stats["z_self"]) else round(stats["z_self"], 3),
                "z_peers": None if np.isnan(stats["z_peers"]) else round(stats["z_peers"], 3),
                "threshold": self.growth_z,
            }
            row = self._row(
                str(uid),
                table.attrs["ds"],
                "demand_growth",
                _graded(z / self.growth_z),
                z / self.growth_z - 1,
                evidence,
            )
            row["message_zh"] = (
                f"{self._label(str(uid))}: 近{self.window}个月需求 {stats['recent']:.0f} 人，"
                f"同比增长 {yoy:.0%}，稳健z值 {z:.1f}（对比{reference}）超过预警线 "
                f"{self.growth_z:g}"
            )
            rows.append(row)
        return rows

    # --------------------------------------------------------------------- supply drop
    def _supply_level(self, drop: float) -> str:
        """1×, 1.5×, 2× ``supply_drop``, squeezed below a 100 % drop when those exceed it."""
        red_at = min(2 * self.supply_drop, 1.0)
        orange_at = min(1.5 * self.supply_drop, (self.supply_drop + red_at) / 2)
        return "红色" if drop >= red_at else "橙色" if drop >= orange_at else "黄色"

    def _supply_rule(self, history: pd.DataFrame) -> list[dict[str, Any]]:
        rolled = _wide(history, "supply").rolling(self.window).sum()
        if len(rolled) <= 12:
            return []
        recent, year_ago = rolled.iloc[-1], rolled.iloc[-13]
        change = recent / year_ago.where(year_ago >= self.min_volume) - 1
        rows = []
        for uid in change.index[change <= -self.supply_drop]:
            drop = -float(change[uid])
            level = self._supply_level(drop)
            evidence = {
                "ds": _month(rolled.index[-1]),
                "window_months": self.window,
                "last_observed": float(recent[uid]),
                "year_ago": float(year_ago[uid]),
                "yoy_growth": round(-drop, 4),
                "threshold": self.supply_drop,
            }
            row = self._row(
                str(uid),
                rolled.index[-1],
                "supply_drop",
                level,
                drop / self.supply_drop - 1,
                evidence,
            )
            row["message_zh"] = (
                f"{self._label(str(uid))}: 近{self.window}个月新增求职 {recent[uid]:.0f} 人，"
                f"同比下降 {drop:.0%}，超过预警线 {self.supply_drop:.0%}"
            )
            rows.append(row)
        return rows
