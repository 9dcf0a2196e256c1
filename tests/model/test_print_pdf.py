"""Print-ready PDFs (catalogue and 供给状况和流动趋势研判报告): every page rendered to PNG, the
text layer free of overlapping words, with the header, page numbers and every entry's name."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pandas as pd
import pytest

from data.fonts import cjk_rc_params
from models.catalogue import build_catalogue
from models.catalogue.charts import top_entries_figure
from models.catalogue.print_pdf import DEFAULT_ISSUER
from models.catalogue.render import render_pdf_report
from models.catalogue.sample import sample_records
from models.catalogue.supply import render_supply_pdf, supply_flow, suppressed_flow

pytestmark = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils not installed (scripts/system_deps.sh)",
)
WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
PAGE = re.compile(r"<page [^>]*>(.*?)</page>", re.S)


@pytest.fixture(scope="module")
def catalogue() -> tuple[pd.DataFrame, dict[str, object]]:
    vacancies, candidates = sample_records()
    built = build_catalogue(vacancies, candidates, "2026Q4")
    return built.entries, {"period": "2026Q4", "revision": 1, "meta": built.meta}


def _check(pdf: bytes, folder: Path) -> tuple[str, int]:
    path = folder / "report.pdf"
    path.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(folder / "page")], check=True)
    pngs = sorted(folder.glob("page-*.png"))
    bbox = subprocess.run(
        ["pdftotext", "-bbox", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    pages = PAGE.findall(bbox)
    assert len(pngs) == len(pages) > 1
    for number, page in enumerate(pages, start=1):
        boxes = [
            (float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(page)
        ]
        for i, (x0, y0, x1, y1, word) in enumerate(boxes):
            for u0, v0, u1, v1, other in boxes[i + 1 :]:
                overlap_x = min(x1, u1) - max(x0, u0)
                overlap_y = min(y1, v1) - max(y0, v0)
                assert not (overlap_x > 1.0 and overlap_y > 1.0), (number, word, other)
        assert f"第 {number} 页 / 共 {len(pages)} 页".replace(" ", "") in _squash(page)
        assert DEFAULT_ISSUER in _squash(page)
    return _squash(bbox), len(pages)


def _squash(bbox: str) -> str:
    return "".join(word for *_box, word in WORD.findall(bbox))


def test_catalogue_pdf_is_print_ready(catalogue, tmp_path: Path) -> None:
    entries, edition = catalogue
    text, _pages = _check(render_pdf_report(entries, edition), tmp_path)
    assert "2026Q4第1版" in text
    for city, occupation in zip(entries["city_name"], entries["occupation_name"], strict=True):
        assert city in text and str(occupation).strip().replace(" ", "") in text


def test_flow_report_pdf_is_print_ready(tmp_path: Path) -> None:
    vacancies, candidates = sample_records()
    flow = suppressed_flow(supply_flow(vacancies, candidates, "2026Q4"), 3)
    text, _pages = _check(render_supply_pdf(flow), tmp_path)
    for name in ("求职者流向矩阵", "流向大湾区占比", "季度", "广州市", "分区域供给状况"):
        assert name in text


def test_one_bar_per_entry_even_with_duplicate_names(catalogue) -> None:
    entries, _edition = catalogue
    twice = pd.concat([entries, entries], ignore_index=True)
    twice["rank"] = range(1, len(twice) + 1)
    with matplotlib.rc_context(cjk_rc_params()):
        axes = top_entries_figure(twice).axes[0]
    labels = [tick.get_text() for tick in axes.get_yticklabels()]
    assert len(axes.patches) == len(twice) == len(labels) == len(set(labels))
    assert all(" · " in label for label in labels)


def test_long_table_keeps_every_row_and_repeats_its_header(tmp_path: Path) -> None:
    """A table longer than a page flows onto continuation pages: every row's Chinese text is
    in the text layer, each page of the table starts with the column header, nothing
    overlaps (checked by ``_check``)."""
    from models.catalogue.document import Report, ReportTable
    from models.catalogue.print_pdf import render_print_pdf

    cities = ["广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "河源市"]
    frame = pd.DataFrame(
        {
            "序号": range(1, 121),
            "城市": [cities[i % len(cities)] for i in range(120)],
            "职业": [f"第{i}号紧缺工种技术人员" for i in range(1, 121)],
            "求人倍率": [1.5 + i / 100 for i in range(120)],
        }
    )
    report = Report(title="长表测试", tables=(ReportTable("紧缺岗位", frame),))
    text, pages = _check(render_print_pdf(report), tmp_path)
    for number in range(1, 121):
        assert f"第{number}号紧缺工种技术人员" in text
    assert pages >= 3
    assert text.count("序号城市职业求人倍率") == pages - 1  # every table page, not the cover
