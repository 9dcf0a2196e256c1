"""Crawl every dashboard link reachable from ``/`` as a planner: no response may be ≥ 400.

The store is a real one: the demo generator (39 months — the forecaster needs 36 — at a
quarter of the demo's volume), ingested through the normal import path, a real forecast
trained into the registry and an edition published from it by the catalogue pipeline — what
``make run`` does, at a smaller scale. Every entry of that edition has its series page opened:
200, Chinese, the three charts with their 80/95 % bands.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from fastapi.testclient import TestClient

from data.generator import GeneratorConfig, generate, write
from data.ingest import ingest_file
from data.settings import Settings, get_settings
from data.store import make_engine, session_scope, upgrade_to_head
from data.store.keys import issue_key
from models.catalogue.supply import report_file
from models.catalogue.talent_stock import read_talent_stock
from service.main import create_app
from tests.support.service import make_service_settings

HTML = {"Accept": "text/html"}
LINK = re.compile(r"""href=["']([^"'#]+)["']""")
SKIP = ("/logout", "/static/", "/docs", "/redoc", "/openapi.json", "javascript:")
MAX_PAGES = 400


@dataclass(frozen=True)
class DemoStore:
    settings: Settings
    planner_key: str
    period: str


def make_demo_store(root: Path) -> DemoStore:
    """A small demo store with one published edition (the pipeline's own publish)."""
    from app.publish import publish_catalogue
    from training.commands.train_forecast import forecast

    settings = make_service_settings(root)
    data = generate(GeneratorConfig(start="2023-07", end="2026-09", scale=160.0))
    paths = write(data, root / "demo", format="csv")
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        for kind in ("vacancies", "candidates", "outcomes"):
            assert ingest_file(engine, kind, paths[kind]).ok
        with session_scope(engine) as session:
            planner_key = issue_key(session, "planner")[1]
    finally:
        engine.dispose()
    with pytest.MonkeyPatch.context() as patch:  # training and publication write here
        patch.setenv("YUECAI_VAR_DIR", str(settings.var_dir))
        patch.setenv("YUECAI_REGISTRY_DIR", str(settings.registry_dir))
        get_settings.cache_clear()
        forecast(db=settings.database_url, backend="sequential", n_jobs=1, progress=False)
        publish_catalogue(
            "2026Q3",
            db_url=settings.database_url,
            out_dir=root / "exports",
            registry_root=settings.registry_dir,
            use_registry=True,
        )
    get_settings.cache_clear()
    return DemoStore(settings, planner_key, "2026Q3")


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> DemoStore:
    return make_demo_store(tmp_path_factory.mktemp("crawl"))


@pytest.fixture(scope="module")
def planner(demo_store: DemoStore) -> Iterator[TestClient]:
    with TestClient(create_app(demo_store.settings), raise_server_exceptions=False) as client:
        response = client.post(
            "/login", data={"key": demo_store.planner_key, "next": "/"}, follow_redirects=False
        )
        assert response.status_code == 303
        yield client


def _links(base: str, html: str) -> list[str]:
    found = []
    for href in LINK.findall(html):
        url = urljoin(base, href.replace("&amp;", "&"))
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or url.startswith(SKIP):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(SKIP):
            found.append(path)
    return found


@pytest.mark.slow
def test_every_reachable_link_answers_below_400(planner: TestClient) -> None:
    seen: set[str] = set()
    queue = ["/"]
    failures: list[str] = []
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = planner.get(path, headers=HTML, follow_redirects=True)
        if response.status_code >= 400:
            failures.append(f"{response.status_code} {path}")
            continue
        if response.headers.get("content-type", "").startswith("text/html"):
            queue.extend(_links(f"http://testserver{path}", response.text))
            assert "nan" not in re.sub(r"<[^>]+>", " ", response.text).split(), path
    assert len(seen) > 10
    assert failures == []


def test_browser_errors_are_chinese_html_and_api_errors_problem_json(
    planner: TestClient,
) -> None:
    page = planner.get("/catalogue/999999", headers=HTML)
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "页面不存在" in page.text and page.headers["x-request-id"] in page.text
    api = planner.get("/catalogue/999999", headers={"Accept": "application/json"})
    assert api.status_code == 404
    assert api.headers["content-type"].startswith("application/problem+json")


def test_flow_report_is_served_from_publication(planner: TestClient, demo_store: DemoStore) -> None:
    published = report_file(demo_store.settings.var_dir, demo_store.period, "html")
    assert published.is_file()
    page = planner.get("/reports/supply-flow", params={"period": demo_store.period}, headers=HTML)
    assert page.status_code == 200 and page.content == published.read_bytes()
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page.text, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    assert "流向矩阵" in text and "流向大湾区占比" in text and "季度" in text
    assert re.findall(r"[A-Za-z]{3,}", text) == []  # Chinese only (codes like 2026Q3 aside)
    future = planner.get("/reports/supply-flow", params={"period": "2030Q1"}, headers=HTML)
    assert future.status_code == 422 and "超出数据范围" in future.text


def test_talent_maps_read_the_stock_written_at_publication(
    planner: TestClient, demo_store: DemoStore
) -> None:
    stored = read_talent_stock(demo_store.settings.var_dir, demo_store.period)
    assert stored is not None, "publication wrote no talent stock"
    shown = [row for row in stored["rows"] if row["high_skilled"] is not None]
    assert len(stored["rows"]) == 21 and len(shown) >= 5  # demo volumes: most cities visible
    for kind in ("high_skilled", "professional"):
        page = planner.get("/map/talent", params={"kind": kind}, headers=HTML)
        assert page.status_code == 200
        for row in stored["rows"]:
            if row[kind] is not None:
                assert f'<td class="num">{round(row[kind]):,}</td>' in page.text, row["name"]


def test_every_entry_opens_its_series_page_with_bands(planner: TestClient) -> None:
    """Each entry links to the series its forecast was made at; that page has all three
    charts (demand, supply, 求人倍率) with 80 % and 95 % bands and the forecast table."""
    editions = planner.get("/catalogue/editions", headers={"Accept": "application/json"}).json()
    edition_id = editions["items"][0]["edition_id"]
    entries: list[dict[str, object]] = []
    page = 1
    while True:
        body = planner.get(
            f"/catalogue/editions/{edition_id}/entries",
            params={"size": 200, "page": page},
            headers={"Accept": "application/json"},
        ).json()
        entries += body["items"]
        if len(entries) >= body["total"]:
            break
        page += 1
    assert entries, "the demo edition has no entries"
    edition_html = planner.get(f"/catalogue/{edition_id}", headers=HTML).text
    failures = []
    for entry in entries:
        evidence = entry["evidence"]
        assert isinstance(evidence, dict)
        series = evidence.get("forecast_series")
        lo, hi = evidence.get("forecast_lo_80"), evidence.get("forecast_hi_95")
        if not series or lo is None or hi is None:
            failures.append(f"no forecast: {entry['city_code']} {entry['occupation_code']}")
            continue
        assert isinstance(series, str)
        page_html = planner.get(f"/series/{series}", headers=HTML)
        html = page_html.text
        if page_html.status_code != 200:
            failures.append(f"{page_html.status_code} /series/{series}")
        elif not (
            html.count('class="band band-80"') == 3
            and html.count('class="band band-95"') == 3
            and 'id="forecast-table"' in html
            and "求人倍率" in html
        ):
            failures.append(f"no chart with bands: /series/{series}")
    assert failures == []
    assert f'href="/series/{entries[0]["evidence"]["forecast_series"]}"' in edition_html
