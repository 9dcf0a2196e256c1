"""A store with published catalogue editions, and a stand-in forecast bundle, for the service.

:func:`publish_sample` stores :func:`models.catalogue.sample.sample_records`, publishes the
editions of :data:`PERIODS` from them and issues a planner and a platform key;
:func:`fake_bundle` is what the dashboard's series page reads of a forecast artifact.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from data.records import Candidate, Vacancy
from data.settings import Settings
from data.store import (
    make_engine,
    read_candidates_frame,
    read_vacancies_frame,
    session_scope,
    upgrade_to_head,
    upsert_candidates,
    upsert_vacancies,
)
from data.store.catalogue import publish_edition
from data.store.keys import issue_key
from models.catalogue import build_catalogue
from models.catalogue.sample import sample_records
from models.forecast.bundle import ForecastBundle
from tests.support.service import make_service_settings

__all__ = ["PERIODS", "Published", "fake_bundle", "publish_sample"]

PERIODS = ("2026Q3", "2026Q4")


@dataclass(frozen=True)
class Published:
    """A store with the sample records, two published editions and keys."""

    settings: Settings
    edition_ids: tuple[int, int]
    planner: dict[str, str]
    platform: dict[str, str]
    planner_key: str


def _plain(row: dict[str, object]) -> dict[str, object]:
    return {k: (v.date() if isinstance(v, pd.Timestamp) else v) for k, v in row.items()}


def publish_sample(root: Path) -> Published:
    """Store the sample records, publish 2026Q3 and 2026Q4 from them, issue keys."""
    settings = make_service_settings(root)
    engine = make_engine(settings.database_url)
    try:
        upgrade_to_head(engine)
        vacancies, candidates = sample_records()
        with session_scope(engine) as session:
            upsert_vacancies(
                session, [Vacancy(title="岗位", **_plain(r)) for r in vacancies.to_dict("records")]
            )
            upsert_candidates(
                session, [Candidate(**_plain(r)) for r in candidates.to_dict("records")]
            )
        stored_vacancies, stored_candidates = (
            read_vacancies_frame(engine),
            read_candidates_frame(engine),
        )
        ids = []
        for period in PERIODS:
            catalogue = build_catalogue(stored_vacancies, stored_candidates, period)
            with session_scope(engine) as session:
                ids.append(publish_edition(session, period, catalogue.entries, catalogue.meta))
        with session_scope(engine) as session:
            planner_key = issue_key(session, "planner")[1]
            platform_key = issue_key(session, "platform", "ta")[1]
    finally:
        engine.dispose()
    return Published(
        settings=settings,
        edition_ids=(ids[0].edition_id, ids[1].edition_id),
        planner={"Authorization": f"Bearer {planner_key}"},
        platform={"Authorization": f"Bearer {platform_key}"},
        planner_key=planner_key,
    )


def fake_bundle(unique_id: str) -> ForecastBundle:
    """A forecast bundle holding what the dashboard reads, for one series: three months of
    demand, supply and ratio forecasts with 80/95 % bands, a backtest row and a red warning;
    its other parts are empty (the registry's typed loader accepts only a ``ForecastBundle``)."""
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

    return ForecastBundle(
        h=3,
        levels=(80, 95),
        data_range=("2025-01", "2026-12"),
        history={},
        S={},
        tags={},
        labels={},
        backtest_overall=pd.DataFrame(),
        metrics={"mase": 0.83},
        coherence={},
        model_params={},
        fallback_ids={},
        bottom_maps={},
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
