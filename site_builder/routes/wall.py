"""The donor wall in the static site: each project page's names (`project_routes` reads `wall_of`) and the
site-wide page `/donateurs/` (every name, newest first, at most `SITE_WIDE`).

The names come from the API's `donorWall` (cms/donations/wall.py decides who shows and how). A route's
`extra` holds the names it shows, so its signature changes, and an incremental build re-renders it, exactly
when its wall changes (site_builder/changed_routes.py makes those routes again)."""

from __future__ import annotations

from ..config import DONOR_WALL_URL
from ..site import Route
from .context import HOME_CRUMB, RouteContext

SITE_WIDE = 500  # as cms/donations/wall.SITE_WIDE


def walls(globals_: dict) -> dict[str, list[dict]]:
    """Project slug ("" for the general fund) -> its names [{"name", "day"}], newest first."""
    by_project: dict[str, list[dict]] = {}
    for row in globals_.get("donorWall") or []:
        by_project.setdefault(row.get("project") or "", []).append({"name": row["name"], "day": row["day"]})
    return by_project


def wall_of(globals_: dict, slug: str) -> list[dict]:
    return walls(globals_).get(slug, [])


def site_wall(globals_: dict) -> list[dict]:
    return [{"name": r["name"], "day": r["day"]} for r in (globals_.get("donorWall") or [])[:SITE_WIDE]]


def wall_route(ctx: RouteContext) -> None:
    """/donateurs/: names only (no project title, so the page depends on no project page)."""
    names = site_wall(ctx.globals_)
    page = {"title": "Mur des donateurs", "url": DONOR_WALL_URL, "breadcrumbs": [HOME_CRUMB],
            "intro": "Merci à celles et ceux qui ont choisi d’afficher leur prénom avec leur don."}
    ctx.add({"title": page["title"]}, "donor_wall.html", "donor_wall", {"page": page, "wall": names},
            description=page["intro"], extra=[repr(names)])


def changed_slugs(before: dict, after: dict) -> set[str]:
    """The projects whose names differ between two builds' globals."""
    old, new = walls(before), walls(after)
    return {slug for slug in old.keys() | new.keys() if old.get(slug) != new.get(slug)}


def is_wall_route(route: Route) -> bool:
    return route.page_type == "donor_wall"
