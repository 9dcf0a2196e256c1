"""Small constructed records for the matching tests: a 广州 electrician vacancy and job seeker,
funnel events, and the frame the engine reads."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from data.levels import Education, SkillLevel, TitleLevel
from data.records import Candidate, MatchOutcome, OutcomeEvent, Vacancy

ELECTRICIAN = "6-31-01-03"
WELDER = "6-18-02-04"
PROGRAMMER = "2-02-10-03"


def vacancy(vacancy_id: str = "v1", **overrides: Any) -> Vacancy:
    """A 广州 electrician vacancy; override any field."""
    fields: dict[str, Any] = {
        "vacancy_id": vacancy_id,
        "title": "电工",
        "description": "负责厂区电气设备安装维修，持证上岗",
        "occupation_code": ELECTRICIAN,
        "city_code": "4401",
        "date_posted": date(2024, 3, 1),
        "valid_through": date(2024, 6, 30),
        "headcount": 2,
        "base_salary_min": 6000,
        "base_salary_max": 9000,
        "skills": ("电气安装", "PLC"),
    }
    fields.update(overrides)
    return Vacancy(**fields)


def candidate(candidate_id: str = "c1", **overrides: Any) -> Candidate:
    """A 广州 electrician job seeker; override any field."""
    fields: dict[str, Any] = {
        "candidate_id": candidate_id,
        "city_code": "4401",
        "desired_occupation_codes": (ELECTRICIAN,),
        "education": Education.senior_high,
        "skill_level": SkillLevel.intermediate_worker,
        "title_level": TitleLevel.none,
        "experience_years": 4,
        "certificates": ("低压电工作业证",),
        "skills": ("电气安装", "PLC"),
        "expected_salary_min": 6500,
        "expected_salary_max": 8000,
        "registered_on": date(2024, 1, 10),
        "resume_text": "电工，四年工厂电气维修经验",
    }
    fields.update(overrides)
    return Candidate(**fields)


def frame(records: list[Any]) -> pd.DataFrame:
    """DataFrame with record field names as columns."""
    return pd.DataFrame([r.model_dump() for r in records])


def outcome(candidate_id: str, vacancy_id: str, event: str, day: int) -> MatchOutcome:
    """One funnel event ``day`` days after 2024-01-01."""
    return MatchOutcome(
        candidate_id=candidate_id,
        vacancy_id=vacancy_id,
        event=OutcomeEvent(event),
        occurred_at=datetime(2024, 1, 1) + timedelta(days=day),
    )
