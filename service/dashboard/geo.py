"""City shapes of Guangdong's 21 prefecture-level cities and the shortage map as inline SVG.

Shapes come from a licensed boundary file when one is supplied: the ``boundary_file`` setting
(``YUECAI_BOUNDARY_FILE``, with ``boundary_review_number`` — its 审图号 — and ``boundary_crs``,
both shown under the map), else ``data/geo/guangdong_cities.geojson`` if vendored there
(``properties.city_code`` '4401' or ``adcode`` '440100'; plain Polygon or MultiPolygon
coordinates; see ``data/geo/SOURCE.txt``). A file that does not cover all 21 cities, or cannot
be read, is not used (the page says so). Without one, the map is SCHEMATIC:
each city is the Voronoi cell of its seat (``taxonomy.cities()`` lon/lat), clipped to a
buffered convex hull of all seats. Cells show which city is next to which and roughly where,
not where the borders run; the page says so whenever :attr:`CityShapes.schematic` is true.

Everything is computed here in pure Python (21 points, a few hundred vertices), cached, and
rendered server-side, so the page needs no JavaScript and no map tiles.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache
from html import escape
from pathlib import Path

import data
from data.taxonomy import cities

__all__ = [
    "BOUNDARY_FILE",
    "GEO_DIR",
    "STOCK_PALETTE",
    "CityShapes",
    "MapCell",
    "city_shapes",
    "convex_hull",
    "legend",
    "load_boundary_file",
    "render_map_svg",
    "schematic_shapes",
    "shade",
]

Point = tuple[float, float]
Ring = list[Point]
GEO_DIR = Path(data.__file__).resolve().parent / "geo"
BOUNDARY_FILE = GEO_DIR / "guangdong_cities.geojson"
HULL_MARGIN_DEGREES = 0.55
HULL_DIRECTIONS = 24
# Sequential reds (light → dark) for 5 classes; grey for cities without a value.
PALETTE: tuple[str, ...] = ("#fde0d9", "#fcae9b", "#fb7a5f", "#e0452f", "#a50f15")
# Sequential blues for the talent-stock maps (where talent is: not an alarm colour).
STOCK_PALETTE: tuple[str, ...] = ("#deebf7", "#b5d4e9", "#7fb2d8", "#3f87c0", "#08519c")
NO_DATA = "#e5e7eb"
SCHEMATIC_NOTE = (
    "示意图：各城市区域为以市政府驻地为种子点的泰森多边形（Voronoi），"
    "仅表示相对位置和相邻关系，不是行政区划界线。"
)


@dataclass(frozen=True)
class CityShapes:
    """Outline rings (lon, lat) per city code, and where they come from."""

    rings: Mapping[str, tuple[Ring, ...]]
    schematic: bool
    note: str
    licence: str
    review_number: str = ""
    crs: str = ""
    problem: str = ""
    """Why a supplied boundary file was not used (shown on the page), or ''."""


def _cross(o: Point, a: Point, b: Point) -> float:
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def convex_hull(points: Iterable[Point]) -> Ring:
    """Counter-clockwise convex hull (Andrew's monotone chain)."""
    ordered = sorted(set(points))
    if len(ordered) < 3:
        return list(ordered)
    lower: Ring = []
    for point in ordered:
        while len(lower) >= 2 and _cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    upper: Ring = []
    for point in reversed(ordered):
        while len(upper) >= 2 and _cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


def _clip(polygon: Ring, anchor: Point, normal: Point) -> Ring:
    """Sutherland–Hodgman: keep the part of ``polygon`` with (p − anchor)·normal ≤ 0."""

    def side(point: Point) -> float:
        return (point[0] - anchor[0]) * normal[0] + (point[1] - anchor[1]) * normal[1]

    kept: Ring = []
    for index, current in enumerate(polygon):
        previous = polygon[index - 1]
        inside_now, inside_before = side(current) <= 0, side(previous) <= 0
        if inside_now != inside_before:
            t = side(previous) / (side(previous) - side(current))
            kept.append(
                (
                    previous[0] + t * (current[0] - previous[0]),
                    previous[1] + t * (current[1] - previous[1]),
                )
            )
        if inside_now:
            kept.append(current)
    return kept


def _scaled(point: Point, kx: float) -> Point:
    # Distances in degrees of longitude shrink with cos(latitude); scale x so that the
    # Voronoi bisectors are drawn in (approximately) equal-distance space.
    return (point[0] * kx, point[1])


@cache
def schematic_shapes() -> CityShapes:
    """Voronoi cells of the 21 city seats, clipped to the buffered convex hull of the seats."""
    table = cities()
    seats = {
        str(code): (float(lon), float(lat))
        for code, lon, lat in zip(table["city_code"], table["lon"], table["lat"], strict=True)
    }
    kx = math.cos(math.radians(sum(lat for _, lat in seats.values()) / len(seats)))
    scaled = {code: _scaled(point, kx) for code, point in seats.items()}
    buffered = [
        (x + HULL_MARGIN_DEGREES * math.cos(angle), y + HULL_MARGIN_DEGREES * math.sin(angle))
        for x, y in scaled.values()
        for angle in (2 * math.pi * k / HULL_DIRECTIONS for k in range(HULL_DIRECTIONS))
    ]
    hull = convex_hull(buffered)
    rings: dict[str, tuple[Ring, ...]] = {}
    for code, seat in scaled.items():
        cell = hull
        for other_code, other in scaled.items():
            if other_code == code:
                continue
            midpoint = ((seat[0] + other[0]) / 2, (seat[1] + other[1]) / 2)
            cell = _clip(cell, midpoint, (other[0] - seat[0], other[1] - seat[1]))
        rings[code] = ([(x / kx, y) for x, y in cell],)
    return CityShapes(rings=rings, schematic=True, note=SCHEMATIC_NOTE, licence="")


def _city_code(properties: Mapping[str, object]) -> str | None:
    for key in ("city_code", "adcode", "id", "code"):
        value = properties.get(key)
        if value is not None and str(value)[:2] == "44" and len(str(value)) >= 4:
            return str(value)[:4]
    return None


def load_boundary_file(path: Path) -> CityShapes:
    """Rings per city from a GeoJSON FeatureCollection (outer rings only, holes ignored).

    The collection may carry ``source`` and ``licence`` members, shown on the map page.
    """
    collection = json.loads(path.read_text(encoding="utf-8"))
    rings: dict[str, tuple[Ring, ...]] = {}
    for feature in collection["features"]:
        code = _city_code({**feature.get("properties", {}), "id": feature.get("id")})
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]]
            if geometry["type"] == "Polygon"
            else list(geometry["coordinates"])
        )
        if code is None:
            continue
        outer = tuple([(float(x), float(y)) for x, y, *_ in polygon[0]] for polygon in polygons)
        rings[code] = rings.get(code, ()) + outer
    return CityShapes(
        rings=rings,
        schematic=False,
        note=str(collection.get("source", "")),
        licence=str(collection.get("licence", "")),
    )


def city_shapes(
    boundary_file: Path | None = None, *, review_number: str = "", crs: str = ""
) -> CityShapes:
    """The supplied (else vendored) boundaries if they cover all 21 cities, else
    :func:`schematic_shapes` carrying the reason in :attr:`CityShapes.problem`."""
    path = boundary_file or (BOUNDARY_FILE if BOUNDARY_FILE.is_file() else None)
    if path is None:
        return schematic_shapes()
    try:
        shapes = _cached_boundaries(Path(path), Path(path).stat().st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError, IndexError) as error:
        problem = f"边界文件 {Path(path).name} 无法读取（{type(error).__name__}），已改用示意图。"
        return replace(schematic_shapes(), problem=problem)
    missing = sorted(set(cities()["city_code"]) - set(shapes.rings))
    if missing:
        problem = f"边界文件 {Path(path).name} 缺少 {len(missing)} 个城市，已改用示意图。"
        return replace(schematic_shapes(), problem=problem)
    return replace(shapes, review_number=review_number, crs=crs)


@cache
def _cached_boundaries(path: Path, _mtime_ns: int) -> CityShapes:
    return load_boundary_file(path)


@dataclass(frozen=True)
class MapCell:
    """What the map shows for one city."""

    city_code: str
    name: str
    short_name: str
    value: float | None
    label: str
    href: str | None = None


def shade(value: float | None, upper: float, palette: Sequence[str] = PALETTE) -> str:
    """Fill colour of ``value`` on a 5-class scale over [0, upper] (grey for None)."""
    if value is None or math.isnan(value):
        return NO_DATA
    if upper <= 0:
        return palette[0]
    index = min(len(palette) - 1, int(len(palette) * max(value, 0.0) / upper))
    if value >= upper:
        index = len(palette) - 1
    return palette[index]


class _Projection:
    """Equirectangular lon/lat → SVG x/y with x scaled by cos(mean latitude)."""

    def __init__(self, rings: Iterable[Ring], width: float, padding: float) -> None:
        points = [point for ring in rings for point in ring]
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        self.kx = math.cos(math.radians((min(lats) + max(lats)) / 2))
        self.west, self.north = min(lons), max(lats)
        span_x = (max(lons) - self.west) * self.kx
        self.scale = (width - 2 * padding) / span_x
        self.padding = padding
        self.width = width
        self.height = (self.north - min(lats)) * self.scale + 2 * padding

    def __call__(self, point: Point) -> Point:
        x = (point[0] - self.west) * self.kx * self.scale + self.padding
        y = (self.north - point[1]) * self.scale + self.padding
        return (x, y)


def _path(rings: Sequence[Ring], project: _Projection) -> str:
    parts = []
    for ring in rings:
        xy = [project(point) for point in ring]
        parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in xy) + "Z")
    return "".join(parts)


def _centroid(ring: Ring) -> Point:
    area = cx = cy = 0.0
    for index, (x1, y1) in enumerate(ring):
        x0, y0 = ring[index - 1]
        step = x0 * y1 - x1 * y0
        area += step
        cx += (x0 + x1) * step
        cy += (y0 + y1) * step
    if abs(area) < 1e-12:
        return ring[0]
    return (cx / (3 * area), cy / (3 * area))


def render_map_svg(
    cells: Sequence[MapCell],
    shapes: CityShapes,
    *,
    title: str,
    width: float = 760,
    palette: Sequence[str] = PALETTE,
) -> str:
    """The map as an accessible inline ``<svg>``: one ``<path class="city">`` per city.

    Each city links to ``cell.href`` (if given), has a ``<title>`` tooltip with its label,
    and is labelled with its short name at its largest ring's centroid.
    """
    all_rings = [ring for rings in shapes.rings.values() for ring in rings]
    project = _Projection(all_rings, width, padding=12)
    values = [c.value for c in cells if c.value is not None and not math.isnan(c.value)]
    upper = max(values, default=0.0)
    body: list[str] = []
    labels: list[str] = []
    for cell in cells:
        rings = shapes.rings.get(cell.city_code)
        if not rings:
            continue
        path = (
            f'<path class="city" data-city-code="{escape(cell.city_code)}" '
            f'fill="{shade(cell.value, upper, palette)}" d="{_path(rings, project)}">'
            f"<title>{escape(cell.label)}</title></path>"
        )
        if cell.href:
            path = f'<a href="{escape(cell.href)}" aria-label="{escape(cell.label)}">{path}</a>'
        body.append(path)
        x, y = project(_centroid(max(rings, key=len)))
        labels.append(
            f'<text class="city-label" x="{x:.1f}" y="{y:.1f}" text-anchor="middle">'
            f"{escape(cell.short_name)}</text>"
        )
    return (
        f'<svg class="talent-map" role="img" '
        f'viewBox="0 0 {project.width:.0f} {project.height:.0f}" '
        f'aria-labelledby="map-title"><title id="map-title">{escape(title)}</title>'
        f'{"".join(body)}<g aria-hidden="true">{"".join(labels)}</g></svg>'
    )


def legend(
    cells: Sequence[MapCell],
    palette: Sequence[str] = PALETTE,
    fmt: Callable[[float], str] = lambda value: f"{value:.3g}",
) -> list[tuple[str, str]]:
    """``(colour, range label)`` of the five classes for the values shown, plus no-data."""
    values = [c.value for c in cells if c.value is not None and not math.isnan(c.value)]
    if not values:
        return [(NO_DATA, "无数据")]
    upper = max(values)
    step = upper / len(palette) if upper > 0 else 0.0
    rows = [
        (colour, f"{fmt(step * k)} – {fmt(step * (k + 1))}") for k, colour in enumerate(palette)
    ]
    return [*rows, (NO_DATA, "无数据")]
