"""人才地图 of talent stock (高技能 / 专业技术人才 by city) and supplied boundary files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from data.store import make_engine, read_candidates_frame
from models.catalogue.periods import period_window
from models.catalogue.talent_stock import read_talent_stock, talent_stock, write_talent_stock
from service.dashboard.geo import schematic_shapes
from service.main import create_app
from tests.service.test_catalogue_api import Published, publish_sample
from tests.service.test_dashboard import HTML, login

CITY = re.compile(r'<path class="city" data-city-code="44\d\d"')


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    return publish_sample(tmp_path_factory.mktemp("talent_maps"))


@pytest.fixture(scope="module")
def browser(published: Published) -> Iterator[TestClient]:
    with TestClient(create_app(published.settings), raise_server_exceptions=False) as client:
        login(client, published.planner_key)
        yield client


def _row(html: str, city_code: str) -> list[str]:
    found = re.search(rf'<tr data-city-code="{city_code}">(.*?)</tr>', html, re.S)
    assert found, f"no row for {city_code}"
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in found.group(1).split("</td>")][:-1]


@pytest.mark.parametrize("kind", ["high_skilled", "professional"])
@pytest.mark.parametrize("metric", ["count", "share"])
def test_talent_maps_show_every_city(browser: TestClient, kind: str, metric: str) -> None:
    response = browser.get(f"/map/talent?kind={kind}&metric={metric}", headers=HTML)
    assert response.status_code == 200, response.text[:300]
    html = response.text
    assert len(CITY.findall(html)) == 21
    assert html.count('<tr data-city-code="44') == 21
    title = "高技能人才" if kind == "high_skilled" else "专业技术人才"
    assert f"广东省{title}地图" in html and "不是全口径人才统计" in html
    assert 'href="/map"' in html  # the tab back to the shortage map


def test_high_skilled_count_matches_the_records(browser: TestClient, published: Published) -> None:
    """Counted independently from the stored candidates: 高级工 (3) and above, 12 months."""
    engine = make_engine(published.settings.database_url)
    try:
        seekers = read_candidates_frame(engine)
    finally:
        engine.dispose()
    window = period_window("2026Q4")
    registered = pd.to_datetime(seekers["registered_on"])
    recent = seekers[(registered >= window.end - pd.DateOffset(months=12)) & (registered < window.end)]
    by_city = recent.groupby("city_code")
    city = by_city.size().idxmax()
    expected_all = int(by_city.size()[city])
    expected_high = int((recent[recent["city_code"] == city]["skill_level"].astype(int) >= 3).sum())
    html = browser.get("/map/talent?kind=high_skilled", headers=HTML).text
    cells = _row(html, city)
    assert cells[3] == f"{expected_all:,}"
    shown_high = cells[4]
    if expected_high >= published.settings.min_cell_size:
        assert shown_high == f"{expected_high:,}"
        assert cells[5] == f"{expected_high / expected_all * 100:.1f}%"
    else:
        assert shown_high == "—" and cells[5] == "—"


def test_small_cells_are_withheld() -> None:
    seekers = pd.DataFrame(
        {
            "city_code": ["4401"] * 12 + ["4403"] * 3,
            "skill_level": [3] * 11 + [0] + [4] * 3,
            "title_level": [0] * 15,
            "registered_on": pd.to_datetime(["2026-11-01"] * 15),
        }
    )
    table = talent_stock(seekers, period_window("2026Q4"), min_cell_size=10).set_index("city_code")
    assert table.loc["4401", "high_skilled"] == 11
    assert table.loc["4401", "high_skilled_share"] == pytest.approx(11 / 12)
    assert pd.isna(table.loc["4403", "high_skilled"]) and pd.isna(table.loc["4403", "seekers"])
    assert pd.isna(table.loc["4403", "high_skilled_share"])  # derived from withheld counts
    assert pd.isna(table.loc["4401", "high_skilled_change"])  # no previous year: not +inf


def test_published_file_is_what_the_page_reads(published: Published, tmp_path: Path) -> None:
    seekers = pd.DataFrame(
        {
            "city_code": ["4419"] * 40,
            "skill_level": [5] * 40,
            "title_level": [0] * 40,
            "registered_on": pd.to_datetime(["2026-10-15"] * 40),
        }
    )
    settings = published.settings.model_copy(update={"var_dir": tmp_path})
    write_talent_stock(talent_stock(seekers, period_window("2026Q4"), min_cell_size=10), "2026Q4", tmp_path)
    assert read_talent_stock(tmp_path, "2026Q4") is not None
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client, published.planner_key)
        html = client.get("/map/talent?kind=high_skilled", headers=HTML).text
    assert _row(html, "4419")[3:6] == ["40", "40", "100.0%"]  # the file, not the store


def _geojson(path: Path, *, drop: int = 0, review: bool = True) -> Path:
    shapes = schematic_shapes()
    features = [
        {
            "type": "Feature",
            "properties": {"adcode": int(code + "00")},
            "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in rings[0]]]},
        }
        for code, rings in list(shapes.rings.items())[drop:]
    ]
    collection = {"type": "FeatureCollection", "source": "测试边界", "licence": "CC0", "features": features}
    path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("url", ["/map", "/map/talent?kind=professional"])
def test_boundary_file_from_settings(published: Published, tmp_path: Path, url: str) -> None:
    settings = published.settings.model_copy(
        update={
            "boundary_file": _geojson(tmp_path / "gd.geojson"),
            "boundary_review_number": "粤S(2025)001号",
            "boundary_crs": "CGCS2000",
        }
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client, published.planner_key)
        html = client.get(url, headers=HTML).text
    assert len(CITY.findall(html)) == 21
    assert "审图号：粤S(2025)001号" in html and "坐标系：CGCS2000" in html
    assert "测试边界" in html and "示意图，非行政区划界线" not in html


def test_incomplete_boundary_file_falls_back_and_says_why(
    published: Published, tmp_path: Path
) -> None:
    settings = published.settings.model_copy(
        update={"boundary_file": _geojson(tmp_path / "part.geojson", drop=3)}
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client, published.planner_key)
        html = client.get("/map", headers=HTML).text
    assert "缺少 3 个城市，已改用示意图" in html and "示意图，非行政区划界线" in html
    assert len(CITY.findall(html)) == 21
