"""The pay model shared by vacancies (posted range) and candidates (expected range).

Both sides price a row the same way -- the occupation's wage, the city's wage index, nominal
growth since 2023 and a premium per education level above the occupation's typical one, with
log-normal noise -- so that an expected salary and a posted one for the same cell are
comparable; they differ only in the premium, noise, rounding and how often pay is left out.
"""

from __future__ import annotations

import numpy as np

from data.generator.config import Context

__all__ = ["WAGE_GROWTH", "median_pay", "round_to", "unstated"]

WAGE_GROWTH = 0.04  # nominal pay growth a year, anchored at 2023


def median_pay(
    ctx: Context,
    occ_idx: np.ndarray,
    city_idx: np.ndarray,
    year: np.ndarray,
    education: np.ndarray,
    rng: np.random.Generator,
    *,
    premium: float,
    sigma: float,
    discount: float = 1.0,
) -> np.ndarray:
    """Monthly median pay per row: occupation × city wage index × year × education premium.

    ``education`` may hold NaN (no requirement), which earns no premium; ``discount``
    scales the whole (candidates ask a little under the going rate). Draws one normal a row.
    """
    occ = ctx.occupations
    typical = occ["education"].to_numpy()[occ_idx]
    median: np.ndarray = (
        occ["wage"].to_numpy()[occ_idx]
        * ctx.cities["wage_index"].to_numpy()[city_idx]
        * (1 + WAGE_GROWTH) ** (year - 2023)
        * (1 + premium * np.nan_to_num(education - typical, nan=0.0))
        * discount
        * np.exp(rng.normal(0, sigma, len(occ_idx)))
    )
    return median


def round_to(amount: np.ndarray, step: int) -> np.ndarray:
    """``amount`` rounded to the nearest multiple of ``step`` yuan, as pay is quoted."""
    rounded: np.ndarray = np.round(amount / step) * step
    return rounded


def unstated(
    low: np.ndarray, high: np.ndarray, share: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)`` with a random ``share`` of the rows blanked to NaN (面议, not given)."""
    missing = rng.random(len(low)) < share
    return np.where(missing, np.nan, low), np.where(missing, np.nan, high)
