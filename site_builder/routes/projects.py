"""Project routes: the project index, one filtered index per theme, country and status (filters work
without JavaScript), and one page per project."""

from __future__ import annotations

from .context import HOME_CRUMB, RouteContext
from .wall import walls

STATUS_ORDER = ("active", "planned", "completed")
RELATED_WHEN_COMPLETED = 3  # projects under way a completed project's page sends visitors to


def index_filters(index_url: str, projects: list[dict]) -> dict:
    """The filter bar: every theme, country and status the projects have, each with its own index URL."""
    themes, countries, statuses = {}, {}, {}
    for p in projects:
        if p["theme"]["slug"]:
            themes[p["theme"]["slug"]] = dict(p["theme"], url=f"{index_url}theme/{p['theme']['slug']}/")
        countries[p["country"]] = {"code": p["country"], "name": p["country_name"],
                                   "url": f"{index_url}pays/{p['country'].lower()}/"}
        statuses[p["status"]] = {"value": p["status"], "label": p["status_label"],
                                 "url": f"{index_url}statut/{p['status']}/"}
    return {"themes": sorted(themes.values(), key=lambda t: t["name"]),
            "countries": sorted(countries.values(), key=lambda c: c["name"]),
            "statuses": [statuses[s] for s in STATUS_ORDER if s in statuses]}


def _filtered(filters: dict):
    """(url, active filter, key of a project) for each filtered index, in the filter bar's order."""
    for kind, key, values in (("theme", lambda p: p["theme"]["slug"], filters["themes"]),
                              ("country", lambda p: p["country"], filters["countries"]),
                              ("status", lambda p: p["status"], filters["statuses"])):
        for v in values:
            value = v.get("slug") or v.get("code") or v.get("value")
            label = v.get("name") or v.get("label")
            yield v["url"], {"kind": kind, "value": value, "label": label}, key


def _index_route(ctx: RouteContext, url: str, title: str, active: dict | None, selected: list[dict],
                 filters: dict) -> None:
    raw = ctx.pages.project_index
    index_url = raw["url"]
    page = {"title": title, "url": url, "intro": raw.get("intro", ""),
            "breadcrumbs": [HOME_CRUMB] + ([{"title": raw["title"], "url": index_url}] if active else [])}
    ctx.add(raw, "project_index.html", "project_index",
            {"page": page, "projects": selected, "filters": filters, "active_filter": active, "all_url": index_url},
            description=raw.get("intro", ""), deps=[p["id"] for p in selected], extra=[repr(filters), repr(active)])


def project_index_routes(ctx: RouteContext) -> None:
    raw = ctx.pages.project_index
    if not raw:
        return
    every = list(ctx.projects.values())
    filters = index_filters(raw["url"], every)
    _index_route(ctx, raw["url"], raw["title"], None, every, filters)
    for url, active, key in _filtered(filters):
        _index_route(ctx, url, f"{raw['title']} : {active['label']}", active,
                     [p for p in every if key(p) == active["value"]], filters)


def project_page(ctx: RouteContext, raw: dict, card: dict) -> dict:
    """The project's page dictionary (CONTEXT.md, "project"): its card plus what only the page shows."""
    n, index = ctx.n, ctx.pages.project_index
    budget = [{"label": b["label"], "amount": b["amount"]} for b in raw.get("budgetLines") or []]
    budget_total = sum(b["amount"] for b in budget)
    for b in budget:
        b["percent"] = round(100 * b["amount"] / budget_total) if budget_total else 0
    page = dict(card)
    page.update({
        "latitude": raw.get("latitude"), "longitude": raw.get("longitude"),
        "key_figures": [{"label": f["label"], "value": f["value"], "unit": f.get("unit") or ""}
                        for f in raw.get("keyFigures") or []],
        "budget": budget, "budget_total": budget_total,
        "body": n.blocks(raw.get("body"), ctx.projects),
        "gallery": [g for g in ({"image": n.image(g.get("image")), "caption": g.get("caption") or ""}
                                for g in raw.get("galleryImages") or []) if g["image"]],
        "partners": [{"name": p["name"], "url": p.get("url") or ""} for p in raw.get("partners") or []],
        "updates": [{"date": u["date"], "title": u["title"], "text_html": u.get("text") or "",
                     "images": [b["image"] for b in n.blocks(u.get("photos"), ctx.projects)
                                if b["type"] == "image"]}
                    for u in sorted(raw.get("updates") or [], key=lambda u: u["date"], reverse=True)],
        "breadcrumbs": [HOME_CRUMB] + ([{"title": index["title"], "url": index["url"]}] if index else []),
    })
    return page


def project_routes(ctx: RouteContext) -> None:
    index_id = str(ctx.pages.project_index["id"]) if ctx.pages.project_index else None
    # A completed project takes no gift: its page sends visitors to a few projects under way instead.
    under_way = sorted((p for p in ctx.open_projects if p["status"] == "active"), key=lambda p: not p["featured"])
    wall = walls(ctx.globals_)
    for raw in ctx.pages.projects:
        card = ctx.projects[str(raw["id"])]
        page = ctx.norm.cached("page", raw, lambda: project_page(ctx, raw, card), refs=[index_id])
        page.update({k: card[k] for k in ("raised", "donors")})  # the card's figures are this build's
        current = ([p for p in under_way if p["slug"] != card["slug"]][:RELATED_WHEN_COMPLETED]
                   if card["status"] == "completed" else [])
        names = wall.get(card["slug"], [])  # its donor wall: in `extra`, so a change re-renders the page
        ctx.add(raw, "project.html", "project", {"page": page, "current_projects": current, "wall": names},
                image=card["hero"], description=card["summary"],
                deps=tuple(ctx.norm.refs_of[str(raw["id"])]) + tuple(p["id"] for p in current), extra=[repr(names)])
