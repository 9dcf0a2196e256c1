"""Print-ready A4 PDFs of a :class:`~models.catalogue.document.Report` for meetings.

Every page carries a header (issuing body · title · edition · data date) and a footer with
"第 n 页 / 共 N 页"; figures get their caption in the page header band, never on top of the
chart's own text; tables are set at ``TABLE_FONT_PT`` (≥ 9 pt) with long cells wrapped, a
fixed number of rows per page and rows tall enough that wrapped text never overlaps. Chinese
is embedded as TrueType text (``pdf.fonttype = 42`` from :func:`data.fonts.cjk_rc_params`),
so the PDF's text layer can be searched and checked.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import matplotlib
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from data.fonts import cjk_rc_params
from models.catalogue.document import Report, ReportTable
from models.display import MISSING, is_missing, number

__all__ = ["DEFAULT_ISSUER", "PrintHeader", "render_print_pdf"]

DEFAULT_ISSUER = "广东省人力资源和社会保障厅"
A4 = (8.27, 11.69)
TABLE_FONT_PT = 9.0
TEXT_FONT_PT = 10.5
ROWS_PER_PAGE = 14
ROW_HEIGHT_PER_LINE = 0.034  # of the table's axes, per line of 9 pt text
ROW_PADDING = 0.014
LINES_PER_PAGE = 36
WRAP_CHARS = 44
CELL_WRAP = 16  # characters per line inside a table cell
MAX_TABLE_COLUMNS = 12  # wider tables are split into column groups (the first column repeats)


@dataclass(frozen=True)
class PrintHeader:
    """What every page's header says."""

    issuer: str = DEFAULT_ISSUER
    edition: str = ""  # e.g. '2026Q3 第 1 版'
    data_date: str = ""  # e.g. '2026-09'


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and is_missing(value)):
        return MISSING
    if isinstance(value, float):
        return number(value)
    text = str(value)
    return "\n".join(textwrap.wrap(text, CELL_WRAP)) if len(text) > CELL_WRAP else text


def _page(orientation: str, title: str, header: PrintHeader) -> Figure:
    size = A4 if orientation == "portrait" else A4[::-1]
    figure = Figure(figsize=size)
    FigureCanvasAgg(figure)
    parts = [header.issuer, title, header.edition]
    if header.data_date:
        parts.append(f"数据截至 {header.data_date}")
    figure.text(0.05, 0.975, " · ".join(p for p in parts if p), fontsize=9, va="top")
    figure.add_artist(
        matplotlib.lines.Line2D([0.05, 0.95], [0.955, 0.955], color="#b91c1c", linewidth=1.2)
    )
    return figure


def _text_pages(report: Report, header: PrintHeader) -> list[Figure]:
    lines = [report.subtitle, ""] if report.subtitle else []
    for paragraph in report.paragraphs:
        for raw in paragraph.splitlines():
            lines.extend(textwrap.wrap(raw, WRAP_CHARS) or [""])
        lines.append("")
    pages = []
    for start in range(0, max(len(lines), 1), LINES_PER_PAGE):
        figure = _page("portrait", report.title, header)
        if start == 0:
            figure.text(0.07, 0.92, report.title, fontsize=17, va="top")
        y = 0.86
        for line in lines[start : start + LINES_PER_PAGE]:
            figure.text(0.07, y, line, fontsize=TEXT_FONT_PT, va="top")
            y -= 0.022
        pages.append(figure)
    return pages


def _figure_page(caption: str, chart: Figure, report: Report, header: PrintHeader) -> Figure:
    """The chart as an image below the caption: its own text cannot collide with the page's."""
    FigureCanvasAgg(chart)
    buffer = io.BytesIO()
    with matplotlib.rc_context(cjk_rc_params()):
        chart.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    buffer.seek(0)
    image = matplotlib.image.imread(buffer, format="png")
    figure = _page("portrait", report.title, header)
    figure.text(0.05, 0.93, caption, fontsize=13, va="top")
    height, width = image.shape[:2]
    box_width = 0.9
    box_height = min(0.82, box_width * (height / width) * (A4[0] / A4[1]))
    axes = figure.add_axes((0.05, 0.90 - box_height, box_width, box_height))
    axes.imshow(image)
    axes.axis("off")
    return figure


def _column_groups(frame: pd.DataFrame) -> list[pd.DataFrame]:
    if len(frame.columns) <= MAX_TABLE_COLUMNS:
        return [frame]
    first, rest = frame.columns[0], list(frame.columns[1:])
    step = MAX_TABLE_COLUMNS - 1
    return [frame[[first, *rest[i : i + step]]] for i in range(0, len(rest), step)]


def _table_pages(table: ReportTable, report: Report, header: PrintHeader) -> list[Figure]:
    frame = table.frame.map(_cell) if not table.frame.empty else table.frame
    pages = []
    groups = _column_groups(frame)
    chunks = [
        (group, group.iloc[i : i + ROWS_PER_PAGE])
        for group in groups
        for i in range(0, max(len(group), 1), ROWS_PER_PAGE)
    ]
    for number_, (_group, chunk) in enumerate(chunks, start=1):
        figure = _page("landscape", report.title, header)
        suffix = f"（{number_}/{len(chunks)}）" if len(chunks) > 1 else ""
        figure.text(0.05, 0.93, table.title + suffix, fontsize=12, va="top")
        axes = figure.add_axes((0.05, 0.07, 0.90, 0.83))
        axes.axis("off")
        if not chunk.empty:
            drawn = axes.table(
                cellText=chunk.to_numpy().tolist(),
                colLabels=["\n".join(textwrap.wrap(str(c), 8)) for c in chunk.columns],
                loc="upper center",
                cellLoc="left",
            )
            drawn.auto_set_font_size(False)
            drawn.set_fontsize(TABLE_FONT_PT)
            drawn.auto_set_column_width(list(range(len(chunk.columns))))
            lines: dict[int, int] = {}
            for (row, _column), cell in drawn.get_celld().items():
                count = cell.get_text().get_text().count("\n") + 1
                lines[row] = max(lines.get(row, 1), count)
            for (row, _column), cell in drawn.get_celld().items():
                cell.set_height(ROW_HEIGHT_PER_LINE * lines[row] + ROW_PADDING)
        pages.append(figure)
    return pages


def render_print_pdf(report: Report, header: PrintHeader | None = None) -> bytes:
    """A4 PDF of ``report`` with header, page numbers, captions and ≥ 9 pt tables."""
    header = header or PrintHeader()
    buffer = io.BytesIO()
    with matplotlib.rc_context(cjk_rc_params()):
        pages = _text_pages(report, header)
        for caption, factory in report.figures:
            pages.append(_figure_page(caption, factory(), report, header))
        for table in report.tables:
            pages.extend(_table_pages(table, report, header))
        with PdfPages(buffer, metadata={"CreationDate": None}) as pdf:
            for number_, figure in enumerate(pages, start=1):
                figure.text(
                    0.5, 0.02, f"第 {number_} 页 / 共 {len(pages)} 页", fontsize=9, ha="center"
                )
                pdf.savefig(figure)
            info = pdf.infodict()
            info["Title"] = report.title
            info["Author"] = header.issuer
            info["Creator"] = "YueCai"
    return buffer.getvalue()
