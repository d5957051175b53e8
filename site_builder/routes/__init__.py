"""From the API's pages to the site's routes: one `Route` (URL, template, context) per file to render.

`site_routes` makes the cards (projects and stories, which other pages list and embed) and the `site`
dictionary once, into a `RouteContext`, then each family of routes adds its own, in this order:

| family | module | routes |
|---|---|---|
| home | home.py | `/` |
| project indexes | projects.py | the index, one filtered index per theme, country and status |
| projects | projects.py | one per project |
| story indexes | stories.py | the index and its pagination pages |
| stories | stories.py | one per story |
| standard pages | pages.py | one per standard page |
| giving | pages.py | the giving page and the thank-you page (the builder's own) |
| donor wall | wall.py | `/donateurs/` (each project page shows its own names too) |
| 404 | pages.py | `/404.html` |

Everything is plain data, so the CMS preview builds the route of a single page with the same code.
"""

from __future__ import annotations

from ..config import BuildConfig
from ..normalize import MediaMap, project_card, story_card
from ..site import NormalizationCache, SiteData
from .context import CachedNormalizer, PagesByKind, RouteContext
from .home import home_routes
from .pages import giving_routes, not_found_route, standard_routes
from .projects import project_index_routes, project_routes
from .site_globals import site_globals
from .stories import story_index_routes, story_routes
from .wall import wall_route

FAMILIES = (home_routes, project_index_routes, project_routes, story_index_routes, story_routes, standard_routes,
            giving_routes, wall_route, not_found_route)


def site_routes(pages: list[dict], globals_: dict, config: BuildConfig, media: MediaMap, *,
                stamps: dict | None = None, cache: NormalizationCache | None = None) -> SiteData:
    """Every route of the site. `globals_`: the API's site-wide answers (build.GLOBAL_FIELDS). `stamps`
    (page id -> content hash) and `cache` make it incremental: pages whose stamp, and the stamps of the
    pages they embed, are unchanged reuse last build's normalised values (and media, warnings)."""
    ctx = route_context(PagesByKind.group(pages), globals_, config, CachedNormalizer(media, stamps, cache))
    for family in FAMILIES:
        family(ctx)
    ctx.data.warnings = ctx.n.warnings
    return ctx.data


def route_context(pages: PagesByKind, globals_: dict, config: BuildConfig, norm: CachedNormalizer) -> RouteContext:
    """The cards first (blocks and related lists refer to projects by id), then the `site` dictionary."""
    n = norm.n
    rules = {r["currency"]: r for r in globals_.get("donationRules") or []}
    projects = {}
    for raw in pages.projects:
        rule = rules.get(raw.get("currency") or "EUR", {})
        projects[str(raw["id"])] = norm.cached("card", raw, lambda: project_card(raw, n, rule))
    by_slug = {p["slug"]: p for p in projects.values()}
    for row in globals_.get("donationTotals") or []:  # money raised at build time; totals.js refreshes it live
        card = by_slug.get(row["slug"])
        if card is not None and row.get("currency") == card["currency"]:
            card["raised"], card["donors"] = row["raised"], row["donors"]
    open_projects = [p for p in projects.values() if p["status"] != "completed"]
    stories = [norm.cached("card", raw, lambda: story_card(raw, n)) for raw in pages.stories]
    if pages.home:
        n._page = pages.home["title"]
    home_hero = n.image(pages.home.get("heroImage")) if pages.home else None
    site = site_globals(pages, globals_, config, rules=rules, projects=projects, open_projects=open_projects,
                        home_hero=home_hero)
    return RouteContext(pages=pages, norm=norm, base_url=config.base_url, projects=projects,
                        open_projects=open_projects, stories=stories, site=site,
                        site_totals=globals_.get("siteTotals") or {}, home_hero=home_hero, globals_=globals_,
                        data=SiteData(site=site, stories=stories))
