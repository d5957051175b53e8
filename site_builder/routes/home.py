"""The home page: its body, the projects to support, the latest stories, the site's figures."""

from __future__ import annotations

from .context import RouteContext

FEATURED_MAX = 6  # projects on the home page
FEATURED_MIN = 3  # filled up with other open projects when fewer are featured
LATEST_STORIES = 3


def featured_projects(ctx: RouteContext) -> list[dict]:
    """"Projets à soutenir": projects that take gifts, the featured ones first, at least three if there are."""
    featured = [p for p in ctx.open_projects if p["featured"]]
    featured += [p for p in ctx.open_projects if not p["featured"]][:max(0, FEATURED_MIN - len(featured))]
    return featured[:FEATURED_MAX]


def site_figures(ctx: RouteContext) -> dict:
    """Money raised and donors are this build's (totals.js refreshes them live); the rest is counted here."""
    summary, projects = ctx.site_totals, ctx.projects.values()
    return {"raised": summary.get("raised", 0), "currency": summary.get("currency", "EUR"),
            "donors": summary.get("donors", 0), "projects": len(ctx.projects),
            "beneficiaries": sum(p["beneficiaries"] for p in projects),
            "countries": len({p["country"] for p in projects}), "stories": len(ctx.stories)}


def home_routes(ctx: RouteContext) -> None:
    raw = ctx.pages.home
    if not raw:
        return
    n = ctx.n
    page = ctx.norm.cached("page", raw, lambda: {
        "title": raw["title"], "url": "/", "intro": raw.get("intro", ""), "hero": ctx.home_hero,
        "body": n.blocks(raw.get("body"), ctx.projects), "breadcrumbs": []})
    featured, latest, totals = featured_projects(ctx), ctx.stories[:LATEST_STORIES], site_figures(ctx)
    ctx.add(raw, "home.html", "home",
            {"page": page, "featured_projects": featured, "latest_stories": latest, "totals": totals},
            description=raw.get("intro", ""),
            deps=[p["id"] for p in featured] + [s["id"] for s in latest] + list(ctx.norm.refs_of[ctx.home_id]),
            extra=[(k, v) for k, v in totals.items() if k not in ("raised", "donors")])
