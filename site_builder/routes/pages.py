"""The other routes: the CMS's standard pages, and the pages the builder adds on its own (giving, 404)."""

from __future__ import annotations

from ..config import DONATE_URL, THANK_YOU_URL
from ..site import Route
from . import spending as money_spent
from .context import HOME_CRUMB, RouteContext

THANK_YOU_PROJECTS = 3  # projects the thank-you page suggests following


def standard_routes(ctx: RouteContext) -> None:
    n, summary = ctx.n, ...  # the spending summary, made once if a page shows it
    for raw in ctx.pages.standard:
        page = ctx.norm.cached("page", raw, lambda: {
            "title": raw["title"], "url": raw["url"], "intro": raw.get("intro") or "",
            "body": n.blocks(raw.get("body"), ctx.projects), "breadcrumbs": [HOME_CRUMB]})
        extra = ()
        if money_spent.has_summary_block(page["body"]):  # "Bilan des dépenses": this build's figures
            if summary is ...:
                summary = money_spent.site_summary(ctx.globals_, list(ctx.projects.values()))
            page = dict(page, body=money_spent.body_with_summary(page["body"], summary))
            extra = money_spent.with_stamp(extra, summary)
        ctx.add(raw, "standard.html", "standard", {"page": page}, description=raw.get("intro") or "",
                deps=ctx.norm.refs_of[str(raw["id"])], extra=extra)


def giving_routes(ctx: RouteContext) -> None:
    """The form page (any project, or where the need is greatest) and the thank-you page (not in the
    sitemap: it only makes sense after a gift)."""
    donate = {"title": "Faire un don", "url": DONATE_URL, "breadcrumbs": [HOME_CRUMB],
              "intro": "Chaque don finance un projet précis, et vous pouvez suivre ce qu'il devient."}
    ctx.add({"title": "Faire un don"}, "donate.html", "donate", {"page": donate, "projects": ctx.open_projects},
            description=donate["intro"], deps=[p["id"] for p in ctx.open_projects])
    suggested = ctx.open_projects[:THANK_YOU_PROJECTS]
    thanks = {"title": "Merci pour votre don", "url": THANK_YOU_URL, "breadcrumbs": [HOME_CRUMB],
              "intro": "Merci pour votre don : le détail (montant, projet, référence) s'affiche sur cette page."}
    route = ctx.add({"title": "Merci"}, "thank_you.html", "thank_you", {"page": thanks, "projects": suggested},
                    description=thanks["intro"], deps=[p["id"] for p in suggested])
    route.in_sitemap = False


def not_found_route(ctx: RouteContext) -> None:
    """404.html: depends on nothing but the site (no SEO fallback image, not in the sitemap)."""
    page = {"title": "Page introuvable", "url": "/404.html", "breadcrumbs": []}
    page["seo"] = {"title": page["title"], "description": "", "image": None, "canonical": ctx.base_url + "/404.html"}
    ctx.data.routes.append(Route(url="/404.html", template="404.html", page_type="404", context={"page": page},
                                 source="404", in_sitemap=False))
