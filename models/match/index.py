"""Pre-partitioned inverted index: (city, occupation 中类) → rows.

A row is filed under every city it could match in (a candidate's home city and desired
cities, plus a virtual "GBA-willing" city; a vacancy's own city) and every 中类 of its
occupation codes (0 = no code). A query gathers only the partitions that can hold eligible
rows, and the exact vectorised hard filter then runs on that (small) superset; partitions
never decide eligibility on their own, so they cannot introduce violations.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from models.match.encoding import CandidateArrays, VacancyArrays, Vocabularies
from models.match.vocab import GBA_VIRTUAL_CITY, PAD, geography

__all__ = [
    "Partitions",
    "candidate_partition_keys",
    "candidate_query_keys",
    "vacancy_partition_keys",
    "vacancy_query_keys",
]

I64 = npt.NDArray[np.int64]
_SHIFT = 20  # key = city << 20 | (中类 id + 1); 0 in the low bits = "no occupation code"
MERGE_AT = 8192


def _key(city: I64 | int, family: I64 | int) -> I64:
    return np.asarray((np.asarray(city, dtype=np.int64) << _SHIFT) | family, dtype=np.int64)


class Partitions:
    """Sorted (key, row) pairs with range lookup, in two sorted runs: main + recent.

    A write files its few pairs into the small *recent* run (``np.insert`` into a sorted
    array of at most :data:`MERGE_AT` pairs: ``O(recent)``, never ``O(index)``); once the
    recent run is full it is merged into the main run by one linear pass (positions from
    ``searchsorted``, no re-sort), so merging costs ``O(N)`` once per :data:`MERGE_AT`
    pairs — amortised ``O(1)`` per write and a few tens of ms at a million rows. A lookup
    searches both runs.
    """

    def __init__(self, keys: I64, rows: I64) -> None:
        order = np.lexsort((rows, keys))
        self.keys, self.rows = keys[order], rows[order]
        self.pending_keys: I64 = np.zeros(0, np.int64)
        self.pending_rows: I64 = np.zeros(0, np.int64)
        self.merges = 0

    def extend(self, keys: I64, rows: I64) -> None:
        """File more (key, row) pairs (see class docstring for the cost)."""
        if keys.size == 0:
            return
        order = np.lexsort((rows, keys))
        keys, rows = keys[order], rows[order]
        at = np.searchsorted(self.pending_keys, keys, side="right")
        self.pending_keys = np.insert(self.pending_keys, at, keys)
        self.pending_rows = np.insert(self.pending_rows, at, rows)
        if self.pending_keys.size >= MERGE_AT:
            at = np.searchsorted(self.keys, self.pending_keys, side="right")
            self.keys = np.insert(self.keys, at, self.pending_keys)
            self.rows = np.insert(self.rows, at, self.pending_rows)
            self.pending_keys = np.zeros(0, np.int64)
            self.pending_rows = np.zeros(0, np.int64)
            self.merges += 1

    def lookup(self, low: I64, high: I64) -> I64:
        """Unique rows whose key lies in any half-open range ``[low[i], high[i])``."""
        pieces = []
        for keys, rows in ((self.keys, self.rows), (self.pending_keys, self.pending_rows)):
            if keys.size == 0:
                continue
            starts = np.searchsorted(keys, low, side="left")
            ends = np.searchsorted(keys, high, side="left")
            pieces += [rows[s:e] for s, e in zip(starts, ends, strict=True) if e > s]
        if not pieces:
            return np.zeros(0, np.int64)
        return np.unique(np.concatenate(pieces))

    @property
    def nbytes(self) -> int:
        """Memory held by the key/row arrays."""
        return int(
            self.keys.nbytes
            + self.rows.nbytes
            + self.pending_keys.nbytes
            + self.pending_rows.nbytes
        )


def _families(occupations: npt.NDArray[np.int32], vocab: Vocabularies) -> I64:
    ancestor = vocab.occupations.ancestor(2).astype(np.int64)
    return np.where(occupations != PAD, ancestor[np.maximum(occupations, 0)] + 1, 0)


def candidate_partition_keys(
    c: CandidateArrays, vocab: Vocabularies, offset: int = 0
) -> tuple[I64, I64]:
    """(keys, rows) filing each candidate under its cities × 中类."""
    geo = geography()
    families = _families(c.occupations, vocab)
    has_code = (c.occupations != PAD).any(axis=1)
    keys: list[I64] = []
    rows: list[I64] = []
    cities = [*range(len(geo.codes)), GBA_VIRTUAL_CITY]
    for city in cities:
        if city == GBA_VIRTUAL_CITY:
            home = c.city.astype(np.int64)
            member = (home >= 0) & geo.gba[np.maximum(home, 0)] & c.willing_gba
        else:
            member = (c.city == city) | ((c.desired_mask >> np.uint32(city)) & 1).astype(bool)
        selected = np.flatnonzero(member)
        for slot in range(families.shape[1]):
            use = selected[
                (c.occupations[selected, slot] != PAD) | ((slot == 0) & ~has_code[selected])
            ]
            keys.append(_key(city, families[use, slot]))
            rows.append(use.astype(np.int64) + offset)
    return np.concatenate(keys), np.concatenate(rows)


def vacancy_partition_keys(
    v: VacancyArrays, vocab: Vocabularies, offset: int = 0
) -> tuple[I64, I64]:
    """(keys, rows) filing each vacancy under its city × 中类."""
    families = _families(v.occupation[:, None], vocab)[:, 0]
    rows = np.arange(len(v.ids), dtype=np.int64)
    gba = np.flatnonzero(v.gba_scope)  # also filed under the virtual GBA city
    keys = np.concatenate(
        [_key(v.city.astype(np.int64), families), _key(GBA_VIRTUAL_CITY, families[gba])]
    )
    return keys, np.concatenate([rows, gba]) + offset


def _family_ranges(cities: list[int], families: I64 | None) -> tuple[I64, I64]:
    city = np.asarray(sorted(set(cities)), dtype=np.int64)
    if families is None:  # any occupation in these cities
        return city << _SHIFT, (city + 1) << _SHIFT
    low = _key(city[:, None], families[None, :]).ravel()
    return low, low + 1


def _related_families(codes: npt.NDArray[np.int32], level: int, vocab: Vocabularies) -> I64:
    """中类 ids (+1) that can share the level-``level`` ancestor of any of ``codes``."""
    codes = codes[codes != PAD]
    if level >= 2:
        return np.unique(_families(codes, vocab))
    top = vocab.occupations.ancestor(1)
    everything = np.arange(len(top))
    same_top = everything[np.isin(top, top[codes])]
    return np.unique(_families(same_top.astype(np.int32), vocab))


def candidate_query_keys(
    v: VacancyArrays, row: int, vocab: Vocabularies, level: int, radius_km: float | None
) -> tuple[I64, I64]:
    """Key ranges holding every candidate that could pass the hard filter for a vacancy."""
    geo = geography()
    city = int(v.city[row])
    if city < 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    cities = [city]
    if v.gba_scope[row]:
        cities.append(GBA_VIRTUAL_CITY)
    if radius_km is not None:
        cities += [int(c) for c in geo.within(city, radius_km)]
    if v.occupation[row] == PAD:
        return _family_ranges(cities, None)
    return _family_ranges(cities, _related_families(v.occupation[row : row + 1], level, vocab))


def vacancy_query_keys(
    c: CandidateArrays, row: int, vocab: Vocabularies, level: int, radius_km: float | None
) -> tuple[I64, I64]:
    """Key ranges holding every vacancy that could pass the hard filter for a candidate."""
    geo = geography()
    home = int(c.city[row])
    cities = [i for i in range(len(geo.codes)) if (int(c.desired_mask[row]) >> i) & 1]
    if home >= 0:
        cities.append(home)
        if geo.gba[home] and c.willing_gba[row]:
            cities.append(GBA_VIRTUAL_CITY)
        if radius_km is not None:
            cities += [int(i) for i in geo.within(home, radius_km)]
    families = _related_families(c.occupations[row], level, vocab)
    return _family_ranges(cities, np.concatenate([[0], families]).astype(np.int64))
