"""Ground truth kept outside the record tables: latent intensities and planted shortages.

``latent_intensity``: per month × city × occupation, the planted 需求人数 (vacancies ×
mean headcount) and new 求职人数 (seekers, counted once by primary desired occupation and
home city -- the definition of :mod:`data.supply`): the occupation's and city's levels, the
season, trends and the planted events (:mod:`data.generator.events`), *without* the
month-to-month noise of :mod:`data.generator.volumes` (log-sd 0.10, replaced by its mean).
``demand_drawn`` / ``supply_drawn`` are the Poisson means the records are actually drawn from
(the planted intensity times that month's noise).

Why the truth leaves the month's noise out: a cell at 求人倍率 2.05 only because this
quarter's seekers happened to dip 6 % is not a shortage a catalogue should name, and a truth
that flickers with such noise would make "persistence where the truth did not change"
meaningless. The shortage list is the structure planted in the data, which an analysis can
recover from the records; the bench also prints its figures against the drawn means.

``shortages``: per quarter, the city × 细类 cells whose latent quarterly 求人倍率
(Σ demand ÷ Σ supply) is at least :data:`SHORTAGE_RATIO` and whose latent quarterly demand is
at least :data:`MIN_TRUTH_DEMAND` heads -- what a catalogue's 4–5★ entries should find.
Written as ``truth/latent_intensity.csv`` and ``truth/shortages.csv`` beside the tables.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from data.generator.config import Context
from data.generator.volumes import Volumes

__all__ = [
    "MIN_TRUTH_DEMAND",
    "SHORTAGE_RATIO",
    "latent_intensity",
    "shortage_truth",
    "write_truth",
]

SHORTAGE_RATIO = 2.0
MIN_TRUTH_DEMAND = 30.0


def latent_intensity(ctx: Context, volumes: Volumes) -> pd.DataFrame:
    """``month, city_code, occupation_code, demand, supply, ratio`` (the planted
    intensities) and ``demand_drawn, supply_drawn`` (the Poisson means the records are drawn
    from: the planted ones times the month's own noise), one row per cell."""
    heads = ctx.occupations["headcount"].to_numpy()[None, :, None]
    planted_vacancies = (
        volumes.planted_vacancies if volumes.planted_vacancies is not None else volumes.vacancies
    )
    planted_seekers = (
        volumes.planted_seekers if volumes.planted_seekers is not None else volumes.seekers
    )
    demand, supply = planted_vacancies * heads, planted_seekers
    cities = ctx.cities["city_code"].to_numpy()
    codes = ctx.occupations["code"].to_numpy()
    months = ctx.grid.months.strftime("%Y-%m").to_numpy()
    c, o, m = np.meshgrid(
        np.arange(len(cities)), np.arange(len(codes)), np.arange(len(months)), indexing="ij"
    )
    frame = pd.DataFrame(
        {
            "month": months[m.ravel()],
            "city_code": cities[c.ravel()],
            "occupation_code": codes[o.ravel()],
            "demand": demand.ravel().round(3),
            "supply": supply.ravel().round(3),
            "demand_drawn": (volumes.vacancies * heads).ravel().round(3),
            "supply_drawn": volumes.seekers.ravel().round(3),
        }
    )
    frame["ratio"] = (frame["demand"] / frame["supply"].where(frame["supply"] > 0)).round(4)
    return frame.sort_values(["month", "city_code", "occupation_code"], ignore_index=True)


def shortage_truth(
    latent: pd.DataFrame,
    *,
    ratio: float = SHORTAGE_RATIO,
    min_demand: float = MIN_TRUTH_DEMAND,
    drawn: bool = False,
) -> pd.DataFrame:
    """Planted shortage cells per quarter (see the module docstring); whole quarters only.
    ``drawn``: graded on the drawn Poisson means (the planted intensities times the month's
    noise) instead."""
    frame = latent.assign(period=pd.PeriodIndex(latent["month"], freq="M").asfreq("Q").astype(str))
    if drawn:
        frame = frame.assign(demand=frame["demand_drawn"], supply=frame["supply_drawn"])
    months = frame.groupby("period")["month"].nunique()
    whole = months.index[months == 3]
    quarterly = (
        frame[frame["period"].isin(whole)]
        .groupby(["period", "city_code", "occupation_code"], sort=True)[["demand", "supply"]]
        .sum()
        .reset_index()
    )
    quarterly["ratio"] = quarterly["demand"] / quarterly["supply"].where(quarterly["supply"] > 0)
    short = quarterly[(quarterly["ratio"] >= ratio) & (quarterly["demand"] >= min_demand)]
    return short.round({"demand": 2, "supply": 2, "ratio": 4}).reset_index(drop=True)


def write_truth(latent: pd.DataFrame, folder: str | Path) -> dict[str, Path]:
    """Write ``truth/latent_intensity.csv`` and ``truth/shortages.csv`` under ``folder``."""
    target = Path(folder) / "truth"
    target.mkdir(parents=True, exist_ok=True)
    paths = {
        "latent_intensity": target / "latent_intensity.csv",
        "shortages": target / "shortages.csv",
    }
    latent.to_csv(paths["latent_intensity"], index=False, lineterminator="\n")
    shortage_truth(latent).to_csv(paths["shortages"], index=False, lineterminator="\n")
    return paths
