"""Match outcomes: candidate–vacancy pairs shown to seekers and their funnel events, driven
by a hidden utility that the learned ranker has to recover through noise.

Utility (all terms in logits; see README for the table):

* occupation: same 细类 +2.2, same 小类 +1.1, same 中类 +0.4, otherwise −1.0 (against the
  candidate's desired and current occupations);
* skills: +1.5 × Jaccard overlap of skill phrases;
* qualifications: −1.2 / −0.9 / −0.9 when the education / skill-level / 职称 minimum is not
  met, judged with the plan's equivalences in ``data.levels``;
* certificates: −1.5 × share of required certificates missing (HK/Macao 一试三证
  counterparts count);
* salary: −2.5 × log(expected minimum / offered maximum) when the offer is below;
* place: +0.6 same city, +0.3 a desired city, else −0.004/km (capped), +0.4 for a
  ``gba_scope`` vacancy and a GBA-willing candidate;
* noise: N(0, 1) per pair, plus employer-side noise at the interview stage.

Protected attributes play no part.
"""

from __future__ import annotations

from itertools import product

import numpy as np
import pandas as pd

from data.generator.config import Context
from data.generator.families import CERTIFICATE_EQUIVALENTS
from data.generator.geography import distance_km
from data.levels import (
    Education,
    SkillLevel,
    TitleLevel,
    meets_education,
    meets_skill_level,
    meets_title_level,
)

__all__ = ["build_outcomes", "qualification_tables"]

_WINDOW = (-20, 90)  # vacancies shown were posted this many days around registration
_PLAUSIBLE_SHARE = 0.75


def qualification_tables() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lookup tables of ``data.levels`` equivalences for vectorised use.

    Index 0 of a requirement axis means "no requirement"; ``k + 1`` means level ``k``.
    ``edu[req, education + 1, skill]`` (education index 0 = unknown),
    ``skill[req, skill, title]``, ``title[req, title, skill]``.
    """
    edu = np.zeros((7, 7, 6), bool)
    for r, e, s in product(range(7), range(7), range(6)):
        required = None if r == 0 else Education(r - 1)
        education = None if e == 0 else Education(e - 1)
        edu[r, e, s] = meets_education(required, education, SkillLevel(s))
    skill = np.zeros((7, 6, 5), bool)
    for r, s, t in product(range(7), range(6), range(5)):
        required_skill = None if r == 0 else SkillLevel(r - 1)
        skill[r, s, t] = meets_skill_level(required_skill, SkillLevel(s), TitleLevel(t))
    title = np.zeros((6, 5, 6), bool)
    for r, t, s in product(range(6), range(5), range(6)):
        required_title = None if r == 0 else TitleLevel(r - 1)
        title[r, t, s] = meets_title_level(required_title, TitleLevel(t), SkillLevel(s))
    return edu, skill, title


def _level_index(values: pd.Series) -> np.ndarray:
    index: np.ndarray = np.nan_to_num(values.to_numpy(dtype=float), nan=-1).astype(int) + 1
    return index


def _sample_pairs(
    ctx: Context, vac: pd.DataFrame, cand: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Mostly plausible pairs (desired occupation × home or desired city, posted near the
    registration date), the rest random vacancies posted in the same window."""
    n_pairs = int(len(cand) * ctx.config.pairs_per_candidate)
    who = rng.integers(0, len(cand), n_pairs)
    reg = (
        (cand["registered_on"].to_numpy()[who] - np.datetime64("1970-01-01"))
        .astype("timedelta64[D]")
        .astype(int)
    )
    posted = (
        (vac["date_posted"].to_numpy() - np.datetime64("1970-01-01"))
        .astype("timedelta64[D]")
        .astype(int)
    )
    desired = cand.attrs["desired_idx"][who]
    pick = (rng.random(n_pairs) * (desired >= 0).sum(axis=1)).astype(int)
    target_occ = desired[np.arange(n_pairs), pick]
    city = cand.attrs["city_idx"][who]
    code_index = {c: i for i, c in enumerate(ctx.cities["city_code"])}
    other = np.array([code_index[c[-1]] for c in cand["desired_city_codes"].to_numpy()[who]])
    target_city = np.where(rng.random(n_pairs) < 0.65, city, other)
    key = vac["occ_idx"].to_numpy() * 100 + vac.attrs["city_idx"]
    order = np.lexsort((posted, key))
    combined = key[order].astype(np.int64) * 100_000 + posted[order]
    base = (target_occ * 100 + target_city).astype(np.int64) * 100_000
    lo = np.searchsorted(combined, base + reg + _WINDOW[0])
    hi = np.searchsorted(combined, base + reg + _WINDOW[1], side="right")
    chosen = order[np.minimum(lo + (rng.random(n_pairs) * (hi - lo)).astype(int), len(order) - 1)]
    by_day = np.argsort(posted, kind="stable")
    day_lo = np.searchsorted(posted[by_day], reg + _WINDOW[0])
    day_hi = np.searchsorted(posted[by_day], reg + _WINDOW[1], side="right")
    anywhere = by_day[
        np.minimum(day_lo + (rng.random(n_pairs) * (day_hi - day_lo)).astype(int), len(by_day) - 1)
    ]
    plausible = (hi > lo) & (rng.random(n_pairs) < _PLAUSIBLE_SHARE)
    which = np.where(plausible, chosen, anywhere)
    pairs = pd.DataFrame({"c": who, "v": which}).drop_duplicates()
    return pairs["c"].to_numpy(), pairs["v"].to_numpy()


def _occupation_term(
    ctx: Context, vac_occ: np.ndarray, desired: np.ndarray, current: np.ndarray
) -> np.ndarray:
    occ = ctx.occupations
    minor, middle = occ["minor"].to_numpy(), occ["middle"].to_numpy()
    known = np.concatenate([desired, current[:, None]], axis=1)
    valid = known >= 0
    safe = np.where(valid, known, 0)
    same4 = ((safe == vac_occ[:, None]) & valid).any(axis=1)
    same3 = ((minor[safe] == minor[vac_occ][:, None]) & valid).any(axis=1)
    same2 = ((middle[safe] == middle[vac_occ][:, None]) & valid).any(axis=1)
    return np.select([same4, same3, same2], [2.2, 1.1, 0.4], default=-1.0)


def _set_terms(
    vac_skills: np.ndarray, cand_skills: np.ndarray, required: np.ndarray, held: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    overlap = np.empty(len(vac_skills))
    missing = np.zeros(len(vac_skills))
    for i, (a, b, r, h) in enumerate(zip(vac_skills, cand_skills, required, held, strict=True)):
        union = len(set(a) | set(b))
        overlap[i] = len(set(a) & set(b)) / union if union else 0.0
        if r:
            have = {CERTIFICATE_EQUIVALENTS.get(c, c) for c in h}
            missing[i] = sum(CERTIFICATE_EQUIVALENTS.get(c, c) not in have for c in r) / len(r)
    return 1.5 * overlap, -1.5 * missing


def _utility(
    ctx: Context,
    vac: pd.DataFrame,
    cand: pd.DataFrame,
    c: np.ndarray,
    v: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    occ_codes = {code: i for i, code in enumerate(ctx.occupations["code"])}
    current = np.array(
        [occ_codes.get(x, -1) if x else -1 for x in cand["current_occupation_code"].to_numpy()[c]]
    )
    terms = {
        "occupation": _occupation_term(
            ctx, vac["occ_idx"].to_numpy()[v], cand.attrs["desired_idx"][c], current
        )
    }
    terms["skills"], terms["certificates"] = _set_terms(
        vac["skills"].to_numpy()[v],
        cand["skills"].to_numpy()[c],
        vac["required_certificates"].to_numpy()[v],
        cand["certificates"].to_numpy()[c],
    )
    edu_t, skill_t, title_t = qualification_tables()
    education = cand["education"].to_numpy()[c] + 1
    skill = cand["skill_level"].to_numpy()[c]
    title = cand["title_level"].to_numpy()[c]
    terms["qualification"] = (
        -1.2 * ~edu_t[_level_index(vac["education_requirement"])[v], education, skill]
        - 0.9 * ~skill_t[_level_index(vac["skill_level_requirement"])[v], skill, title]
        - 0.9 * ~title_t[_level_index(vac["title_level_requirement"])[v], title, skill]
    )
    gap = np.log(cand["expected_salary_min"].to_numpy()[c] / vac["base_salary_max"].to_numpy()[v])
    terms["salary"] = np.nan_to_num(-2.5 * np.maximum(gap, 0), nan=0.0)
    vc, cc = vac.attrs["city_idx"][v], cand.attrs["city_idx"][c]
    in_desired = np.array(
        [
            a in b
            for a, b in zip(
                vac["city_code"].to_numpy()[v],
                cand["desired_city_codes"].to_numpy()[c],
                strict=True,
            )
        ]
    )
    gba_bonus = vac["gba_scope"].to_numpy()[v] & cand["willing_gba"].to_numpy()[c]
    terms["place"] = (
        np.where(
            vc == cc,
            0.6,
            np.where(in_desired, 0.3, -np.minimum(0.004 * distance_km()[vc, cc], 2.0)),
        )
        + 0.4 * gba_bonus
    )
    terms["noise"] = rng.normal(0, 1.0, len(c))
    frame = pd.DataFrame(terms)
    frame["utility"] = frame.sum(axis=1)
    return frame


def _sigmoid(x: np.ndarray) -> np.ndarray:
    probability: np.ndarray = 1 / (1 + np.exp(-x))
    return probability


def build_outcomes(
    ctx: Context, vac: pd.DataFrame, cand: pd.DataFrame, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Funnel events (viewed → applied → interviewed → hired) and the debug utility table."""
    c, v = _sample_pairs(ctx, vac, cand, rng)
    utility = _utility(ctx, vac, cand, c, v, rng)
    u = utility["utility"].to_numpy()
    applied = rng.random(len(u)) < _sigmoid(-1.0 + 0.9 * u)
    employer_view = 0.6 * u + rng.normal(0, 0.7, len(u))
    interviewed = applied & (rng.random(len(u)) < _sigmoid(-1.2 + employer_view))
    hired = interviewed & (rng.random(len(u)) < _sigmoid(-1.5 + 0.5 * u))
    start = np.maximum(vac["date_posted"].to_numpy()[v], cand["registered_on"].to_numpy()[c])

    def seconds(low: int, high: int) -> np.ndarray:
        return np.asarray(rng.integers(low, high, len(u)), dtype="timedelta64[s]")

    viewed_at = start + seconds(8 * 3600, 8 * 86400)
    applied_at = viewed_at + seconds(60, 2 * 86400)
    interviewed_at = applied_at + seconds(2 * 86400, 10 * 86400)
    hired_at = interviewed_at + seconds(2 * 86400, 14 * 86400)
    events = []
    for name, mask, at in (
        ("viewed", np.ones(len(u), bool), viewed_at),
        ("applied", applied, applied_at),
        ("interviewed", interviewed, interviewed_at),
        ("hired", hired, hired_at),
    ):
        events.append(
            pd.DataFrame(
                {
                    "candidate_id": cand["candidate_id"].to_numpy()[c[mask]],
                    "vacancy_id": vac["vacancy_id"].to_numpy()[v[mask]],
                    "event": name,
                    "occurred_at": at[mask],
                    "tenant_id": ctx.config.tenant_id,
                }
            )
        )
    outcomes = pd.concat(events, ignore_index=True)
    outcomes = outcomes.sort_values(
        ["occurred_at", "candidate_id", "vacancy_id"], kind="stable"
    ).reset_index(drop=True)
    utility.insert(0, "vacancy_id", vac["vacancy_id"].to_numpy()[v])
    utility.insert(0, "candidate_id", cand["candidate_id"].to_numpy()[c])
    return outcomes, utility
