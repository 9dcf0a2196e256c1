"""Read-only look-ups over the vendored vocabularies, for platforms filling in a record.

A platform integrator needs the codes the API accepts — cities, districts of a city,
occupations (searched by name or alias), GB/T 4754 industries, the 双十 clusters, the
levels with their labels and the certificate recognition groups — without reading our CSVs.
Each function here is a view of the one table that validation uses (:mod:`data.taxonomy`,
:mod:`data.levels`, :mod:`data.certificates`), so a code a look-up offers is a code a write
accepts. Rows are plain dicts, in a stable order; the service pages and formats them.

Examples
--------
>>> [row["name"] for row in districts_of("4403")][:2]
['罗湖区', '福田区']
>>> search_occupations("电工")[0]["code"]
'6-31-01-03'
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict
from typing import Any

import pandas as pd

from data import taxonomy
from data.certificates import CERTIFICATE_EQUIVALENCES, normalise_certificate
from data.levels import LEVEL_LABELS

__all__ = [
    "certificate_groups",
    "cities",
    "clusters",
    "districts_of",
    "levels",
    "search_industries",
    "search_occupations",
]

Row = dict[str, Any]


def _records(frame: pd.DataFrame) -> list[Row]:
    return [{str(key): value for key, value in row.items()} for row in frame.to_dict("records")]


def _folded(text: str) -> str:
    """Search form of a text: NFKC (full-width → half-width), lower case, no spaces."""
    return "".join(unicodedata.normalize("NFKC", text).lower().split())


def cities() -> list[Row]:
    """Guangdong's 21 cities in code order, with GBA flag, zone, region and coordinates."""
    frame = taxonomy.cities().sort_values("city_code")
    columns = ["city_code", "name", "short_name", "gba", "zone", "region", "lon", "lat"]
    return _records(frame[columns])


def districts_of(city_code: str) -> list[Row]:
    """The districts (区/县/县级市) of ``city_code``; ``KeyError`` for an unknown city."""
    taxonomy.city_name(city_code)  # raises KeyError outside Guangdong's 21
    frame = taxonomy.districts()
    frame = frame[frame["city_code"] == city_code].sort_values("district_code")
    return _records(frame[["district_code", "name", "city_code"]])


def search_occupations(query: str = "", level: int | None = 4, under: str = "") -> list[Row]:
    """大典 2022 occupations whose name or an alias contains ``query``, best first.

    Order: exact name or alias, name containing the query, alias containing it; then code.
    An empty query lists every occupation of ``level`` (4 = 细类, the level records carry)
    under the code prefix ``under``.
    """
    frame = taxonomy.occupations(level)
    if under:
        frame = frame[frame["code"].str.startswith(under)]
    needle = _folded(query)
    found: list[tuple[int, str, Row]] = []
    for code, row_level, name, parent, aliases in zip(
        frame["code"],
        frame["level"],
        frame["name"],
        frame["parent_code"],
        frame["aliases"],
        strict=True,
    ):
        folded_name, folded_aliases = _folded(name), [_folded(alias) for alias in aliases]
        if not needle or needle == folded_name or needle in folded_aliases:
            rank = 0
        elif needle in folded_name:
            rank = 1
        elif any(needle in alias for alias in folded_aliases):
            rank = 2
        else:
            continue
        row = {
            "code": code,
            "level": int(row_level),
            "name": name,
            "parent_code": parent or None,
            "aliases": list(aliases),
        }
        found.append((rank, code, row))
    return [row for _rank, _code, row in sorted(found, key=lambda item: item[:2])]


def search_industries(query: str = "", level: int | None = None, parent: str = "") -> list[Row]:
    """GB/T 4754-2017 industries (1 门类 … 4 小类) whose name contains ``query``, in the
    standard's own order (each 门类 followed by its 大类, 中类 and 小类).

    ``parent`` keeps the direct children of one code (``"C"`` → 制造业's 大类).
    """
    frame = taxonomy.industries(level)
    if parent:
        frame = frame[frame["parent_code"] == parent]
    needle = _folded(query)
    rows = [
        {
            "code": code,
            "level": int(row_level),
            "name": name,
            "section": section,
            "parent_code": parent_code or None,
        }
        for code, row_level, name, section, parent_code in zip(
            frame["code"],
            frame["level"],
            frame["name"],
            frame["section"],
            frame["parent_code"],
            strict=True,
        )
        if needle in _folded(name)
    ]
    return rows


def clusters() -> list[Row]:
    """The 20 双十 clusters with the GB/T 4754 codes each covers."""
    frame = taxonomy.clusters()
    return [
        {"cluster_id": cid, "name": name, "kind": kind, "industry_codes": list(codes)}
        for cid, name, kind, codes in zip(
            frame["cluster_id"], frame["name"], frame["kind"], frame["industry_codes"], strict=True
        )
    ]


def levels() -> Row:
    """Each level type's values with name and label, and the plan's equivalence table."""
    table = taxonomy.level_equivalence()
    return {
        "levels": {
            level_type.__name__: [
                {"value": int(member), "name": member.name, "label": label}
                for member, label in labels.items()
            ]
            for level_type, labels in LEVEL_LABELS.items()
        },
        "equivalence": _records(table),
    }


def certificate_groups(query: str = "") -> list[Row]:
    """The mutual-recognition groups (一试三证, 港澳执业资格), each with its certificates.

    ``query`` keeps the groups with a certificate whose normalised name contains it.
    """
    members: defaultdict[str, list[Row]] = defaultdict(list)
    for group, name, region in CERTIFICATE_EQUIVALENCES:
        members[group].append({"name": name, "region": region})
    needle = normalise_certificate(query) if query.strip() else ""
    return [
        {"group": group, "certificates": certificates}
        for group, certificates in members.items()
        if any(needle in normalise_certificate(item["name"]) for item in certificates)
    ]
