"""Build the 急需紧缺人才目录 (shortage catalogue) of one period from records and forecasts.

Method
------
Cells are city × industry (GB/T 4754 大类 by default) × occupation (大典 细类) with at
least ``min_demand`` 需求人数 in the period. For each cell we compute
(:mod:`models.catalogue.indicators`):

1. 求人倍率 of the city × occupation in the period (demand ÷ job seekers);
2. its trend: the OLS slope of the last 12 monthly ratios, relative and annualised;
3. demand growth on the same months a year earlier;
4. the median vacancy duration (``date_closed − date_posted``) over the occupation's
   province-wide median;
5. salary growth (median salary midpoint, year on year) where salaries are given;
6. the forecast ``horizon`` months ahead with its 80 % interval, from the registry's forecast
   artifact (the series' best-MASE model), when one exists.

Small cells: 1–3 are shrunk toward province-wide priors before scoring
(:mod:`models.catalogue.shrinkage`): ``ratio_shrunk = (D + k·r₀) / (S + k)`` with ``r₀`` the
occupation's province-wide ratio (itself shrunk toward the all-occupation ratio) and ``k``
(``shrinkage_k``, default 10) pseudo job seekers; the trend is fitted on the shrunk monthly
ratios and demand growth is shrunk toward the occupation's growth with ``k`` pseudo base
head count. The raw figures stay in every entry beside the shrunk ones, the prior and ``k``.

:class:`~models.catalogue.grading.ShortageIndex` maps each to a score in [0, 1] (0.5 =
balanced/no change; all maps non-decreasing in the shortage signal) and averages them with
configurable weights into the 紧缺指数 (0–100), then grades it 1–5★ with configurable
thresholds. A cell is listed when it is graded 3★ or more (5★ 特别紧缺, 4★ 比较紧缺,
3★ 一般紧缺) **and** the lower bound of the ``credible_level`` (80 %) credible interval of its
shrunk 求人倍率 is above 1: demand must credibly exceed supply, not only on average.
Every listed entry carries its evidence (demand, supply, raw and shrunk ratios, 12-month ratio
trend, forecast and interval with model version, backtest MASE, typical requirements from the
vacancies). Entries are ordered by index (descending), then city, industry and occupation
codes, so the same inputs always give the same catalogue. The Chinese 方法说明 stored with
every edition is :func:`method_text`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from data.supply import SUPPLY_DEFINITION, ZERO_SUPPLY_POLICY
from data.taxonomy import cities, industry_name, occupation_name
from models.catalogue.columns import catalogue_columns
from models.catalogue.evidence import (
    FORECAST_COLUMNS,
    TYPED_FORECAST_COLUMNS,
    forecast_evidence,
    requirements_evidence,
    typed_forecast_evidence,
)
from models.catalogue.grading import GRADE_LABELS, ShortageIndex
from models.catalogue.indicators import CELL_KEYS, PAIR_KEYS, compute_indicators, prepare_records
from models.catalogue.periods import PeriodWindow, records_window
from models.catalogue.shrinkage import (
    DEFAULT_CREDIBLE_LEVEL,
    DEFAULT_SHRINKAGE_K,
    occupation_priors,
    shrink_indicators,
)

__all__ = ["ENTRY_COLUMNS", "Catalogue", "ShortageIndex", "build_catalogue", "method_text"]

ENTRY_COLUMNS: list[str] = [
    "rank", "city_code", "city_name", "zone", "gba", "industry_code", "industry_name",
    "occupation_code", "occupation_name", "shortage_index", "stars", "grade",
    "demand", "demand_city_occupation", "supply", "ratio", "ratio_prior", "ratio_shrunk",
    "ratio_shrunk_lo", "shrinkage_k", "ratio_posterior", "ratio_posterior_lo",
    "ratio_posterior_hi", "demand_posterior", "shortage_probability", "ratio_trend",
    "ratio_trend_slope", "ratio_trend_shrunk",
    "ratio_trend_slope_shrunk", "demand_year_ago", "demand_growth_yoy", "demand_growth_prior",
    "demand_growth_shrunk", "vacancy_duration_days", "duration_vs_occupation",
    "salary_growth_yoy", *FORECAST_COLUMNS, "forecast_lo_95", "forecast_hi_95",
    "forecast_level", "forecast_series", "industry_cluster", "job_titles", "skills_required",
    "major", "talent_category", "qualified_supply", "shortage_type", "model_version",
    "n_vacancies", "education_mode",
    "skill_level_mode", "title_level_mode", "experience_median", "salary_p25", "salary_p75",
    "score_ratio", "score_ratio_trend", "score_demand_growth", "score_vacancy_duration",
    "score_salary_growth", "score_forecast",
]  # fmt: skip
MIN_LISTED_STARS = 3
#: A cell graded 4–5★ in the previous edition stays 4★ while its shortage probability is at
#: least this (a new cell needs ``ShortageIndex.probable``, 0.6): hysteresis, so an entry a
#: planner defended last quarter is not dropped on one quarter's sampling noise.
DEFAULT_KEEP_PROBABILITY = 0.35
COMPONENT_LABELS: dict[str, str] = {
    "ratio": "求人倍率",
    "ratio_trend": "倍率趋势",
    "demand_growth": "需求增长",
    "vacancy_duration": "招聘周期",
    "salary_growth": "薪酬增长",
    "forecast": "预测",
}


@dataclass(frozen=True)
class Catalogue:
    """A built (not yet published) catalogue: ``entries`` in :data:`ENTRY_COLUMNS` order,
    ``scored`` (every cell, listed or not) and ``meta`` (period, method, parameters)."""

    period: str
    entries: pd.DataFrame
    scored: pd.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


def method_text(
    index: ShortageIndex,
    *,
    forecast_used: bool,
    min_demand: int,
    shrinkage_k: float = DEFAULT_SHRINKAGE_K,
    credible_level: float = DEFAULT_CREDIBLE_LEVEL,
    window: PeriodWindow | None = None,
    keep_probability: float | None = None,
) -> str:
    """The Chinese 方法说明 stored with an edition (parameters filled in; ``window`` says
    where the data ends inside the period, if it does; ``keep_probability`` is the
    hysteresis threshold when a previous edition was given)."""
    level = f"{credible_level * 100:g}%"
    weights = "、".join(
        f"{COMPONENT_LABELS[name]} {value:g}" for name, value in index.weights_.items()
    )
    stars = "；".join(
        f"{star}★（{GRADE_LABELS[star]}）≥ {index.thresholds_[star]:g}" for star in (5, 4, 3, 2)
    )
    forecast_line = (
        "6. 预测：取登记的预测模型在本期之后的预测值及 80% 预测区间（按回测 MASE 选优）。"
        if forecast_used
        else "6. 预测：本版未使用预测模型（模型库中无预测制品），该项权重不计入。"
    )
    return "\n".join(
        [
            "方法说明",
            f"统计单元为“城市 × 行业大类 × 职业细类”，本期需求人数不少于 {min_demand} 人的"
            "单元参与评价。",
            "1. 求人倍率：本期该城市该职业需求人数 ÷ 求职人数。"
            + SUPPLY_DEFINITION
            + ZERO_SUPPLY_POLICY,
            "2. 求人倍率趋势：近 12 个月月度求人倍率的线性趋势，换算为年相对变化。",
            "3. 需求增长：本期需求人数与上年同期相比的增长率。",
            f"小样本修正：求职人数或需求人数少的单元，其求人倍率、倍率趋势和需求增长随机波动大，"
            f"评分前向全省先验值收缩（经验贝叶斯）：修正求人倍率 =（需求人数 + k × 先验倍率）÷"
            f"（求职人数 + k），k = {shrinkage_k:g}（相当于 {shrinkage_k:g} 名虚拟求职者）；"
            "先验倍率为该职业全省求人倍率，其本身按同一公式向全省全部职业的求人倍率收缩。"
            "求职人数远多于 k 的单元基本保持原倍率，求职人数很少的单元接近该职业全省水平。"
            "倍率趋势按同一方法修正各月倍率后拟合（全省当月无任何记录的月份不计入）；"
            f"需求增长 =（本期需求 + k ×（1 + 该职业全省增长率））÷（上年同期需求 + k）− 1。"
            "条目同时列出原始值、修正值、先验值和 k。",
            "4. 招聘周期：岗位发布至关闭天数的中位数，与该职业全省中位数之比。",
            "5. 薪酬增长：薪酬中位数（上下限均值）与上年同期相比的增长率（有薪酬信息时）。",
            forecast_line,
            "各项指标换算为 0–1 分（0.5 表示供求平衡或无变化，分值随紧缺信号单调不减），"
            f"按权重（{weights}）加权平均得紧缺指数（0–100），缺失指标不计权重。",
            f"分级阈值：{stars}；低于 2★ 阈值为 1★（供过于求）。3★ 及以上且证据充分的单元列入"
            "目录：5★ 特别紧缺、4★ 比较紧缺、3★ 一般紧缺。证据充分指本期需求人数不少于 "
            f"{min_demand} 人，且修正求人倍率 {level} 可信区间（伽马后验）的下限大于 1，"
            "即需求确实超过供给，而不只是平均而言。",
            "4–5★ 由证据强度决定：以该城市该职业此前 21 个月（连同本期共 24 个月，数据开始前的"
            "月份不计）相对本职业全省倍率的水平，乘本职业本期全省倍率（含季节与事件）为先验，"
            "与本期观测在对数尺度上按精度加权，得季节后验求人倍率及需求人数（需求按岗位数 × "
            "该单元每岗位招聘人数估计，后者按各单元间的实际差异向本职业全省水平收缩；逐月随机"
            "波动计入观测误差；单元相对水平向所在城市总体水平收缩，并与其岗位平均招聘周期相对"
            "本职业全省水平所反映的紧缺程度合并（二者关系由数据估计）；本职业本期全省倍率按"
            "其此前各季度相对全省的水平滤波（局部水平卡尔曼滤波），以减少单季抽样波动）；"
            f"紧缺概率 = P（倍率 ≥ {index.shortage_line:g}）× P（月需求 ≥ "
            f"{index.shortage_demand:g} 人）。紧缺概率 ≥ {index.probable:g} 为 4★，"
            f"≥ {index.certain:g}（即 80% 可信区间下限达到紧缺线）为 5★；其余单元按紧缺指数"
            "分级，最高 3★。",
            *(
                [
                    f"连续性：上一版列为 4–5★ 的单元，本期紧缺概率不低于 {keep_probability:g} "
                    f"即保留为 4★（新列入仍需 ≥ {index.probable:g}），避免单元因一个季度的"
                    "随机波动进出目录。"
                ]
                if keep_probability is not None
                else []
            ),
            "每个条目附证据：近期需求与供给、原始及修正求人倍率、近 12 个月求人倍率、"
            "预测值及 80% 区间与模型版本、"
            "回测精度（MASE）、典型任职要求（学历、技能等级、职称、工作年限中位数、"
            "薪酬 P25–P75）。",
            *_coverage_line(window),
        ]
    )


def keep_listed(
    scored: pd.DataFrame, previous: pd.DataFrame | None, keep_probability: float
) -> pd.Series:
    """Cells of ``scored`` below 4★ that were 4–5★ in ``previous`` and whose shortage
    probability is still at least ``keep_probability``: they stay 4★.

    The probability of a cell near the 求人倍率 2 line moves around 0.5 from quarter to
    quarter on sampling noise alone; entering at 0.5 and leaving only below
    ``keep_probability`` stops such a cell flipping in and out between editions.
    """
    none = pd.Series(False, index=scored.index)
    if previous is None or previous.empty or "shortage_probability" not in scored.columns:
        return none
    before = previous[pd.to_numeric(previous["stars"], errors="coerce") >= 4]
    if before.empty:
        return none
    was = pd.MultiIndex.from_frame(scored[CELL_KEYS].astype(str)).isin(
        pd.MultiIndex.from_frame(before[CELL_KEYS].astype(str))
    )
    probability = pd.to_numeric(scored["shortage_probability"], errors="coerce").fillna(0.0)
    return (
        pd.Series(was, index=scored.index)
        & (scored["stars"] < 4)
        & (probability >= keep_probability)
    )


def _coverage_line(window: PeriodWindow | None) -> list[str]:
    """The 方法说明 line for a period that the data ends inside (none for a whole period)."""
    if window is None or not window.is_partial:
        return []
    last = window.end - pd.DateOffset(months=1)
    return [
        f"数据覆盖：本期数据截至 {last:%Y年%m月}"
        f"（本期 {window.period_months} 个月中的 {window.n_months} 个月），"
        f"“本期”各项指标按已有月份计算，同比与上年相同月份（{window.previous_year_start:%Y年%m月}"
        f"至 {window.previous_year_end - pd.DateOffset(months=1):%Y年%m月}）比较，"
        "近 12 个月截至数据最后一个月。"
    ]


def _names(entries: pd.DataFrame) -> pd.DataFrame:
    city_table = cities().set_index("city_code")
    out = entries.copy()
    out["city_name"] = out["city_code"].map(city_table["name"])
    out["zone"] = out["city_code"].map(city_table["zone"])
    out["gba"] = out["city_code"].map(city_table["gba"]).fillna(False).astype(bool)
    # One lookup per distinct code (the taxonomy lookups are pandas queries; a province
    # edition repeats each code across cities).
    for column, lookup in (("industry", industry_name), ("occupation", occupation_name)):
        codes = out[f"{column}_code"]
        names = {code: _safe(lookup, code) for code in pd.unique(codes)}
        out[f"{column}_name"] = [names[code] for code in codes]
    return out


def _tidy(entries: pd.DataFrame) -> pd.DataFrame:
    """Round floats and fix integer columns so that equal inputs hash equal everywhere."""
    out = entries.copy()
    for column in ("demand", "demand_city_occupation", "supply", "n_vacancies"):
        out[column] = pd.to_numeric(out[column]).fillna(0).astype(int)
    floats = out.select_dtypes(include="float").columns
    out[floats] = out[floats].round(4)
    as_objects = out.astype(object)
    for column in as_objects.columns:
        as_objects[column] = [None if _missing(value) else value for value in as_objects[column]]
    return as_objects


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NaT


def _safe(lookup: Any, code: str) -> str:
    try:
        return str(lookup(code)).strip()
    except KeyError:
        return str(code)  # an unknown code still lists under its code rather than vanish


def _join_forecast(
    frame: pd.DataFrame, forecasts: pd.DataFrame | None, evidence: pd.DataFrame
) -> pd.DataFrame:
    if forecasts is None or evidence.empty:
        for column in TYPED_FORECAST_COLUMNS:
            frame[column] = None
        return frame
    if "forecast_series" in evidence.columns:  # typed keys (a ForecastBundle)
        return frame.merge(evidence, on=PAIR_KEYS, how="left")
    keys = CELL_KEYS if evidence.get("industry_code", pd.Series()).notna().any() else PAIR_KEYS
    chosen = evidence.drop_duplicates(keys)[[*keys, *FORECAST_COLUMNS]]
    return frame.merge(chosen, on=keys, how="left")


def build_catalogue(
    vacancies: pd.DataFrame,
    candidates: pd.DataFrame,
    period: str,
    *,
    forecasts: pd.DataFrame | None = None,
    metrics: pd.DataFrame | None = None,
    index: ShortageIndex | None = None,
    model_version: str | None = None,
    min_demand: int = 5,
    industry_level: int = 2,
    horizon: int = 3,
    indicators: pd.DataFrame | None = None,
    requirements: pd.DataFrame | None = None,
    shrinkage_k: float = DEFAULT_SHRINKAGE_K,
    credible_level: float = DEFAULT_CREDIBLE_LEVEL,
    series_keys: pd.DataFrame | None = None,
    bottom_map: dict[str, str] | None = None,
    previous: pd.DataFrame | None = None,
    keep_probability: float = DEFAULT_KEEP_PROBABILITY,
) -> Catalogue:
    """Score every cell of ``period`` and list the 3–5★ ones with their evidence.

    Parameters
    ----------
    vacancies, candidates
        Frames with the columns of :func:`data.store.read_vacancies_frame` /
        :func:`data.store.read_candidates_frame`.
    period
        ``'2026Q4'``, ``'2026-11'`` or ``'2026'``.
    forecasts, metrics
        Nixtla forecasts and backtest metrics (see :mod:`models.catalogue.evidence`); None
        builds without a forecast component and says so in ``meta`` and the 方法说明.
    index
        Grading parameters (defaults of :class:`ShortageIndex` if None).
    model_version
        Version of the forecast artifact, recorded on every entry.
    indicators, requirements
        Per-cell tables already computed for ``period`` and ``industry_level`` (by
        :func:`~models.catalogue.indicators.compute_indicators` and
        :func:`~models.catalogue.evidence.requirements_evidence`, or by combining the
        per-city chunks of :mod:`models.catalogue.partition` on parallel workers); None
        computes them here from ``vacancies`` and ``candidates``.
    min_demand
        Minimum 需求人数 of a cell in the period to be scored (and so listed).
    shrinkage_k
        Pseudo-count of the small-cell shrinkage (job seekers for the 求人倍率 and its trend,
        base-period head count for demand growth); see :mod:`models.catalogue.shrinkage`.
        The priors are always computed here from all of ``vacancies`` and ``candidates``, so
        precomputed per-city ``indicators`` grade exactly as a single-process build.
    credible_level
        Central credible level whose lower bound of the shrunk 求人倍率 must exceed 1 for a
        cell to be listed.
    series_keys, bottom_map
        ``ForecastBundle.series_keys[h]`` and ``bottom_maps[h]``: with them ``forecasts`` is
        the bundle's 求人倍率 frame, joined to cells by typed keys (pooled occupations take
        their 小类/zone series; each entry says its ``forecast_level``).
    previous, keep_probability
        The previous edition's entries (``city_code, industry_code, occupation_code,
        stars``): its 4–5★ cells stay 4★ while their shortage probability is at least
        ``keep_probability`` (hysteresis; see :func:`keep_listed`). None: no hysteresis.
    """
    window = records_window(period, vacancies, candidates)
    prepared = prepare_records(vacancies, candidates, industry_level)  # once per edition
    if indicators is None:
        indicators = compute_indicators(
            vacancies, candidates, window, industry_level=industry_level, prepared=prepared
        )
    indicators = indicators[indicators["demand"] >= min_demand]
    # Priors cross city lines: taken from all records, never from a chunk's.
    priors = occupation_priors(
        vacancies,
        candidates,
        window,
        k=shrinkage_k,
        industry_level=industry_level,
        prepared=prepared,
    )
    indicators = shrink_indicators(indicators, priors, credible_level=credible_level)
    use_forecast = forecasts is not None and not forecasts.empty
    if use_forecast and forecasts is not None and series_keys is not None:
        evidence = typed_forecast_evidence(
            indicators[PAIR_KEYS].drop_duplicates(),
            forecasts,
            series_keys,
            bottom_map or {},
            metrics,
            window,
            horizon=horizon,
        )
    elif use_forecast and forecasts is not None:
        evidence = forecast_evidence(forecasts, metrics, window, horizon=horizon)
    else:
        evidence = pd.DataFrame()
    indicators = _join_forecast(indicators.copy(), forecasts if use_forecast else None, evidence)
    grading = (index if index is not None else ShortageIndex()).fit(indicators)
    scored = pd.concat([indicators, grading.transform(indicators)], axis=1)
    kept = keep_listed(scored, previous, keep_probability)
    scored.loc[kept, "stars"] = 4
    scored.loc[kept, "grade"] = GRADE_LABELS[4]
    if requirements is None:
        requirements = requirements_evidence(prepared.jobs, window)
    if not requirements.empty:
        scored = scored.merge(requirements, on=CELL_KEYS, how="left")
    scored["model_version"] = model_version if use_forecast else None
    # Stars first: a 4–5★ grade is the posterior's verdict (see grading), the index orders
    # within a grade.
    scored = _names(scored).sort_values(
        ["stars", "shortage_index", *CELL_KEYS],
        ascending=[False, False, True, True, True],
        ignore_index=True,
    )
    credible = scored["ratio_shrunk_lo"] > 1.0
    evident = scored["stars"] >= 4  # the posterior itself says the cell is (likely) short
    listed = scored[((scored["stars"] >= MIN_LISTED_STARS) & credible) | evident].reset_index(
        drop=True
    )
    listed.insert(0, "rank", range(1, len(listed) + 1))
    if not listed.empty:
        extra = catalogue_columns(listed, prepared.jobs, candidates, window)
        listed = listed.merge(extra, on=CELL_KEYS, how="left")
    listed = _tidy(listed.reindex(columns=ENTRY_COLUMNS))
    meta: dict[str, Any] = {
        "period": period,
        "method": method_text(
            grading,
            forecast_used=use_forecast,
            min_demand=min_demand,
            shrinkage_k=shrinkage_k,
            credible_level=credible_level,
            window=window,
            keep_probability=keep_probability if previous is not None else None,
        ),
        "data_through": f"{window.end - pd.DateOffset(months=1):%Y-%m}",
        "months_covered": window.n_months,
        "forecast_used": use_forecast,
        "forecast_note": None if use_forecast else "未使用预测：模型库中没有预测制品。",
        "model_version": model_version if use_forecast else None,
        "weights": dict(grading.weights_),
        "thresholds": {str(star): value for star, value in grading.thresholds_.items()},
        "min_demand": min_demand,
        "industry_level": industry_level,
        "shrinkage": {
            "k": float(shrinkage_k),
            "credible_level": float(credible_level),
            "province_ratio": round(priors.province_ratio, 4),
            "province_growth": round(priors.province_growth, 4),
        },
        "cells_scored": len(scored),
        "cells_graded_3_plus_not_credible": int(
            ((scored["stars"] >= MIN_LISTED_STARS) & ~credible & ~evident).sum()
        ),
        "entries_listed": len(listed),
        "hysteresis": {
            "previous_edition": previous is not None,
            "keep_probability": float(keep_probability),
            "kept_4_star": int(kept.sum()),
        },
    }
    return Catalogue(period=period, entries=listed, scored=scored, meta=meta)
