"""Vendored taxonomies: Guangdong's cities and zones, GB/T 4754-2017 industries, the
职业分类大典 2022 occupations, the 20 双十 industry clusters, and the level equivalences.

The CSVs live in ``data/taxonomies`` (sources and licences in ``SOURCES.md`` there; rebuilt by
``scripts/vendor_taxonomies.py``). Every accessor is cached and returns a copy, so callers
may mutate what they get.

Examples
--------
>>> cities().shape[0], int(cities()["gba"].sum())
(21, 9)
>>> occupation_ancestor("2-02-10-09", 2)
'2-02'
>>> city_name("4403")
'深圳市'
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from data.vocabulary.zones import ZONES  # re-exported: the cities table's zone column

__all__ = [
    "ZONES",
    "cities",
    "city_name",
    "clusters",
    "clusters_of_industry",
    "districts",
    "industries",
    "industry_name",
    "level_equivalence",
    "occupation_ancestor",
    "occupation_name",
    "occupations",
]

PROVINCE_CODE = "44"
PROVINCE_NAME = "广东省"


def _read(name: str) -> pd.DataFrame:
    with resources.files("data.taxonomies").joinpath(f"{name}.csv").open("rb") as handle:
        return pd.read_csv(handle, dtype=str, keep_default_na=False)


@cache
def _cities() -> pd.DataFrame:
    frame = _read("cities")
    frame["gba"] = frame["gba"] == "1"
    frame[["lon", "lat"]] = frame[["lon", "lat"]].astype(float)
    return frame


@cache
def _occupations() -> pd.DataFrame:
    frame = _read("occupations_csco2022")
    frame["level"] = frame["level"].astype(int)
    frame["aliases"] = [tuple(a for a in text.split("|") if a) for text in frame["aliases"]]
    return frame.reset_index(drop=True)


@cache
def _industries() -> pd.DataFrame:
    frame = _read("industries_gb4754_2017")
    frame["level"] = frame["level"].astype(int)
    return frame


@cache
def _clusters() -> pd.DataFrame:
    frame = _read("clusters_shuangshi")
    frame["industry_codes"] = [tuple(text.split()) for text in frame["industry_codes"]]
    return frame


def cities() -> pd.DataFrame:
    """Guangdong's 21 prefecture-level cities with GBA flag, zone, region and coordinates."""
    return _cities().copy()


def city_name(city_code: str) -> str:
    """Chinese name of a city code; ``KeyError`` for codes outside Guangdong's 21."""
    names: dict[str, str] = dict(zip(_cities()["city_code"], _cities()["name"], strict=True))
    return names[city_code]


@cache
def districts() -> pd.DataFrame:
    """County-level divisions (区/县/县级市) with their city code."""
    return _read("districts")


def industries(level: int | None = None) -> pd.DataFrame:
    """GB/T 4754-2017 industries; ``level`` 1 门类, 2 大类, 3 中类, 4 小类."""
    frame = _industries()
    return (frame if level is None else frame[frame["level"] == level]).copy()


def industry_name(code: str) -> str:
    """Chinese name of an industry code at any level."""
    frame = _industries()
    match = frame.loc[frame["code"] == code, "name"]
    if match.empty:
        raise KeyError(code)
    return str(match.iloc[0])


def occupations(level: int | None = None) -> pd.DataFrame:
    """大典 2022 occupations; ``level`` 1 大类, 2 中类, 3 小类, 4 细类 (职业)."""
    frame = _occupations()
    return (frame if level is None else frame[frame["level"] == level]).copy()


def occupation_name(code: str) -> str:
    """Chinese name of an occupation code at any level."""
    names = _occupation_names()
    if code not in names:
        raise KeyError(code)
    return names[code]


@cache
def _occupation_names() -> dict[str, str]:
    frame = _occupations()
    return dict(zip(frame["code"], frame["name"], strict=True))


_PREFIX_LENGTH = {1: 1, 2: 4, 3: 7, 4: 10}


def occupation_ancestor(code: str, level: int) -> str:
    """The ancestor of a 大典 code at ``level`` (codes nest by prefix: 2 ⊃ 2-02 ⊃ 2-02-10)."""
    if level not in _PREFIX_LENGTH:
        raise ValueError(f"level must be 1..4, got {level}")
    if len(code) < _PREFIX_LENGTH[level]:
        raise ValueError(f"{code!r} is coarser than level {level}")
    return code[: _PREFIX_LENGTH[level]]


def clusters() -> pd.DataFrame:
    """The 20 双十 strategic industry clusters and the GB/T 4754 codes we map to each."""
    return _clusters().copy()


def clusters_of_industry(industry_code: str) -> list[str]:
    """Cluster ids whose code list covers an industry code (by code prefix)."""
    return [
        cluster_id
        for cluster_id, codes in zip(
            _clusters()["cluster_id"], _clusters()["industry_codes"], strict=True
        )
        if any(industry_code.startswith(code) for code in codes)
    ]


@cache
def level_equivalence() -> pd.DataFrame:
    """The plan's 高技能 ≈ 职称 ≈ education table (see ``data.levels``)."""
    return _read("level_equivalence")
