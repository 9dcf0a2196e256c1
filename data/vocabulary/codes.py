"""The shapes of the codes YueCai keys everything on, written once.

Record schemas validate with the ``*_PATTERN`` strings (pydantic and FastAPI take a pattern
string); the models parse series ids and evidence keys with the compiled ``*_CODE`` forms.
They used to be copied into five modules, where one copy could quietly widen and the API
would then accept codes the models cannot read.

* city: ``4403`` (Guangdong's 地级市, GB/T 2260); district (区县): ``440305``;
* occupation: the full 职业分类大典 2022 code ``2-02-10-09``, or any of its prefixes
  ``2``, ``2-02``, ``2-02-10`` (an occupation *prefix*, as filters and series ids use);
* industry: a GB/T 4754-2017 division, group or class (``38``, ``383``, ``3831``) or a
  section letter (``C``); the 20 双十 clusters ``C01`` … ``C20``;
* pooled "other" parts of the forecasting hierarchies end in ``00`` (``2-02-00``,
  ``6-24-00-00``, ``C00``); the ``real`` group is the code the pool hangs under. (A few
  大典 codes such as ``1-01-00`` have this shape too; the patterns only tell shapes.)
* natural key: the id a source system gives a record (letters, digits, ``_.:-``).

Examples
--------
>>> bool(CITY_CODE.fullmatch("4403")), bool(OCCUPATION_CODE.fullmatch("2-02"))
(True, False)
>>> bool(OCCUPATION_PREFIX.fullmatch("2-02")), POOLED_OCCUPATION.fullmatch("6-24-00-00")["real"]
(True, '6-24')
>>> POOLED_INDUSTRY.fullmatch("C00")["real"], is_pooled("C00"), is_pooled("C01")
('C', True, False)
"""

from __future__ import annotations

import re

__all__ = [
    "CITY_CODE",
    "CITY_CODE_PATTERN",
    "CLUSTER_CODE",
    "DISTRICT_CODE_PATTERN",
    "INDUSTRY_CODE",
    "INDUSTRY_CODE_PATTERN",
    "INDUSTRY_SECTION",
    "NATURAL_KEY_PATTERN",
    "OCCUPATION_CODE",
    "OCCUPATION_CODE_PATTERN",
    "OCCUPATION_PREFIX",
    "OCCUPATION_PREFIX_PATTERN",
    "POOLED_INDUSTRY",
    "POOLED_OCCUPATION",
    "is_pooled",
]

CITY_CODE_PATTERN = r"^44\d{2}$"
DISTRICT_CODE_PATTERN = r"^44\d{4}$"
OCCUPATION_CODE_PATTERN = r"^\d-\d{2}-\d{2}-\d{2}$"
OCCUPATION_PREFIX_PATTERN = r"^\d(-\d{2}){0,3}$"
INDUSTRY_CODE_PATTERN = r"^\d{2,4}$"
NATURAL_KEY_PATTERN = r"^[A-Za-z0-9_.:-]+$"

CITY_CODE = re.compile(CITY_CODE_PATTERN)
OCCUPATION_CODE = re.compile(OCCUPATION_CODE_PATTERN)
OCCUPATION_PREFIX = re.compile(OCCUPATION_PREFIX_PATTERN)
INDUSTRY_CODE = re.compile(INDUSTRY_CODE_PATTERN)
INDUSTRY_SECTION = re.compile(r"^[A-T]$")
CLUSTER_CODE = re.compile(r"^C(?:0[1-9]|1\d|20)$")
POOLED_OCCUPATION = re.compile(r"^(?P<real>\d(?:-\d{2})*?)(?:-00)+$")
POOLED_INDUSTRY = re.compile(r"^(?P<real>[A-Z])00$")


def is_pooled(part: str) -> bool:
    """True if one part of a series id is a pooled "other" code (occupation or industry)."""
    return bool(POOLED_OCCUPATION.fullmatch(part) or POOLED_INDUSTRY.fullmatch(part))
