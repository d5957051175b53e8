"""What every family of routes reads: the API's pages grouped by kind, the cards, the site dictionary, and
the one list of routes they all append to (`RouteContext.add`).

Families are plain functions of a `RouteContext` (site_builder/routes/__init__.py lists them). Nothing is
shared through closures: what a family needs is a field here, and what it makes is a `Route`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..normalize import PAGE_TYPES, MediaMap, Normalizer, site_path
from ..site import CacheEntry, NormalizationCache, Route, SiteData

HOME_CRUMB = {"title": "Accueil", "url": "/"}


@dataclass
class PagesByKind:
    """The API's pages sorted by what the site makes of them (normalize.PAGE_TYPES); other types are left out."""

    home: dict | None = None
    project_index: dict | None = None
    story_index: dict | None = None
    projects: list[dict] = field(default_factory=list)
    stories: list[dict] = field(default_factory=list)  # newest first
    standard: list[dict] = field(default_factory=list)

    @classmethod
    def group(cls, pages: list[dict]) -> "PagesByKind":
        """Each page gets its site URL (`url`, from its tree path under the home page)."""
        home = next((p for p in pages if p and p.get("contentType") == "core.HomePage"), None)
        root_path = home["urlPath"] if home else "/"
        by_type: dict[str, list[dict]] = {}
        for raw in (p for p in pages if p):  # a page the API could not answer is null (its error is reported)
            kind = PAGE_TYPES.get(raw.get("contentType"))
            if kind is None:
                continue
            if "introOptional" in raw:  # the query's alias (nullable intro beside required ones)
                raw["intro"] = raw.pop("introOptional")
            raw["url"] = site_path(raw["urlPath"], root_path)
            by_type.setdefault(kind, []).append(raw)
        return cls(home=home, project_index=(by_type.get("project_index") or [None])[0],
                   story_index=(by_type.get("story_index") or [None])[0],
                   projects=by_type.get("project", []),
                   stories=sorted(by_type.get("story", []), key=story_order, reverse=True),
                   standard=by_type.get("standard", []))


def story_order(raw: dict) -> tuple:
    """Newest first (reversed); same day: the later created first (ids compared as numbers, "999" < "1000")."""
    page_id = str(raw["id"])
    return (raw.get("date") or "", int(page_id) if page_id.isdigit() else 0)


class CachedNormalizer:
    """The normaliser, with last build's results reused: a page whose stamp, and the stamps of the pages it
    embeds, are unchanged gets its normalised value (and media, warnings) back without normalising again."""

    def __init__(self, media: MediaMap, stamps: dict | None, cache: NormalizationCache | None):
        self.n = Normalizer(media)
        self.media = media
        self.stamps = stamps or {}
        self.cache = cache
        self.refs_of: dict[str, tuple] = {}  # page id -> the other pages its content embeds (its route's deps)

    def cached(self, kind: str, raw: dict, compute, refs=()):
        """`compute()` (normalising `raw`), or last build's value for (kind, page id). `refs`: pages the
        value shows besides those the normaliser records (the page's index, for its breadcrumbs)."""
        n, media, stamps, cache = self.n, self.media, self.stamps, self.cache
        n._page = raw["title"]
        page_id = str(raw["id"])
        stamp = stamps.get(page_id)
        use_cache = cache is not None and stamp is not None
        entry = cache.get((kind, page_id)) if use_cache else None
        if entry is not None and entry.stamp == stamp and all(stamps.get(r) == s for r, s in entry.refs):
            media.wanted.update(entry.media)
            n.warnings.extend(entry.warnings)
            self.refs_of[page_id] = tuple(r for r, _ in entry.refs)
            return entry.value
        media.recording, n.refs, first_warning = {}, {str(r) for r in refs if r}, len(n.warnings)
        try:
            value = compute()
        finally:
            recorded, used, media.recording, n.refs = media.recording, sorted(n.refs - {page_id}), None, None
        self.refs_of[page_id] = tuple(used)
        if use_cache:
            cache[(kind, page_id)] = CacheEntry(stamp, tuple((r, stamps.get(r)) for r in used), value,
                                                recorded, n.warnings[first_warning:])
        return value


@dataclass
class RouteContext:
    """Everything the families of routes read, made once per build by `site_routes`."""

    pages: PagesByKind
    norm: CachedNormalizer
    base_url: str  # no trailing slash
    projects: dict[str, dict]  # project id -> card (blocks and related lists refer to projects by id)
    open_projects: list[dict]  # cards of the projects that take gifts
    stories: list[dict]  # story cards, newest first (as pages.stories)
    site: dict  # what every template gets as `site` (site_globals.site_globals)
    site_totals: dict  # money raised and donors, for the whole site
    home_hero: dict | None  # every page's SEO image falls back to it
    globals_: dict  # the API's site-wide answers (the donor wall: routes/wall.py; money spent: routes/spending.py)
    data: SiteData  # what the families fill

    @property
    def n(self) -> Normalizer:
        return self.norm.n

    @property
    def home_id(self) -> str | None:
        return str(self.pages.home["id"]) if self.pages.home else None

    def add(self, raw: dict, template: str, page_type: str, context: dict, image=None, description: str = "",
            deps=(), extra=()) -> Route:
        """One route for the page dictionary `context["page"]` (given its SEO), which depends on its own CMS
        page, `deps` and the home page (whose hero is every page's fallback image)."""
        page = context["page"]
        page["seo"] = seo(page, raw, self.base_url, image or self.home_hero, description)
        page_id = str(raw["id"]) if "id" in raw else None
        own = (page_id,) if page_id else ()
        home = (self.home_id,) if self.home_id else ()
        route = Route(url=page["url"], template=template, page_type=page_type, context=context,
                      source=raw.get("title", page["url"]), lastmod=raw.get("lastPublishedAt"), page_id=page_id,
                      deps=own + tuple(deps) + home, extra=tuple(extra))
        self.data.routes.append(route)
        return route


def seo(page: dict, raw: dict, base_url: str, image=None, description: str = "") -> dict:
    return {
        "title": raw.get("seoTitle") or page["title"],
        "description": (raw.get("searchDescription") or description or "")[:300],
        "image": image,
        "canonical": base_url + page["url"],
    }
