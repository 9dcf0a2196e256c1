"""Growable string vocabularies and the fixed geography the matcher encodes against."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

from data.taxonomy import cities, occupation_name

__all__ = [
    "GBA_VIRTUAL_CITY",
    "PAD",
    "UNKNOWN",
    "Geography",
    "OccupationVocabulary",
    "Vocabulary",
    "geography",
    "occupation_label",
]

PAD = -1  # empty slot in a padded id matrix: ignored
UNKNOWN = 2**31 - 1  # a value never seen at index time: counts, but matches nothing
GBA_VIRTUAL_CITY = 31  # partition "city" for GBA-willing candidates (bit 31 is never a city)

IntArray = npt.NDArray[np.int64]


@dataclass
class Vocabulary:
    """String → dense int id; grows on ``add``; ``lookup`` maps unseen strings to UNKNOWN."""

    index: dict[str, int] = field(default_factory=dict)
    values: list[str] = field(default_factory=list)

    def add(self, value: str) -> int:
        """Id of ``value``, adding it if new."""
        found = self.index.get(value)
        if found is None:
            found = len(self.values)
            self.index[value] = found
            self.values.append(value)
        return found

    def lookup(self, value: str) -> int:
        """Id of ``value`` or :data:`UNKNOWN`."""
        return self.index.get(value, UNKNOWN)

    def ids(self, values: Iterable[str], *, grow: bool) -> list[int]:
        """Ids of several values (growing the vocabulary when ``grow``)."""
        return [self.add(v) if grow else self.lookup(v) for v in values]

    def __len__(self) -> int:
        return len(self.values)


_LEVEL_PREFIX = {1: 1, 2: 4, 3: 7, 4: 10}


@dataclass
class OccupationVocabulary:
    """大典 codes → ids, with per-level ancestor ids so proximity is a vectorised lookup.

    ``ancestor(level)[code_id]`` is the id of the code's ancestor at ``level`` in that
    level's own id space (codes nest by prefix, so the ancestor is a string prefix).
    """

    codes: Vocabulary = field(default_factory=Vocabulary)
    prefixes: dict[int, Vocabulary] = field(
        default_factory=lambda: {level: Vocabulary() for level in _LEVEL_PREFIX}
    )
    _ancestors: dict[int, list[int]] = field(
        default_factory=lambda: {level: [] for level in _LEVEL_PREFIX}
    )
    _cache: dict[int, npt.NDArray[np.int32]] = field(default_factory=dict)

    def add(self, code: str) -> int:
        """Id of a code, adding it (and its ancestors) if new."""
        before = len(self.codes)
        code_id = self.codes.add(code)
        if code_id == before:
            for level, length in _LEVEL_PREFIX.items():
                self._ancestors[level].append(self.prefixes[level].add(code[:length]))
            self._cache.clear()
        return code_id

    def ancestor(self, level: int) -> npt.NDArray[np.int32]:
        """Array mapping code id → ancestor id at ``level`` (1 大类 … 4 细类)."""
        if level not in self._cache:
            # A trailing sentinel keeps masked PAD lookups (index 0) in bounds when empty.
            self._cache[level] = np.asarray([*self._ancestors[level], -3], dtype=np.int32)
        return self._cache[level]

    def prefix_id(self, code: str, level: int) -> int:
        """Id of ``code``'s ancestor at ``level`` or UNKNOWN if never seen."""
        return self.prefixes[level].lookup(code[: _LEVEL_PREFIX[level]])


@cache
def occupation_label(code: str) -> str:
    """Occupation name for text features; empty when the code is not in the 大典."""
    try:
        return occupation_name(code)
    except KeyError:
        return ""


@dataclass(frozen=True)
class Geography:
    """Guangdong's 21 cities: index order, GBA flags and the great-circle distance matrix."""

    codes: tuple[str, ...]
    gba: npt.NDArray[np.bool_]
    distance_km: npt.NDArray[np.float64]

    def index_of(self, code: str | None) -> int:
        """Position of a city code, or -1 for missing/unknown codes."""
        try:
            return self.codes.index(code) if code else -1
        except ValueError:
            return -1

    def within(self, city: int, radius_km: float) -> npt.NDArray[np.int64]:
        """Indices of cities whose centre lies within ``radius_km`` of ``city``'s."""
        return np.flatnonzero(self.distance_km[city] <= radius_km)


@cache
def geography() -> Geography:
    """The cached :class:`Geography` built from ``data.taxonomy.cities()``."""
    frame = cities().sort_values("city_code").reset_index(drop=True)
    lon = np.radians(frame["lon"].to_numpy(dtype=float))
    lat = np.radians(frame["lat"].to_numpy(dtype=float))
    dlat = lat[:, None] - lat[None, :]
    dlon = lon[:, None] - lon[None, :]
    chord = (
        np.sin(dlat / 2) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(dlon / 2) ** 2
    )
    distance = 2 * 6371.0 * np.arcsin(np.sqrt(np.clip(chord, 0.0, 1.0)))
    return Geography(
        codes=tuple(frame["city_code"]),
        gba=frame["gba"].to_numpy(dtype=bool),
        distance_km=distance,
    )
