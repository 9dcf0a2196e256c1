"""The dashboard in a real headless Chromium against a real uvicorn server.

Logs in with the cookie form, filters the catalogue by a city, opens a series page and saves
a screenshot (test tmp dir, copied to ``var/screenshots/dashboard.png``). Driven with
Playwright's Python client on the system Chromium (``/usr/bin/chromium``; no browser
download). Without Chromium or Playwright the test skips, except under CI (``CI=true``),
where it fails.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from data.settings import Settings
from models.registry import save_artifact
from service.main import create_app
from tests.support.catalogue import fake_bundle, publish_sample
from tests.support.service import LiveServerFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT_COPY = Path(__file__).resolve().parents[2] / "var" / "screenshots" / "dashboard.png"
CITY_CODE, CITY_NAME = "4401", "广州市"
OCCUPATION = ("2-02-10-03", "计算机软件工程技术人员")


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"browser test cannot run under CI: {reason}")
    pytest.skip(reason)


def _require_browser() -> Any:
    """Playwright's ``sync_playwright`` with Debian's Chromium, or skip (fail under CI)."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"{CHROMIUM} is not installed")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    return sync_playwright


def _sample_with_forecast(tmp_path: Path) -> tuple[Any, Settings]:
    """The published sample store, with a forecast bundle for the browsed series."""
    published = publish_sample(tmp_path / "store")
    registry = tmp_path / "registry"
    save_artifact(
        fake_bundle(f"{CITY_CODE}/{OCCUPATION[0]}"),
        "forecast",
        data_range=("2025-01", "2026-12"),
        metrics={},
        root=registry,
    )
    return published, published.settings.model_copy(update={"registry_dir": registry})


def test_filter_catalogue_and_open_series(
    tmp_path: Path, live_server_factory: LiveServerFactory
) -> None:
    sync_playwright = _require_browser()
    published, settings = _sample_with_forecast(tmp_path)
    screenshot = tmp_path / "dashboard.png"
    with live_server_factory(create_app(settings)) as base_url, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.goto(f"{base_url}/catalogue")  # not logged in: sent to the login form
            assert "/login" in page.url
            page.fill("#key", published.planner_key)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/catalogue")
            page.click("text=2026Q4")
            page.wait_for_selector("#filter-city")
            with page.expect_navigation():  # dashboard.js submits the form on change
                page.select_option("#filter-city", CITY_CODE)
            assert f"city_code={CITY_CODE}" in page.url
            rows = page.locator("#entries tbody tr")
            assert rows.count() >= 1
            assert set(rows.evaluate_all("rs => rs.map(r => r.dataset.cityCode)")) == {CITY_CODE}
            cities = page.locator("#entries tbody td.city").all_inner_texts()
            assert cities and set(cities) == {CITY_NAME}
            assert page.locator("#filter-city option:checked").inner_text() == CITY_NAME
            page.click(f"#entries a[href$='/series/{CITY_CODE}/{OCCUPATION[0]}']")
            page.wait_for_selector("svg.series-chart")
            assert page.locator("h1").inner_text() == f"{CITY_NAME} · {OCCUPATION[1]}"
            assert page.locator("svg.series-chart").count() == 3
            assert page.locator("svg.series-chart polygon.band-80").count() == 3
            legend = page.locator("#interval-legend").inner_text()
            assert "80% 预测区间" in legend and "95% 预测区间" in legend
            page.screenshot(path=str(screenshot), full_page=True)
            page.goto(f"{base_url}/map")
            assert page.locator("svg.talent-map path.city").count() == 21
            page.screenshot(path=str(tmp_path / "map.png"), full_page=True)
        finally:
            context.close()
    assert screenshot.stat().st_size > 10_000
    SCREENSHOT_COPY.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(screenshot, SCREENSHOT_COPY)
    shutil.copyfile(tmp_path / "map.png", SCREENSHOT_COPY.with_name("map.png"))


SCREENSHOT_DIR = SCREENSHOT_COPY.parent / "planner-pages"


def test_screenshots_of_every_planner_page(
    tmp_path: Path, live_server_factory: LiveServerFactory
) -> None:
    """Overview, an edition, a series page, 预警, the flow report, the shortage and both
    talent-stock maps and 专栏1 (with a value entered through its form on the login cookie),
    saved as PNG to ``var/screenshots/planner-pages/`` for a person to look at."""
    sync_playwright = _require_browser()
    published, settings = _sample_with_forecast(tmp_path)
    pages = {
        "overview": ("/", "广东省人才供需概览"),
        "edition": (f"/catalogue/{published.edition_ids[1]}", "紧缺目录"),
        "series": (f"/series/{CITY_CODE}/{OCCUPATION[0]}", OCCUPATION[1]),
        "warnings": ("/warnings", "人才供需预警"),
        "reports": ("/reports", "供给状况和流动趋势研判报告"),
        "flow-report": ("/reports/supply-flow?period=2026Q4", "求职者流向矩阵"),
        "map": ("/map", "人才地图"),
        "map-high-skilled": ("/map/talent?kind=high_skilled", "广东省高技能人才地图"),
        "map-professional": ("/map/talent?kind=professional", "广东省专业技术人才地图"),
        "indicators": ("/indicators", "高技能人才人数"),
    }
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    with live_server_factory(create_app(settings)) as base_url, sync_playwright() as driver:
        context = driver.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            locale="zh-CN",
            viewport={"width": 1280, "height": 900},
        )
        try:
            page = context.new_page()
            page.goto(f"{base_url}/catalogue")  # sent to the login form, then back
            page.fill("#key", published.planner_key)
            page.click("button[type=submit]")
            page.wait_for_url(f"{base_url}/catalogue")
            for name, (path, expected) in pages.items():
                response = page.goto(f"{base_url}{path}")
                assert response is not None and response.status < 400, path
                assert expected in page.content(), path
                assert " nan " not in f" {page.inner_text('body')} ", path
                page.screenshot(path=str(SCREENSHOT_DIR / f"{name}.png"), full_page=True)
            page.goto(f"{base_url}/indicators")
            page.select_option("select[name=indicator_id]", "high_skilled_workers_total")
            page.fill("input[name=period]", "2025")
            page.fill("input[name=value]", "560")
            page.click("#observation-form button[type=submit]")
            page.wait_for_selector("#saved")
            assert "2025 期为 560 万人" in page.inner_text("#saved")
            page.screenshot(path=str(SCREENSHOT_DIR / "indicators-saved.png"), full_page=True)
        finally:
            context.close()
    for name in [*pages, "indicators-saved"]:
        assert (SCREENSHOT_DIR / f"{name}.png").stat().st_size > 10_000
