"""Split catalogue building into independent per-city chunks for parallel workers.

Almost every catalogue indicator belongs to one city: demand and requirements per
city × industry × occupation cell, supply, 求人倍率 and its trend per city × occupation.
Two inputs cross city lines, and are handled so that the chunks' results, concatenated,
equal the single-process :func:`~models.catalogue.indicators.compute_indicators` and
:func:`~models.catalogue.evidence.requirements_evidence` exactly:

* supply counted in desired cities: a candidate seeks work in their own city and every
  desired one, so a chunk receives every candidate seeking *any* of its cities (a candidate
  may go to several chunks). The rows they add for other cities only reach pairs the chunk
  has no cells for and are dropped by the cell join;
* the occupation's province-wide median vacancy duration (the denominator of
  ``duration_vs_occupation``): :func:`occupation_duration_medians` computes it once over
  all vacancies before splitting and :func:`chunk_tables` rescales each chunk with it.

The small-cell shrinkage priors (:mod:`models.catalogue.shrinkage`: occupation-wide and
province-wide demand and supply, per period and per trend month) also cross city lines. The
chunks carry only each cell's raw counts (``demand_city_occupation``, ``supply``,
``demand_year_ago``, ``ratio_trend_demand``/``ratio_trend_supply``);
:func:`~models.catalogue.builder.build_catalogue` computes the priors once from *all*
vacancies and candidates and shrinks the combined table, so no chunk ever sees a local prior.

Grading, forecast evidence, names and ranking stay with the caller, on the combined tables
(:func:`~models.catalogue.builder.build_catalogue` with ``indicators=``/``requirements=``).
Pure functions, no I/O: the chunks are what a ``joblib`` task receives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from models.catalogue.evidence import requirements_evidence
from models.catalogue.indicators import CELL_KEYS, compute_indicators, prepare_vacancies
from models.catalogue.periods import PeriodWindow

__all__ = [
    "CatalogueChunk",
    "CellTables",
    "chunk_tables",
    "combine_tables",
    "occupation_duration_medians",
    "partition_inputs",
    "sought_cities",
]

# Requirement columns that are numbers or None: made float before concatenating so that a
# chunk where all are None (object dtype) neither changes the combined dtype nor warns.
_NUMERIC_REQUIREMENTS = ("experience_median", "salary_p25", "salary_p75")


@dataclass(frozen=True)
class CatalogueChunk:
    """The inputs one worker needs for the cells of ``cities``.

    ``vacancies`` are those posted in ``cities``; ``candidates`` all who seek work in at
    least one of them (their own city: :mod:`data.supply`).
    """

    cities: tuple[str, ...]
    vacancies: pd.DataFrame
    candidates: pd.DataFrame


@dataclass(frozen=True)
class CellTables:
    """Per-cell indicators (:func:`compute_indicators` columns) and requirement evidence."""

    indicators: pd.DataFrame
    requirements: pd.DataFrame


def sought_cities(candidates: pd.DataFrame) -> list[frozenset[str]]:
    """Per candidate, the cities whose supply they count in: their own city only, as
    :mod:`data.supply` defines supply (as in :func:`~models.catalogue.indicators.explode_supply`).
    """
    return [frozenset({str(city)}) for city in candidates["city_code"]]


def occupation_duration_medians(
    vacancies: pd.DataFrame, window: PeriodWindow, industry_level: int = 2
) -> pd.Series:
    """Province-wide median days to close per occupation (trailing 12 months to ``window``).

    The same baseline :func:`compute_indicators` divides cell durations by, computed once over
    every city so that chunks holding a few cities can use it.
    """
    jobs = prepare_vacancies(vacancies, industry_level)
    trailing = jobs[(jobs["month"] >= window.trend_months[0]) & (jobs["month"] < window.end)]
    closed = trailing[trailing["duration_days"].notna()]
    return closed.groupby("occupation_code")["duration_days"].median()


def _balanced_groups(load: pd.Series, n_chunks: int) -> list[tuple[str, ...]]:
    """Cities into ``n_chunks`` groups of similar vacancy counts (largest first, greedy)."""
    groups: list[list[str]] = [[] for _ in range(n_chunks)]
    totals = [0] * n_chunks
    ordered = sorted(load.items(), key=lambda item: (-int(item[1]), str(item[0])))
    for city, count in ordered:
        lightest = min(range(n_chunks), key=lambda position: (totals[position], position))
        groups[lightest].append(str(city))
        totals[lightest] += int(count)
    return [tuple(sorted(group)) for group in groups if group]


def partition_inputs(
    vacancies: pd.DataFrame, candidates: pd.DataFrame, n_chunks: int | None = None
) -> list[CatalogueChunk]:
    """Split the inputs by the vacancies' cities into chunks that can be built independently.

    Parameters
    ----------
    vacancies, candidates
        The frames :func:`~models.catalogue.builder.build_catalogue` takes.
    n_chunks
        Number of chunks (cities grouped by similar vacancy counts); None gives one per city.
        The combined result does not depend on it, only the task sizes do.

    Returns
    -------
    list of CatalogueChunk
        In a deterministic order; a single chunk with all the inputs when no vacancy has a
        city (nothing to split).
    """
    if n_chunks is not None and n_chunks < 1:
        raise ValueError(f"n_chunks must be >= 1 or None; got {n_chunks}")
    if "city_code" not in vacancies.columns or "city_code" not in candidates.columns:
        return [CatalogueChunk((), vacancies, candidates)]  # the builder reports what is missing
    has_city = vacancies["city_code"].notna().to_numpy()
    vacancy_cities = vacancies["city_code"].astype(str).to_numpy()
    load = pd.Series(vacancy_cities[has_city]).value_counts()
    if load.empty:
        return [CatalogueChunk((), vacancies, candidates)]
    groups = _balanced_groups(load, min(n_chunks or len(load), len(load)))
    seeking = sought_cities(candidates)
    chunks: list[CatalogueChunk] = []
    for group in sorted(groups):
        members = set(group)
        in_vacancies = has_city & np.isin(vacancy_cities, sorted(members))
        wanted = np.fromiter(
            (not members.isdisjoint(cities) for cities in seeking), dtype=bool, count=len(seeking)
        )
        chunks.append(CatalogueChunk(group, vacancies.loc[in_vacancies], candidates.loc[wanted]))
    return chunks


def chunk_tables(
    chunk: CatalogueChunk,
    window: PeriodWindow,
    occupation_medians: pd.Series,
    industry_level: int = 2,
) -> CellTables:
    """Indicators and requirements of the chunk's cells, rescaled to province-wide medians.

    ``occupation_medians`` comes from :func:`occupation_duration_medians` over *all*
    vacancies; it replaces the chunk-local baseline of ``duration_vs_occupation``.
    """
    indicators = compute_indicators(
        chunk.vacancies, chunk.candidates, window, industry_level=industry_level
    )
    baseline = indicators["occupation_code"].map(occupation_medians).where(lambda v: v > 0)
    indicators["duration_vs_occupation"] = indicators["vacancy_duration_days"] / baseline
    requirements = requirements_evidence(prepare_vacancies(chunk.vacancies, industry_level), window)
    return CellTables(indicators, requirements)


def _numeric_requirements(requirements: pd.DataFrame) -> pd.DataFrame:
    out = requirements.copy()
    for column in _NUMERIC_REQUIREMENTS:
        if column in out.columns:
            out[column] = pd.to_numeric(out[column]).astype(float)
    return out


def combine_tables(parts: list[CellTables]) -> CellTables:
    """Concatenate chunk tables into the single-process tables (indicators sorted by cell).

    Empty chunk tables are skipped (their column dtypes are arbitrary); if all are empty the
    first chunk's are returned.
    """
    if not parts:
        raise ValueError("combine_tables needs at least one chunk's tables")
    indicators = [part.indicators for part in parts if not part.indicators.empty]
    requirements = [
        _numeric_requirements(part.requirements) for part in parts if not part.requirements.empty
    ]
    combined_indicators = (
        pd.concat(indicators, ignore_index=True).sort_values(CELL_KEYS, ignore_index=True)
        if indicators
        else parts[0].indicators
    )
    combined_requirements = (
        pd.concat(requirements, ignore_index=True).sort_values(CELL_KEYS, ignore_index=True)
        if requirements
        else parts[0].requirements
    )
    return CellTables(combined_indicators, combined_requirements)
