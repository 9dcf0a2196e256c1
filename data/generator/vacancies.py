"""Vacancy rows: one per Poisson draw of the demand tensor, with requirements, pay, dates and
texts consistent with the occupation, city and year."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.generator.config import Context
from data.generator.families import FAMILIES, GBA_CERTIFICATES
from data.generator.pay import median_pay, round_to, unstated
from data.generator.seasonality import sample_days
from data.generator.text import vacancy_description, vacancy_title
from data.generator.volumes import Volumes, draw_cells

__all__ = ["build_vacancies"]

_EPOCH = pd.Timestamp("1970-01-01")
_MEAN_OPEN_DAYS = 18.0  # mean time to fill at the overall ratio


def _headcount(mean: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """1 + gamma–Poisson extra heads: mostly 1–5, a long tail for factory lines."""
    extra = rng.poisson(rng.gamma(0.8, np.maximum(mean - 1, 0.01) / 0.8))
    heads: np.ndarray = np.clip(1 + extra, 1, 300)
    return heads


def _requirements(
    ctx: Context, occ_idx: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Education, skill level, 职称 and experience minimums consistent with the occupation."""
    occ = ctx.occupations
    n = len(occ_idx)
    education = ctx.draw_education(occ_idx, [-1, 0, 0, 0, 1], rng, top=4).astype(float)
    education[rng.random(n) < 0.12] = np.nan
    trade = occ["trade"].to_numpy()[occ_idx]
    skill = np.where(
        trade & (rng.random(n) < 0.35),
        rng.choice([1, 2, 3, 4], n, p=[0.2, 0.45, 0.28, 0.07]),
        np.nan,
    )
    titled = occ["titled"].to_numpy()[occ_idx]
    title = np.where(
        titled & (rng.random(n) < 0.3), rng.choice([1, 2, 3], n, p=[0.5, 0.4, 0.1]), np.nan
    )
    experience = rng.choice([0, 1, 2, 3, 5], n, p=[0.35, 0.25, 0.18, 0.15, 0.07])
    experience = np.where(~np.isnan(title), np.maximum(experience, 3 * (title >= 2)), experience)
    return {
        "education_requirement": education,
        "skill_level_requirement": skill,
        "title_level_requirement": title,
        "experience_years_min": experience,
    }


def _certificates_and_skills(
    ctx: Context, occ_idx: np.ndarray, gba_scope: np.ndarray, rng: np.random.Generator
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    profiles = ctx.profiles
    u = rng.random((len(occ_idx), 6))
    certs, skills = [], []
    for i, o in enumerate(occ_idx):
        p = profiles[o]
        held: list[str] = []
        if p.certificates and u[i, 0] < p.cert_p:
            held.append(p.certificates[0])
            if len(p.certificates) > 1 and u[i, 1] < 0.3:
                held.append(p.certificates[1])
            if gba_scope[i] and held[0] in GBA_CERTIFICATES and u[i, 1] < 0.35:
                held[0] = GBA_CERTIFICATES[held[0]]
        certs.append(tuple(held))
        k = 2 + int(u[i, 2] * 3)
        start = int(u[i, 3] * len(p.skills))
        own = [p.skills[(start + j) % len(p.skills)] for j in range(min(k, len(p.skills)))]
        if u[i, 4] < 0.4:
            generic = FAMILIES[p.family].skills
            own.append(generic[int(u[i, 5] * len(generic))])
        skills.append(tuple(dict.fromkeys(own)))
    return certs, skills


def _dates(
    ctx: Context, cells_ratio: np.ndarray, day_idx: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    """Posting, validity and closing days; scarce occupations stay open longer."""
    posted = ctx.grid.day_numbers[day_idx]
    valid = posted + rng.choice([30, 60, 90], len(posted), p=[0.45, 0.35, 0.2])
    mean_open = _MEAN_OPEN_DAYS * (cells_ratio / ctx.config.target_ratio) ** 0.8
    open_days = np.clip(np.round(rng.gamma(1.6, mean_open / 1.6)), 1, 180)
    closed = posted + open_days
    closed = np.where(closed > ctx.end_day, np.nan, closed)
    return {"date_posted": posted, "valid_through": valid, "date_closed": closed}


def _to_dates(days: np.ndarray) -> pd.Series:
    """Day numbers (NaN: not yet) as dates, through integers: pandas 2.3's float path rounds
    an uninitialised buffer at the NaN positions (``cast_from_unit_vectorized``), which now
    and then raises "overflow encountered in multiply" -- an error under ``-W error``."""
    days = np.asarray(days, dtype=np.float64)
    known = ~np.isnan(days)
    whole = np.where(known, days, 0).astype(np.int64)
    dates = (_EPOCH + pd.to_timedelta(whole, unit="D")).to_numpy(dtype="datetime64[ns]")
    return pd.Series(np.where(known, dates, np.datetime64("NaT", "ns")))


def _texts(
    ctx: Context, frame: pd.DataFrame, rng: np.random.Generator
) -> tuple[list[str], list[str]]:
    draws = rng.random((len(frame), 8))
    short = dict(zip(ctx.cities["city_code"], ctx.cities["short_name"], strict=True))
    names = dict(zip(ctx.district_frame["district_code"], ctx.district_frame["name"], strict=True))
    titles, descriptions = [], []
    columns = [
        "occ_idx",
        "city_code",
        "district_code",
        "base_salary_max",
        "education_requirement",
        "experience_years_min",
        "required_certificates",
        "skills",
    ]
    for i, (o, city, district, high, edu, exp, certs, skills) in enumerate(
        frame[columns].itertuples(index=False, name=None)
    ):
        p = ctx.profiles[o]
        welfare = FAMILIES[p.family].welfare
        pay = 0 if pd.isna(high) else int(high)
        titles.append(vacancy_title(p, welfare, short[city], pay, draws[i]))
        place = short[city] + "市" + (names.get(district, "") if district else "")
        descriptions.append(
            vacancy_description(
                p,
                welfare,
                education=None if pd.isna(edu) else int(edu),
                experience=int(exp),
                certificates=certs,
                skills=skills,
                place=place,
                draw=draws[i, 5:],
            )
        )
    return titles, descriptions


def build_vacancies(ctx: Context, volumes: Volumes, rng: np.random.Generator) -> pd.DataFrame:
    """All vacancy rows, sorted by posting day and numbered ``V0000001`` … in that order."""
    city_idx, occ_idx, month_idx = draw_cells(volumes.vacancies, rng)
    day_idx = sample_days(ctx.grid, volumes.demand_daily, month_idx, rng)
    order = np.lexsort((occ_idx, city_idx, day_idx))
    city_idx, occ_idx, day_idx = city_idx[order], occ_idx[order], day_idx[order]
    n = len(occ_idx)
    occ = ctx.occupations
    city_codes = ctx.cities["city_code"].to_numpy()[city_idx]
    family_idx = occ["family_idx"].to_numpy()[occ_idx]
    gba = ctx.cities["gba"].to_numpy()[city_idx]
    professional = np.array([c[0] == "2" for c in occ["code"]])[occ_idx]
    gba_scope = gba & (rng.random(n) < np.where(professional, 0.18, 0.08))
    req = _requirements(ctx, occ_idx, rng)
    year = ctx.grid.days.year.to_numpy()[day_idx]
    # posted pay around the going rate, in steps of 100 yuan; 5% 面议
    median = median_pay(
        ctx, occ_idx, city_idx, year, req["education_requirement"], rng, premium=0.08, sigma=0.12
    )
    low = round_to(median * 0.85, 100)
    low, high = unstated(low, round_to(median * rng.uniform(1.15, 1.45, n), 100), 0.05, rng)
    certs, skills = _certificates_and_skills(ctx, occ_idx, gba_scope, rng)
    dates = _dates(ctx, volumes.ratio[city_idx, occ_idx], day_idx, rng)
    frame = pd.DataFrame(
        {
            "vacancy_id": [f"V{i:07d}" for i in range(1, n + 1)],
            "tenant_id": ctx.config.tenant_id,
            "employer_id": [
                f"E{c}-{k:04d}" for c, k in zip(city_codes, rng.integers(0, 400, n), strict=True)
            ],
            "occupation_code": occ["code"].to_numpy()[occ_idx],
            "industry_code": ctx.draw_industries(city_idx, family_idx, rng),
            "city_code": city_codes,
            "district_code": ctx.draw_districts(city_idx, rng),
            "headcount": _headcount(occ["headcount"].to_numpy()[occ_idx], rng),
            "base_salary_min": low,
            "base_salary_max": high,
            **req,
            "required_certificates": certs,
            "skills": skills,
            "gba_scope": gba_scope,
            "occ_idx": occ_idx,
        }
    )
    frame["title"], frame["description"] = _texts(ctx, frame, rng)
    for column in ("date_posted", "valid_through", "date_closed"):
        frame[column] = _to_dates(dates[column])
    frame.attrs["city_idx"] = city_idx
    return frame
