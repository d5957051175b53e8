"""From the API's pages to the site's routes: one `Route` (URL, template, context) per file to render.

Pages come from the CMS; the builder adds what a static site needs on top: filtered project indexes (so
filters work without JavaScript), story pagination, 404. Everything here is plain data, so the CMS preview
can build the route of a single page with the same code.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field

from .normalize import PAGE_TYPES, MediaMap, Normalizer, project_card, site_path, story_card

STORIES_PER_PAGE = 12


@dataclass
class CacheEntry:
    stamp: str
    refs: tuple  # ((page id, stamp), ...) of the other pages the value was made from
    value: object
    media: dict
    warnings: list


class NormalizationCache(dict):
    """Per-page results of normalisation, kept between builds: an incremental build or a preview only
    normalises the pages whose content (or a page they embed) changed. Keys: (kind, page id)."""

    def overlay(self) -> "NormalizationCache":
        """A copy for one preview: reads the build's entries, keeps its own writes (a draft must never
        leak into the next build)."""
        return NormalizationCache(self)


@dataclass
class Route:
    url: str  # site-relative, starts with "/", ends with "/" (or a file name such as /404.html)
    template: str
    page_type: str
    context: dict
    source: str = ""  # the CMS page it comes from, for error reports
    lastmod: str | None = None
    in_sitemap: bool = True
    page_id: str | None = None  # the CMS page rendered here (None for pages the builder adds)
    deps: tuple = ()  # ids of the pages whose content this file shows
    extra: tuple = ()  # derived values it shows (counts, pagination), for its signature

    def signature(self, stamps: dict, global_stamp: str) -> str:
        """Changes when anything this file shows changes: an incremental build re-renders exactly those.
        Money raised is left out on purpose: totals.js refreshes it live, and a full build bakes it in."""
        key = repr((self.url, self.template, global_stamp, [(d, stamps.get(str(d))) for d in self.deps], self.extra))
        return hashlib.blake2b(key.encode(), digest_size=16).hexdigest()

    @property
    def output_path(self) -> str:
        return self.url.lstrip("/") + "index.html" if self.url.endswith("/") else self.url.lstrip("/")


@dataclass
class SiteData:
    site: dict
    routes: list[Route] = field(default_factory=list)
    stories: list[dict] = field(default_factory=list)  # story cards, newest first (for the feed)
    warnings: list[str] = field(default_factory=list)
    redirects: list = field(default_factory=list)  # site_builder.redirects.Rule: the `_redirects` file

    def global_stamp(self) -> str:
        """What every page shows (navigation, settings, giving rules, theme colours)."""
        site = dict(self.site, donate={k: v for k, v in self.site.get("donate", {}).items() if k != "projects"})
        return hashlib.blake2b(repr(sorted(site.items())).encode(), digest_size=16).hexdigest()


def _story_order(raw: dict) -> tuple:
    page_id = str(raw["id"])
    return (raw.get("date") or "", int(page_id) if page_id.isdigit() else 0)


def _seo(page: dict, raw: dict, base_url: str, image=None, description: str = "") -> dict:
    return {
        "title": raw.get("seoTitle") or page["title"],
        "description": (raw.get("searchDescription") or description or "")[:300],
        "image": image,
        "canonical": base_url + page["url"],
    }


def build_site(pages: list[dict], *, base_url: str, media: MediaMap, site_name: str = "Vision d'Amour",
               totals_url: str | None = "/donate/totals.json", settings: dict | None = None,
               donate_api_base: str = "", totals: list | None = None, donation_rules: list | None = None,
               site_totals: dict | None = None, stamps: dict | None = None,
               cache: NormalizationCache | None = None) -> SiteData:
    """`stamps` (page id -> content hash) and `cache` make it incremental: pages whose stamp, and the stamps
    of the pages they embed, are unchanged reuse last build's normalised values (and media, warnings)."""
    n = Normalizer(media)
    stamps = stamps or {}

    refs_of: dict[str, tuple] = {}  # page id -> the other pages its content embeds (its route's deps)

    def cached(kind: str, raw: dict, compute, refs=()):
        page_id = str(raw["id"])
        stamp = stamps.get(page_id)
        use_cache = cache is not None and stamp is not None
        entry = cache.get((kind, page_id)) if use_cache else None
        if entry is not None and entry.stamp == stamp and all(stamps.get(r) == s for r, s in entry.refs):
            media.wanted.update(entry.media)
            n.warnings.extend(entry.warnings)
            refs_of[page_id] = tuple(r for r, _ in entry.refs)
            return entry.value
        media.recording, n.refs, first_warning = {}, {str(r) for r in refs if r}, len(n.warnings)
        try:
            value = compute()
        finally:
            recorded, used, media.recording, n.refs = media.recording, sorted(n.refs - {page_id}), None, None
        refs_of[page_id] = tuple(used)
        if use_cache:
            cache[(kind, page_id)] = CacheEntry(stamp, tuple((r, stamps.get(r)) for r in used), value,
                                                recorded, n.warnings[first_warning:])
        return value

    base_url = base_url.rstrip("/")
    by_type: dict[str, list[dict]] = {}
    home_raw = next((p for p in pages if p.get("contentType") == "core.HomePage"), None)
    root_path = home_raw["urlPath"] if home_raw else "/"
    pages = [p for p in pages if p]  # a page the API could not answer is null (its error is reported)
    for raw in pages:
        kind = PAGE_TYPES.get(raw.get("contentType"))
        if kind is None:
            continue
        if "introOptional" in raw:  # the query's alias (nullable intro beside required ones)
            raw["intro"] = raw.pop("introOptional")
        raw["url"] = site_path(raw["urlPath"], root_path)
        by_type.setdefault(kind, []).append(raw)

    # Cards first: blocks and related lists refer to projects by id.
    projects_raw = by_type.get("project", [])
    rules = {r["currency"]: r for r in donation_rules or []}
    projects = {}
    for raw in projects_raw:
        n._page = raw["title"]
        rule = rules.get(raw.get("currency") or "EUR", {})
        projects[str(raw["id"])] = cached("card", raw, lambda: project_card(raw, n, rule))
    open_projects = [p for p in projects.values() if p["status"] != "completed"]
    by_slug = {p["slug"]: p for p in projects.values()}
    for row in totals or []:  # money raised at build time; totals.js refreshes it live
        card = by_slug.get(row["slug"])
        if card is not None and row.get("currency") == card["currency"]:
            card["raised"], card["donors"] = row["raised"], row["donors"]
    # newest first; same day: the later created first (ids compared as numbers, "999" < "1000")
    stories_raw = sorted(by_type.get("story", []), key=_story_order, reverse=True)
    story_cards = []
    for raw in stories_raw:
        n._page = raw["title"]
        story_cards.append(cached("card", raw, lambda: story_card(raw, n)))

    project_index_raw = (by_type.get("project_index") or [None])[0]
    story_index_raw = (by_type.get("story_index") or [None])[0]
    standard_raw = by_type.get("standard", [])
    nav = [{"title": r["title"], "url": r["url"]} for r in (project_index_raw, story_index_raw) if r]
    nav += [{"title": r["title"], "url": r["url"]} for r in standard_raw
            if r["slug"] in ("a-propos", "transparence")]
    footer_nav = [{"title": r["title"], "url": r["url"]} for r in standard_raw]
    home_hero = n.image(home_raw.get("heroImage")) if home_raw else None
    settings = settings or {}
    site = {
        "name": site_name, "tagline": settings.get("tagline") or "", "base_url": base_url, "lang": "fr",
        "description": (home_raw or {}).get("searchDescription") or (home_raw or {}).get("intro", ""),
        "nav": nav, "footer_nav": footer_nav, "contact_email": settings.get("contactEmail") or "",
        "transparency_note": settings.get("transparencyNote") or "",
        "social_image": home_hero, "totals_url": totals_url,
        "feed_url": "/feeds/histoires.atom.xml",
        "donate": {
            "api_base": donate_api_base.rstrip("/"),
            # the endpoint's own rules (GraphQL donationRules): the form never promises what the server refuses
            "min_amount": {c: r["minAmount"] for c, r in rules.items()},
            "max_amount": {c: r["maxAmount"] for c, r in rules.items()},
            "fee_rate_bp": next(iter(rules.values()), {}).get("feeRateBp", 0),
            "fee_fixed": {c: r["feeFixed"] for c, r in rules.items()},
            "projects": [{"slug": p["slug"], "title": p["title"], "currency": p["currency"]} for p in open_projects],
        },
        "project_themes": sorted({p["theme"]["slug"]: p["theme"] for p in projects.values()
                                  if p["theme"]["slug"]}.values(), key=lambda t: t["slug"]),
    }
    data = SiteData(site=site, stories=story_cards)
    home_crumb = {"title": "Accueil", "url": "/"}

    home_id = str(home_raw["id"]) if home_raw else None

    def add(raw, template, page_type, context, image=None, description="", deps=(), extra=()):
        page = context["page"]
        page["seo"] = _seo(page, raw, base_url, image or home_hero, description)
        page_id = str(raw["id"]) if "id" in raw else None
        own = (page_id,) if page_id else ()
        # every page's SEO image falls back to the home page's hero
        data.routes.append(Route(url=page["url"], template=template, page_type=page_type, context=context,
                                 source=raw.get("title", page["url"]), lastmod=raw.get("lastPublishedAt"),
                                 page_id=page_id, deps=own + tuple(deps) + ((home_id,) if home_id else ()),
                                 extra=tuple(extra)))

    # Home
    if home_raw:
        n._page = home_raw["title"]
        # "Projets à soutenir": projects that take gifts, the featured ones first, at least three if there are
        featured = [p for p in open_projects if p["featured"]]
        featured += [p for p in open_projects if not p["featured"]][:max(0, 3 - len(featured))]
        page = cached("page", home_raw, lambda: {
            "title": home_raw["title"], "url": "/", "intro": home_raw.get("intro", ""), "hero": home_hero,
            "body": n.blocks(home_raw.get("body"), projects), "breadcrumbs": []})
        summary = site_totals or {}
        totals = {"raised": summary.get("raised", 0), "currency": summary.get("currency", "EUR"),
                  "donors": summary.get("donors", 0), "projects": len(projects),
                  "beneficiaries": sum(p["beneficiaries"] for p in projects.values()),
                  "countries": len({p["country"] for p in projects.values()}), "stories": len(story_cards)}
        add(home_raw, "home.html", "home", {"page": page, "featured_projects": featured[:6],
                                             "latest_stories": story_cards[:3], "totals": totals},
            description=home_raw.get("intro", ""),
            deps=[p["id"] for p in featured[:6]] + [s["id"] for s in story_cards[:3]] + list(refs_of[home_id]),
            extra=[(k, v) for k, v in totals.items() if k not in ("raised", "donors")])

    # Project index, and one filtered index per theme, country and status
    if project_index_raw:
        index_url = project_index_raw["url"]
        all_projects = list(projects.values())
        themes, countries, statuses = {}, {}, {}
        for p in all_projects:
            if p["theme"]["slug"]:
                themes[p["theme"]["slug"]] = dict(p["theme"], url=f"{index_url}theme/{p['theme']['slug']}/")
            countries[p["country"]] = {"code": p["country"], "name": p["country_name"],
                                       "url": f"{index_url}pays/{p['country'].lower()}/"}
            statuses[p["status"]] = {"value": p["status"], "label": p["status_label"],
                                     "url": f"{index_url}statut/{p['status']}/"}
        filters = {"themes": sorted(themes.values(), key=lambda t: t["name"]),
                   "countries": sorted(countries.values(), key=lambda c: c["name"]),
                   "statuses": [statuses[s] for s in ("active", "planned", "completed") if s in statuses]}

        def index_page(url, title, active, selected):
            page = {"title": title, "url": url, "intro": project_index_raw.get("intro", ""),
                    "breadcrumbs": [home_crumb] + ([{"title": project_index_raw["title"], "url": index_url}]
                                                   if active else [])}
            add(project_index_raw, "project_index.html", "project_index",
                {"page": page, "projects": selected, "filters": filters, "active_filter": active,
                 "all_url": index_url}, description=project_index_raw.get("intro", ""),
                deps=[p["id"] for p in selected], extra=[repr(filters), repr(active)])

        index_page(index_url, project_index_raw["title"], None, all_projects)
        for kind, key, values in (("theme", lambda p: p["theme"]["slug"], filters["themes"]),
                                  ("country", lambda p: p["country"], filters["countries"]),
                                  ("status", lambda p: p["status"], filters["statuses"])):
            for v in values:
                value = v.get("slug") or v.get("code") or v.get("value")
                label = v.get("name") or v.get("label")
                index_page(v["url"], f"{project_index_raw['title']} : {label}",
                           {"kind": kind, "value": value, "label": label},
                           [p for p in all_projects if key(p) == value])

    # Projects
    project_index_id = str(project_index_raw["id"]) if project_index_raw else None

    def project_page(raw, card):
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
            "body": n.blocks(raw.get("body"), projects),
            "gallery": [g for g in ({"image": n.image(g.get("image")), "caption": g.get("caption") or ""}
                                    for g in raw.get("galleryImages") or []) if g["image"]],
            "partners": [{"name": p["name"], "url": p.get("url") or ""} for p in raw.get("partners") or []],
            "updates": [{"date": u["date"], "title": u["title"], "text_html": u.get("text") or "",
                         "images": [b["image"] for b in n.blocks(u.get("photos"), projects)
                                    if b["type"] == "image"]}
                        for u in sorted(raw.get("updates") or [], key=lambda u: u["date"], reverse=True)],
            "breadcrumbs": [home_crumb] + ([{"title": project_index_raw["title"], "url": project_index_raw["url"]}]
                                           if project_index_raw else []),
        })
        return page

    # A completed project takes no gift: its page sends visitors to a few projects under way instead.
    under_way = sorted((p for p in open_projects if p["status"] == "active"), key=lambda p: not p["featured"])
    for raw in projects_raw:
        n._page = raw["title"]
        card = projects[str(raw["id"])]
        page = cached("page", raw, lambda: project_page(raw, card), refs=[project_index_id])
        page.update({k: card[k] for k in ("raised", "donors")})  # the card's figures are this build's
        current = [p for p in under_way if p["slug"] != card["slug"]][:3] if card["status"] == "completed" else []
        add(raw, "project.html", "project", {"page": page, "current_projects": current}, image=card["hero"],
            description=card["summary"], deps=tuple(refs_of[str(raw["id"])]) + tuple(p["id"] for p in current))

    # Story index with pagination
    if story_index_raw:
        index_url = story_index_raw["url"]
        num_pages = max(1, math.ceil(len(story_cards) / STORIES_PER_PAGE))

        def page_url(number):
            return index_url if number == 1 else f"{index_url}page/{number}/"

        all_pages = [{"number": i, "url": page_url(i)} for i in range(1, num_pages + 1)]  # shared by every page
        for number in range(1, num_pages + 1):
            chunk = story_cards[(number - 1) * STORIES_PER_PAGE: number * STORIES_PER_PAGE]
            title = story_index_raw["title"] + ("" if number == 1 else f" — page {number}")
            page = {"title": title, "url": page_url(number), "intro": story_index_raw.get("intro", ""),
                    "breadcrumbs": [home_crumb]}
            pagination = {"number": number, "num_pages": num_pages,
                          "previous_url": page_url(number - 1) if number > 1 else None,
                          "next_url": page_url(number + 1) if number < num_pages else None,
                          "pages": all_pages}
            add(story_index_raw, "story_index.html", "story_index",
                {"page": page, "stories": chunk, "pagination": pagination},
                description=story_index_raw.get("intro", ""), deps=[s["id"] for s in chunk],
                extra=[number, num_pages])

    # Stories
    story_index_id = str(story_index_raw["id"]) if story_index_raw else None

    def story_page(raw, card):
        page = dict(card)
        related = [str(r["id"]) for r in raw.get("relatedProjects") or [] if str(r["id"]) in projects]
        n.refs.update(related)
        page.update({
            "body": n.blocks(raw.get("body"), projects),
            "related_projects": [projects[r] for r in related],
            "breadcrumbs": [home_crumb] + ([{"title": story_index_raw["title"], "url": story_index_raw["url"]}]
                                           if story_index_raw else []),
        })
        return page

    for raw, card in zip(stories_raw, story_cards):
        n._page = raw["title"]
        page = cached("page", raw, lambda: story_page(raw, card), refs=[story_index_id])
        add(raw, "story.html", "story", {"page": page}, image=card["hero"], description=card["intro"],
            deps=refs_of[str(raw["id"])])

    # Standard pages
    for raw in standard_raw:
        n._page = raw["title"]
        page = cached("page", raw, lambda: {"title": raw["title"], "url": raw["url"], "intro": raw.get("intro") or "",
                                            "body": n.blocks(raw.get("body"), projects), "breadcrumbs": [home_crumb]})
        add(raw, "standard.html", "standard", {"page": page}, description=raw.get("intro") or "",
            deps=refs_of[str(raw["id"])])

    # Giving: the form page (any project, or where the need is greatest) and the thank-you page.
    donate = {"title": "Faire un don", "url": "/donner/", "breadcrumbs": [home_crumb],
              "intro": "Chaque don finance un projet précis, et vous pouvez suivre ce qu'il devient."}
    add({"title": "Faire un don"}, "donate.html", "donate", {"page": donate, "projects": open_projects},
        description=donate["intro"], deps=[p["id"] for p in open_projects])
    thanks = {"title": "Merci pour votre don", "url": "/donner/merci/", "breadcrumbs": [home_crumb],
              "intro": "Merci pour votre don : le détail (montant, projet, référence) s'affiche sur cette page."}
    add({"title": "Merci"}, "thank_you.html", "thank_you", {"page": thanks, "projects": open_projects[:3]},
        description=thanks["intro"], deps=[p["id"] for p in open_projects[:3]])
    data.routes[-1].in_sitemap = False

    # 404
    not_found = {"title": "Page introuvable", "url": "/404.html", "breadcrumbs": []}
    not_found["seo"] = {"title": not_found["title"], "description": "", "image": None,
                        "canonical": base_url + "/404.html"}
    data.routes.append(Route(url="/404.html", template="404.html", page_type="404",
                             context={"page": not_found}, source="404", in_sitemap=False))
    data.warnings = n.warnings
    return data
