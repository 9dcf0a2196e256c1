"""Series charts as inline SVG, drawn server-side (no JavaScript, text stays Chinese text).

A panel shows one variable: the monthly history as a solid line (gaps where a month was
suppressed or undefined), the forecast as a dashed line from the last observed month, and
its 95 % and 80 % prediction intervals as two nested bands. The legend names each element,
so a reader without colour vision can still tell the bands apart (lighter = wider = 95 %).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

import pandas as pd

__all__ = ["ForecastBand", "SeriesPanel", "render_panel_svg"]

WIDTH, HEIGHT = 720.0, 240.0
LEFT, RIGHT, TOP, BOTTOM = 56.0, 16.0, 28.0, 44.0
HISTORY_COLOUR = "#1f4e79"
FORECAST_COLOUR = "#b3261e"
BAND_COLOURS = {95: "#f4c7c3", 80: "#e88e86"}


@dataclass(frozen=True)
class ForecastBand:
    """Lower and upper bounds of one interval level, aligned with the forecast months."""

    level: int
    lower: Sequence[float]
    upper: Sequence[float]


@dataclass(frozen=True)
class SeriesPanel:
    """One variable's history and (optional) forecast."""

    title: str
    unit: str
    months: Sequence[pd.Timestamp]
    values: Sequence[float | None]
    forecast_months: Sequence[pd.Timestamp] = ()
    forecast: Sequence[float] = ()
    bands: Sequence[ForecastBand] = field(default_factory=tuple)


def _finite(values: Sequence[float | None]) -> list[float]:
    return [float(v) for v in values if v is not None and math.isfinite(float(v))]


def _ticks(low: float, high: float, count: int = 4) -> list[float]:
    if high <= low:
        high = low + 1.0
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    start = math.floor(low / step) * step
    return [start + k * step for k in range(math.ceil((high - start) / step) + 1)]


def _segments(points: Sequence[tuple[float, float | None]]) -> list[list[tuple[float, float]]]:
    """Split a polyline at missing values so gaps stay visible."""
    runs: list[list[tuple[float, float]]] = [[]]
    for x, y in points:
        if y is None or not math.isfinite(y):
            if runs[-1]:
                runs.append([])
            continue
        runs[-1].append((x, y))
    return [run for run in runs if run]


def render_panel_svg(panel: SeriesPanel, *, panel_id: str) -> str:
    """The panel as ``<svg>`` with axes, month labels, lines, bands and a legend."""
    months = list(panel.months) + list(panel.forecast_months)
    if not months:
        return f'<p class="empty">{escape(panel.title)}：暂无数据</p>'
    band_values = [v for band in panel.bands for v in (*band.lower, *band.upper)]
    values = _finite([*panel.values, *panel.forecast, *band_values])
    low, high = min([0.0, *values]), max([1.0, *values])
    ticks = _ticks(low, high)
    low, high = ticks[0], ticks[-1]
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    origin = months[0]
    span = max((months[-1].year - origin.year) * 12 + months[-1].month - origin.month, 1)

    def x_of(month: pd.Timestamp) -> float:
        offset = (month.year - origin.year) * 12 + month.month - origin.month
        return LEFT + inner_w * offset / span

    def y_of(value: float) -> float:
        return TOP + inner_h * (1 - (value - low) / (high - low))

    parts = [
        f'<svg class="series-chart" id="{escape(panel_id)}" role="img" '
        f'viewBox="0 0 {WIDTH:.0f} {HEIGHT:.0f}" aria-labelledby="{escape(panel_id)}-title">',
        f'<title id="{escape(panel_id)}-title">{escape(panel.title)}</title>',
        f'<text x="{LEFT}" y="18" class="chart-title">{escape(panel.title)}'
        f"（{escape(panel.unit)}）</text>",
    ]
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{tick:g}</text>'
        )
    every = max(1, len(months) // 8)
    for index, month in enumerate(months):
        if index % every == 0:
            parts.append(
                f'<text class="axis" x="{x_of(month):.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle">{month.year}-{month.month:02d}</text>'
            )
    for band in sorted(panel.bands, key=lambda b: -b.level):
        upper = [(x_of(m), y_of(v)) for m, v in zip(panel.forecast_months, band.upper, strict=True)]
        lower = [(x_of(m), y_of(v)) for m, v in zip(panel.forecast_months, band.lower, strict=True)]
        outline = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*upper, *reversed(lower)])
        parts.append(
            f'<polygon class="band band-{band.level}" fill="{BAND_COLOURS.get(band.level, "#ddd")}"'
            f' points="{outline}"><title>{band.level}% 预测区间</title></polygon>'
        )
    history = [
        (x_of(m), None if v is None else y_of(float(v)))
        for m, v in zip(panel.months, panel.values, strict=True)
    ]
    for run in _segments(history):
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        parts.append(
            f'<polyline class="history" fill="none" stroke="{HISTORY_COLOUR}" stroke-width="2" '
            f'points="{points}"/>'
        )
    if panel.forecast:
        start = [run[-1] for run in _segments(history)[-1:]]
        ahead = [
            (x_of(m), y_of(v)) for m, v in zip(panel.forecast_months, panel.forecast, strict=True)
        ]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in [*start, *ahead])
        parts.append(
            f'<polyline class="forecast" fill="none" stroke="{FORECAST_COLOUR}" stroke-width="2" '
            f'stroke-dasharray="6 4" points="{points}"/>'
        )
    parts.append(_legend(panel))
    parts.append("</svg>")
    return "".join(parts)


def _legend(panel: SeriesPanel) -> str:
    y = HEIGHT - 10
    items = [(HISTORY_COLOUR, "line", "历史值")]
    if panel.forecast:
        items.append((FORECAST_COLOUR, "dash", "预测值"))
    items += [
        (BAND_COLOURS.get(band.level, "#ddd"), "box", f"{band.level}% 预测区间")
        for band in sorted(panel.bands, key=lambda b: b.level)
    ]
    parts, x = ['<g class="legend">'], LEFT
    for colour, kind, label in items:
        if kind == "box":
            parts.append(f'<rect x="{x}" y="{y - 9}" width="18" height="10" fill="{colour}"/>')
        else:
            dash = ' stroke-dasharray="6 4"' if kind == "dash" else ""
            parts.append(
                f'<line x1="{x}" x2="{x + 18}" y1="{y - 4}" y2="{y - 4}" stroke="{colour}" '
                f'stroke-width="2"{dash}/>'
            )
        parts.append(f'<text class="legend-label" x="{x + 22}" y="{y}">{escape(label)}</text>')
        x += 30 + 14 * len(label)
    parts.append("</g>")
    return "".join(parts)
