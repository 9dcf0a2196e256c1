"""Print-ready A4 PDFs of a :class:`~models.catalogue.document.Report` for meetings.

Every page carries a header (issuing body · title · edition · data date) and a footer with
"第 n 页 / 共 N 页"; figures get their caption above the chart image, never on top of the
chart's own text; tables are set at ``TABLE_FONT_PT`` (≥ 9 pt) with long cells wrapped, rows
as tall as their most wrapped cell and the header row repeated on every page.

The pages are laid out with fpdf2 directly: text and table cells are PDF text operators in
the CJK font from :func:`data.fonts.find_cjk_font` (the Simplified Chinese face of the Noto
CJK collection, embedded as a subset), so Chinese stays searchable, extractable text. Only
the charts go through matplotlib (rendered once each to PNG); drawing every table page as a
matplotlib figure cost ~1 s a page, which made the PDF most of a province edition's
publication time.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path

import matplotlib
import pandas as pd
from fpdf import FPDF
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from data.fonts import CJK_FAMILY, cjk_rc_params, find_cjk_font
from models.catalogue.document import Report, ReportTable
from models.display import MISSING, is_missing, number

__all__ = ["DEFAULT_ISSUER", "PrintHeader", "render_print_pdf"]

DEFAULT_ISSUER = "广东省人力资源和社会保障厅"
TABLE_FONT_PT = 9.0
TEXT_FONT_PT = 10.5
HEADER_FONT_PT = 9.0
MAX_TABLE_COLUMNS = 12  # wider tables are split into column groups (the first column repeats)
MARGIN_MM = 12.0
A4_LANDSCAPE_WIDTH_MM = 297.0
PT_MM = 25.4 / 72
LINE_SPACING = 1.5  # line height ÷ font size (Noto CJK ascent + descent is 1.45 em)
CELL_PAD_MM = 1.2
MIN_COLUMN_MM = 11.0
MAX_NATURAL_COLUMN_MM = 60.0
FONT = "cjk"
CHART_DPI = 150


@dataclass(frozen=True)
class PrintHeader:
    """What every page's header says."""

    issuer: str = DEFAULT_ISSUER
    edition: str = ""  # e.g. '2026Q3 第 1 版'
    data_date: str = ""  # e.g. '2026-09'
    #: The document's creation date (an edition's publication time): the same edition then
    #: renders to the same bytes whenever it is exported. None: now.
    created: datetime | None = None


@cache
def _font_face() -> tuple[Path, int]:
    """The font file and, for a ``.ttc`` collection, the index of the SC face."""
    path = find_cjk_font()
    if path.suffix.lower() != ".ttc":
        return path, 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(str(path), lazy=True)
    try:
        names = [face["name"].getDebugName(1) for face in collection.fonts]
    finally:
        collection.close()
    return path, names.index(CJK_FAMILY) if CJK_FAMILY in names else 0


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and is_missing(value)):
        return MISSING
    if isinstance(value, float):
        return number(value)
    return str(value)


def _tokens(text: str) -> list[str]:
    """Break units: a run of ASCII letters/digits stays whole, anything else is one unit."""
    units: list[str] = []
    word = ""
    for char in text:
        if char.isascii() and char.isalnum():
            word += char
            continue
        if word:
            units.append(word)
            word = ""
        units.append(char)
    if word:
        units.append(word)
    return units


class _Printer(FPDF):
    """An A4 FPDF with the report's header and footer on every page."""

    def __init__(self, title: str, header: PrintHeader) -> None:
        super().__init__(unit="mm", format="A4")
        path, index = _font_face()
        self.add_font(FONT, fname=str(path), collection_font_number=index)
        self.set_margins(MARGIN_MM, MARGIN_MM + 8, MARGIN_MM)
        self.set_auto_page_break(False)
        if header.created is not None:
            self.set_creation_date(header.created)
        parts = [header.issuer, title, header.edition]
        if header.data_date:
            parts.append(f"数据截至 {header.data_date}")
        self._banner = " · ".join(part for part in parts if part)
        self._widths: dict[tuple[str, float], float] = {}
        self.set_title(title)
        self.set_author(header.issuer)
        self.set_creator("YueCai")

    def header(self) -> None:
        self.set_font(FONT, size=HEADER_FONT_PT)
        self.set_text_color(0)
        self.text(MARGIN_MM, MARGIN_MM, self._banner)
        self.set_draw_color(185, 28, 28)
        self.set_line_width(0.4)
        self.line(MARGIN_MM, MARGIN_MM + 2.5, self.w - MARGIN_MM, MARGIN_MM + 2.5)
        self.set_draw_color(0)

    def footer(self) -> None:
        self.set_font(FONT, size=HEADER_FONT_PT)
        self.set_text_color(0)
        # cell() (not text()) replaces the total-pages alias when the document is closed.
        self.set_xy(MARGIN_MM, self.h - MARGIN_MM)
        label = f"第 {self.page_no()} 页 / 共 {self.str_alias_nb_pages} 页"
        self.cell(w=self.w - 2 * MARGIN_MM, h=5, text=label, align="C")

    @property
    def bottom(self) -> float:
        return self.h - MARGIN_MM - 4

    def width_of(self, text: str, size: float) -> float:
        """Printed width in mm of ``text`` at ``size`` pt (per-unit widths cached)."""
        total = 0.0
        for unit in _tokens(text):
            key = (unit, size)
            width = self._widths.get(key)
            if width is None:
                self.set_font(FONT, size=size)
                width = self._widths[key] = self.get_string_width(unit)
            total += width
        return total

    def wrap(self, text: str, width: float, size: float) -> list[str]:
        """``text`` broken into lines no wider than ``width`` mm (explicit newlines kept)."""
        lines: list[str] = []
        for raw in text.split("\n"):
            line, used = "", 0.0
            for unit in _tokens(raw):
                unit_width = self.width_of(unit, size)
                if line and used + unit_width > width:
                    lines.append(line.rstrip())
                    line, used = ("", 0.0) if unit == " " else (unit, unit_width)
                    continue
                line, used = line + unit, used + unit_width
            lines.append(line.rstrip())
        return lines

    def lines_at(self, lines: list[str], x: float, y: float, size: float) -> float:
        """Draw ``lines`` with their top at ``y``; the y below the last line."""
        self.set_font(FONT, size=size)
        step = size * PT_MM * LINE_SPACING
        for line in lines:
            if line:
                self.text(x, y + size * PT_MM, line)
            y += step
        return y


def _text_pages(pdf: _Printer, report: Report) -> None:
    width = pdf.w - 2 * MARGIN_MM
    pdf.add_page(orientation="portrait")
    y = pdf.t_margin
    y = pdf.lines_at(pdf.wrap(report.title, width, 17), MARGIN_MM, y, 17) + 3
    blocks = [report.subtitle] if report.subtitle else []
    blocks.extend(report.paragraphs)
    step = TEXT_FONT_PT * PT_MM * LINE_SPACING
    for block in blocks:
        for line in pdf.wrap(block, width, TEXT_FONT_PT):
            if y + step > pdf.bottom:
                pdf.add_page(orientation="portrait")
                y = pdf.t_margin
            y = pdf.lines_at([line], MARGIN_MM, y, TEXT_FONT_PT)
        y += step / 2


def _figure_page(pdf: _Printer, caption: str, chart: Figure) -> None:
    """The chart as an image below the caption: its own text cannot collide with the page's."""
    FigureCanvasAgg(chart)
    buffer = io.BytesIO()
    with matplotlib.rc_context(cjk_rc_params()):
        chart.savefig(buffer, format="png", dpi=CHART_DPI, bbox_inches="tight")
    buffer.seek(0)
    pdf.add_page(orientation="portrait")
    y = pdf.lines_at([caption], MARGIN_MM, pdf.t_margin, 13) + 3
    box_w, box_h = pdf.w - 2 * MARGIN_MM, pdf.bottom - y
    pdf.image(buffer, x=MARGIN_MM, y=y, w=box_w, h=box_h, keep_aspect_ratio=True)


def _column_groups(frame: pd.DataFrame) -> list[pd.DataFrame]:
    if len(frame.columns) <= MAX_TABLE_COLUMNS:
        return [frame]
    first, rest = frame.columns[0], list(frame.columns[1:])
    step = MAX_TABLE_COLUMNS - 1
    return [frame[[first, *rest[i : i + step]]] for i in range(0, len(rest), step)]


def _column_widths(pdf: _Printer, header: list[str], body: list[list[str]]) -> list[float]:
    """Widths in mm filling the page. Each column wants its natural width (widest cell,
    capped); narrow columns get theirs, and what is left is shared among the wide ones
    (water-filling), so names stay on one line while there is room and numbers never take it.
    """
    available = A4_LANDSCAPE_WIDTH_MM - 2 * MARGIN_MM  # tables are set on landscape pages
    natural = []
    for index, name in enumerate(header):
        widest = max(
            [pdf.width_of(name, TABLE_FONT_PT) / 2]
            + [pdf.width_of(row[index], TABLE_FONT_PT) for row in body]
        )
        natural.append(min(max(widest + 2 * CELL_PAD_MM, MIN_COLUMN_MM), MAX_NATURAL_COLUMN_MM))
    if sum(natural) <= available:
        scale = available / sum(natural)
        return [width * scale for width in natural]
    widths = list(natural)
    wide = set(range(len(natural)))
    remaining = available
    while wide:
        fair = remaining / len(wide)
        fitting = {i for i in wide if natural[i] <= fair}
        if not fitting:
            for i in wide:
                widths[i] = fair
            break
        wide -= fitting
        remaining -= sum(natural[i] for i in fitting)
    return widths


def _table(pdf: _Printer, title: str, frame: pd.DataFrame) -> None:
    header = [str(column) for column in frame.columns]
    body = [[_cell(value) for value in row] for row in frame.itertuples(index=False)]
    widths = _column_widths(pdf, header, body)
    line_h = TABLE_FONT_PT * PT_MM * LINE_SPACING
    inner = [w - 2 * CELL_PAD_MM for w in widths]
    head_lines = [pdf.wrap(name, w, TABLE_FONT_PT) for name, w in zip(header, inner, strict=True)]

    def draw_row(cells: list[list[str]], y: float, fill: bool) -> float:
        height = max(len(lines) for lines in cells) * line_h + 2 * CELL_PAD_MM
        if fill:
            pdf.set_fill_color(240, 244, 248)
            pdf.rect(MARGIN_MM, y, sum(widths), height, style="F")
        x = MARGIN_MM
        pdf.set_draw_color(190, 200, 210)
        pdf.set_line_width(0.15)
        for lines, width in zip(cells, widths, strict=True):
            pdf.rect(x, y, width, height)
            pdf.lines_at(lines, x + CELL_PAD_MM, y + CELL_PAD_MM, TABLE_FONT_PT)
            x += width
        return y + height

    def new_page(suffix: str) -> float:
        pdf.add_page(orientation="landscape")
        y = pdf.lines_at([title + suffix], MARGIN_MM, pdf.t_margin, 12) + 2
        return draw_row(head_lines, y, fill=True)

    y = new_page("")
    for row in body:
        cells = [pdf.wrap(text, w, TABLE_FONT_PT) for text, w in zip(row, inner, strict=True)]
        height = max(len(lines) for lines in cells) * line_h + 2 * CELL_PAD_MM
        if y + height > pdf.bottom:
            y = new_page("（续）")
        y = draw_row(cells, y, fill=False)


def _table_pages(pdf: _Printer, table: ReportTable) -> None:
    groups = _column_groups(table.frame)
    for number_, group in enumerate(groups, start=1):
        suffix = f"（第 {number_}/{len(groups)} 组列）" if len(groups) > 1 else ""
        _table(pdf, table.title + suffix, group)


def render_print_pdf(report: Report, header: PrintHeader | None = None) -> bytes:
    """A4 PDF of ``report`` with header, page numbers, captions and ≥ 9 pt tables."""
    pdf = _Printer(report.title, header or PrintHeader())
    _text_pages(pdf, report)
    with matplotlib.rc_context(cjk_rc_params()):
        for caption, factory in report.figures:
            _figure_page(pdf, caption, factory())
    for table in report.tables:
        _table_pages(pdf, table)
    return bytes(pdf.output())
