"""供给状况和流动趋势研判报告: supply, demand and seekers' flows between cities for one period.

* Supply (求职人数) is where seekers *are*: candidates registered in the period, by their own
  city, zone and industry (GB/T 4754 大类); growth is against the same months a year earlier.
  Demand is vacancy headcount posted in the period; 求人倍率 = demand ÷ supply.
* Flows: every seeker registered in the period is counted from their own city (origin) to each
  other city they want to work in (destination), giving an origin → destination matrix; a
  city's outflow is its seekers wanting at least one other city, its inflow the seekers of
  other cities wanting it; 流向大湾区 is seekers wanting a Greater Bay Area city other than
  their own, as a share of all the city's seekers.
* Trend: the last ``TREND_QUARTERS`` quarters up to the period, by zone.
* Small cells: any count below ``min_cell_size`` is blanked with what is derived from it
  (:func:`suppress_counts`), once, before anything is rendered or written.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from data.supply import observed_ratio
from data.taxonomy import cities, industry_name
from models.catalogue.charts import trend_lines_figure
from models.catalogue.document import Report, ReportTable, render_html
from models.catalogue.indicators import prepare_vacancies
from models.catalogue.periods import PeriodWindow, records_window
from models.catalogue.print_pdf import DEFAULT_ISSUER, PrintHeader, render_print_pdf
from models.display import count, number, percent

__all__ = [
    "SupplyFlow",
    "render_supply_html",
    "render_supply_pdf",
    "report_file",
    "supply_flow",
    "suppress_counts",
    "suppressed_flow",
]

TREND_CITIES = 8
TREND_QUARTERS = 6
COUNT_COLUMNS = (
    "求职人数",
    "需求人数",
    "跨市流出",
    "跨市流入",
    "流向大湾区",
)
DERIVED = {
    "求职人数": ("求职同比", "求人倍率", "流向大湾区占比", "净流入"),
    "需求人数": ("求人倍率",),
    "跨市流出": ("净流入",),
    "跨市流入": ("净流入",),
    "流向大湾区": ("流向大湾区占比",),
}
PERCENT_COLUMNS = ("求职同比", "流向大湾区占比")
RATIO_COLUMNS = ("求人倍率",)


@dataclass(frozen=True)
class SupplyFlow:
    """Tables of the supply and flow report (Chinese column names, ready to show)."""

    period: str
    window: PeriodWindow
    by_city: pd.DataFrame
    by_industry: pd.DataFrame
    city_trend: pd.DataFrame  # label, month, ratio
    flows: pd.DataFrame
    by_zone: pd.DataFrame
    matrix: pd.DataFrame  # origin city (rows) × destination city (columns), seekers
    quarterly: pd.DataFrame  # 季度, 区域, 求职人数, 需求人数, 求人倍率, 跨市流出


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


def _away(group: pd.DataFrame, city: str) -> list[set[str]]:
    desired = group.get("desired_city_codes", pd.Series([()] * len(group), index=group.index))
    return [
        set(map(str, wanted if isinstance(wanted, list | tuple) else ())) - {city}
        for wanted in desired
    ]


def _matrix(now: pd.DataFrame) -> pd.DataFrame:
    """Origin (own city) × destination (each other desired city): seekers, by short name."""
    table = cities().set_index("city_code")
    codes = list(table.index)
    cells = np.zeros((len(codes), len(codes)))
    position = {code: at for at, code in enumerate(codes)}
    for city, group in now.groupby("city_code", sort=True):
        for targets in _away(group, str(city)):
            for target in targets & set(codes):
                cells[position[str(city)], position[target]] += 1
    counts = pd.DataFrame(cells, index=codes, columns=codes)
    short = table["short_name"]
    counts.index = [f"{short[c]}" for c in codes]
    counts.columns = [f"{short[c]}" for c in codes]
    counts.index.name = "来源＼意向"
    return counts


def _flows(seekers: pd.DataFrame, window: PeriodWindow) -> tuple[pd.DataFrame, pd.DataFrame]:
    now = seekers[_window(seekers, "registered_on", window.start, window.end)]
    table = cities().set_index("city_code")
    gba = set(table.index[table["gba"]])
    inflow: dict[str, int] = {}
    rows: list[dict[str, object]] = []
    for city, group in now.groupby("city_code", sort=True):
        away = _away(group, str(city))
        for targets in away:
            for target in targets:
                inflow[target] = inflow.get(target, 0) + 1
        rows.append(
            {
                "city_code": city,
                "城市": table["name"].get(city, city),
                "区域": table["zone"].get(city, ""),
                "大湾区": "是" if city in gba else "否",
                "求职人数": len(group),
                "跨市流出": sum(bool(targets) for targets in away),
                "流向大湾区": sum(bool(targets & gba) for targets in away),
            }
        )
    flows = pd.DataFrame(rows)
    if flows.empty:
        return flows, _matrix(now)
    flows["跨市流入"] = flows["city_code"].map(inflow).fillna(0).astype(int)
    flows["净流入"] = flows["跨市流入"] - flows["跨市流出"]
    flows["流向大湾区占比"] = (flows["流向大湾区"] / flows["求职人数"]).round(4)
    order = ["城市", "区域", "大湾区", "求职人数", "跨市流出", "跨市流入", "净流入"]
    return flows[[*order, "流向大湾区", "流向大湾区占比"]], _matrix(now)


def _quarterly(seekers: pd.DataFrame, jobs: pd.DataFrame, window: PeriodWindow) -> pd.DataFrame:
    """The last ``TREND_QUARTERS`` quarters to the period's end, by zone and for the province."""
    last = pd.Period(pd.Timestamp(window.end) - pd.Timedelta(days=1), "Q")
    quarters = [last - k for k in range(TREND_QUARTERS - 1, -1, -1)]
    zone = cities().set_index("city_code")["zone"]
    desired = seekers.get("desired_city_codes", pd.Series([()] * len(seekers), index=seekers.index))
    people = pd.DataFrame(
        {
            "quarter": pd.to_datetime(seekers["registered_on"]).dt.to_period("Q"),
            "zone": seekers["city_code"].map(zone),
            "mobile": [
                bool(set(map(str, wanted if isinstance(wanted, list | tuple) else ())) - {city})
                for city, wanted in zip(seekers["city_code"], desired, strict=True)
            ],
        }
    )
    posts = pd.DataFrame(
        {
            "quarter": pd.to_datetime(jobs["month"]).dt.to_period("Q"),
            "zone": jobs["city_code"].map(zone),
            "headcount": jobs["headcount"],
        }
    )
    rows: list[dict[str, object]] = []
    for quarter in quarters:
        for name in ("全省", *sorted(set(zone))):
            who = people[
                (people["quarter"] == quarter) & ((people["zone"] == name) | (name == "全省"))
            ]
            jobs_in = posts[
                (posts["quarter"] == quarter) & ((posts["zone"] == name) | (name == "全省"))
            ]
            supply, demand = len(who), int(jobs_in["headcount"].sum())
            rows.append(
                {
                    "季度": f"{quarter.year}Q{quarter.quarter}",
                    "区域": name,
                    "求职人数": supply,
                    "需求人数": demand,
                    "求人倍率": round(demand / supply, 3) if supply else np.nan,
                    "跨市流出": int(who["mobile"].sum()),
                }
            )
    return pd.DataFrame(rows)


def _by_zone(by_city: pd.DataFrame) -> pd.DataFrame:
    grouped = by_city.groupby("区域")[["求职人数", "需求人数"]].sum().reset_index()
    grouped["求人倍率"] = (grouped["需求人数"] / grouped["求职人数"].where(lambda v: v > 0)).round(
        3
    )
    return grouped


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
    flows, matrix = _flows(seekers, window)
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
        flows=flows,
        by_zone=_by_zone(by_city.rename(columns=labels)),
        matrix=matrix,
        quarterly=_quarterly(seekers, jobs, window),
    )


def _industry(code: str) -> str:
    try:
        return industry_name(code).strip()
    except KeyError:
        return code


def suppress_counts(table: pd.DataFrame, min_cell_size: int) -> pd.DataFrame:
    """Blank counts below ``min_cell_size`` (and what is derived from them on that row)."""
    out = table.astype({c: float for c in COUNT_COLUMNS if c in table}).copy()
    for column in COUNT_COLUMNS:
        if column not in out:
            continue
        small = out[column] < min_cell_size
        out.loc[small, column] = np.nan
        for derived in DERIVED.get(column, ()):
            if derived in out:
                out.loc[small, derived] = np.nan
    return out


def suppressed_flow(flow: SupplyFlow, min_cell_size: int) -> SupplyFlow:
    """The flow with every small cell blanked: the only view that is rendered or written."""
    matrix = flow.matrix.astype(float)
    return replace(
        flow,
        by_city=suppress_counts(flow.by_city, min_cell_size),
        by_industry=suppress_counts(flow.by_industry, min_cell_size),
        flows=suppress_counts(flow.flows, min_cell_size),
        by_zone=suppress_counts(flow.by_zone, min_cell_size),
        quarterly=suppress_counts(flow.quarterly, min_cell_size),
        matrix=matrix.where((matrix >= min_cell_size) | (matrix == 0)),
    )


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply the display rules: counts whole, shares and growth in %, missing as "—"."""
    out = frame.copy()
    for column in out.columns:
        if column in PERCENT_COLUMNS:
            out[column] = out[column].map(percent)
        elif column in RATIO_COLUMNS:
            out[column] = out[column].map(number)
        elif pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(count)
    return out


def _quarter_figure(quarterly: pd.DataFrame) -> Figure:
    trend = quarterly.rename(columns={"区域": "label", "求人倍率": "ratio"})
    trend["month"] = pd.PeriodIndex(trend["季度"], freq="Q").to_timestamp()
    return trend_lines_figure(trend, "ratio", "分区域季度求人倍率", "求人倍率")


def supply_report(flow: SupplyFlow) -> Report:
    """The supply and flow tables as a :class:`Report` (Chinese only, display rules applied)."""
    flows = flow.flows
    mobile = int(flows["跨市流出"].sum()) if not flows.empty else 0
    to_gba = int(flows["流向大湾区"].sum()) if not flows.empty else 0
    total = int(flow.by_city["求职人数"].sum()) if not flow.by_city.empty else 0
    last = flow.window.end - pd.DateOffset(months=1)
    coverage = (
        f"数据截至 {last:%Y年%m月}，同比与上年相同月份比较；" if flow.window.is_partial else ""
    )
    summary = coverage + (
        f"本期登记求职 {count(total)} 人，其中 {count(mobile)} 人有跨市求职意向，"
        f"{count(to_gba)} 人意向流向大湾区其他城市"
        + (f"（占全部求职人数的 {percent(to_gba / total)}）。" if total else "。")
    )
    method = (
        "说明：求职人数为本期登记的求职者（按其所在城市、行业统计），需求人数为本期发布岗位的"
        "招聘人数，求人倍率＝需求人数÷求职人数；流动按求职者所在城市到其意向工作城市统计，"
        "一名求职者可有多个意向城市；样本量不足的单元格已隐去（“—”）。"
    )
    matrix = flow.matrix.reset_index()
    return Report(
        title=f"供给状况和流动趋势研判报告（{flow.period}）",
        subtitle="按城市、区域和行业统计求职供给、求人倍率走势与跨市流动",
        paragraphs=(summary, method),
        figures=(
            ("分区域季度求人倍率", lambda: _quarter_figure(flow.quarterly)),
            (
                "主要城市月度求人倍率（近 12 个月）",
                lambda: trend_lines_figure(flow.city_trend, "ratio", "月度求人倍率", "求人倍率"),
            ),
        ),
        tables=(
            ReportTable("分城市供给状况", _shown(flow.by_city)),
            ReportTable("分区域供给状况", _shown(flow.by_zone)),
            ReportTable("分行业供给状况", _shown(flow.by_industry)),
            ReportTable(f"近 {TREND_QUARTERS} 个季度走势（分区域）", _shown(flow.quarterly)),
            ReportTable("跨市流动（流出、流入与流向大湾区）", _shown(flows)),
            ReportTable("求职者流向矩阵（行：所在城市；列：意向工作城市；人）", _shown(matrix)),
        ),
    )


def render_supply_html(flow: SupplyFlow) -> bytes:
    """Self-contained HTML of the supply and flow report."""
    return render_html(supply_report(flow))


def render_supply_pdf(flow: SupplyFlow, issuer: str = DEFAULT_ISSUER) -> bytes:
    """Print-ready PDF of the supply and flow report (header, page numbers, ≥ 9 pt tables)."""
    last = flow.window.end - pd.DateOffset(months=1)
    header = PrintHeader(issuer=issuer, edition=f"{flow.period} 期", data_date=f"{last:%Y-%m}")
    return render_print_pdf(supply_report(flow), header)


def report_file(var_dir: Path, period: str, fmt: str) -> Path:
    """Where publication writes the report of ``period`` and the service reads it from."""
    return Path(var_dir) / "reports" / f"supply-flow-{period}.{fmt}"
