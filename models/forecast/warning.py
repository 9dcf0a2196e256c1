"""Early-warning rules for planners: forecast shortages, demand surges and supply drops.

Three rules, each giving a level (红色 > 橙色 > 黄色), the numbers behind it (``evidence``) and
a Chinese sentence:

``ratio_threshold``
    The forecast 求人倍率 (demand / supply) stays above ``ratio_threshold`` for at least
    ``min_months`` forecast months (one seasonal peak is not a shortage): 红色 when even the
    lower bound of the ``interval_level`` % interval is above it in that many months, 橙色
    when the point is and the interval is believable (upper / lower ≤ ``max_spread``),
    黄色 (待观察) when only the point is, the interval being missing or too wide.
``demand_growth``
    Year-over-year growth of demand (log growth of the last ``window`` months' sum against
    the same months a year earlier) is unusual: its robust z-score (median/MAD) against the
    series' own past growth, or against the other cities' growth for the same occupation,
    reaches ``growth_z`` (黄色; 橙色 at 1.5×, 红色 at 2×). Only surges fire.
``supply_drop``
    New job seekers over the last ``window`` months fell by at least ``supply_drop`` year
    over year (黄色; 橙色 at 1.5×, 红色 at 2×, capped below 100 %), and the fall is beyond
    count noise: (last year − this year) / √(last year + this year) ≥ ``count_z`` (the
    Poisson test of two counts).

Why the guards: a planner can act on tens of warnings, not on a thousand. So

- series too small to judge never fire: every rule needs ``min_volume`` in the window it
  reads (the ratio rule: recent demand *and* recent supply; going from 2 to 6 postings is
  noise, not a warning);
- a node whose whole demand and supply history equals another node's (a parent with a
  single child, 一核 and 粤港澳大湾区, a pooled "other" code) is one market under several
  names: it warns once, under its most specific real name, listing the others in
  ``evidence['same_series']``;
- ``severity`` = strength × relevance ranks warnings within a level. Strength is how far
  past the line the rule's statistic is, 0 on the line and 1 on the 红色 edge, in units that
  hold the uncertainty: the ratio's log excess over its interval's lower half-width (see
  ``_months``), averaged over the horizon with months below the line as 0 (so a persistent
  shortage outranks a seasonal peak); growth: z / ``growth_z`` − 1; supply: drop /
  ``supply_drop`` − 1. Relevance is the volume behind it, ``log10(1 + volume /
  min_volume)``: a shortage among 3,000 postings outranks the same ratio among 100.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import KW_ONLY, dataclass
from typing import Any, cast

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sklearn.base import BaseEstimator

from data.vocabulary.codes import OCCUPATION_PREFIX
from models.forecast._warning_base import (
    RatioRule,
    month_label,
    same_series,
    series_label,
    series_level,
    wide_table,
)

__all__ = ["LEVELS", "EarlyWarning", "same_series", "series_label", "series_level"]

LEVELS: tuple[str, ...] = ("红色", "橙色", "黄色")
_RANK = {"红色": 3, "橙色": 2, "黄色": 1}
_MAD_TO_SIGMA = 1.4826  # MAD of a normal sample times this estimates its standard deviation
_COLUMNS = ["unique_id", "ds", "rule", "level", "severity", "evidence", "message_zh"]
FloatArray = NDArray[np.float64]


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


@dataclass(eq=False, repr=False)
class EarlyWarning(RatioRule, BaseEstimator):
    """Rule-based early warnings on forecasts and recent history.

    Parameters
    ----------
    ratio_threshold : float
        预警线 for the forecast 求人倍率. 2.0 (two postings per new job seeker): the demo
        province runs at about 1.5 and its core cities at 1.6, so a lower line flags the
        ordinary market rather than a shortage.
    growth_z : float
        Robust z-score of YoY demand growth that fires ``demand_growth``.
    supply_drop : float
        YoY fall of new job seekers (fraction, 0.3 = 30 %) that fires ``supply_drop``.
    interval_level : int
        Which forecast interval (``<model>-lo-<level>``) the ratio rule reads.
    model : str, optional
        Forecast column; default: the only point column of ``forecast_df``.
    window : int
        Months summed before comparing year over year (smooths monthly noise); also the
        recent window of every volume check.
    min_volume : float
        Smallest window sum that may fire: recent demand and supply (ratio rule), recent
        demand (growth), last year's supply (supply drop). Also the unit of relevance.
    min_months : int
        Forecast months the ratio must stay past the line (all months when fewer).
    max_spread : float
        Widest interval (upper / lower bound) the ratio rule believes: with a wider one (or
        none) the point alone is past the line, which is 黄色 (待观察) at most.
    count_z : float
        Poisson z of a supply drop needed to fire.
    min_history : int
        Past growth values needed for the own-history z-score.
    min_peers : int
        Other cities with the same occupation needed for the peer z-score.
    min_growth_scale : float
        Floor of the z-score's scale, in log-growth units (0.05 ≈ 5 %).
    labels : mapping, optional
        ``unique_id`` → display name, overriding :func:`series_label`.
    """

    ratio_threshold: float = 2.0
    growth_z: float = 2.5
    supply_drop: float = 0.3
    _: KW_ONLY
    interval_level: int = 80
    model: str | None = None
    window: int = 3
    min_volume: float = 60.0
    min_months: int = 3
    max_spread: float = 4.0
    count_z: float = 2.0
    min_history: int = 6
    min_peers: int = 3
    min_growth_scale: float = 0.05
    labels: Mapping[str, str] | None = None

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
            as demand), monthly. Rules whose column is absent are skipped; forecast series
            absent from it have no volume and never fire.
        forecast_df : DataFrame or None
            Forecast 求人倍率 in the forecasters' long format (``unique_id, ds, <model>``,
            ``<model>-lo-80``, ``<model>-hi-80``...). None skips the ratio rule.
        ratio_df : DataFrame, optional
            Observed 求人倍率 (``data.panels.ratio_panel`` output) for the evidence's last
            observed value; derived from ``history_df`` when it has demand and supply.

        Returns
        -------
        DataFrame
            ``unique_id, ds, rule, level, severity, evidence, message_zh``; by level, then
            severity (strength × relevance), most severe first.
        """
        self._validate()
        history = history_df.copy()
        if "demand" not in history and "supply" not in history and "y" in history:
            history = history.rename(columns={"y": "demand"})
        history["ds"] = pd.to_datetime(history["ds"])
        groups = same_series(history)
        history = history[history["unique_id"].astype(str).isin(groups)]
        rows: list[dict[str, Any]] = []
        if forecast_df is not None and not forecast_df.empty:
            kept = forecast_df[forecast_df["unique_id"].astype(str).isin(groups)]
            rows += self._ratio_rule(kept, history, self._last_ratio(history, ratio_df))
        if "demand" in history:
            rows += self._growth_rule(history)
        if "supply" in history:
            rows += self._supply_rule(history)
        for row in rows:
            if groups.get(row["unique_id"]):
                row["evidence"]["same_series"] = groups[row["unique_id"]]
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
        if self.window < 1 or self.min_months < 1:
            raise ValueError(f"window and min_months must be >= 1, got {self.window}")
        if self.min_volume < 0 or self.count_z < 0:
            raise ValueError("min_volume and count_z must be non-negative")

    # ------------------------------------------------------------------- demand growth
    def _growth_table(self, history: pd.DataFrame) -> pd.DataFrame:
        """Per series: recent and year-ago window sums, last YoY log growth, z-scores."""
        rolled = wide_table(history, "demand").rolling(self.window).sum()
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
            enough = peers.size >= self.min_peers and OCCUPATION_PREFIX.fullmatch(occupation[uid])
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
            strength = float(z / self.growth_z) - 1.0
            evidence = {
                "ds": month_label(table.attrs["ds"]),
                "window_months": self.window,
                "last_observed": float(stats["recent"]),
                "year_ago": float(stats["year_ago"]),
                "yoy_growth": round(yoy, 4),
                "z_score": round(float(z), 3),
                "z_self": None if np.isnan(stats["z_self"]) else round(stats["z_self"], 3),
                "z_peers": None if np.isnan(stats["z_peers"]) else round(stats["z_peers"], 3),
                "threshold": self.growth_z,
                "strength": round(strength, 4),
            }
            row = self._row(
                str(uid),
                table.attrs["ds"],
                "demand_growth",
                _graded(strength + 1.0),
                strength * self._relevance(float(stats["recent"])),
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
        table = self._windows(history, "supply")
        recent, year_ago = table["recent"], table["year_ago"]
        change = recent / year_ago.where(year_ago >= self.min_volume) - 1
        with np.errstate(divide="ignore", invalid="ignore"):
            count_z: pd.Series = (year_ago - recent) / np.sqrt(year_ago + recent)
        rows = []
        for uid in change.index[(change <= -self.supply_drop) & (count_z >= self.count_z)]:
            drop = -float(change[uid])
            evidence = {
                "ds": month_label(table.attrs["ds"]),
                "window_months": self.window,
                "last_observed": float(recent[uid]),
                "year_ago": float(year_ago[uid]),
                "yoy_growth": round(-drop, 4),
                "count_z": round(float(count_z[uid]), 3),
                "threshold": self.supply_drop,
                "strength": round(drop / self.supply_drop - 1.0, 4),
            }
            row = self._row(
                str(uid),
                table.attrs["ds"],
                "supply_drop",
                self._supply_level(drop),
                (drop / self.supply_drop - 1.0) * self._relevance(float(year_ago[uid])),
                evidence,
            )
            row["message_zh"] = (
                f"{self._label(str(uid))}: 近{self.window}个月新增求职 {recent[uid]:.0f} 人，"
                f"去年同期 {year_ago[uid]:.0f} 人，同比下降 {drop:.0%}，超过预警线 "
                f"{self.supply_drop:.0%}"
            )
            rows.append(row)
        return rows
