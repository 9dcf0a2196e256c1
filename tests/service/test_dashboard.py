"""Dashboard pages (server-rendered HTML) on a store with two published editions."""

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
from models.registry import save_artifact
from service.dashboard.geo import (
    MapCell,
    convex_hull,
    load_boundary_file,
    render_map_svg,
    schematic_shapes,
    shade,
)
from service.main import create_app
from tests.support.catalogue import Published, fake_bundle, publish_sample

EXTERNAL_URL = re.compile(r"https?://(?!127\.0\.0\.1|localhost)[^\s\"'<>]+")
HTML = {"Accept": "text/html"}
SERIES = ("4403", "2-02-10-03")


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    return publish_sample(tmp_path_factory.mktemp("dashboard"))


def login(client: TestClient, key: str) -> None:
    response = client.post("/login", data={"key": key, "next": "/"}, follow_redirects=False)
    assert response.status_code == 303 and "yuecai_key" in response.headers["set-cookie"]


@pytest.fixture(scope="module")
def browser(published: Published) -> Iterator[TestClient]:
    """A client logged in with the planner's cookie (no Authorization header)."""
    with TestClient(create_app(published.settings), raise_server_exceptions=False) as client:
        login(client, published.planner_key)
        yield client


def _page(client: TestClient, url: str) -> str:
    response = client.get(url, headers=HTML)
    assert response.status_code == 200, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert EXTERNAL_URL.findall(response.text) == []
    return response.text


def test_pages_need_a_login(published: Published) -> None:
    with TestClient(create_app(published.settings)) as anonymous:
        response = anonymous.get("/catalogue", headers=HTML, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/login?next=%2Fcatalogue"
        assert anonymous.get("/map", headers={"Accept": "application/json"}).status_code == 401


def test_overview(browser: TestClient, published: Published) -> None:
    html = _page(browser, "/")
    assert 'lang="zh-CN"' in html and "2026Q4" in html
    assert "特别紧缺" in html and "深圳市" in html and "计算机软件工程技术人员" in html
    assert 'href="/map"' in html


def test_editions_list(browser: TestClient, published: Published) -> None:
    html = _page(browser, "/catalogue")
    assert "2026Q3" in html and "2026Q4" in html
    assert f"/catalogue/editions/{published.edition_ids[1]}/export.xlsx" in html


def test_edition_page_filters_pages_and_diff(browser: TestClient, published: Published) -> None:
    new_id = published.edition_ids[1]
    html = _page(browser, f"/catalogue/{new_id}?city_code=4401&zone=&grade_min=")
    rows = re.findall(r'<tr data-city-code="(\d+)">', html)
    assert rows and set(rows) == {"4401"}
    assert '<option value="4401" selected>广州市</option>' in html
    assert "电工电器工程技术人员" in html
    assert "与上一版相比" in html and "降级" in html and "佛山市" in html
    assert re.search(r'<span id="data-through">数据截至 \d{4}-\d{2}</span>', html)
    paged = _page(browser, f"/catalogue/{new_id}?page=2")
    assert "没有符合条件的条目" in paged or "第 2 /" in paged


def test_edition_page_bad_filter_is_422_with_message(browser: TestClient, published: Published):
    response = browser.get(f"/catalogue/{published.edition_ids[1]}?city_code=9999", headers=HTML)
    assert response.status_code == 422 and "query.city_code" in response.text


def test_unknown_edition_and_series_are_404(browser: TestClient) -> None:
    assert browser.get("/catalogue/999", headers=HTML).status_code == 404
    assert browser.get("/series/9999/2-02-10-03", headers=HTML).status_code == 404


def test_series_page_from_history_only(browser: TestClient) -> None:
    html = _page(browser, f"/series/{SERIES[0]}/{SERIES[1]}")
    assert "深圳市 · 计算机软件工程技术人员" in html
    assert html.count('class="series-chart"') == 3
    assert "暂无该序列的预测结果" in html and "目录证据" in html
    assert 'class="history"' in html


@pytest.fixture(scope="module")
def with_forecast(published: Published, tmp_path_factory: pytest.TempPathFactory):
    registry = tmp_path_factory.mktemp("registry")
    save_artifact(
        fake_bundle("/".join(SERIES)),
        "forecast",
        data_range=("2025-01", "2026-12"),
        metrics={"mase": 0.83},
        root=registry,
    )
    settings = published.settings.model_copy(update={"registry_dir": registry})
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        login(client, published.planner_key)
        yield client


def test_series_page_with_forecast_and_intervals(with_forecast: TestClient) -> None:
    html = _page(with_forecast, f"/series/{SERIES[0]}/{SERIES[1]}")
    assert html.count('class="band band-80"') == 3 and html.count('class="band band-95"') == 3
    assert "80% 预测区间" in html and "95% 预测区间" in html
    assert 'id="forecast-table"' in html and "2027-01" in html
    assert 'id="backtest"' in html and "0.830" in html
    backtest = html.split('id="backtest"')[1].split("</table>")[0]
    assert "<td>需求人数</td><td>ets</td>" in backtest  # the variable and model by name


def test_warnings_page_and_json_from_the_bundle(with_forecast: TestClient) -> None:
    html = _page(with_forecast, "/warnings")
    assert "红色" in html and "预测求人倍率超预警线" in html
    body = with_forecast.get("/warnings", headers={"Accept": "application/json"}).json()
    assert body["source"] == "forecast" and body["items"][0]["city_code"] == "4403"


def test_warnings_page_without_a_bundle(browser: TestClient) -> None:
    assert "人才供需预警" in _page(browser, "/warnings")


@pytest.mark.parametrize("metric", ["severe", "mean_index", "entries"])
def test_map_has_21_city_shapes(browser: TestClient, metric: str) -> None:
    html = _page(browser, f"/map?metric={metric}")
    assert len(re.findall(r'<path class="city" data-city-code="44\d\d"', html)) == 21
    assert "广州市" in html and "湛江市" in html and "梅州市" in html
    assert "示意图，非行政区划界线" in html  # no licensed boundary file is vendored


def test_schematic_cells_partition_the_hull() -> None:
    shapes = schematic_shapes()
    assert len(shapes.rings) == 21 and shapes.schematic

    def area(ring: list[tuple[float, float]]) -> float:
        return (
            abs(
                sum(
                    x0 * y1 - x1 * y0
                    for (x0, y0), (x1, y1) in zip(ring, ring[1:] + ring[:1], strict=True)
                )
            )
            / 2
        )

    cells = sum(area(rings[0]) for rings in shapes.rings.values())
    hull = area(convex_hull([p for rings in shapes.rings.values() for p in rings[0]]))
    assert cells == pytest.approx(hull, rel=1e-6)


def test_boundary_file_loader(tmp_path: Path) -> None:
    path = tmp_path / "cities.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "source": "test", "licence": "CC0", "features": ['
        '{"type": "Feature", "properties": {"adcode": 440100}, "geometry": {"type": "Polygon",'
        ' "coordinates": [[[113, 23], [114, 23], [114, 24], [113, 23]]]}}]}',
        encoding="utf-8",
    )
    shapes = load_boundary_file(path)
    assert not shapes.schematic and list(shapes.rings) == ["4401"]
    svg = render_map_svg([MapCell("4401", "广州市", "广州", 3.0, "广州市 3")], shapes, title="t")
    assert svg.count('class="city"') == 1 and "<title>广州市 3</title>" in svg


@pytest.mark.parametrize(
    ("value", "colour"), [(None, "#e5e7eb"), (0.0, "#fde0d9"), (10.0, "#a50f15")]
)
def test_shade(value: float | None, colour: str) -> None:
    assert shade(value, 10.0) == colour


# --- 人才地图 of talent stock and supplied boundary files ---------------------------------

CITY = re.compile(r'<path class="city" data-city-code="44\d\d"')


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
    recent = seekers[
        (registered >= window.end - pd.DateOffset(months=12)) & (registered < window.end)
    ]
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
    write_talent_stock(
        talent_stock(seekers, period_window("2026Q4"), min_cell_size=10), "2026Q4", tmp_path
    )
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
    collection = {
        "type": "FeatureCollection",
        "source": "测试边界",
        "licence": "CC0",
        "features": features,
    }
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
