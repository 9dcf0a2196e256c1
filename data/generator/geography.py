"""City sizes, industry specialisation, wage levels, supply–demand tilt and distances.

City *size* is a rough employment weight: 2020 census resident population (第七次全国人口普查,
万人, rounded) times a hand-set labour-market factor (high for the manufacturing hubs 深圳/东莞
with young migrant workforces, lower for 粤东西北 where many working-age residents work in the
Pearl River Delta). Specialisation multipliers encode the 双十 cluster layout of each city as
described in the provincial cluster plans (粤府函〔2020〕82号) and city news; they are
judgement calls, not statistics. See ``data/generator/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pandas as pd

from data import taxonomy

__all__ = [
    "CITY_PROFILES",
    "CityProfile",
    "city_frame",
    "distance_km",
    "family_multiplier",
]


@dataclass(eq=False)  # eq=False: compared and hashed by identity, as a plain class is
class CityProfile:
    """Hand-set labour-market profile of one city (see module docstring)."""

    population: float
    labour_factor: float
    wage_index: float
    tightness: float
    specialisation: dict[str, float]
    magnet: str | None


_NORTH = {"agri_food": 2.0, "tourism": 2.0, "household": 1.2, "health": 1.1, "elec": 0.6}

CITY_PROFILES: dict[str, CityProfile] = {
    # code: population (万, 2020 census), labour factor, wage index (广州 = 1), 求人倍率 tilt,
    # industry specialisation, the bigger city its job seekers most often also target.
    "4401": CityProfile(
        1868,
        1.15,
        1.00,
        1.00,
        {
            "auto": 2.5,
            "software": 2.0,
            "biomed": 2.0,
            "business": 2.0,
            "retail": 1.5,
            "hospitality": 1.4,
            "education": 1.4,
            "health": 1.4,
            "logistics": 1.5,
            "elec": 0.8,
            "petrochem": 0.6,
            "agri_food": 0.4,
        },
        None,
    ),
    "4403": CityProfile(
        1756,
        1.30,
        1.12,
        1.10,
        {
            "elec": 3.0,
            "software": 3.0,
            "semi": 3.0,
            "new_energy": 2.5,
            "business": 2.0,
            "equipment": 1.5,
            "biomed": 1.3,
            "logistics": 1.5,
            "agri_food": 0.2,
            "textile": 0.4,
            "petrochem": 0.2,
            "materials": 0.5,
        },
        None,
    ),
    "4419": CityProfile(
        1047,
        1.30,
        0.90,
        1.20,
        {
            "elec": 3.5,
            "textile": 2.5,
            "equipment": 1.8,
            "materials": 1.5,
            "new_energy": 1.3,
            "general_mfg": 2.0,
            "software": 0.6,
            "business": 0.6,
            "agri_food": 0.2,
        },
        "4403",
    ),
    "4406": CityProfile(
        950,
        1.15,
        0.92,
        1.15,
        {
            "appliance": 4.0,
            "materials": 2.5,
            "equipment": 2.0,
            "textile": 1.5,
            "general_mfg": 2.0,
            "auto": 1.2,
            "agri_food": 0.4,
        },
        "4401",
    ),
    "4413": CityProfile(
        604,
        0.90,
        0.85,
        1.10,
        {"petrochem": 3.5, "elec": 2.5, "new_energy": 2.0, "tourism": 1.2},
        "4403",
    ),
    "4420": CityProfile(
        442,
        0.95,
        0.85,
        1.10,
        {"appliance": 2.5, "textile": 1.8, "biomed": 1.3, "elec": 1.2},
        "4401",
    ),
    "4407": CityProfile(
        480,
        0.85,
        0.80,
        1.00,
        {"new_energy": 2.0, "materials": 1.5, "equipment": 1.5, "textile": 1.2, "agri_food": 1.2},
        "4406",
    ),
    "4404": CityProfile(
        244,
        1.10,
        0.95,
        1.05,
        {
            "appliance": 2.5,
            "semi": 1.8,
            "biomed": 1.5,
            "tourism": 1.8,
            "equipment": 1.5,
            "software": 1.2,
        },
        "4403",
    ),
    "4412": CityProfile(
        411,
        0.70,
        0.75,
        0.95,
        {"new_energy": 2.0, "materials": 1.8, "agri_food": 2.0, "tourism": 1.3, "auto": 1.5},
        "4406",
    ),
    "4408": CityProfile(
        698,
        0.50,
        0.72,
        0.85,
        {"petrochem": 3.0, "agri_food": 3.0, "materials": 2.0, "logistics": 1.2},
        "4401",
    ),
    "4409": CityProfile(
        618, 0.45, 0.70, 0.80, {"petrochem": 3.5, "agri_food": 3.0, "elec": 0.5}, "4401"
    ),
    "4417": CityProfile(
        260,
        0.50,
        0.70,
        0.85,
        {"materials": 2.5, "new_energy": 2.0, "agri_food": 2.0, "tourism": 1.5},
        "4401",
    ),
    "4405": CityProfile(
        550,
        0.55,
        0.75,
        0.85,
        {"textile": 3.0, "petrochem": 1.0, "agri_food": 1.2, "retail": 1.2},
        "4403",
    ),
    "4452": CityProfile(
        558, 0.45, 0.70, 0.80, {"petrochem": 2.5, "textile": 2.0, "materials": 1.5}, "4403"
    ),
    "4451": CityProfile(
        257, 0.50, 0.70, 0.80, {"materials": 2.5, "agri_food": 1.5, "textile": 1.5}, "4403"
    ),
    "4415": CityProfile(
        267,
        0.40,
        0.68,
        0.75,
        {"new_energy": 1.8, "agri_food": 2.0, "tourism": 1.5, "elec": 1.2},
        "4403",
    ),
    "4402": CityProfile(286, 0.50, 0.68, 0.75, {**_NORTH, "materials": 2.0}, "4401"),
    "4416": CityProfile(284, 0.45, 0.68, 0.75, {**_NORTH, "elec": 1.8}, "4403"),
    "4414": CityProfile(387, 0.40, 0.66, 0.70, {**_NORTH, "education": 1.2}, "4403"),
    "4418": CityProfile(397, 0.50, 0.70, 0.80, {**_NORTH, "materials": 1.5}, "4401"),
    "4453": CityProfile(238, 0.40, 0.66, 0.70, {**_NORTH, "materials": 2.5}, "4406"),
}


@cache
def _city_frame() -> pd.DataFrame:
    frame = taxonomy.cities().set_index("city_code")
    frame["size"] = [
        CITY_PROFILES[code].population * CITY_PROFILES[code].labour_factor for code in frame.index
    ]
    frame["wage_index"] = [CITY_PROFILES[code].wage_index for code in frame.index]
    frame["tightness"] = [CITY_PROFILES[code].tightness for code in frame.index]
    frame["magnet"] = [CITY_PROFILES[code].magnet or "" for code in frame.index]
    return frame.reset_index()


def city_frame() -> pd.DataFrame:
    """The 21 cities from ``data.taxonomy`` plus ``size``, ``wage_index``, ``tightness``,
    ``magnet`` (ordered by city code)."""
    return _city_frame().copy()


def family_multiplier(city_code: str, family: str) -> float:
    """How much more (or less) a city posts for a family than an average city."""
    return CITY_PROFILES[city_code].specialisation.get(family, 1.0)


@cache
def distance_km() -> np.ndarray:
    """Great-circle distances between the cities, in the order of :func:`city_frame`."""
    frame = _city_frame()
    lon = np.radians(frame["lon"].to_numpy())
    lat = np.radians(frame["lat"].to_numpy())
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    hav = (
        np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    )
    distances: np.ndarray = 2 * 6371.0 * np.arcsin(np.sqrt(hav))
    return distances
