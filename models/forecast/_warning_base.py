"""Shared parts of :class:`models.forecast.warning.EarlyWarning` and its forecast-ratio rule.

Kept apart so each module stays readable: names and tables every rule uses (``series_label``,
``same_series``, window sums, the row shape, relevance) and the ``ratio_threshold`` rule,
which reads the forecast intervals. The rules themselves are described in
:mod:`models.forecast.warning`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from data.taxonomy import city_name, clusters, industry_name, occupation_name
from data.vocabulary.codes import (
    CITY_CODE,
    CLUSTER_CODE,
    INDUSTRY_CODE,
    INDUSTRY_SECTION,
    OCCUPATION_PREFIX,
    POOLED_INDUSTRY,
    POOLED_OCCUPATION,
    is_pooled,
)
from data.vocabulary.zones import ZONE_NAMES

__all__ = [
    "RatioRule",
    "month_label",
    "same_series",
    "series_label",
    "series_level",
    "wide_table",
]

_MIN_HALF_WIDTH = float(np.log(1.05))  # an interval narrower than ±5 % is not believed
GEOGRAPHY_NAMES = {"province": "广东省", "gba": "粤港澳大湾区"}


def _part_label(part: str) -> tuple[str, str]:
    """(Chinese name, level word) of one part of a series id."""
    if part in ("广东省", "province"):
        return "广东省", "全省"
    if part in ("粤港澳大湾区", "gba"):
        return "粤港澳大湾区", "大湾区"
    if part in ZONE_NAMES:
        return ZONE_NAMES[part], "区域"
    if CITY_CODE.fullmatch(part):
        return city_name(part), "城市"
    other = POOLED_OCCUPATION.fullmatch(part)
    if other is not None:
        return f"{occupation_name(other[1])}（其他）", "职业"
    if OCCUPATION_PREFIX.fullmatch(part):
        return occupation_name(part), "职业"
    if CLUSTER_CODE.fullmatch(part):
        names = clusters().set_index("cluster_id")["name"]
        return f"{names[part]}产业集群", "产业集群"
    section_other = POOLED_INDUSTRY.fullmatch(part)
    if section_other is not None:
        return f"{industry_name(section_other[1])}（其他大类）", "行业"
    if INDUSTRY_SECTION.fullmatch(part) or INDUSTRY_CODE.fullmatch(part):
        return industry_name(part), "行业"
    raise KeyError(part)


def series_label(unique_id: str) -> str:
    """Planner-facing name of a series id at any level, every part in Chinese.

    >>> series_label("4403/2-02-11-01")
    '深圳市 · 电工电器工程技术人员'
    >>> series_label("4419/C"), series_label("一区/C00")
    ('东莞市 · 制造业', '一区（北部生态发展区） · 制造业（其他大类）')
    >>> series_label("6-24-00-00")
    '电气机械和器材制造人员（其他）'
    """
    names = []
    for part in str(unique_id).split("/"):
        try:
            names.append(_part_label(part)[0].strip())
        except KeyError:
            names.append(part)
    return " · ".join(names)


def series_level(unique_id: str) -> str:
    """The level of a series id in words: '城市 · 职业', '区域 · 行业', '全省' …"""
    words = []
    for part in str(unique_id).split("/"):
        try:
            words.append(_part_label(part)[1])
        except KeyError:
            words.append("其他")
    return " · ".join(words)


def month_label(ds: Any) -> str:
    stamp = pd.Timestamp(ds)
    return f"{stamp.year}年{stamp.month}月"


def wide_table(history: pd.DataFrame, column: str) -> pd.DataFrame:
    """(month × series) table, zero-filled over the full monthly range."""
    wide = history.pivot_table(index="ds", columns="unique_id", values=column, aggfunc="sum")
    months = pd.date_range(wide.index.min(), wide.index.max(), freq="MS")
    return wide.reindex(months).fillna(0.0)


def _specificity(unique_id: str) -> tuple[int, int, int]:
    """Sort key, most specific name first: fewest pooled parts, most parts, longest codes."""
    parts = unique_id.split("/")
    return (sum(is_pooled(p) for p in parts), -len(parts), -len(unique_id))


def same_series(history: pd.DataFrame) -> dict[str, list[str]]:
    """Group series whose demand and supply match in every month.

    Returns
    -------
    dict
        Kept id (the most specific name of its group) → the other ids of the group.
    """
    columns = [c for c in ("demand", "supply") if c in history]
    wide = history.pivot_table(
        index="unique_id", columns="ds", values=columns, aggfunc="sum", fill_value=0.0
    )
    groups: dict[bytes, list[str]] = {}
    for uid, values in zip(wide.index, wide.to_numpy(dtype=float), strict=True):
        groups.setdefault(values.tobytes(), []).append(str(uid))
    ordered = (sorted(members, key=_specificity) for members in groups.values())
    return {members[0]: members[1:] for members in ordered}


class RatioRule:
    """The ``ratio_threshold`` rule and the helpers every rule shares (a mixin of
    :class:`~models.forecast.warning.EarlyWarning`, whose parameters it reads)."""

    ratio_threshold: float
    interval_level: int
    model: str | None
    window: int
    min_volume: float
    min_months: int
    max_spread: float
    labels: Mapping[str, str] | None

    def _label(self, unique_id: str) -> str:
        if self.labels is not None and unique_id in self.labels:
            return self.labels[unique_id]
        return series_label(unique_id)

    def _relevance(self, volume: float) -> float:
        """Volume weight of a warning: 0.3 at ``min_volume``, +1 per tenfold."""
        return float(np.log10(1.0 + max(volume, 0.0) / max(self.min_volume, 1.0)))

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

    def _windows(self, history: pd.DataFrame, column: str) -> pd.DataFrame:
        """Per series: the last ``window`` months' sum and the same months a year earlier."""
        rolled = wide_table(history, column).rolling(self.window).sum()
        year_ago = rolled.iloc[-13] if len(rolled) > 12 else rolled.iloc[-1] * np.nan
        table = pd.DataFrame({"recent": rolled.iloc[-1], "year_ago": year_ago})
        table.attrs["ds"] = rolled.index[-1]
        return table

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
            str(uid): (month_label(ds), float(y))
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

    def _recent_volume(self, history: pd.DataFrame) -> pd.DataFrame:
        """Recent window sums of demand and supply (NaN where the column is absent)."""
        volume = {
            column: self._windows(history, column)["recent"]
            for column in ("demand", "supply")
            if column in history
        }
        return pd.DataFrame(volume, columns=["demand", "supply"], dtype=float)

    def _months(self, frame: pd.DataFrame, model: str) -> pd.DataFrame:
        """Per forecast month: bounds, whether each is past the line, and the margin.

        ``margin`` is the log excess of the point over the line in units of the interval's
        lower half-width ``log(point / lo)``, that half-width capped at ``log(max_spread)``
        (a missing or useless interval counts as that wide) and floored at 5 %: it is ≥ 1
        exactly when the lower bound is past the line, and it shrinks as the interval widens.
        """
        lo_col, hi_col = (f"{model}-{side}-{self.interval_level}" for side in ("lo", "hi"))
        point = frame[model].to_numpy(dtype=float)
        missing = np.full_like(point, np.nan)
        lo = frame[lo_col].to_numpy(dtype=float) if lo_col in frame else missing
        hi = frame[hi_col].to_numpy(dtype=float) if hi_col in frame else missing
        widest = float(np.log(self.max_spread))
        with np.errstate(divide="ignore", invalid="ignore"):
            # hi = +inf (the supply may vanish) or a spread beyond max_spread says nothing.
            informative = (lo > 0) & (hi / lo <= self.max_spread)
            half_width = np.nan_to_num(np.log(point / np.where(lo > 0, lo, 0.0)), nan=np.inf)
            half_width = np.clip(half_width, _MIN_HALF_WIDTH, max(widest, _MIN_HALF_WIDTH))
            margin = np.log(point / self.ratio_threshold) / half_width
        return frame.assign(
            point=point,
            lo=lo,
            hi=hi,
            above=point > self.ratio_threshold,
            lo_above=lo > self.ratio_threshold,
            informative=informative,
            margin=np.nan_to_num(margin, nan=-np.inf),
        )

    def _ratio_level(self, months: pd.DataFrame) -> str | None:
        """红色: the lower bound past the line for ``min_months``; 橙色: the point, with a
        believable interval; 黄色: the point alone (interval missing or too wide)."""
        needed = min(self.min_months, len(months))
        if months["lo_above"].sum() >= needed:
            return "红色"
        if (months["above"] & months["informative"]).sum() >= needed:
            return "橙色"
        return "黄色" if months["above"].sum() >= needed else None

    def _ratio_rule(
        self,
        forecast_df: pd.DataFrame,
        history: pd.DataFrame,
        last_ratio: dict[str, tuple[str, float]],
    ) -> list[dict[str, Any]]:
        model = self._model_column(forecast_df)
        volume = self._recent_volume(history)
        large = volume[(volume.fillna(np.inf) >= self.min_volume).all(axis=1)].index
        frame = forecast_df.dropna(subset=[model])
        frame = self._months(frame[frame["unique_id"].isin(large)], model)
        recent: dict[str, tuple[float, float]] = {
            str(uid): (float(demand), float(supply))
            for uid, demand, supply in zip(
                volume.index, volume["demand"], volume["supply"], strict=True
            )
        }
        rows = []
        for uid, months in frame.groupby("unique_id", sort=False):
            level = self._ratio_level(months)
            if level is None:
                continue
            ordered = months.sort_values("margin", ascending=False)
            # Mean margin over the horizon, months below the line as 0: persistence and depth.
            strength = float(ordered["margin"].clip(lower=0.0).mean())
            if level == "橙色":  # the peak shown is one of the months that make the level
                ordered = ordered.sort_values("informative", ascending=False, kind="stable")
            demand = recent[str(uid)][0]
            evidence = self._ratio_evidence(ordered, last_ratio.get(str(uid)), recent[str(uid)])
            evidence["strength"] = round(strength, 4)
            row = self._row(
                str(uid),
                ordered["ds"].iloc[0],
                "ratio_threshold",
                level,
                strength * self._relevance(0.0 if np.isnan(demand) else demand),
                evidence,
            )
            row["message_zh"] = self._ratio_message(str(uid), level, evidence)
            rows.append(row)
        return rows

    def _ratio_evidence(
        self,
        months: pd.DataFrame,
        observed: tuple[str, float] | None,
        volume: tuple[float, float],
    ) -> dict[str, Any]:
        """Numbers behind a ratio warning; ``months`` ordered by margin, peak first."""
        peak = months.iloc[0]
        has_interval = bool(np.isfinite(peak["lo"]) and not np.isnan(peak["hi"]))
        return {
            "ds": month_label(peak["ds"]),
            "forecast": round(float(peak["point"]), 4),
            "interval": [round(peak["lo"], 4), round(peak["hi"], 4)] if has_interval else None,
            "interval_level": self.interval_level,
            "threshold": self.ratio_threshold,
            "months": len(months),
            "months_above": int(months["above"].sum()),
            "months_lo_above": int(months["lo_above"].sum()),
            "months_informative": int((months["above"] & months["informative"]).sum()),
            "min_months": self.min_months,
            "max_spread": self.max_spread,
            "window_months": self.window,
            "recent_demand": None if np.isnan(volume[0]) else volume[0],
            "recent_supply": None if np.isnan(volume[1]) else volume[1],
            "last_observed": None if observed is None else round(observed[1], 4),
            "last_observed_ds": None if observed is None else observed[0],
        }

    def _ratio_message(self, uid: str, level: str, evidence: dict[str, Any]) -> str:
        band = f"{self.interval_level}%区间"
        interval = evidence["interval"]
        bounds = ""
        if interval is not None:
            upper = "∞" if np.isinf(interval[1]) else f"{interval[1]:.1f}"
            bounds = f"（{band} {interval[0]:.1f}–{upper}）"
        line = f"预警线 {self.ratio_threshold:g}"
        months = f"未来{evidence['months']}个月中有"
        if level == "红色":
            what = f"{months}{evidence['months_lo_above']}个月预测求人倍率连{band}下限都超过{line}"
        elif level == "橙色":
            what = f"{months}{evidence['months_above']}个月预测求人倍率超过{line}"
        else:
            if interval is None:
                why = "无预测区间，待观察"
            else:
                why = (
                    f"但其中仅{evidence['months_informative']}个月{band}可信"
                    f"（上下限相差不超过{self.max_spread:g}倍），待观察"
                )
            what = f"{months}{evidence['months_above']}个月预测求人倍率超过{line}，{why}"
        demand = evidence["recent_demand"]
        scale = "" if demand is None else f"，近{self.window}个月需求 {demand:.0f} 人"
        peak = f"峰值 {evidence['ds']} {evidence['forecast']:.2f}{bounds}"
        return f"{self._label(uid)}: {what}，{peak}{scale}"
