"""`yuecai demo`: what `make run` does, end to end and idempotent.

1. migrate the store (SQLite by default) and, if it holds no vacancies, generate the seeded
   demo data and load it through the same import path users run (`yuecai ingest`);
2. train the forecasters and the matcher unless the registry already holds them;
3. publish a catalogue edition for the quarter of the latest data, unless one exists;
4. issue fresh demo API keys (admin, planner, platform) and print them once;
5. serve the API, the offline docs and the planners' dashboard.

Every step is a call of the same public function its own command uses, so the demo cannot
drift from what an operator runs by hand.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from training.commands.serve import serve

console = Console()

Host = Annotated[str, typer.Option(help="Interface to bind.")]
Port = Annotated[int, typer.Option(help="TCP port.")]


def _load_demo_data(db_url: str, folder: Path) -> None:
    from data.generator import GeneratorConfig, generate, write
    from data.ingest import ingest_file
    from data.store import open_store

    console.rule("[bold]1/4 演示数据 demo data")
    console.print("generating the seeded synthetic data (data/generator/README.md) …")
    paths = write(generate(GeneratorConfig()), folder, format="csv")
    with open_store(db_url) as engine:
        for kind in ("vacancies", "candidates", "outcomes"):
            report = ingest_file(engine, kind, paths[kind], progress=True)
            console.print(
                f"  {kind:10} inserted {report.inserted:,}  unchanged {report.unchanged:,}"
                f"  bad {report.bad:,}"
            )
            if not report.ok:
                raise typer.Exit(code=1)


def _store_is_empty(db_url: str) -> bool:
    from sqlalchemy import func, select

    from data.store import open_store, session_scope
    from data.store.schema import VacancyRow

    with open_store(db_url) as engine, session_scope(engine) as session:
        return not session.scalar(select(func.count()).select_from(VacancyRow))


def _latest_period(db_url: str) -> str:
    from data.store import open_store, read_vacancies_frame

    with open_store(db_url) as engine:
        latest = read_vacancies_frame(engine)["date_posted"].max()
    return f"{latest.year}Q{(latest.month - 1) // 3 + 1}"


def _has_edition(db_url: str, period: str) -> bool:
    from data.store import open_store, session_scope
    from data.store.catalogue import list_editions

    with open_store(db_url) as engine, session_scope(engine) as session:
        return bool(list_editions(session, period))


def _issue_demo_keys(db_url: str, var_dir: Path) -> dict[str, str]:
    from data.store import open_store, session_scope
    from data.store.keys import issue_key

    keys: dict[str, str] = {}
    with open_store(db_url) as engine, session_scope(engine) as session:
        for role, tenant in (("admin", None), ("planner", None), ("platform", "public")):
            _, keys[role] = issue_key(session, role, tenant_id=tenant, name=f"demo {role}")
    path = var_dir / "demo-keys.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{role}={key}\n" for role, key in keys.items()), encoding="utf-8")
    os.chmod(path, 0o600)
    return keys


def demo(host: Host = "127.0.0.1", port: Port = 8000) -> None:
    """Load the demo data, train, publish a catalogue edition, then serve on localhost."""
    from app.registry import FORECAST, MATCH, Registry
    from data.settings import get_settings
    from training.commands.catalogue import publish
    from training.commands.train_forecast import forecast
    from training.commands.train_match import train_match

    settings = get_settings()
    db_url = settings.database_url
    if _store_is_empty(db_url):
        _load_demo_data(db_url, settings.var_dir / "demo")
    else:
        console.print(f"store already loaded ({db_url}); skipping the demo data")

    console.rule("[bold]2/4 训练 training")
    registry = Registry.from_settings(settings)
    if not registry.versions(FORECAST):
        forecast(db=db_url, h=12, backend="loky", scheduler=None, n_jobs=-1, progress=True)
    else:
        console.print("forecast model already in the registry")
    if not registry.versions(MATCH):
        train_match(db=db_url, test_fraction=0.2, max_eval_queries=300)
    else:
        console.print("match model already in the registry")

    console.rule("[bold]3/4 目录发布 catalogue")
    period = _latest_period(db_url)
    if not _has_edition(db_url, period):
        publish(period=period, db=db_url, out=None, forecast=True)
    else:
        console.print(f"an edition for {period} is already published")

    console.rule("[bold]4/4 服务 serving")
    keys = _issue_demo_keys(db_url, settings.var_dir)
    base = f"http://{host}:{port}"
    console.print(f"dashboard  {base}/login  (planner key below; also in var/demo-keys.txt)")
    console.print(f"API docs   {base}/docs")
    for role, key in keys.items():
        console.print(f"  {role:8} {key}")
    serve(host=host, port=port, workers=1)
