"""matplotlib figures for the catalogue and supply reports (Agg canvas, CJK font via rc).

Each function returns a :class:`~matplotlib.figure.Figure`; callers render it inside
``matplotlib.rc_context(data.fonts.cjk_rc_params())`` (see :mod:`models.catalogue.document`).
"""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["city_counts_figure", "top_entries_figure", "trend_lines_figure"]

STAR_COLOURS = {5: "#b91c1c", 4: "#ea580c", 3: "#f59e0b"}


def top_entries_figure(entries: pd.DataFrame, n: int = 15) -> Figure:
    """Horizontal bars of the ``n`` highest 紧缺指数, labelled 城市·职业, coloured by stars."""
    top = entries.sort_values("rank").head(n).iloc[::-1]
    figure = Figure(figsize=(9, max(3.0, 0.38 * len(top) + 1.2)))
    axes = figure.add_subplot()
    labels = [
        f"{rank}. {city} · {str(job).strip()}"
        for rank, city, job in zip(
            top["rank"], top["city_name"], top["occupation_name"], strict=True
        )
    ]
    colours = [STAR_COLOURS.get(int(star), "#9ca3af") for star in top["stars"]]
    positions = list(range(len(top)))  # one bar per entry, even when two share a name
    axes.barh(positions, pd.to_numeric(top["shortage_index"]), color=colours)
    axes.set_yticks(positions, labels)
    axes.set_xlim(0, 100)
    axes.set_xlabel("紧缺指数")
    figure.tight_layout()
    return figure


def city_counts_figure(entries: pd.DataFrame) -> Figure:
    """Stacked bars: listed entries per city by grade (5★/4★/3★)."""
    counts = (
        entries.groupby(["city_name", "stars"]).size().unstack(fill_value=0)
        if not entries.empty
        else pd.DataFrame()
    )
    figure = Figure(figsize=(9, 4))
    axes = figure.add_subplot()
    bottom = pd.Series(0, index=counts.index, dtype=float)
    for star in (5, 4, 3):
        if star in counts.columns:
            axes.bar(counts.index, counts[star], bottom=bottom, color=STAR_COLOURS[star])
            bottom = bottom + counts[star]
    axes.legend([f"{star}★" for star in (5, 4, 3) if star in counts.columns], loc="upper right")
    axes.set_ylabel("条目数")
    axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    return figure


def trend_lines_figure(table: pd.DataFrame, value: str, title: str, ylabel: str) -> Figure:
    """One line per ``label`` over ``month`` (long frame ``label, month, <value>``)."""
    figure = Figure(figsize=(9, 4))
    axes = figure.add_subplot()
    for label, group in table.groupby("label", sort=True):
        axes.plot(group["month"], group[value], marker="o", markersize=3, label=str(label))
    axes.set_title(title)
    axes.set_ylabel(ylabel)
    if not table.empty:
        axes.legend(fontsize=8, ncol=3)
    axes.tick_params(axis="x", labelrotation=45)
    figure.tight_layout()
    return figure
