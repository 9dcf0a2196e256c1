"""Planted events: labour-market changes a shortage catalogue must catch.

Each event multiplies the expected monthly demand (vacancies) and/or supply (new seekers) of
some city × occupation cells (``Volumes`` in :mod:`data.generator.volumes`); the latent
intensities written to ``truth/latent_intensity.csv`` already carry them, so the ground-truth
shortage list (``truth/shortages.csv``) moves with them.

* ``cluster_boom`` — the 双十 新能源 cluster (新能源战略性支柱产业集群) booms in 惠州, 肇庆
  and 江门 from 2025-01: demand ramps to ×2.6 over 12 months, supply follows only to ×1.3,
  so 新能源 occupations there turn (more) scarce.
* ``declining_occupation`` — 缝纫工 (6-05-01-03) loses demand at −45 % a year from 2024-07
  everywhere (orders move out of the province), supply keeps coming: a shortage that ends.
* ``new_digital_occupation`` — 人工智能训练师 (4-04-05-05, an S-marked 数字职业 of 大典 2022)
  has no postings before 2024-07, then ramps to full volume over 9 months; trained seekers lag
  (supply ramps over 24 months), so it appears as a new shortage.
* The Spring Festival dip and 节后招工潮 are in :mod:`data.generator.seasonality` (every cell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["EVENTS", "Event", "event_multipliers"]


@dataclass(frozen=True)
class Event:
    """One planted event (see the module docstring)."""

    name: str
    label: str
    start: str  # first month affected, YYYY-MM
    cities: tuple[str, ...] = ()  # () = every city
    families: tuple[str, ...] = ()
    occupations: tuple[str, ...] = ()
    demand_target: float = 1.0  # demand multiplier reached after the ramp (or per year)
    supply_target: float = 1.0
    demand_ramp_months: int = 12
    supply_ramp_months: int = 12
    kind: str = "ramp"  # "ramp": 1 → target over the ramp; "decline": target per year;
    # "appear": 0 before start, then 0 → 1 over the ramp


EVENTS: tuple[Event, ...] = (
    Event(
        name="cluster_boom",
        label="新能源产业集群扩张（惠州、肇庆、江门）",
        start="2025-01",
        cities=("4413", "4412", "4407"),
        families=("new_energy",),
        demand_target=2.6,
        supply_target=1.3,
    ),
    Event(
        name="declining_occupation",
        label="缝纫工需求持续下降",
        start="2024-07",
        occupations=("6-05-01-03",),
        demand_target=0.55,
        kind="decline",
    ),
    Event(
        name="new_digital_occupation",
        label="新职业人工智能训练师（数字职业 S）出现",
        start="2024-07",
        occupations=("4-04-05-05",),
        demand_ramp_months=9,
        supply_ramp_months=24,
        kind="appear",
    ),
)


def _ramp(months_since: np.ndarray, length: int) -> np.ndarray:
    """0 before the start, rising linearly to 1 after ``length`` months."""
    return np.clip((months_since + 1) / max(length, 1), 0.0, 1.0) * (months_since >= 0)


def _curve(event: Event, months_since: np.ndarray, side: str) -> np.ndarray:
    target = event.demand_target if side == "demand" else event.supply_target
    length = event.demand_ramp_months if side == "demand" else event.supply_ramp_months
    if event.kind == "appear":
        return _ramp(months_since, length)
    if event.kind == "decline":
        years = np.maximum(months_since + 1, 0) / 12.0
        return np.asarray(target**years, dtype=float)
    return 1.0 + (target - 1.0) * _ramp(months_since, length)


def event_multipliers(
    months: pd.PeriodIndex,
    city_codes: np.ndarray,
    occupation_codes: np.ndarray,
    occupation_families: np.ndarray,
    events: tuple[Event, ...] = EVENTS,
) -> tuple[np.ndarray, np.ndarray]:
    """(cities, occupations, months) demand and supply multipliers of the planted events."""
    shape = (len(city_codes), len(occupation_codes), len(months))
    demand, supply = np.ones(shape), np.ones(shape)
    for event in events:
        start = pd.Period(event.start, "M")
        since = np.array([(m - start).n for m in months])
        rows = np.isin(city_codes, event.cities) if event.cities else np.ones(shape[0], bool)
        cols = np.zeros(shape[1], bool)
        if event.families:
            cols |= np.isin(occupation_families, event.families)
        if event.occupations:
            cols |= np.isin(occupation_codes, event.occupations)
        cell = np.ix_(rows, cols)
        demand[cell] *= _curve(event, since, "demand")[None, None, :]
        supply[cell] *= _curve(event, since, "supply")[None, None, :]
    return demand, supply
