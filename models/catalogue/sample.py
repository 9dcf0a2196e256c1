"""A small seeded record set with known shortages, for examples, tests and benchmarks.

Two years of monthly vacancies and candidates for a few Guangdong cities and occupations.
``SHORT_CELL`` (深圳 · 软件和信息技术服务业 · 计算机软件工程技术人员) has fast-rising
demand, few seekers and long vacancies; ``SURPLUS_CELL`` (湛江 · 教育 · 社区护士) has many seekers
and flat demand, so the builder must list the first and not the second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SHORT_CELL", "SURPLUS_CELL", "sample_records"]

SHORT_CELL = ("4403", "65", "2-02-10-03")
SURPLUS_CELL = ("4408", "83", "2-05-08-05")
# city, industry, occupation, monthly demand at start, yearly demand growth, seekers/month
_CELLS: tuple[tuple[str, str, str, float, float, float], ...] = (
    ("4403", "65", "2-02-10-03", 40.0, 0.8, 8.0),
    ("4401", "65", "2-02-10-03", 30.0, 0.4, 12.0),
    ("4401", "38", "2-02-11-01", 20.0, 0.3, 10.0),
    ("4406", "38", "2-02-11-01", 15.0, 0.2, 9.0),
    ("4419", "39", "2-02-11-01", 18.0, 0.5, 6.0),
    ("4408", "83", "2-05-08-05", 6.0, 0.0, 30.0),
    ("4415", "83", "2-05-08-05", 4.0, -0.1, 15.0),
)
_PAIRS_WEIGHTED = {"4403", "4401", "4419"}


def _month_starts(end: pd.Timestamp, months: int) -> list[pd.Timestamp]:
    return [pd.Timestamp(end - pd.DateOffset(months=k)) for k in range(months, 0, -1)]


def sample_records(
    end: str = "2027-01-01", months: int = 24, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(vacancies, candidates)`` frames shaped like the store's analytic reads.

    ``end`` is the first month *not* covered, so the default covers 2025-01..2026-12.
    """
    rng = np.random.default_rng(seed)
    stop = pd.Timestamp(end)
    vacancy_rows: list[dict[str, object]] = []
    candidate_rows: list[dict[str, object]] = []
    for cell_number, (city, industry, job, base, growth, seekers) in enumerate(_CELLS):
        for step, month in enumerate(_month_starts(stop, months)):
            level = base * (1.0 + growth) ** (step / 12.0)
            for k in range(int(rng.poisson(level / 2.0)) + 1):
                posted = month + pd.Timedelta(days=int(rng.integers(0, 28)))
                slow = 60 if (city, industry, job) == SHORT_CELL else 25
                salary = 8000 * (1.0 + 0.05 * growth) ** (step / 12.0) + rng.normal(0, 500)
                vacancy_rows.append(
                    {
                        "vacancy_id": f"v{cell_number}-{step}-{k}",
                        "city_code": city,
                        "industry_code": industry + "10",
                        "occupation_code": job,
                        "date_posted": posted,
                        "date_closed": posted + pd.Timedelta(days=int(rng.poisson(slow))),
                        "headcount": int(rng.integers(1, 4)),
                        "base_salary_min": int(salary),
                        "base_salary_max": int(salary * 1.4),
                        "education_requirement": int(rng.choice([2, 3, 3])),
                        "skill_level_requirement": int(rng.choice([0, 3, 4])),
                        "title_level_requirement": int(rng.choice([0, 1, 2])),
                        "experience_years_min": int(rng.integers(0, 6)),
                    }
                )
            # 佛山's seekers catch up in the last quarter: its entry is downgraded.
            catch_up = 2.0 if city == "4406" and step >= months - 3 else 1.0
            for k in range(int(rng.poisson(seekers * catch_up))):
                # Seekers of a cell live in its city (supply counts there, data.supply); 30 %
                # also name another city they would move to.
                elsewhere = rng.random() >= 0.7
                other = str(rng.choice(["4452", "4414", "4405"])) if elsewhere else None
                home, desired = city, ((other,) if other else ())
                if city in _PAIRS_WEIGHTED and rng.random() < 0.3:
                    desired = (*desired, "4404")
                candidate_rows.append(
                    {
                        "candidate_id": f"c{cell_number}-{step}-{k}",
                        "city_code": home,
                        "desired_city_codes": desired,
                        "willing_gba": bool(rng.random() < 0.5),
                        "desired_occupation_codes": (job,),
                        "current_occupation_code": None,
                        "industry_code": industry,
                        "registered_on": month + pd.Timedelta(days=int(rng.integers(0, 28))),
                    }
                )
    vacancies = pd.DataFrame(vacancy_rows)
    candidates = pd.DataFrame(candidate_rows)
    return vacancies, candidates
