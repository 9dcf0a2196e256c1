"""Candidate rows: one per Poisson draw of the supply tensor (city of residence × primary
desired occupation × registration month), with qualifications consistent with the
occupation and protected/contact attributes drawn from a separate random stream."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from data.generator.config import Context
from data.generator.families import FAMILIES, GBA_CERTIFICATES
from data.generator.pay import median_pay, round_to, unstated
from data.generator.people import make_contacts, make_protected
from data.generator.seasonality import sample_days
from data.generator.text import resume_text
from data.generator.volumes import Volumes, draw_cells

__all__ = ["build_candidates"]

_EPOCH = pd.Timestamp("1970-01-01")
_ENTRY_AGE = np.array([16, 18, 21, 22, 25, 28])  # age at leaving school, by Education


def _qualifications(
    ctx: Context, occ_idx: np.ndarray, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    occ = ctx.occupations
    n = len(occ_idx)
    education = ctx.draw_education(occ_idx, [-1, 0, 1], rng, p=[0.25, 0.55, 0.2], top=5)
    probs = np.array([FAMILIES[f].skill_probs for f in ctx.families])[
        occ["family_idx"].to_numpy()[occ_idx]
    ]
    skill = (rng.random(n)[:, None] > np.cumsum(probs, axis=1)).sum(axis=1).clip(0, 5)
    titled = occ["titled"].to_numpy()[occ_idx] & (education >= 2)
    title = np.where(titled, rng.choice([0, 1, 2, 3], n, p=[0.45, 0.3, 0.2, 0.05]), 0)
    return {"education": education, "skill_level": skill, "title_level": title}


def _related(ctx: Context) -> list[np.ndarray]:
    """For each occupation, the other curated occupations in its 小类, then its 中类."""
    occ = ctx.occupations
    minor, middle = occ["minor"].to_numpy(), occ["middle"].to_numpy()
    out = []
    for i in range(len(occ)):
        same_minor = np.flatnonzero((minor == minor[i]) & (np.arange(len(occ)) != i))
        same_middle = np.flatnonzero((middle == middle[i]) & (minor != minor[i]))
        out.append(np.concatenate([same_minor, same_middle]))
    return out


def _desired(
    ctx: Context, occ_idx: np.ndarray, city_idx: np.ndarray, rng: np.random.Generator
) -> dict[str, Any]:
    """Desired occupations (primary + 0–2 related) and cities (home, its magnet, GBA)."""
    related = _related(ctx)
    n = len(occ_idx)
    u = rng.random((n, 6))
    desired = np.full((n, 3), -1)
    desired[:, 0] = occ_idx
    for i, o in enumerate(occ_idx):
        pool = related[o]
        extra = min(len(pool), int(u[i, 0] * 2.6))
        for k in range(extra):
            desired[i, 1 + k] = pool[min(int(u[i, 1 + k] * min(len(pool), 4)), len(pool) - 1)]
    cities = ctx.cities
    codes = cities["city_code"].to_numpy()
    magnet = cities["magnet"].to_numpy()[city_idx]
    gba_codes = codes[cities["gba"].to_numpy()]
    desired_cities = []
    for i, c in enumerate(city_idx):
        chosen = [codes[c]]
        if magnet[i] and u[i, 3] < 0.35:
            chosen.append(magnet[i])
        if u[i, 4] < 0.1:
            chosen.append(gba_codes[int(u[i, 5] * len(gba_codes))])
        desired_cities.append(tuple(dict.fromkeys(chosen)))
    gba = cities["gba"].to_numpy()[city_idx]
    willing = rng.random(n) < np.where(gba, 0.55, 0.3)
    return {"desired_idx": desired, "desired_city_codes": desired_cities, "willing_gba": willing}


def _certificates_and_skills(
    ctx: Context, occ_idx: np.ndarray, gba: np.ndarray, rng: np.random.Generator
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    u = rng.random((len(occ_idx), 7))
    certs, skills = [], []
    for i, o in enumerate(occ_idx):
        p = ctx.profiles[o]
        held: list[str] = []
        if p.certificates and u[i, 0] < 0.35 + 0.55 * p.cert_p:
            held.append(p.certificates[0])
            if len(p.certificates) > 1 and u[i, 1] < 0.35:
                held.append(p.certificates[1])
            if gba[i] and held[0] in GBA_CERTIFICATES and u[i, 2] < 0.12:
                held.append(GBA_CERTIFICATES[held[0]])
        if u[i, 3] < 0.3 and "机动车驾驶证（C1）" not in held:
            held.append("机动车驾驶证（C1）")
        certs.append(tuple(held))
        pool = p.skills + FAMILIES[p.family].skills
        k = 2 + int(u[i, 4] * 4)
        start = int(u[i, 5] * len(pool))
        skills.append(tuple(dict.fromkeys(pool[(start + j) % len(pool)] for j in range(k))))
    return certs, skills


def _resumes(ctx: Context, frame: pd.DataFrame, rng: np.random.Generator) -> list[str]:
    short = dict(zip(ctx.cities["city_code"], ctx.cities["short_name"], strict=True))
    draws = rng.random(len(frame))
    columns = [
        "occ_idx",
        "education",
        "skill_level",
        "title_level",
        "experience_years",
        "certificates",
        "skills",
        "industry_code",
        "desired_city_codes",
    ]
    texts = []
    for i, (o, edu, skill, title, exp, certs, skills, industry, places) in enumerate(
        frame[columns].itertuples(index=False, name=None)
    ):
        p = ctx.profiles[o]
        label = ctx.industry_names.get(industry, FAMILIES[p.family].label) if industry else ""
        texts.append(
            resume_text(
                p,
                education=int(edu),
                skill_level=int(skill),
                title_level=int(title),
                experience=int(exp),
                certificates=certs,
                skills=skills,
                industry_label=label or FAMILIES[p.family].label,
                places="、".join(short[c] for c in places),
                draw=draws[i],
            )
        )
    return texts


def build_candidates(
    ctx: Context, volumes: Volumes, rng: np.random.Generator, private_rng: np.random.Generator
) -> pd.DataFrame:
    """All candidate rows, sorted by registration day and numbered ``C0000001`` …

    ``private_rng`` (an independent stream) draws the protected attributes and contact
    details, which therefore carry no information about any match feature.
    """
    city_idx, occ_idx, month_idx = draw_cells(volumes.seekers, rng)
    graduate = ctx.occupations["education"].to_numpy()[occ_idx] >= 2
    day_idx = np.where(
        graduate,
        sample_days(ctx.grid, volumes.supply_daily_graduate, month_idx, rng),
        sample_days(ctx.grid, volumes.supply_daily_other, month_idx, rng),
    )
    order = np.lexsort((occ_idx, city_idx, day_idx))
    city_idx, occ_idx, day_idx = city_idx[order], occ_idx[order], day_idx[order]
    n = len(occ_idx)
    codes = ctx.cities["city_code"].to_numpy()
    registered = ctx.grid.day_numbers[day_idx]
    year = ctx.grid.days.year.to_numpy()[day_idx]
    ids = np.array([f"C{i:07d}" for i in range(1, n + 1)])
    protected = make_protected(year, codes[city_idx], private_rng)
    contacts = make_contacts(protected, ids, private_rng)
    qual = _qualifications(ctx, occ_idx, rng)
    age = year - protected["birth_year"].to_numpy()
    experience = np.clip(age - _ENTRY_AGE[qual["education"]] - rng.poisson(1.0, n), 0, 40)
    desired = _desired(ctx, occ_idx, city_idx, rng)
    gba = ctx.cities["gba"].to_numpy()[city_idx]
    certs, skills = _certificates_and_skills(ctx, occ_idx, gba, rng)
    # expected pay: a little under the going rate, quoted in steps of 500 yuan
    median = median_pay(
        ctx,
        occ_idx,
        city_idx,
        year,
        qual["education"],
        rng,
        premium=0.06,
        sigma=0.15,
        discount=0.95,
    )
    low = np.maximum(round_to(median, 500), 1500)
    low, high = unstated(low, round_to(low * rng.uniform(1.2, 1.5, n), 500), 0.08, rng)
    occ_codes = ctx.occupations["code"].to_numpy()
    has_job = (experience > 0) & (rng.random(n) < 0.8)
    current = np.array(
        [code if job else None for code, job in zip(occ_codes[occ_idx], has_job, strict=True)]
    )
    family_idx = ctx.occupations["family_idx"].to_numpy()[occ_idx]
    drawn = ctx.draw_industries(city_idx, family_idx, rng)
    industry = np.array([code if job else None for code, job in zip(drawn, has_job, strict=True)])
    frame = pd.DataFrame(
        {
            "candidate_id": ids,
            "tenant_id": ctx.config.tenant_id,
            "city_code": codes[city_idx],
            "desired_city_codes": desired["desired_city_codes"],
            "willing_gba": desired["willing_gba"],
            "desired_occupation_codes": [
                tuple(occ_codes[k] for k in row if k >= 0) for row in desired["desired_idx"]
            ],
            "current_occupation_code": current,
            "industry_code": industry,
            **qual,
            "experience_years": experience,
            "certificates": certs,
            "skills": skills,
            "expected_salary_min": low,
            "expected_salary_max": high,
            "available_from": _EPOCH
            + pd.to_timedelta(registered + rng.choice([0, 0, 7, 14, 30], n), unit="D"),
            "registered_on": _EPOCH + pd.to_timedelta(registered, unit="D"),
            "occ_idx": occ_idx,
        }
    )
    frame["resume_text"] = _resumes(ctx, frame, rng)
    frame["contact"] = pd.Series(contacts.to_dict("records"), dtype=object)
    frame["protected"] = pd.Series(protected.to_dict("records"), dtype=object)
    frame.attrs["desired_idx"] = desired["desired_idx"]
    frame.attrs["city_idx"] = city_idx
    return frame
