"""Catalogue exports as bytes: JSON, CSV (UTF-8 BOM), XLSX (native charts), HTML and PDF.

Every function takes the entries frame (:data:`models.catalogue.builder.ENTRY_COLUMNS`, from
the builder or :func:`data.store.catalogue.read_entries_frame`) and the edition header
(``period``, ``revision``, ``meta``...); none of them writes a file.
"""

from __future__ import annotations

import io
import json
from datetime import datetime
from typing import Any

import pandas as pd
import xlsxwriter

from data.store.catalogue import EditionInfo, canonical_records
from data.store.schema import as_utc
from data.vocabulary.formats import EXPORT_FORMATS  # re-exported for publication and the CLI
from data.vocabulary.grades import GRADE_LABELS
from models.catalogue.charts import city_counts_figure, top_entries_figure
from models.catalogue.document import ENTRY_COLUMNS, Report, ReportTable, render_html
from models.catalogue.print_pdf import DEFAULT_ISSUER, PrintHeader, render_print_pdf

__all__ = [
    "EXPORT_FORMATS",
    "MEDIA_TYPES",
    "catalogue_report",
    "edition_header",
    "planner_table",
    "print_header",
    "render_catalogue",
    "render_csv",
    "render_html_report",
    "render_json",
    "render_pdf_report",
    "render_xlsx",
]

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
}
# Planner-facing columns and their Chinese headers (CSV/XLSX/HTML/PDF tables).
DISPLAY_COLUMNS: dict[str, str] = {
    "rank": "序号",
    "city_name": "城市",
    "industry_name": "行业",
    "occupation_code": "职业代码",
    "occupation_name": "职业",
    "grade": "紧缺程度",
    "stars": "星级",
    "shortage_index": "紧缺指数",
    "demand": "需求人数",
    "supply": "求职人数",
    "ratio": "求人倍率",
    "forecast_point": "预测值",
    "education_mode": "学历要求",
    "skill_level_mode": "技能等级",
    "title_level_mode": "职称",
    "experience_median": "工作年限",
    "salary_p25": "月薪P25",
    "salary_p75": "月薪P75",
}


# Chinese headers of every entry column (CSV/XLSX 证据 sheet); English field names on request.
# The entry fields' labels come from models.catalogue.document.ENTRY_COLUMNS; the rest here.
COLUMN_LABELS_ZH: dict[str, str] = {
    **dict(ENTRY_COLUMNS),
    **DISPLAY_COLUMNS,
    "city_code": "城市代码",
    "zone": "区域",
    "gba": "大湾区",
    "industry_code": "行业代码",
    "demand_city_occupation": "城市职业需求人数",
    "ratio_prior": "求人倍率先验",
    "ratio_shrunk": "求人倍率（收缩估计）",
    "ratio_shrunk_lo": "求人倍率下限（收缩估计）",
    "ratio_posterior": "求人倍率（季节后验估计）",
    "ratio_posterior_lo": "求人倍率后验下限",
    "ratio_posterior_hi": "求人倍率后验上限",
    "demand_posterior": "需求人数（后验估计）",
    "shortage_probability": "紧缺概率",
    "shrinkage_k": "收缩强度",
    "ratio_trend": "求人倍率走势",
    "ratio_trend_slope": "求人倍率趋势斜率",
    "ratio_trend_shrunk": "求人倍率走势（收缩估计）",
    "ratio_trend_slope_shrunk": "趋势斜率（收缩估计）",
    "demand_year_ago": "上年同期需求人数",
    "demand_growth_yoy": "需求同比增长",
    "demand_growth_prior": "需求增长先验",
    "demand_growth_shrunk": "需求增长（收缩估计）",
    "vacancy_duration_days": "招聘周期（天）",
    "duration_vs_occupation": "招聘周期相对值",
    "salary_growth_yoy": "薪酬同比增长",
    "model_version": "模型版本",
    "n_vacancies": "岗位记录数",
    "score_ratio": "得分：求人倍率",
    "score_ratio_trend": "得分：倍率走势",
    "score_demand_growth": "得分：需求增长",
    "score_vacancy_duration": "得分：招聘周期",
    "score_salary_growth": "得分：薪酬增长",
    "score_forecast": "得分：预测",
    "forecast_lo_80": "预测下限（80%）",
    "forecast_hi_80": "预测上限（80%）",
    "forecast_lo_95": "预测下限（95%）",
    "forecast_hi_95": "预测上限（95%）",
    "forecast_model": "预测模型",
    "forecast_ds": "预测月份",
    "backtest_mase": "回测 MASE",
    "edition_id": "版次编号",
    "forecast_series": "预测序列",
    "qualified_supply": "符合要求的求职人数",
}
LIST_SEPARATOR = "、"


def planner_table(entries: pd.DataFrame, *, english: bool = False) -> pd.DataFrame:
    """Every entry column, lists joined with "、" (no JSON in a cell), Chinese headers unless
    ``english`` (then the field names)."""
    out = entries.copy()
    for column in out.columns:
        if out[column].map(lambda value: isinstance(value, list | tuple | dict)).any():
            out[column] = [_joined(value) for value in out[column]]
    return out if english else out.rename(columns=lambda c: COLUMN_LABELS_ZH.get(str(c), str(c)))


def _joined(value: object) -> str:
    if isinstance(value, dict):
        return LIST_SEPARATOR.join(f"{key}：{item}" for key, item in value.items())
    if isinstance(value, list | tuple):
        return LIST_SEPARATOR.join(
            f"{item:.4g}" if isinstance(item, float) else str(item) for item in value
        )
    return "" if value is None else str(value)


def _header(edition: dict[str, Any]) -> dict[str, Any]:
    keys = ("edition_id", "period", "revision", "published_at", "content_sha256", "meta")
    return {key: edition[key] for key in keys if key in edition}


def render_json(entries: pd.DataFrame, edition: dict[str, Any]) -> bytes:
    """``{"edition": {...}, "entries": [...]}`` as UTF-8 JSON (Chinese unescaped)."""
    payload: dict[str, Any] = {
        "edition": canonical_records(pd.DataFrame([_header(edition)]))[0],
        "entries": canonical_records(entries),
    }
    return json.dumps(payload, ensure_ascii=False, indent=1).encode("utf-8")


def render_csv(entries: pd.DataFrame, edition: dict[str, Any] | None = None) -> bytes:
    """All entry columns, UTF-8 with BOM (Excel then opens Chinese correctly); Chinese
    headers unless ``edition['headers'] == 'en'``; list columns joined with "、"."""
    english = (edition or {}).get("headers") == "en"
    table = planner_table(entries, english=english)
    return table.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def _display(entries: pd.DataFrame) -> pd.DataFrame:
    present = [column for column in DISPLAY_COLUMNS if column in entries.columns]
    return entries[present].rename(columns=DISPLAY_COLUMNS)


def render_xlsx(entries: pd.DataFrame, edition: dict[str, Any]) -> bytes:
    """Workbook: 目录 (display columns), 证据 (all columns), 城市统计, 方法说明, and native
    Excel charts (top shortage bar chart, entries by city)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    created = published_at(edition)
    if created is not None:  # the file's dates: publication, not rendering (same bytes)
        workbook.set_properties({"created": created.replace(tzinfo=None)})
    bold = workbook.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})
    listing = _display(entries)
    _write_sheet(workbook.add_worksheet("目录"), listing, bold)
    english = edition.get("headers") == "en"
    _write_sheet(workbook.add_worksheet("证据"), planner_table(entries, english=english), bold)
    by_city = (
        entries.groupby("city_name")
        .size()
        .rename("条目数")
        .reset_index()
        .rename(columns={"city_name": "城市"})
        if not entries.empty
        else pd.DataFrame({"城市": [], "条目数": []})
    )
    city_sheet = workbook.add_worksheet("城市统计")
    _write_sheet(city_sheet, by_city, bold)
    method = workbook.add_worksheet("方法说明")
    meta = edition.get("meta") or {}
    for row, line in enumerate(str(meta.get("method", "")).splitlines()):
        method.write_string(row, 0, line)
    _add_charts(workbook, listing, by_city)
    workbook.close()
    return buffer.getvalue()


def _write_sheet(sheet: Any, frame: pd.DataFrame, bold: Any) -> None:
    for column_number, name in enumerate(frame.columns):
        sheet.write_string(0, column_number, str(name), bold)
        sheet.set_column(column_number, column_number, max(8, min(28, 2 * len(str(name)) + 4)))
    for row_number, row in enumerate(frame.itertuples(index=False), start=1):
        for column_number, value in enumerate(row):
            if value is None or (isinstance(value, float) and value != value):
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                sheet.write_string(row_number, column_number, str(value))
            else:
                sheet.write_number(row_number, column_number, float(value))
    sheet.freeze_panes(1, 0)


def _add_charts(workbook: Any, listing: pd.DataFrame, by_city: pd.DataFrame) -> None:
    top = min(len(listing), 15)
    if top:
        bar = workbook.add_chart({"type": "bar"})
        name_col = list(listing.columns).index("职业")
        value_col = list(listing.columns).index("紧缺指数")
        bar.add_series(
            {
                "name": "紧缺指数",
                "categories": ["目录", 1, name_col, top, name_col],
                "values": ["目录", 1, value_col, top, value_col],
                "fill": {"color": "#B91C1C"},
            }
        )
        bar.set_title({"name": "紧缺指数最高的职业"})
        bar.set_y_axis({"reverse": True})
        bar.set_x_axis({"min": 0, "max": 100})
        bar.set_legend({"none": True})
        workbook.get_worksheet_by_name("目录").insert_chart("T2", bar, {"x_scale": 1.4})
    if len(by_city):
        column = workbook.add_chart({"type": "column"})
        column.add_series(
            {
                "name": "条目数",
                "categories": ["城市统计", 1, 0, len(by_city), 0],
                "values": ["城市统计", 1, 1, len(by_city), 1],
                "fill": {"color": "#EA580C"},
            }
        )
        column.set_title({"name": "各城市紧缺条目数"})
        column.set_legend({"none": True})
        workbook.get_worksheet_by_name("城市统计").insert_chart("D2", column)


def catalogue_report(entries: pd.DataFrame, edition: dict[str, Any]) -> Report:
    """The catalogue as a :class:`Report` (shared by the HTML and PDF exports)."""
    meta = edition.get("meta") or {}
    period = edition.get("period", meta.get("period", ""))
    revision = edition.get("revision")
    subtitle = f"期别 {period}" + (f" · 第 {revision} 版" if revision else "")
    subtitle += f" · 共 {len(entries)} 个紧缺岗位"
    if meta.get("data_through"):
        subtitle += f" · 数据截至 {meta['data_through']}"
    if edition.get("content_sha256"):
        subtitle += f" · SHA-256 {str(edition['content_sha256'])[:16]}…"
    paragraphs = tuple(
        text for text in (str(meta.get("method", "")), meta.get("forecast_note")) if text
    )
    figures = (
        (("紧缺指数最高的岗位", lambda: top_entries_figure(entries)),) if len(entries) else ()
    ) + ((("各城市紧缺条目数", lambda: city_counts_figure(entries)),) if len(entries) else ())
    tables = tuple(
        ReportTable(
            f"{GRADE_LABELS[stars]}（{stars}★）", _display(entries[entries["stars"] == stars])
        )
        for stars in (5, 4, 3)  # the listed grades
        if (entries["stars"] == stars).any()
    )
    return Report(
        title=f"广东省急需紧缺人才目录（{period}）",
        subtitle=subtitle,
        paragraphs=paragraphs,
        figures=figures,
        tables=tables,
    )


def render_html_report(entries: pd.DataFrame, edition: dict[str, Any]) -> bytes:
    """Self-contained HTML of the catalogue."""
    return render_html(catalogue_report(entries, edition))


def print_header(edition: dict[str, Any]) -> PrintHeader:
    """The page header of an edition's PDF: issuing body, edition, data date."""
    meta = edition.get("meta") or {}
    period = edition.get("period", meta.get("period", ""))
    revision = edition.get("revision")
    return PrintHeader(
        issuer=str(edition.get("issuing_body") or DEFAULT_ISSUER),
        edition=f"{period}" + (f" 第 {revision} 版" if revision else ""),
        data_date=str(meta.get("data_through") or ""),
        created=published_at(edition),
    )


def published_at(edition: dict[str, Any]) -> datetime | None:
    """The edition's publication time in UTC, the creation date its XLSX and PDF carry (so
    an export made later is byte for byte the file written at publication); None when the
    edition has none (a preview).

    >>> published_at({"published_at": "2026-10-08T09:30:00+08:00"})
    datetime.datetime(2026, 10, 8, 1, 30, tzinfo=datetime.timezone.utc)
    """
    value = edition.get("published_at")
    if value is None or value == "":
        return None
    return as_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def render_pdf_report(entries: pd.DataFrame, edition: dict[str, Any]) -> bytes:
    """Print-ready PDF of the catalogue (header, page numbers, ≥ 9 pt tables)."""
    return render_print_pdf(catalogue_report(entries, edition), print_header(edition))


def edition_header(info: EditionInfo) -> dict[str, Any]:
    """The edition fields the renderers print (the ``edition`` argument of the renderers)."""
    return {
        "edition_id": info.edition_id,
        "period": info.period,
        "revision": info.revision,
        "published_at": info.published_at,
        "content_sha256": info.content_sha256,
        "meta": info.meta or {},
    }


def render_catalogue(entries: pd.DataFrame, edition: dict[str, Any], fmt: str) -> bytes:
    """Dispatch on ``fmt`` (one of :data:`EXPORT_FORMATS`)."""
    renderers = {
        "json": render_json,
        "csv": render_csv,
        "xlsx": render_xlsx,
        "html": render_html_report,
        "pdf": render_pdf_report,
    }
    if fmt not in renderers:
        raise ValueError(f"format must be one of {EXPORT_FORMATS}, got {fmt!r}")
    return renderers[fmt](entries, edition)
