"""Catalogue exports as bytes: JSON, CSV (UTF-8 BOM), XLSX (native charts), HTML and PDF.

Every function takes the entries frame (:data:`models.catalogue.builder.ENTRY_COLUMNS`, from
the builder or :func:`data.store.catalogue.read_entries_frame`) and the edition header
(``period``, ``revision``, ``meta``...); none of them writes a file.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pandas as pd
import xlsxwriter

from data.store.catalogue import EditionInfo, canonical_records
from models.catalogue.charts import city_counts_figure, top_entries_figure
from models.catalogue.document import Report, ReportTable, render_html, render_pdf

__all__ = [
    "EXPORT_FORMATS",
    "MEDIA_TYPES",
    "catalogue_report",
    "edition_header",
    "render_catalogue",
    "render_csv",
    "render_html_report",
    "render_json",
    "render_pdf_report",
    "render_xlsx",
]

EXPORT_FORMATS = ("json", "csv", "xlsx", "html", "pdf")
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


def _flat(entries: pd.DataFrame) -> pd.DataFrame:
    out = entries.copy()
    for column in out.columns:
        if out[column].map(lambda value: isinstance(value, list | tuple)).any():
            out[column] = [
                json.dumps(list(value)) if value is not None else "" for value in out[column]
            ]
    return out


def render_csv(entries: pd.DataFrame, edition: dict[str, Any] | None = None) -> bytes:
    """All entry columns, UTF-8 with BOM (Excel then opens Chinese correctly); list
    columns (the ratio trend) as JSON arrays."""
    return _flat(entries).to_csv(index=False, lineterminator="\n").encode("utf-8-sig")


def _display(entries: pd.DataFrame) -> pd.DataFrame:
    present = [column for column in DISPLAY_COLUMNS if column in entries.columns]
    return entries[present].rename(columns=DISPLAY_COLUMNS)


def render_xlsx(entries: pd.DataFrame, edition: dict[str, Any]) -> bytes:
    """Workbook: 目录 (display columns), 证据 (all columns), 城市统计, 方法说明, and native
    Excel charts (top shortage bar chart, entries by city)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "nan_inf_to_errors": True})
    bold = workbook.add_format({"bold": True, "bg_color": "#F0F4F8", "border": 1})
    listing = _display(entries)
    _write_sheet(workbook.add_worksheet("目录"), listing, bold)
    _write_sheet(workbook.add_worksheet("证据"), _flat(entries), bold)
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
        ReportTable(f"{label}（{stars}★）", _display(entries[entries["stars"] == stars]))
        for stars, label in ((5, "特别紧缺"), (4, "比较紧缺"), (3, "一般紧缺"))
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


def render_pdf_report(entries: pd.DataFrame, edition: dict[str, Any]) -> bytes:
    """PDF of the catalogue (Chinese names as extractable text)."""
    return render_pdf(catalogue_report(entries, edition))


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
