"""Checks a record's schema can't make: codes must exist in the vendored taxonomies.

The record patterns accept any ``44xx`` city or ``d-dd-dd-dd`` occupation; an import must
also refuse ``4499`` (no such city) or a district filed under the wrong city, because every
forecast and catalogue cell is keyed on these codes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

from data import taxonomy
from data.compliance import discriminatory_requirements
from data.records import Candidate, Vacancy

__all__ = ["taxonomy_faults"]


@cache
def _city_codes() -> frozenset[str]:
    return frozenset(taxonomy.cities()["city_code"])


@cache
def _district_cities() -> dict[str, str]:
    frame = taxonomy.districts()
    return dict(zip(frame["district_code"], frame["city_code"], strict=True))


@cache
def _occupation_codes() -> frozenset[str]:
    return frozenset(taxonomy.occupations(level=4)["code"])


@cache
def _industry_codes() -> frozenset[str]:
    return frozenset(taxonomy.industries()["code"])


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _city(field: str, code: Any) -> Iterator[tuple[str, str]]:
    code = _text(code)
    if code is not None and code not in _city_codes():
        yield field, f"{code!r} is not one of Guangdong's 21 city codes"


def _occupation(field: str, code: Any) -> Iterator[tuple[str, str]]:
    code = _text(code)
    if code is not None and code not in _occupation_codes():
        yield field, f"{code!r} is not an occupation in the 职业分类大典 (2022)"


def _industry(code: Any) -> Iterator[tuple[str, str]]:
    code = _text(code)
    if code is not None and code not in _industry_codes():
        yield "industry_code", f"{code!r} is not an industry class in GB/T 4754-2017"


def _district(code: Any, city_code: Any) -> Iterator[tuple[str, str]]:
    code, city_code = _text(code), _text(city_code)
    if code is None:
        return
    owner = _district_cities().get(code)
    if owner is None:
        yield "district_code", f"{code!r} is not a Guangdong district code"
    elif city_code in _city_codes() and owner != city_code:
        yield "district_code", f"district {code} belongs to city {owner}, not {city_code}"


def taxonomy_faults(model: type[BaseModel], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """``(field, reason)`` for every code in a row of ``model`` the taxonomies don't know,
    and every discriminatory requirement in a vacancy's title or description
    (:mod:`data.compliance`: such vacancies are refused). The API and imports both call it.

    ``values`` are the row's cleaned cells (possibly invalid otherwise), so a row with a
    missing title still hears about its unknown city.
    """
    faults: list[tuple[str, str]] = []
    if model is Vacancy:
        faults += _city("city_code", values.get("city_code"))
        faults += _district(values.get("district_code"), values.get("city_code"))
        faults += _occupation("occupation_code", values.get("occupation_code"))
        faults += _industry(values.get("industry_code"))
        for field in ("title", "description"):
            text = values.get(field)
            if isinstance(text, str):
                faults += [(field, f.reason) for f in discriminatory_requirements(text)]
    elif model is Candidate:
        faults += _city("city_code", values.get("city_code"))
        for code in values.get("desired_city_codes", ()):
            faults += _city("desired_city_codes", code)
        faults += _occupation("current_occupation_code", values.get("current_occupation_code"))
        for code in values.get("desired_occupation_codes", ()):
            faults += _occupation("desired_occupation_codes", code)
        faults += _industry(values.get("industry_code"))
    return faults
