"""Generator configuration, result container and the precomputed occupation arrays."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator

from data import taxonomy
from data.generator.families import FAMILIES
from data.generator.geography import city_frame, family_multiplier
from data.generator.occupations import OccupationProfile, occupation_profiles
from data.generator.seasonality import DayGrid

__all__ = ["PRESETS", "Context", "GeneratedData", "GeneratorConfig", "preset"]


class GeneratorConfig(BaseModel):
    """What to generate. The defaults give the demo data set (~60k vacancies, ~80k
    candidates, ~150k outcome events for 2019-01 .. 2026-10)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seed: int = Field(default=20240601, ge=0)
    start: str = Field(default="2019-01", pattern=r"^\d{4}-\d{2}$")
    end: str = Field(default="2026-10", pattern=r"^\d{4}-\d{2}$")
    scale: float = Field(default=640.0, gt=0, description="Mean vacancies per month, overall.")
    target_ratio: float = Field(
        default=1.45, gt=0, description="Overall 求人倍率 (headcount / seekers) to calibrate to."
    )
    pairs_per_candidate: float = Field(
        default=1.25, ge=0, description="Candidate–vacancy pairs shown, per candidate."
    )
    tenant_id: str = "public"
    months_per_chunk: int = Field(
        default=0,
        ge=0,
        description="Months generated per chunk by write_chunked (0: all at once).",
    )

    @model_validator(mode="after")
    def _check_months(self) -> GeneratorConfig:
        if pd.Period(self.end, "M") < pd.Period(self.start, "M"):
            raise ValueError("end month must not precede start month")
        return self


#: Named configurations. ``demo`` is what ``make run`` loads (the defaults); ``province`` is
#: at the scale of Guangdong's public employment services -- ~10^5 new vacancies and ~1.3·10^5
#: new seekers a month over the 21 cities, 2024-01 … 2026-10 -- for benchmarks, written month
#: by month (:func:`data.generator.write_chunked`) so memory stays bounded; it has no match
#: outcomes (the matcher's benchmarks use the demo's).
PRESETS: dict[str, dict[str, Any]] = {
    "demo": {},
    "province": {
        "start": "2024-01",
        "end": "2026-10",
        "scale": 100_000.0,
        "pairs_per_candidate": 0.0,
        "months_per_chunk": 1,
    },
}


def preset(name: str, **overrides: Any) -> GeneratorConfig:
    """The :data:`PRESETS` configuration ``name`` with ``overrides`` (e.g. ``seed``)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; use one of {', '.join(PRESETS)}")
    return GeneratorConfig(**{**PRESETS[name], **overrides})


@dataclass
class GeneratedData:
    """The three tables (columns = record field names; ``contact``/``protected`` nested
    dicts) plus ``debug``: the hidden match utility per shown pair, kept out of the tables."""

    vacancies: pd.DataFrame
    candidates: pd.DataFrame
    outcomes: pd.DataFrame
    debug: dict[str, Any] = field(default_factory=dict)


def _typical_education(profile: OccupationProfile) -> int:
    """Education a worker of the occupation typically has (data.levels.Education value)."""
    code, family = profile.code, FAMILIES[profile.family]
    if code.startswith(("2-05-01", "1-", "2-02-38")):
        return 3
    if code.startswith(("2-05", "2-08-03", "3-")):
        return 2
    if code.startswith("2-"):
        return 3 if profile.wage >= 9000 else 2
    if code.startswith(("4-04-05", "4-05", "4-07-02", "4-07-03", "4-13-01-05", "4-08-08")):
        return 2
    return min(family.education, 1)


class Context:
    """Everything shared by the table builders: config, day grid, cities, occupations."""

    def __init__(self, config: GeneratorConfig) -> None:
        self.config = config
        self.grid = DayGrid(config.start, config.end)
        self.cities = city_frame()
        self.profiles = occupation_profiles()
        self.families = list(FAMILIES)
        self.end_day = int(self.grid.day_numbers[-1])

    @cached_property
    def occupations(self) -> pd.DataFrame:
        """One row per curated occupation with numeric attributes and hierarchy ids."""
        rows = [
            {
                "code": p.code,
                "family": p.family,
                "family_idx": self.families.index(p.family),
                "wage": p.wage,
                "weight": p.weight,
                "ratio": p.ratio,
                "cert_p": p.cert_p,
                "education": _typical_education(p),
                "headcount": FAMILIES[p.family].headcount,
                "trend": FAMILIES[p.family].trend,
                "trade": p.code[0] == "6" or FAMILIES[p.family].skill_probs[0] < 0.5,
                "titled": p.code.startswith(("2-02", "2-05", "2-08", "2-06-03", "2-06-04")),
            }
            for p in self.profiles
        ]
        frame = pd.DataFrame(rows)
        frame["minor"] = pd.factorize(frame["code"].str[:7])[0]
        frame["middle"] = pd.factorize(frame["code"].str[:4])[0]
        return frame

    @cached_property
    def family_weights(self) -> np.ndarray:
        """(cities, families) specialisation multipliers."""
        return np.array(
            [[family_multiplier(c, f) for f in self.families] for c in self.cities["city_code"]]
        )

    @cached_property
    def industry_pools(self) -> list[list[tuple[np.ndarray, np.ndarray]]]:
        """Per city and family: (industry codes, probabilities) to draw a vacancy's industry.

        Cross-cutting families (通用制造工种, 通用职能) borrow the city's manufacturing or
        whole industry mix, weighted by its specialisation.
        """
        own = []
        for name in self.families:
            tokens = [t.split(":") for t in FAMILIES[name].industries.split()]
            own.append((np.array([c for c, _ in tokens]), np.array([float(w) for _, w in tokens])))
        manufacturing = {
            "elec",
            "semi",
            "auto",
            "new_energy",
            "appliance",
            "petrochem",
            "materials",
            "textile",
            "equipment",
            "biomed",
        }
        pools = []
        for city in range(len(self.cities)):
            row = []
            for f, name in enumerate(self.families):
                if own[f][0].size:
                    codes, weights = own[f]
                else:
                    members = [
                        g
                        for g, n in enumerate(self.families)
                        if own[g][0].size and (name != "general_mfg" or n in manufacturing)
                    ]
                    codes = np.concatenate([own[g][0] for g in members])
                    weights = np.concatenate(
                        [
                            own[g][1] / own[g][1].sum() * self.family_weights[city, g]
                            for g in members
                        ]
                    )
                row.append((codes, weights / weights.sum()))
            pools.append(row)
        return pools

    @cached_property
    def industry_names(self) -> dict[str, str]:
        """GB/T 4754 code → name, all levels."""
        frame = taxonomy.industries()
        return dict(zip(frame["code"], frame["name"].str.strip(), strict=True))

    @cached_property
    def district_frame(self) -> pd.DataFrame:
        """County-level divisions from ``data.taxonomy``."""
        return taxonomy.districts()

    def draw_districts(self, city_idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A district of each row's city, uniformly (东莞/中山 have one code each)."""
        grouped = self.district_frame.groupby("city_code")["district_code"].agg(list)
        options = [np.array(grouped[c]) for c in self.cities["city_code"]]
        u = rng.random(len(city_idx))
        out = np.empty(len(city_idx), dtype=object)
        for city, codes in enumerate(options):
            rows = np.flatnonzero(city_idx == city)
            out[rows] = codes[(u[rows] * len(codes)).astype(int)]
        return out

    def draw_education(
        self,
        occ_idx: np.ndarray,
        shifts: list[int],
        rng: np.random.Generator,
        *,
        p: list[float] | None = None,
        top: int,
    ) -> np.ndarray:
        """Education levels (data.levels.Education values) near each row's occupation's
        typical one: the typical level plus a shift drawn from ``shifts``, kept in 0..``top``.
        Candidates hold it, vacancies ask for it."""
        typical = self.occupations["education"].to_numpy()[occ_idx]
        levels: np.ndarray = np.clip(typical + rng.choice(shifts, len(occ_idx), p=p), 0, top)
        return levels

    def draw_industries(
        self, city_idx: np.ndarray, family_idx: np.ndarray, rng: np.random.Generator
    ) -> np.ndarray:
        """Vectorised industry draw for rows with the given city and family indices."""
        out = np.empty(len(city_idx), dtype=object)
        u = rng.random(len(city_idx))
        keys = city_idx * 100 + family_idx
        for key in np.unique(keys):
            rows = np.flatnonzero(keys == key)
            codes, probs = self.industry_pools[key // 100][key % 100]
            pick = np.searchsorted(np.cumsum(probs), u[rows] * probs.sum(), side="right")
            out[rows] = codes[np.minimum(pick, len(codes) - 1)]
        return out
