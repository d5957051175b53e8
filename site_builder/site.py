"""The site as plain data: `Route` (one file to render: URL, template, context, what it depends on),
`SiteData` (every route, the site dictionary, the feed's stories) and the normalisation cache kept between
builds. site_builder.routes makes them from the API's pages; the renderer, the incremental build, its
state and the CMS preview read them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

STORIES_PER_PAGE = 12  # stories on each page of the story index


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
