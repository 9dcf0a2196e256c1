"""The 紧缺指数 (0–100) and its 1–5★ grades: a transparent weighted score, no learning.

Each indicator is mapped to a component score in [0, 1] where 0.5 means "balanced/no
change" and every map is non-decreasing in the shortage signal, so a higher 求人倍率 can
never lower the index. The index is ``100 × Σ wᵢ·sᵢ / Σ wᵢ`` over the components present
for the entry. A component missing for *every* entry (no forecast artifact, no salaries)
is left out; one missing for only some entries (no closed vacancy, no base period) scores
0.5, "no evidence = balanced", so that a cell with little data is not graded on its few
saturated components alone (``missing_as_neutral``; False drops per entry as before).
Stars: the highest grade whose threshold the index reaches; 5★ 特别紧缺, 4★ 比较紧缺,
3★ 一般紧缺 can be listed; 1–2★ are not shortage occupations.

Small cells: where the indicators carry the shrunk figures of
:mod:`models.catalogue.shrinkage` (``ratio_shrunk``, ``ratio_trend_slope_shrunk``,
``demand_growth_shrunk``) those are scored instead of the raw ones (:data:`SHRUNK_COLUMNS`),
so a cell's few records cannot carry it to the top on sampling noise. A frame with only the
raw columns is scored on them, as before.

4–5★ are decided by the evidence, not by the index: where the indicators carry the seasonal
posterior of :func:`models.catalogue.shrinkage.ratio_posterior` (``ratio_posterior``,
``ratio_log_sd``, ``demand_posterior_monthly``, ``demand_log_sd``), the grader computes
``shortage_probability`` = P(求人倍率 ≥ ``shortage_line``) × P(monthly demand ≥
``shortage_demand``) under that (log-normal) posterior. A cell is 4★ when it is clearly
more likely short than not (``probable`` = 0.6) and 5★ when the lower bound of its central
80 % credible interval clears it (``certain`` = 0.9); every other cell keeps its index
grade, capped at 3★. The entry bar sits above 0.5 because a cell already listed stays 4★
down to 0.35 (the hysteresis of :func:`models.catalogue.builder.keep_listed`): a band around
the line, rather than one threshold that near-line cells cross on noise each quarter. On the
province truth bench (quick) 0.6 / 0.35 kept precision and recall (0.727 / 0.754 against
0.721 / 0.758 at 0.5 without hysteresis) and lifted persistence from 0.55 to 0.65 (full
province, planted truth, 2026-12: precision 0.78, recall 0.81, persistence 0.68; with the
time-to-fill evidence and the filtered occupation ratio, 2026-12-03: 0.842 / 0.856 / 0.742).
A weighted index of six saturating components cannot say how *sure* a shortage is -- a
14-posting cell with no seekers saturates it as easily as a 1 000-posting one -- which is
what a planner defends an entry with.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from data.vocabulary.grades import GRADE_LABELS  # re-exported (builder, models.catalogue)

__all__ = [
    "COMPONENTS",
    "DEFAULT_THRESHOLDS",
    "DEFAULT_WEIGHTS",
    "GRADE_LABELS",
    "SHRUNK_COLUMNS",
    "ShortageIndex",
    "scored_column",
]

FloatArray = npt.NDArray[np.float64]

COMPONENTS: tuple[str, ...] = (
    "ratio",
    "ratio_trend",
    "demand_growth",
    "vacancy_duration",
    "salary_growth",
    "forecast",
)
DEFAULT_WEIGHTS: dict[str, float] = {
    "ratio": 0.40,
    "ratio_trend": 0.15,
    "demand_growth": 0.10,
    "vacancy_duration": 0.10,
    "salary_growth": 0.05,
    "forecast": 0.20,
}
# Minimum index for each star count (1★ has no minimum).
DEFAULT_THRESHOLDS: dict[int, float] = {2: 45.0, 3: 55.0, 4: 65.0, 5: 75.0}
INDICATOR_COLUMNS: dict[str, str] = {
    "ratio": "ratio",
    "ratio_trend": "ratio_trend_slope",
    "demand_growth": "demand_growth_yoy",
    "vacancy_duration": "duration_vs_occupation",
    "salary_growth": "salary_growth_yoy",
    "forecast": "forecast_point",
}
# Scored instead of the raw column when present (see the module docstring).
SHRUNK_COLUMNS: dict[str, str] = {
    "ratio": "ratio_shrunk",
    "ratio_trend": "ratio_trend_slope_shrunk",
    "demand_growth": "demand_growth_shrunk",
}


def scored_column(component: str, columns: pd.Index) -> str:
    """The indicator column a component is scored on: the shrunk one when ``columns`` has it."""
    shrunk = SHRUNK_COLUMNS.get(component)
    return shrunk if shrunk is not None and shrunk in columns else INDICATOR_COLUMNS[component]


def _centred(values: FloatArray, scale: float) -> FloatArray:
    return np.asarray(np.clip(0.5 + values / (2.0 * scale), 0.0, 1.0), dtype=np.float64)


def _log2(values: FloatArray) -> FloatArray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(np.log2(np.where(values > 0, values, np.nan)), dtype=np.float64)


@dataclass(eq=False, repr=False)
class ShortageIndex(BaseEstimator):
    """Weighted 紧缺指数 and star grades, as a scikit-learn style parameter object.

    Parameters
    ----------
    weights
        Component weights (keys from :data:`COMPONENTS`); missing keys take the defaults,
        a weight of 0 switches a component off. Weights need not sum to 1.
    thresholds
        Minimum index for 2★..5★ (``{2: 45, 3: 55, 4: 65, 5: 75}`` by default); must increase.
    ratio_cap
        求人倍率 at which the ratio score saturates at 1 (and ``1/ratio_cap`` at 0); scored on
        a log scale so that 2 and 0.5 are equally far from the balanced 1.
    growth_cap
        Relative yearly change (trend, demand growth, forecast growth) saturating at 1.
    salary_cap
        Relative salary growth saturating at 1 (salaries move less than counts).
    duration_cap
        Ratio of vacancy duration to the occupation median saturating at 1.
    forecast_target
        What the forecast predicts: ``'ratio'`` (scored like the ratio) or ``'demand'``
        (scored as growth over the recent monthly demand).
    missing_as_neutral
        Score a component missing for some entries (but present for others) as 0.5 instead of
        dropping its weight for those entries.
    shortage_line
        The 求人倍率 a shortage must reach (2: two posts per seeker).
    shortage_demand
        Monthly 需求人数 a shortage must reach (10 a month, 30 a quarter): a cell of a few
        posts is not a shortage a catalogue should name, whatever its ratio.
    probable, certain
        ``shortage_probability`` at or above which a cell is 4★ / 5★ (see the module
        docstring); ignored when the indicators carry no posterior.

    Examples
    --------
    >>> import pandas as pd
    >>> index = ShortageIndex().fit(pd.DataFrame({"ratio": [1.0, 4.0]}))
    >>> index.transform(pd.DataFrame({"ratio": [1.0, 4.0]}))["shortage_index"].tolist()
    [50.0, 100.0]
    """

    weights: Mapping[str, float] | None = None
    thresholds: Mapping[int, float] | None = None
    ratio_cap: float = 4.0
    growth_cap: float = 0.5
    salary_cap: float = 0.2
    duration_cap: float = 2.0
    forecast_target: str = "ratio"
    missing_as_neutral: bool = True
    shortage_line: float = 2.0
    shortage_demand: float = 10.0
    probable: float = 0.6
    certain: float = 0.9

    def fit(self, indicators: pd.DataFrame, y: object = None) -> ShortageIndex:
        """Validate the parameters against ``indicators`` and freeze them in ``*_``."""
        weights = {**DEFAULT_WEIGHTS, **dict(self.weights or {})}
        unknown = set(weights) - set(COMPONENTS)
        if unknown:
            raise ValueError(f"unknown weight components {sorted(unknown)}; use {COMPONENTS}")
        if any(value < 0 for value in weights.values()) or weights["ratio"] <= 0:
            raise ValueError("weights must be >= 0 and the ratio weight > 0")
        thresholds = {**DEFAULT_THRESHOLDS, **dict(self.thresholds or {})}
        if sorted(thresholds) != [2, 3, 4, 5]:
            raise ValueError("thresholds must give the minimum index for stars 2, 3, 4 and 5")
        ordered = [thresholds[star] for star in (2, 3, 4, 5)]
        if any(b <= a for a, b in itertools.pairwise(ordered)) or not (
            0 <= ordered[0] and ordered[-1] <= 100
        ):
            raise ValueError("thresholds must increase strictly within 0..100")
        for name in ("ratio_cap", "duration_cap"):
            if getattr(self, name) <= 1:
                raise ValueError(f"{name} must be > 1")
        if min(self.growth_cap, self.salary_cap) <= 0:
            raise ValueError("growth_cap and salary_cap must be > 0")
        if not 0 < self.probable < self.certain < 1:
            raise ValueError("need 0 < probable < certain < 1")
        if self.shortage_line <= 0 or self.shortage_demand < 0:
            raise ValueError("shortage_line must be > 0 and shortage_demand >= 0")
        if self.forecast_target not in {"ratio", "demand"}:
            raise ValueError("forecast_target must be 'ratio' or 'demand'")
        if not {"ratio", "ratio_shrunk"} & set(indicators.columns):
            raise ValueError("indicators need at least a 'ratio' (or 'ratio_shrunk') column")
        self.weights_ = weights
        self.thresholds_ = thresholds
        self.feature_names_in_ = np.asarray(list(indicators.columns), dtype=object)
        return self

    def component_scores(self, indicators: pd.DataFrame) -> pd.DataFrame:
        """Scores in [0, 1] per component (NaN where the indicator is missing)."""
        check_is_fitted(self, "weights_")

        def column(name: str) -> FloatArray:
            if name not in indicators.columns:
                return np.full(len(indicators), np.nan)
            return pd.to_numeric(indicators[name], errors="coerce").to_numpy(np.float64)

        ratio_scale = float(np.log2(self.ratio_cap))
        forecast = column("forecast_point")
        if self.forecast_target == "ratio":
            forecast_score = _centred(_log2(forecast), ratio_scale)
        else:
            recent = column("demand_monthly")
            with np.errstate(divide="ignore", invalid="ignore"):
                growth = np.where(recent > 0, forecast / recent - 1.0, np.nan)
            forecast_score = _centred(growth, self.growth_cap)
        ratio = column(scored_column("ratio", indicators.columns))
        scores = {
            "ratio": _centred(_log2(ratio), ratio_scale),
            "ratio_trend": _centred(
                column(scored_column("ratio_trend", indicators.columns)), self.growth_cap
            ),
            "demand_growth": _centred(
                column(scored_column("demand_growth", indicators.columns)), self.growth_cap
            ),
            "vacancy_duration": _centred(
                _log2(column("duration_vs_occupation")), float(np.log2(self.duration_cap))
            ),
            "salary_growth": _centred(column("salary_growth_yoy"), self.salary_cap),
            "forecast": forecast_score,
        }
        # log2(0) is undefined; a ratio of 0 is simply the least short a cell can be.
        scores["ratio"] = np.where(ratio <= 0, 0.0, scores["ratio"])
        nan_in = {
            name: np.isnan(column(scored_column(name, indicators.columns))) for name in COMPONENTS
        }
        frame = pd.DataFrame(scores, index=indicators.index)
        for name, missing in nan_in.items():
            frame.loc[missing, name] = np.nan
        return frame.add_prefix("score_")

    def stars(self, index: FloatArray) -> npt.NDArray[np.int64]:
        """Star count (1..5) of index values."""
        check_is_fitted(self, "thresholds_")
        edges = np.asarray([self.thresholds_[star] for star in (2, 3, 4, 5)], dtype=np.float64)
        return np.asarray(1 + np.searchsorted(edges, index, side="right"), dtype=np.int64)

    def shortage_probability(self, indicators: pd.DataFrame) -> FloatArray | None:
        """P(ratio ≥ line) × P(monthly demand ≥ ``shortage_demand``) under the seasonal
        posterior; None when ``indicators`` carry no posterior."""
        check_is_fitted(self, "weights_")
        if not {"ratio_posterior", "ratio_log_sd"} <= set(indicators.columns):
            return None

        def column(name: str, fill: float) -> FloatArray:
            values = pd.to_numeric(indicators[name], errors="coerce").to_numpy(np.float64)
            return np.where(np.isnan(values), fill, values)

        sd = np.maximum(column("ratio_log_sd", np.inf), 1e-9)
        ratio = np.maximum(column("ratio_posterior", 0.0), 1e-12)
        p_ratio = stats.norm.sf((np.log(self.shortage_line) - np.log(ratio)) / sd)
        if {"demand_posterior_monthly", "demand_log_sd"} <= set(indicators.columns):
            demand = np.maximum(column("demand_posterior_monthly", 0.0), 1e-12)
            demand_sd = np.maximum(column("demand_log_sd", np.inf), 1e-9)
            floor = np.log(max(self.shortage_demand, 1e-12))
            p_demand = stats.norm.sf((floor - np.log(demand)) / demand_sd)
        else:
            p_demand = np.ones(len(indicators))
        return np.asarray(np.nan_to_num(p_ratio * p_demand, nan=0.0), dtype=np.float64)

    def transform(self, indicators: pd.DataFrame) -> pd.DataFrame:
        """Component scores, ``shortage_index`` (0–100, 1 decimal), ``stars`` and ``grade``
        (and ``shortage_probability`` when the indicators carry the posterior)."""
        scores = self.component_scores(indicators)
        weights = np.asarray([self.weights_[name] for name in COMPONENTS], dtype=np.float64)
        values = scores.to_numpy(np.float64)
        if self.missing_as_neutral:
            somewhere = ~np.isnan(values).all(axis=0)
            values = np.where(np.isnan(values) & somewhere, 0.5, values)
        present = ~np.isnan(values)
        weighted = np.where(present, values, 0.0) @ weights
        total = present.astype(np.float64) @ weights
        index = np.round(100.0 * weighted / np.where(total > 0, total, 1.0), 1)
        stars = self.stars(index)
        out = scores.round(4)
        probability = self.shortage_probability(indicators)
        if probability is not None:
            evidence = np.where(
                probability >= self.certain, 5, np.where(probability >= self.probable, 4, 0)
            )
            stars = np.where(evidence > 0, evidence, np.minimum(stars, 3)).astype(np.int64)
            out["shortage_probability"] = np.round(probability, 4)
        out["shortage_index"] = index
        out["stars"] = stars
        out["grade"] = [GRADE_LABELS[int(star)] for star in stars]
        return out

    def predict(self, indicators: pd.DataFrame) -> npt.NDArray[np.int64]:
        """Star grades (1..5) for each row of ``indicators``."""
        return np.asarray(self.transform(indicators)["stars"], dtype=np.int64)
