"""A tiny report model rendered two ways: self-contained HTML and a PDF, both as bytes.

A :class:`Report` is a title, paragraphs, matplotlib figures and tables. HTML inlines its
CSS and the figures as base64 PNG (no external URL anywhere). The PDF is drawn by
matplotlib's ``PdfPages`` into memory (the print-ready PDF of :mod:`.print_pdf` is laid out with
fpdf2), with the CJK font from :mod:`data.fonts` embedded as
TrueType (``pdf.fonttype = 42``), so Chinese city and occupation names are real, extractable
text. Everything is rendered under ``matplotlib.rc_context`` so the global style is left
alone, and only the Agg canvas is used (no pyplot, no display).
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib
import pandas as pd
from jinja2 import Environment
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from data.fonts import cjk_rc_params

#: The fields of a catalogue entry shown to planners, in catalogue order, with their Chinese
#: labels: exports, PDFs and pages render from this one table.
ENTRY_COLUMNS: list[tuple[str, str]] = [
    ("rank", "序号"),
    ("industry_cluster", "产业集群（双十）"),
    ("industry_name", "行业（GB/T 4754）"),
    ("city_name", "城市"),
    ("zone", "区域"),
    ("occupation_code", "职业代码"),
    ("occupation_name", "职业（大典细类）"),
    ("job_titles", "岗位名称"),
    ("talent_category", "人才类别"),
    ("education_mode", "学历"),
    ("major", "专业要求"),
    ("skill_level_mode", "技能等级"),
    ("title_level_mode", "职称"),
    ("experience_median", "工作经验（年）"),
    ("skills_required", "能力要求"),
    ("salary_p25", "月薪P25（元）"),
    ("salary_p75", "月薪P75（元）"),
    ("stars", "紧缺程度（★）"),
    ("grade", "紧缺等级"),
    ("shortage_type", "紧缺类型"),
    ("demand", "需求人数"),
    ("supply", "求职人数"),
    ("ratio", "求人倍率"),
    ("forecast_point", "预测求人倍率"),
    ("forecast_lo_80", "80%区间下限"),
    ("forecast_hi_80", "80%区间上限"),
    ("forecast_lo_95", "95%区间下限"),
    ("forecast_hi_95", "95%区间上限"),
    ("forecast_level", "评价层级"),
    ("backtest_mase", "回测MASE"),
]

__all__ = ["FigureFactory", "Report", "ReportTable", "figure_png", "render_html", "render_pdf"]

FigureFactory = Callable[[], Figure]
A4_PORTRAIT = (8.27, 11.69)
ROWS_PER_PDF_PAGE = 28
LINES_PER_PDF_PAGE = 38
WRAP_CHARS = 46  # CJK characters per line on an A4 page at 10 pt


@dataclass(frozen=True)
class ReportTable:
    """A titled table; cells are shown as strings."""

    title: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class Report:
    """Content of a report, independent of the output format."""

    title: str
    subtitle: str = ""
    paragraphs: tuple[str, ...] = ()
    figures: tuple[tuple[str, FigureFactory], ...] = ()
    tables: tuple[ReportTable, ...] = field(default_factory=tuple)


def figure_png(factory: FigureFactory, dpi: int = 110) -> bytes:
    """Render a figure factory to PNG bytes with the CJK font configured."""
    with matplotlib.rc_context(cjk_rc_params()):
        figure = factory()
        FigureCanvasAgg(figure)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


_HTML = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ report.title }}</title>
<style>
body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
margin:2rem auto;max-width:72rem;color:#1f2933;line-height:1.6;padding:0 1rem}
h1{font-size:1.6rem;border-bottom:3px solid #b91c1c;padding-bottom:.4rem}
h2{font-size:1.2rem;margin-top:2rem;color:#7f1d1d}
.subtitle{color:#52606d}
p.method{white-space:pre-line;background:#f8f5f0;padding:1rem;border-left:4px solid #d97706}
table{border-collapse:collapse;width:100%;font-size:.85rem;margin:.5rem 0 1.5rem}
th,td{border:1px solid #d9e2ec;padding:.3rem .45rem;text-align:left;vertical-align:top}
th{background:#f0f4f8;position:sticky;top:0}
tr:nth-child(even) td{background:#fafbfc}
figure{margin:1rem 0}figure img{max-width:100%;height:auto}
figcaption{color:#52606d;font-size:.9rem}
</style></head><body>
<h1>{{ report.title }}</h1>
{% if report.subtitle %}<p class="subtitle">{{ report.subtitle }}</p>{% endif %}
{% for paragraph in report.paragraphs %}<p class="method">{{ paragraph }}</p>{% endfor %}
{% for caption, png in figures %}<figure>
<img alt="{{ caption }}" src="data:image/png;base64,{{ png }}">
<figcaption>{{ caption }}</figcaption></figure>{% endfor %}
{% for table in report.tables %}<h2>{{ table.title }}</h2>
<table><thead><tr>{% for column in table.frame.columns %}<th>{{ column }}</th>{% endfor %}
</tr></thead><tbody>
{% for row in table.frame.itertuples(index=False) %}<tr>{% for cell in row %}
<td>{{ cell | cell }}</td>{% endfor %}</tr>
{% endfor %}</tbody></table>{% endfor %}
</body></html>
"""


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 1e4 else f"{value:,.0f}"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item) for item in value)
    return str(value)


def render_html(report: Report) -> bytes:
    """Self-contained UTF-8 HTML (inline CSS, inline PNG charts, autoescaped text)."""
    environment = Environment(autoescape=True)
    environment.filters["cell"] = _cell
    template = environment.from_string(_HTML)
    figures = [
        (caption, base64.b64encode(figure_png(factory)).decode("ascii"))
        for caption, factory in report.figures
    ]
    return template.render(report=report, figures=figures).encode("utf-8")


def _text_pages(pdf: PdfPages, title: str, lines: list[str]) -> None:
    for start in range(0, max(len(lines), 1), LINES_PER_PDF_PAGE):
        figure = Figure(figsize=A4_PORTRAIT)
        FigureCanvasAgg(figure)
        figure.text(0.07, 0.95, title, fontsize=16, weight="bold", va="top")
        y = 0.90
        for line in lines[start : start + LINES_PER_PDF_PAGE]:
            figure.text(0.07, y, line, fontsize=10, va="top")
            y -= 0.022
        pdf.savefig(figure)


def _wrapped(paragraphs: tuple[str, ...], subtitle: str) -> list[str]:
    lines = [subtitle, ""] if subtitle else []
    for paragraph in paragraphs:
        for raw in paragraph.splitlines():
            lines.extend(textwrap.wrap(raw, WRAP_CHARS) or [""])
        lines.append("")
    return lines


def _table_pages(pdf: PdfPages, table: ReportTable) -> None:
    frame = table.frame.map(_cell) if not table.frame.empty else table.frame
    chunks = [
        frame.iloc[i : i + ROWS_PER_PDF_PAGE] for i in range(0, len(frame), ROWS_PER_PDF_PAGE)
    ]
    for number, chunk in enumerate(chunks or [frame], start=1):
        figure = Figure(figsize=A4_PORTRAIT[::-1])  # landscape: tables are wide
        FigureCanvasAgg(figure)
        suffix = f"（{number}/{len(chunks)}）" if len(chunks) > 1 else ""
        figure.suptitle(table.title + suffix, fontsize=13, x=0.05, ha="left")
        axes = figure.add_axes((0.03, 0.03, 0.94, 0.88))
        axes.axis("off")
        if not chunk.empty:
            drawn = axes.table(
                cellText=chunk.to_numpy().tolist(),
                colLabels=[str(column) for column in chunk.columns],
                loc="upper center",
                cellLoc="left",
            )
            drawn.auto_set_font_size(False)
            drawn.set_fontsize(7)
            drawn.auto_set_column_width(list(range(len(chunk.columns))))
        pdf.savefig(figure)


def render_pdf(report: Report) -> bytes:
    """A4 PDF: title page with the paragraphs, one page per figure, paginated tables."""
    buffer = io.BytesIO()
    with (
        matplotlib.rc_context(cjk_rc_params()),
        PdfPages(buffer, metadata={"CreationDate": None}) as pdf,
    ):
        _text_pages(pdf, report.title, _wrapped(report.paragraphs, report.subtitle))
        for caption, factory in report.figures:
            figure = factory()
            FigureCanvasAgg(figure)
            figure.suptitle(caption, fontsize=13)
            pdf.savefig(figure)
        for table in report.tables:
            _table_pages(pdf, table)
        info = pdf.infodict()
        info["Title"] = report.title
        info["Creator"] = "YueCai"
    return buffer.getvalue()
