"""Loader for the 天池 2019 智联招聘 人岗精准匹配 competition tables.

Format (tab-separated, header row; the competition files have no extension, ``.csv``/
``.txt`` copies are also found):

``table1_user``
    user_id, live_city_id, desire_jd_city_id (comma list, '-' = empty), desire_jd_industry_id,
    desire_jd_type_id, desire_jd_salary_id (e.g. ``0400106000`` = 4001–6000 元/月),
    cur_industry_id, cur_jd_type, cur_salary_id, cur_degree_id (Chinese text), birthday,
    start_work_date (``yyyymm`` or '-'), experience ('|' separated keywords)
``table2_jd``
    jd_no, jd_title, [company_name,] city, jd_sub_type, require_nums, max_salary, min_salary,
    start_date / end_date (``yyyymmdd`` or ``\\N``), is_travel, min_years (103/305/510/1099
    codes = 1/3/5/10 years), key ('|' keywords), min_edu_level, max_edu_level, is_mangerial,
    resume_language_required, job_description
``table3_action``
    user_id, jd_no, browsed, delivered, satisfied (0/1)

Mapping to our records, and what is assumed:

* Cities are Zhilian ids; only ids mapped to a Guangdong city code are kept (pass
  ``city_map``; the default knows 763 广州 and 765 深圳 only). Rows outside Guangdong are
  dropped and counted in ``TianchiData.dropped``.
* Job types are free text, not 大典 codes: they go into ``resume_text``/``description``
  (text features) and, if an ``occupation_coder`` (text → 大典 code) is given, into the codes.
* ``experience`` keywords → candidate ``skills``; ``key`` → vacancy ``skills``.
* ``birthday`` (a year) is a protected attribute: it goes to ``protected.birth_year`` only.
* Actions: browsed → viewed, delivered → applied, satisfied (the employer was satisfied)
  → interviewed. The tables carry no timestamps, so every event gets ``reference_date``.
* Official metric: 0.7 · MAP(satisfied) + 0.3 · MAP(delivered), AP per user over that
  user's exposed jd list ranked by score; users without a positive of a label are left out
  of that label's mean (assumption: the organisers' exact treatment is not published).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "DEFAULT_CITY_MAP",
    "TianchiData",
    "load_tianchi",
    "official_metric",
    "parse_salary_id",
    "read_tianchi_tables",
]

DEFAULT_CITY_MAP: dict[str, str] = {"763": "4401", "765": "4403"}
_DEGREES: dict[str, int | None] = {
    "初中": 0,
    "高中": 1,
    "中专": 1,
    "中技": 1,
    "大专": 2,
    "本科": 3,
    "硕士": 4,
    "MBA": 4,
    "EMBA": 4,
    "博士": 5,
    "其他": None,
}
_MIN_YEARS = {103: 1, 305: 3, 510: 5, 1099: 10}
_TABLES = ("table1_user", "table2_jd", "table3_action")


@dataclass
class TianchiData:
    """Record-shaped frames plus counts of rows dropped (and why)."""

    candidates: pd.DataFrame
    vacancies: pd.DataFrame
    outcomes: pd.DataFrame
    dropped: dict[str, int] = field(default_factory=dict)


def _find(directory: Path, stem: str) -> Path:
    for suffix in ("", ".csv", ".txt", ".tsv"):
        path = directory / f"{stem}{suffix}"
        if path.exists():
            return path
    raise FileNotFoundError(f"{stem} not found in {directory}")


def read_tianchi_tables(directory: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The three raw tables as string-typed DataFrames (users, jds, actions)."""
    folder = Path(directory)
    frames = [
        pd.read_csv(
            _find(folder, stem),
            sep="\t",
            dtype=str,
            keep_default_na=False,
            quoting=3,
            on_bad_lines="error",
        )
        for stem in _TABLES
    ]
    return frames[0], frames[1], frames[2]


def parse_salary_id(value: str) -> tuple[int | None, int | None]:
    """``'0400106000'`` → (4001, 6000); '-' or all zeros → (None, None)."""
    text = value.strip()
    if len(text) != 10 or not text.isdigit() or int(text) == 0:
        return None, None
    return int(text[:5]), int(text[5:])


def _split(value: str, sep: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p.strip() for p in value.split(sep) if p.strip() not in ("", "-")))


def _date(value: str, fmt: str) -> date | None:
    try:
        return datetime.strptime(value.strip(), fmt).date()
    except ValueError:
        return None


def _int(value: str) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class _Context:
    """What mapping a raw row to a record needs besides the row itself."""

    city_map: Mapping[str, str]
    reference: date
    coder: Callable[[str], str | None] | None

    def code(self, text: str) -> str | None:
        """The coder's 大典 code for a job-type text; none without a coder or a text."""
        return self.coder(text) if self.coder is not None and text.strip() else None


def _candidates(users: pd.DataFrame, context: _Context) -> pd.DataFrame:
    city_map, reference = context.city_map, context.reference
    rows = []
    for user in users.to_dict("records"):
        desired = tuple(
            dict.fromkeys(
                city_map[c] for c in _split(user["desire_jd_city_id"], ",") if c in city_map
            )
        )
        home = city_map.get(user["live_city_id"].strip()) or (desired[0] if desired else None)
        if home is None:
            continue
        low, high = parse_salary_id(user["desire_jd_salary_id"])
        started = _date(user["start_work_date"] + "01", "%Y%m%d")
        years = 0 if started is None else max(0, (reference - started).days // 365)
        types = " ".join(_split(user["desire_jd_type_id"], ","))
        skills = _split(user["experience"], "|")
        code = context.code(types)
        birth = _int(user["birthday"])
        rows.append(
            {
                "candidate_id": f"zl_{user['user_id'].strip()}",
                "city_code": home,
                "desired_city_codes": desired,
                "desired_occupation_codes": (code,) if code else (),
                "education": _DEGREES.get(user["cur_degree_id"].strip()),
                "experience_years": min(years, 60),
                "skills": skills,
                "expected_salary_min": low,
                "expected_salary_max": high,
                "registered_on": reference,
                "resume_text": " ".join([types, user["cur_jd_type"].strip(), *skills]).strip(),
                "protected": {"birth_year": birth if birth and 1940 <= birth <= 2015 else None},
            }
        )
    return pd.DataFrame(rows)


def _vacancies(jds: pd.DataFrame, context: _Context) -> pd.DataFrame:
    city_map, reference = context.city_map, context.reference
    rows = []
    for jd in jds.to_dict("records"):
        city = city_map.get(jd["city"].strip())
        if city is None:
            continue
        posted = _date(jd["start_date"], "%Y%m%d") or reference
        until = _date(jd["end_date"], "%Y%m%d")
        low, high = _int(jd["min_salary"]), _int(jd["max_salary"])
        low, high = (low or None), (high or None)
        if low is not None and high is not None and low > high:
            low, high = high, low
        rows.append(
            {
                "vacancy_id": f"zl_{jd['jd_no'].strip()}",
                "title": jd["jd_title"].strip() or jd["jd_sub_type"].strip() or "未命名岗位",
                "description": " ".join([jd["jd_sub_type"].strip(), jd["job_description"].strip()]),
                "occupation_code": context.code(jd["jd_sub_type"]),
                "city_code": city,
                "date_posted": posted,
                "valid_through": until if until is not None and until >= posted else None,
                "headcount": min(max(_int(jd["require_nums"]) or 1, 1), 10_000),
                "base_salary_min": low,
                "base_salary_max": high,
                "education_requirement": _DEGREES.get(jd["min_edu_level"].strip()),
                "experience_years_min": _MIN_YEARS.get(_int(jd["min_years"]) or 0, 0),
                "skills": _split(jd["key"], "|"),
            }
        )
    return pd.DataFrame(rows)


def _outcomes(actions: pd.DataFrame, when: datetime) -> pd.DataFrame:
    events = []
    for column, event in (
        ("browsed", "viewed"),
        ("delivered", "applied"),
        ("satisfied", "interviewed"),
    ):
        hit = actions[actions[column].str.strip() == "1"]
        events.append(
            pd.DataFrame(
                {
                    "candidate_id": "zl_" + hit["user_id"].str.strip(),
                    "vacancy_id": "zl_" + hit["jd_no"].str.strip(),
                    "event": event,
                    "occurred_at": when,
                }
            )
        )
    frame = pd.concat(events, ignore_index=True)
    return frame.drop_duplicates().reset_index(drop=True)


def load_tianchi(
    directory: str | Path,
    *,
    city_map: Mapping[str, str] | None = None,
    reference_date: date = date(2019, 8, 1),
    occupation_coder: Callable[[str], str | None] | None = None,
) -> TianchiData:
    """Read the three tables and map them to Candidate / Vacancy / MatchOutcome frames."""
    mapping = dict(DEFAULT_CITY_MAP if city_map is None else city_map)
    bad = sorted(code for code in mapping.values() if not code.startswith("44"))
    if bad:
        raise ValueError(f"city_map must map to Guangdong city codes, got {bad}")
    users, jds, actions = read_tianchi_tables(directory)
    context = _Context(mapping, reference_date, occupation_coder)
    candidates = _candidates(users, context)
    vacancies = _vacancies(jds, context)
    when = datetime.combine(reference_date, datetime.min.time())
    outcomes = _outcomes(actions, when)
    known = outcomes["candidate_id"].isin(set(candidates.get("candidate_id", []))) & outcomes[
        "vacancy_id"
    ].isin(set(vacancies.get("vacancy_id", [])))
    dropped = {
        "users_outside_guangdong": len(users) - len(candidates),
        "jds_outside_guangdong": len(jds) - len(vacancies),
        "events_with_dropped_side": int((~known).sum()),
    }
    return TianchiData(candidates, vacancies, outcomes[known].reset_index(drop=True), dropped)


def _average_precision(relevant: np.ndarray) -> float:
    precision = np.cumsum(relevant) / np.arange(1, relevant.size + 1)
    return float(precision[relevant].mean())


def official_metric(scores: pd.DataFrame, actions: pd.DataFrame) -> float:
    """0.7 · MAP(satisfied) + 0.3 · MAP(delivered), ranking each user's jds by ``score``.

    ``scores`` has columns user_id, jd_no, score; ``actions`` user_id, jd_no, delivered,
    satisfied (0/1, strings or ints). Ties are broken by jd_no for determinism.
    """
    labels = (
        actions.assign(
            delivered=pd.to_numeric(actions["delivered"]).astype(int),
            satisfied=pd.to_numeric(actions["satisfied"]).astype(int),
        )
        .groupby(["user_id", "jd_no"], as_index=False)[["delivered", "satisfied"]]
        .max()
    )
    merged = labels.merge(scores, on=["user_id", "jd_no"], how="left")
    merged["score"] = merged["score"].fillna(-np.inf)
    merged = merged.sort_values(["user_id", "score", "jd_no"], ascending=[True, False, True])
    result = 0.0
    for column, weight in (("satisfied", 0.7), ("delivered", 0.3)):
        per_user = [
            _average_precision(group[column].to_numpy(dtype=bool))
            for _, group in merged.groupby("user_id", sort=True)
            if group[column].any()
        ]
        result += weight * (float(np.mean(per_user)) if per_user else 0.0)
    return result
