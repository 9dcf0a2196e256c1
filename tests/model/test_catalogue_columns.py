"""The catalogue's planner columns (产业集群, 岗位名称, 能力要求, 紧缺类型 …) and ENTRY_COLUMNS."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from models.catalogue import build_catalogue
from models.catalogue.columns import shortage_type, talent_category
from models.catalogue.document import ENTRY_COLUMNS
from models.catalogue.sample import sample_records


@pytest.fixture(scope="module")
def entries() -> pd.DataFrame:
    vacancies, candidates = sample_records()
    vacancies = vacancies.assign(
        title=["【急聘】电工（包吃住）" if i % 2 else "电气工程师" for i in range(len(vacancies))],
        skills=[("PLC", "电气设计") if i % 3 else ("PLC",) for i in range(len(vacancies))],
    )
    return build_catalogue(vacancies, candidates, "2026Q4").entries


def test_entry_columns_are_labelled_fields_of_every_entry(entries: pd.DataFrame) -> None:
    fields = [name for name, _ in ENTRY_COLUMNS]
    assert len(set(fields)) == len(fields)
    assert set(fields) <= set(entries.columns)
    assert all(re.search(r"[\u4e00-\u9fff]", label) for _, label in ENTRY_COLUMNS)


def test_planner_columns_are_filled(entries: pd.DataFrame) -> None:
    row = entries.iloc[0]
    assert row["job_titles"].split("、")[0] in {"电工", "电气工程师"}  # decorations removed
    assert row["skills_required"].startswith("PLC")
    assert row["talent_category"] == "专业技术人才"  # 2-02-…: an engineering occupation
    assert row["shortage_type"] in {"数量型", "结构型"}
    assert row["major"].endswith("（推定）")
    electronics = entries[entries["industry_code"] == "39"]
    assert not electronics.empty
    assert electronics["industry_cluster"].str.startswith("新一代电子信息").all()


def test_shortage_type_and_talent_category_rules() -> None:
    assert shortage_type(demand=100, supply=10, qualified=10) == "数量型"
    assert shortage_type(demand=100, supply=120, qualified=20) == "结构型"
    assert shortage_type(demand=100, supply=120, qualified=90) == "数量型"
    assert talent_category("6-31-01-03") == "技能人才"
    assert talent_category("2-02-10-03") == "专业技术人才"
