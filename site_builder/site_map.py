"""The project page's map: an inline SVG drawn at build time, so a visitor's browser fetches nothing.

Points are the project's own coordinates and its updates' places. The view is the region around them
(padded, at least a few degrees wide so one point still shows its country) in an equirectangular projection
whose x is scaled by cos(latitude) at the view's centre, which keeps shapes right at the tropics where the
projects are. Country outlines come from Natural Earth 1:110m (site_builder/data/README.md), decoded from
TopoJSON here; only the rings that cross the view are drawn. Markers are numbered; the template lists the
same numbers with the places' names beside the map (the text alternative), and the SVG has role="img" with a
title. Coordinates in the SVG are rounded to 0.1 unit of a 600-unit-wide view: a few KB per map.
"""

from __future__ import annotations

import functools
import json
import math
from pathlib import Path

from markupsafe import Markup, escape

DATA = Path(__file__).parent / "data" / "countries-110m.json"
WIDTH = 600
MIN_SPAN = 6.0  # degrees: the smallest view, so a single point still shows where it is
PAD = 0.25  # share of the points' span added on every side
ASPECT = (0.6, 1.0)  # height / width, kept between these


@functools.lru_cache(maxsize=1)
def country_rings() -> tuple:
    """((name, ((lon, lat), ...), (west, south, east, north)), ...): every ring of every country."""
    topo = json.loads(DATA.read_text(encoding="utf-8"))
    (sx, sy), (tx, ty) = topo["transform"]["scale"], topo["transform"]["translate"]
    arcs = []
    for arc in topo["arcs"]:  # quantized and delta-encoded
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes):
        points = []
        for i in indexes:
            arc = arcs[i] if i >= 0 else arcs[~i][::-1]
            points.extend(arc if not points else arc[1:])
        return tuple(points)

    rings = []
    for geometry in topo["objects"]["countries"]["geometries"]:
        polygons = {"Polygon": [geometry.get("arcs")], "MultiPolygon": geometry.get("arcs")}.get(geometry["type"]) or []
        for polygon in polygons:
            for indexes in polygon:
                points = ring(indexes)
                lons, lats = [p[0] for p in points], [p[1] for p in points]
                rings.append((geometry.get("properties", {}).get("name", ""), points,
                              (min(lons), min(lats), max(lons), max(lats))))
    return tuple(rings)


def view_box(points: list[tuple[float, float]]) -> tuple[float, float, float, float]:
    """(west, south, east, north) around the points: padded, at least MIN_SPAN wide, its shape within ASPECT."""
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    lon_span = max((max(lons) - min(lons)) * (1 + 2 * PAD), MIN_SPAN)
    lat_span = max((max(lats) - min(lats)) * (1 + 2 * PAD), MIN_SPAN)
    lon_c, lat_c = (max(lons) + min(lons)) / 2, (max(lats) + min(lats)) / 2
    k = math.cos(math.radians(max(-80.0, min(80.0, lat_c))))
    ratio = lat_span / (lon_span * k)
    if ratio < ASPECT[0]:
        lat_span = ASPECT[0] * lon_span * k
    elif ratio > ASPECT[1]:
        lon_span = lat_span / (ASPECT[1] * k)
    lat_span = min(lat_span, 170.0)
    lat_c = max(-85 + lat_span / 2, min(85 - lat_span / 2, lat_c))
    return lon_c - lon_span / 2, lat_c - lat_span / 2, lon_c + lon_span / 2, lat_c + lat_span / 2


def map_points(page_place: dict | None, places: list[dict]) -> list[dict]:
    """The markers: the project's own place first (letter P), then each distinct update place (1, 2, …)."""
    out = []
    if page_place:
        out.append(dict(page_place, label="P", kind="project"))
    seen = set()
    for place in places:
        key = (round(place["latitude"], 4), round(place["longitude"], 4), place["name"])
        if key in seen:
            continue
        seen.add(key)
        out.append(dict(place, label=str(sum(1 for p in out if p["kind"] == "update") + 1), kind="update"))
    return out


def svg(points: list[dict], title: str) -> Markup | None:
    """The map, or None without points. `points`: {latitude, longitude, label, name, kind}."""
    if not points:
        return None
    west, south, east, north = view_box([(p["longitude"], p["latitude"]) for p in points])
    k = math.cos(math.radians((north + south) / 2))
    scale = WIDTH / ((east - west) * k)
    height = round((north - south) * scale, 1)

    def xy(lon, lat):
        return round((lon - west) * k * scale, 1), round((north - lat) * scale, 1)

    paths = []
    for _name, ring, (w, s, e, n) in country_rings():
        if e < west or w > east or n < south or s > north:
            continue
        coords = [xy(lon, lat) for lon, lat in ring]
        paths.append("M" + "L".join(f"{x:g} {y:g}" for x, y in coords) + "Z")
    parts = [f'<svg class="map__svg" viewBox="0 0 {WIDTH} {height:g}" role="img" aria-labelledby="map-title">',
             f'<title id="map-title">{escape(title)}</title>',
             f'<rect width="{WIDTH}" height="{height:g}" fill="#DCEAF0"/>']
    if paths:
        parts.append(f'<path d="{"".join(paths)}" fill="#F4EEE3" stroke="#9C8D79" stroke-width="0.8" '
                     'stroke-linejoin="round"/>')
    true = [xy(p["longitude"], p["latitude"]) for p in points]
    for p, (tx, ty), (x, y) in zip(points, true, spread(true, height)):
        if (x, y) != (tx, ty):  # moved off a neighbour: a leader line to the true place
            parts.append(f'<line x1="{tx:g}" y1="{ty:g}" x2="{x:g}" y2="{y:g}" stroke="#1E1B18" stroke-width="1.5"/>'
                         f'<circle cx="{tx:g}" cy="{ty:g}" r="3" fill="#1E1B18"/>')
        if p["kind"] == "project":
            parts.append(f'<rect x="{x - R:g}" y="{y - R:g}" width="{2 * R}" height="{2 * R}" rx="4" fill="#1D4A3C" '
                         'stroke="#FFFFFF" stroke-width="2.5"/>')
        else:
            parts.append(f'<circle cx="{x:g}" cy="{y:g}" r="{R}" fill="#A8401C" stroke="#FFFFFF" stroke-width="2.5"/>')
        parts.append(f'<text x="{x:g}" y="{y + 7:g}" text-anchor="middle" font-size="20" font-weight="700" '
                     f'fill="#FFFFFF" aria-hidden="true">{escape(p["label"])}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


R = 16  # a marker's radius in view units: about 9 px on a 360 px phone, readable, tappable by eye


def spread(points: list[tuple[float, float]], height: float) -> list[tuple[float, float]]:
    """Marker positions that do not cover each other: places a few km apart share a pixel at a regional
    scale, so a marker that would overlap one already placed moves around its true place (rings of growing
    radius, eight directions) and keeps a leader line to it. Deterministic: the same places, the same map."""
    placed: list[tuple[float, float]] = []
    for x, y in points:
        spot = (x, y)
        for ring in range(0, 8):
            candidates = [(x, y)] if ring == 0 else [
                (x + 2.6 * R * ring * math.cos(a), y + 2.6 * R * ring * math.sin(a))
                for a in (math.radians(d) for d in (-45, -135, 45, 135, 0, 180, -90, 90))]
            free = [c for c in candidates if R <= c[0] <= WIDTH - R and R <= c[1] <= height - R
                    and all(math.dist(c, q) >= 2.2 * R for q in placed)]
            if free:
                spot = free[0]
                break
        placed.append((round(spot[0], 1), round(spot[1], 1)))
    return placed
