"""Catalogue and supply-report exports parse back and carry the Chinese names."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import warnings

import pandas as pd
import pytest
from matplotlib.figure import Figure
from openpyxl import load_workbook

from models.catalogue import build_catalogue
from models.catalogue.diff import diff_entries, diff_summary
from models.catalogue.document import figure_png
from models.catalogue.render import render_catalogue
from models.catalogue.sample import sample_records
from models.catalogue.supply import render_supply_html, render_supply_pdf, supply_flow

NAMES = ("深圳市", "计算机软件工程技术人员", "电工电器工程技术人员")


@pytest.fixture(scope="module")
def records() -> tuple[pd.DataFrame, pd.DataFrame]:
    return sample_records()


@pytest.fixture(scope="module")
def edition(records) -> tuple[pd.DataFrame, dict[str, object]]:
    catalogue = build_catalogue(*records, "2026Q4")
    header = {"edition_id": 1, "period": "2026Q4", "revision": 1, "meta": catalogue.meta}
    return catalogue.entries, header


def _pdf_text(payload: bytes) -> str:
    pdftotext = shutil.which("pdftotext")
    assert pdftotext, "pdftotext (poppler-utils) is needed to check PDF text"
    done = subprocess.run(
        [pdftotext, "-q", "-", "-"], input=payload, capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def test_json_round_trip(edition):
    entries, header = edition
    payload = json.loads(render_catalogue(entries, header, "json"))
    assert payload["edition"]["period"] == "2026Q4"
    back = pd.DataFrame(payload["entries"])
    assert back.columns.tolist() == entries.columns.tolist()
    assert back.to_dict("records") == json.loads(entries.to_json(orient="records"))


def test_csv_has_bom_chinese_headers_and_no_json(edition):
    entries, header = edition
    payload = render_catalogue(entries, header, "csv")
    assert payload.startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", dtype={"城市代码": str,
                       "行业代码": str})  # fmt: skip
    assert back["城市"].tolist() == entries["city_name"].tolist()
    assert back["紧缺指数"].tolist() == entries["shortage_index"].tolist()
    assert not any(re.fullmatch(r"[a-z_0-9]+", str(column)) for column in back.columns)
    trend = str(back["求人倍率走势"].iloc[0])
    assert "[" not in trend and "、" in trend
    assert not back.astype(str).apply(lambda col: col.str.startswith(("[", "{"))).any().any()


def test_csv_english_field_names_on_request(edition):
    entries, header = edition
    payload = render_catalogue(entries, {**header, "headers": "en"}, "csv")
    back = pd.read_csv(io.BytesIO(payload), encoding="utf-8-sig", dtype={"city_code": str})
    assert back.columns.tolist() == entries.columns.tolist()
    assert back["city_name"].tolist() == entries["city_name"].tolist()


def test_xlsx_opens_and_has_native_charts(edition):
    entries, header = edition
    workbook = load_workbook(io.BytesIO(render_catalogue(entries, header, "xlsx")))
    assert {"目录", "证据", "城市统计", "方法说明"} <= set(workbook.sheetnames)
    listing = workbook["目录"]
    assert listing["B1"].value == "城市"
    assert listing["B2"].value == entries["city_name"].iloc[0]
    assert len(listing._charts) == 1
    assert len(workbook["城市统计"]._charts) == 1
    evidence = [cell.value for cell in workbook["证据"][1]]
    assert "城市" in evidence and "city_name" not in evidence
    assert workbook["方法说明"]["A1"].value == "方法说明"


def test_html_is_self_contained_and_names_places_and_jobs(edition):
    entries, header = edition
    html = render_catalogue(entries, header, "html").decode("utf-8")
    for name in NAMES:
        assert name in html
    assert "http://" not in html and "https://" not in html
    assert "data:image/png;base64," in html
    assert "方法说明" in html
    assert "数据截至 2026-12" in html


@pytest.mark.slow
def test_pdf_text_contains_chinese_names(edition):
    entries, header = edition
    payload = render_catalogue(entries, header, "pdf")
    assert payload.startswith(b"%PDF")
    text = _pdf_text(payload)
    for name in NAMES:
        assert name in text


@pytest.mark.slow
def test_supply_report_html_and_pdf(records):
    flow = supply_flow(*records, "2026Q4")
    assert {"城市", "求职人数", "求职同比", "求人倍率"} <= set(flow.by_city.columns)
    assert flow.flows["流向大湾区"].sum() > 0
    html = render_supply_html(flow).decode("utf-8")
    text = _pdf_text(render_supply_pdf(flow))
    for content in (html, text):
        assert "湛江市" in content and "软件和信息技术服务业" in content
        assert "流向大湾区" in content


def test_chinese_chart_raises_no_missing_glyph_warning():
    def chart() -> Figure:
        figure = Figure()
        axes = figure.add_subplot()
        axes.bar(["广州市", "深圳市"], [1, 2])
        axes.set_title("急需紧缺人才目录 紧缺指数 ★")
        return figure

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would fail here
        png = figure_png(chart)
    assert png.startswith(b"\x89PNG")


def test_diff_categories_on_a_constructed_pair():
    def frame(rows):
        return pd.DataFrame(
            rows, columns=["city_code", "industry_code", "occupation_code", "stars"]
        )

    old = frame([("4401", "65", "2-02-10-03", 3), ("4403", "65", "2-02-10-03", 5),
                 ("4406", "38", "2-02-11-01", 4), ("4408", "83", "2-05-08-05", 3)])  # fmt: skip
    new = frame([("4401", "65", "2-02-10-03", 5), ("4403", "65", "2-02-10-03", 4),
                 ("4406", "38", "2-02-11-01", 4), ("4419", "39", "2-02-11-01", 3)])  # fmt: skip
    changes = diff_entries(old, new).set_index("key")
    assert changes.loc["4401|65|2-02-10-03", "change"] == "upgraded"
    assert changes.loc["4403|65|2-02-10-03", "change"] == "downgraded"
    assert changes.loc["4406|38|2-02-11-01", "change"] == "unchanged"
    assert changes.loc["4408|83|2-05-08-05", "change"] == "removed"
    assert changes.loc["4419|39|2-02-11-01", "change"] == "new"
    assert pd.isna(changes.loc["4419|39|2-02-11-01", "old_grade"])
    assert changes.loc["4401|65|2-02-10-03", "new_grade"] == 5
    assert diff_summary(changes) == {
        "new": 1, "removed": 1, "upgraded": 1, "downgraded": 1, "unchanged": 1
    }  # fmt: skip
