"""Project routes: the project index, one filtered index per theme, country and status (filters work
without JavaScript), and one page per project."""

from __future__ import annotations

from .. import site_map
from . import spending as money_spent
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
    context = {"page": page, "projects": selected, "filters": filters, "active_filter": active, "all_url": index_url}
    extra = (repr(filters), repr(active))
    if active is None:  # the index itself shows the NGO's spending; its filtered views list projects only
        context["ngo_spending"] = summary = money_spent.site_summary(ctx.globals_, list(ctx.projects.values()))
        extra = money_spent.with_stamp(extra, summary)
    ctx.add(raw, "project_index.html", "project_index", context,
            description=raw.get("intro", ""), deps=[p["id"] for p in selected], extra=extra)


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
                                if b["type"] == "image"],
                     "place": update_place(u),
                     "disbursement_ids": [str(d["id"]) for d in u.get("disbursements") or [] if d and d.get("id")]}
                    for u in sorted(raw.get("updates") or [], key=lambda u: u["date"], reverse=True)],
        "breadcrumbs": [HOME_CRUMB] + ([{"title": index["title"], "url": index["url"]}] if index else []),
    })
    page["map"] = project_map(page)
    return page


def _coordinate(value, limit: float) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and -limit <= value <= limit else None


def update_place(u: dict) -> dict | None:
    """{name, latitude, longitude} of an update, or None; a point needs both coordinates (the CMS checks it,
    the builder does not trust it). A name alone is still shown on the timeline."""
    name = (u.get("placeName") or "").strip()
    lat, lon = _coordinate(u.get("latitude"), 90), _coordinate(u.get("longitude"), 180)
    if lat is None or lon is None:
        return {"name": name, "latitude": None, "longitude": None} if name else None
    return {"name": name, "latitude": lat, "longitude": lon}


def project_map(page: dict) -> dict | None:
    """The map section: the SVG and, as its text alternative, the list of its numbered places."""
    lat, lon = _coordinate(page.get("latitude"), 90), _coordinate(page.get("longitude"), 180)
    own = None
    if lat is not None and lon is not None:
        own = {"name": ", ".join(x for x in (page.get("region"), page.get("country_name")) if x) or page["title"],
               "latitude": lat, "longitude": lon}
    places = [u["place"] for u in reversed(page["updates"])  # oldest first: the numbers follow the story
              if u["place"] and u["place"]["latitude"] is not None]
    points = site_map.map_points(own, places)
    if not places:
        return None  # the project's own point alone is the header's place line
    return {"svg": site_map.svg(points, f"Carte des lieux du projet « {page['title']} »"), "points": points}


def project_routes(ctx: RouteContext) -> None:
    index_id = str(ctx.pages.project_index["id"]) if ctx.pages.project_index else None
    # A completed project takes no gift: its page sends visitors to a few projects under way instead.
    under_way = sorted((p for p in ctx.open_projects if p["status"] == "active"), key=lambda p: not p["featured"])
    spending_rows = {r.get("slug"): r for r in ctx.globals_.get("projectSpending") or [] if r}
    wall = walls(ctx.globals_)
    for raw in ctx.pages.projects:
        card = ctx.projects[str(raw["id"])]
        page = ctx.norm.cached("page", raw, lambda: project_page(ctx, raw, card), refs=[index_id])
        page.update({k: card[k] for k in ("raised", "donors")})  # the card's figures are this build's
        spending = money_spent.project_spending(spending_rows.get(card["slug"]), ctx.norm.media)
        page = dict(page, spending=spending, updates=money_spent.with_funding(page["updates"], spending))
        current = ([p for p in under_way if p["slug"] != card["slug"]][:RELATED_WHEN_COMPLETED]
                   if card["status"] == "completed" else [])
        names = wall.get(card["slug"], [])  # its donor wall: in `extra`, so a change re-renders the page
        ctx.add(raw, "project.html", "project", {"page": page, "current_projects": current, "wall": names},
                image=card["hero"], description=card["summary"],
                deps=tuple(ctx.norm.refs_of[str(raw["id"])]) + tuple(p["id"] for p in current),
                extra=money_spent.with_stamp((repr(names),), spending))
