"""供给状况和流动趋势研判报告: supply volume and growth, ratio trend and flows, by city and
industry for one period.

* Supply (求职人数) here is where seekers *are*: candidates registered in the period, by their
  own city and their industry (GB/T 4754 大类); growth is against the same months a year
  earlier. Demand is vacancy headcount posted in the period; ratio = demand ÷ supply.
* The ratio trend is the monthly city ratio over the 12 months ending with the period.
* Flows read each seeker's own city against their desired cities: a seeker who wants to work
  in another city is mobile; mobile seekers are counted towards the GBA (any desired city in
  the Greater Bay Area outside their own) or towards other cities.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.supply import observed_ratio
from data.taxonomy import cities, industry_name
from models.catalogue.charts import trend_lines_figure
from models.catalogue.document import Report, ReportTable, render_html, render_pdf
from models.catalogue.indicators import prepare_vacancies
from models.catalogue.periods import PeriodWindow, records_window

__all__ = ["SupplyFlow", "render_supply_html", "render_supply_pdf", "supply_flow"]

TREND_CITIES = 8


@dataclass(frozen=True)
class SupplyFlow:
    """Tables of the supply and flow report (Chinese column names, ready to show)."""

    period: str
    window: PeriodWindow
    by_city: pd.DataFrame
    by_industry: pd.DataFrame
    city_trend: pd.DataFrame  # label, month, ratio
    flows: pd.DataFrame


def _window(frame: pd.DataFrame, column: str, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    moments = pd.to_datetime(frame[column])
    return (moments >= start) & (moments < end)


def _growth(now: pd.Series, before: pd.Series) -> pd.Series:
    base = before.reindex(now.index).where(lambda value: value > 0)
    return (now / base - 1.0).round(4)


def _volume_table(
    seekers: pd.DataFrame, jobs: pd.DataFrame, window: PeriodWindow, key: str
) -> pd.DataFrame:
    now = seekers[_window(seekers, "registered_on", window.start, window.end)]
    before = seekers[
        _window(seekers, "registered_on", window.previous_year_start, window.previous_year_end)
    ]
    supply = now.groupby(key)["candidate_id"].nunique()
    demand = jobs[(jobs["month"] >= window.start) & (jobs["month"] < window.end)]
    demand_total = demand.groupby(key)["headcount"].sum()
    table = pd.DataFrame({"supply": supply}).join(demand_total.rename("demand"), how="outer")
    table = table.fillna(0).astype(int)
    table["supply_growth"] = _growth(table["supply"], before.groupby(key)["candidate_id"].nunique())
    table["ratio"] = np.round(observed_ratio(table["demand"], table["supply"]), 3)
    return table.sort_index()


def _city_trend(seekers: pd.DataFrame, jobs: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    months = list(window.trend_months)
    seekers = seekers.assign(month=pd.to_datetime(seekers["registered_on"]).dt.to_period("M"))
    seekers["month"] = seekers["month"].dt.to_timestamp()
    supply = seekers.groupby(["city_code", "month"])["candidate_id"].nunique()
    demand = jobs.groupby(["city_code", "month"])["headcount"].sum()
    top = supply[supply.index.get_level_values(1).isin(months)].groupby(level=0).sum()
    chosen = top.sort_values(ascending=False, kind="stable").head(TREND_CITIES).index
    names = cities().set_index("city_code")["name"]
    rows: list[dict[str, object]] = []
    for city in sorted(chosen):
        for month in months:
            seekers_n = float(supply.get((city, month), 0))
            rows.append(
                {
                    "label": names.get(city, city),
                    "month": month,
                    "ratio": float(
                        observed_ratio([float(demand.get((city, month), 0))], [seekers_n])[0]
                    ),
                }
            )
    return pd.DataFrame(rows, columns=["label", "month", "ratio"])


def _flows(seekers: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    now = seekers[_window(seekers, "registered_on", window.start, window.end)]
    table = cities().set_index("city_code")
    gba = set(table.index[table["gba"]])
    rows: list[dict[str, object]] = []
    for city, group in now.groupby("city_code", sort=True):
        desired = group.get("desired_city_codes", pd.Series([()] * len(group), index=group.index))
        away = [set(map(str, wanted or ())) - {city} for wanted in desired]
        to_gba = sum(bool(targets & gba) for targets in away)
        to_other = sum(bool(targets - gba) for targets in away)
        mobile = sum(bool(targets) for targets in away)
        rows.append(
            {
                "城市": table["name"].get(city, city),
                "区域": table["zone"].get(city, ""),
                "大湾区": "是" if city in gba else "否",
                "求职人数": len(group),
                "有跨市意向": mobile,
                "流向大湾区": to_gba,
                "流向其他城市": to_other,
                "流向大湾区占比": round(to_gba / mobile, 3) if mobile else np.nan,
            }
        )
    return pd.DataFrame(rows)


def supply_flow(
    vacancies: pd.DataFrame, candidates: pd.DataFrame, period: str, *, industry_level: int = 2
) -> SupplyFlow:
    """Compute the report's tables for ``period`` (see the module docstring)."""
    window = records_window(period, vacancies, candidates)
    jobs = prepare_vacancies(vacancies, industry_level)
    seekers = candidates.copy()
    seekers["industry_code"] = seekers.get("industry_code", pd.Series(dtype=object))
    seekers["industry_code"] = seekers["industry_code"].fillna("").astype(str).str[:industry_level]
    by_city = _volume_table(seekers, jobs, window, "city_code")
    table = cities().set_index("city_code")
    by_city.insert(0, "城市", [table["name"].get(code, code) for code in by_city.index])
    by_city.insert(1, "区域", [table["zone"].get(code, "") for code in by_city.index])
    by_industry = _volume_table(
        seekers[seekers["industry_code"] != ""], jobs, window, "industry_code"
    )
    by_industry.insert(0, "行业", [_industry(code) for code in by_industry.index])
    labels = {
        "supply": "求职人数",
        "demand": "需求人数",
        "supply_growth": "求职同比",
        "ratio": "求人倍率",
    }
    return SupplyFlow(
        period=period,
        window=window,
        by_city=by_city.reset_index(drop=True).rename(columns=labels),
        by_industry=by_industry.reset_index(drop=True).rename(columns=labels),
        city_trend=_city_trend(seekers, jobs, window),
        flows=_flows(seekers, window),
    )


def _industry(code: str) -> str:
    try:
        return industry_name(code).strip()
    except KeyError:
        return code


def supply_report(flow: SupplyFlow) -> Report:
    """The supply and flow tables as a :class:`Report`."""
    mobile = int(flow.flows["有跨市意向"].sum()) if not flow.flows.empty else 0
    to_gba = int(flow.flows["流向大湾区"].sum()) if not flow.flows.empty else 0
    total = int(flow.by_city["求职人数"].sum()) if not flow.by_city.empty else 0
    last = flow.window.end - pd.DateOffset(months=1)
    coverage = (
        f"数据截至 {last:%Y年%m月}，同比与上年相同月份比较；" if flow.window.is_partial else ""
    )
    summary = coverage + (
        f"本期登记求职 {total} 人，其中 {mobile} 人有跨市求职意向，"
        f"{to_gba} 人意向流向大湾区城市"
        + (f"（占跨市意向的 {to_gba / mobile:.1%}）。" if mobile else "。")
    )
    return Report(
        title=f"供给状况和流动趋势研判报告（{flow.period}）",
        subtitle="按城市、行业统计求职供给、求人倍率走势与跨市流动意向",
        paragraphs=(summary, __doc__.split("\n\n", 1)[1] if __doc__ else ""),
        figures=(
            (
                "主要城市月度求人倍率（近 12 个月）",
                lambda: trend_lines_figure(flow.city_trend, "ratio", "月度求人倍率", "求人倍率"),
            ),
        ),
        tables=(
            ReportTable("分城市供给状况", flow.by_city),
            ReportTable("分行业供给状况", flow.by_industry),
            ReportTable("跨市流动意向（流入大湾区与其他城市）", flow.flows),
        ),
    )


def render_supply_html(flow: SupplyFlow) -> bytes:
    """Self-contained HTML of the supply and flow report."""
    return render_html(supply_report(flow))


def render_supply_pdf(flow: SupplyFlow) -> bytes:
    """PDF of the supply and flow report (Chinese as extractable text)."""
    return render_pdf(supply_report(flow))
