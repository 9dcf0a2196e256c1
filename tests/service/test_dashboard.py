"""Dashboard pages (server-rendered HTML) on a store with two published editions."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from fastapi.testclient import TestClient

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
from tests.service.test_catalogue_api import Published, publish_sample

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


def _fake_bundle(unique_id: str) -> SimpleNamespace:
    months = pd.date_range("2027-01-01", periods=3, freq="MS")

    def frame(level: float) -> pd.DataFrame:
        point = np.full(3, level)
        return pd.DataFrame(
            {
                "unique_id": unique_id,
                "ds": months,
                "forecast": point,
                "forecast-lo-80": point * 0.8,
                "forecast-hi-80": point * 1.2,
                "forecast-lo-95": point * 0.6,
                "forecast-hi-95": point * 1.4,
            }
        )

    return SimpleNamespace(
        forecasts={
            "occupation": {"demand": frame(120.0), "supply": frame(10.0), "ratio": frame(12.0)}
        },
        backtest_series=pd.DataFrame(
            {
                "panel": ["occupation/demand"],
                "model": ["ets"],
                "unique_id": [unique_id],
                "mase": [0.83],
                "smape": [0.12],
            }
        ),
        selection=pd.DataFrame(
            {"panel": ["occupation/demand"], "model": ["ets"], "chosen": [True]}
        ),
        warnings=pd.DataFrame(
            {
                "unique_id": [unique_id],
                "ds": [months[0]],
                "rule": ["ratio_threshold"],
                "level": ["红色"],
                "severity": [3.2],
                "evidence": [{"lower": 9.6}],
                "message_zh": ["深圳市 · 计算机软件工程技术人员 预测求人倍率超过预警线"],
                "hierarchy": ["occupation"],
            }
        ),
    )


@pytest.fixture(scope="module")
def with_forecast(published: Published, tmp_path_factory: pytest.TempPathFactory):
    registry = tmp_path_factory.mktemp("registry")
    save_artifact(
        _fake_bundle("/".join(SERIES)),
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
