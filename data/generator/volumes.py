"""Expected monthly demand (vacancies, headcount) and supply (new job seekers) per
city × occupation, and their Poisson draws.

demand[c, o, m] = K · size_c · p(o | c) · season_m · trend_o(m) · noise
supply[c, o, m] = K' · size_c · p(o | c) · h̄_o · supply_season_o(m) · trend_o(m) / r_co · noise

where ``p(o | c)`` ∝ occupation weight × the city's specialisation in the occupation's family,
``noise`` a log-normal month-to-month fluctuation (per city × family for demand, per cell for
supply; log-sd :data:`_MONTH_NOISE`),
``h̄_o`` is the mean headcount per vacancy, and ``r_co`` = occupation ratio × city tightness ×
log-normal jitter is the target 求人倍率; ``K'`` is set so the overall ratio equals
``config.target_ratio`` in expectation. The same products without ``noise`` (its mean in its
place) are the *planted* intensities (``Volumes.planted_*``): the structure an analysis should
recover -- occupation, city, season, trend and events -- on which the ground truth is graded.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from data.generator.config import Context
from data.generator.events import event_multipliers
from data.generator.seasonality import (
    demand_intensity,
    family_shock,
    supply_intensity,
)

__all__ = ["Volumes", "expected_volumes"]

_RATIO_JITTER = 0.15  # log-sd of the city × occupation ratio around its target
_MONTH_NOISE = 0.10  # log-sd of month-to-month noise per city × family


@dataclass
class Volumes:
    """Expected counts (cities × occupations × months) and the target ratio per cell."""

    vacancies: np.ndarray
    seekers: np.ndarray
    ratio: np.ndarray
    demand_daily: np.ndarray
    supply_daily_graduate: np.ndarray
    supply_daily_other: np.ndarray
    #: The planted intensities: ``vacancies`` / ``seekers`` without the month's own noise
    #: (its expectation, e^{σ²/2}, in its place) -- what the ground truth is graded on.
    planted_vacancies: np.ndarray | None = None
    planted_seekers: np.ndarray | None = None


def _trend(ctx: Context) -> np.ndarray:
    """(occupations, months) demand trend: family growth rate and policy steps."""
    grid, occ = ctx.grid, ctx.occupations
    years = (grid.month_index / 12.0)[None, :]
    daily = np.exp(occ["trend"].to_numpy()[:, None] * years)
    shocks = np.stack([np.exp(family_shock(grid, f)) for f in ctx.families])
    daily = daily * shocks[occ["family_idx"].to_numpy()]
    counts = np.bincount(grid.month_index, minlength=grid.n_months)
    monthly = np.stack([grid.monthly(row) for row in daily]) / counts
    return monthly


def expected_volumes(ctx: Context, rng: np.random.Generator) -> Volumes:
    """Expected vacancy and seeker counts per city × occupation × month (see module doc)."""
    occ, cities, grid = ctx.occupations, ctx.cities, ctx.grid
    size = cities["size"].to_numpy()
    mix = occ["weight"].to_numpy()[None, :] * ctx.family_weights[:, occ["family_idx"]]
    share = size[:, None] * mix / mix.sum(axis=1, keepdims=True)
    trend = _trend(ctx)
    demand_daily = demand_intensity(grid)
    season = grid.monthly(demand_daily)
    noise = np.exp(rng.normal(0, _MONTH_NOISE, (len(cities), len(ctx.families), grid.n_months)))
    noise = noise[:, occ["family_idx"].to_numpy(), :]
    event_demand, event_supply = event_multipliers(
        grid.months,
        cities["city_code"].to_numpy(),
        occ["code"].to_numpy(),
        occ["family"].to_numpy(),
    )
    vacancies = share[:, :, None] * trend[None, :, :] * season[None, None, :] * noise * event_demand
    vacancies *= ctx.config.scale * grid.n_months / vacancies.sum()

    ratio = (
        occ["ratio"].to_numpy()[None, :]
        * cities["tightness"].to_numpy()[:, None]
        * np.exp(rng.normal(0, _RATIO_JITTER, share.shape))
    )
    graduate_daily = supply_intensity(grid, graduate=True)
    other_daily = supply_intensity(grid, graduate=False)
    supply_season = (
        np.where(
            (occ["education"].to_numpy() >= 2)[:, None],
            grid.monthly(graduate_daily)[None, :] / graduate_daily.mean(),
            grid.monthly(other_daily)[None, :] / other_daily.mean(),
        )
        * demand_daily.mean()
    )
    headcount = occ["headcount"].to_numpy()
    seek_noise = np.exp(rng.normal(0, _MONTH_NOISE, vacancies.shape))
    seekers = (
        share[:, :, None]
        * trend[None, :, :]
        * supply_season[None, :, :]
        * headcount[None, :, None]
        / ratio[:, :, None]
        * seek_noise
        * event_supply
    )
    demand_heads = (vacancies * headcount[None, :, None]).sum()
    seekers *= demand_heads / ctx.config.target_ratio / seekers.sum()
    expected_noise = float(np.exp(_MONTH_NOISE**2 / 2.0))
    return Volumes(
        vacancies,
        seekers,
        ratio,
        demand_daily,
        graduate_daily,
        other_daily,
        planted_vacancies=vacancies / noise * expected_noise,
        planted_seekers=seekers / seek_noise * expected_noise,
    )


def draw_cells(expected: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Poisson counts per cell, expanded to one (city, occupation, month) index per row."""
    counts = rng.poisson(expected)
    flat = np.flatnonzero(counts)
    repeats = counts.ravel()[flat]
    cells = np.repeat(flat, repeats)
    return np.unravel_index(cells, expected.shape)
