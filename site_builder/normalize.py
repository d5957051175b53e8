"""GraphQL answers -> the plain dictionaries the theme renders (themes/vision/CONTEXT.md).

This is the only place that knows both shapes. It is tolerant by design: a missing image or an odd block
becomes None (and a warning naming the page), never an exception that would stop the build of other pages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
import posixpath
from urllib.parse import quote, unquote, urlsplit

from .blocks import BLOCK_NORMALIZERS
from .filters import date_iso

PAGE_TYPES = {
    "core.HomePage": "home",
    "core.StandardPage": "standard",
    "projects.ProjectIndexPage": "project_index",
    "projects.ProjectPage": "project",
    "stories.StoryIndexPage": "story_index",
    "stories.StoryPage": "story",
}


@dataclass
class MediaMap:
    """Where an asset URL from the API ends up on the site.

    With `media_url` the site links to that host (a CDN or S3 custom domain). Without it, every asset is
    copied into the output under its own path, and `wanted` lists what to fetch (url on the CMS -> path).
    """

    api_origin: str
    media_url: str | None = None
    wanted: dict[str, str] = field(default_factory=dict)
    recording: dict | None = None  # while set, also collects what one page wants (the build's cache)

    def __call__(self, url: str | None) -> str | None:
        if not url:
            return None
        parts = urlsplit(url)
        path = parts.path
        if self.media_url:
            if parts.scheme:
                return url  # already absolute (S3 custom domain): link as is
            return self.media_url.rstrip("/") + "/" + path.lstrip("/")
        source = url if parts.scheme else self.api_origin.rstrip("/") + path
        # The file in the output: decoded (a web server decodes the URL before looking for the file; S3 and
        # Django percent-encode spaces and accents) and never outside /media/ (dot segments resolved).
        path = posixpath.normpath("/" + unquote(path).lstrip("/"))
        if not path.startswith("/media/"):
            path = "/media" + path
        self.wanted[source] = path
        if self.recording is not None:
            self.recording[source] = path
        return quote(path)


class Normalizer:
    def __init__(self, media: MediaMap):
        self.media = media
        self.warnings: list[str] = []
        self._page = "?"
        self.refs: set | None = None  # while set, collects the ids of the projects a page embeds

    def warn(self, message: str) -> None:
        self.warnings.append(f"page « {self._page} »: {message}")

    # ---- images ------------------------------------------------------------------------------------
    def image(self, data: dict | None, what: str = "image") -> dict | None:
        if not data:
            return None
        renditions = data.get("siteRenditions") or []
        by_format: dict[str, dict[int, dict]] = {}
        for r in renditions:
            by_format.setdefault(r["format"], {})[r["width"]] = r  # same width twice: small originals
        webp = by_format.pop("webp", {})
        original = next(iter(by_format.values()), {})
        if not original:
            self.warn(f"{what} « {data.get('alt') or data.get('id')} » has no renditions; left out")
            return None
        widths = sorted(original)
        src = original[max([w for w in widths if w <= 800] or widths[:1])]
        alt = (data.get("alt") or "").strip()
        if not alt:
            self.warn(f"{what} {data.get('id')} has no alt text")
        return {
            "alt": alt,
            "credit": data.get("credit") or "",
            "width": src["width"],
            "height": src["height"],
            "src": self.media(src["url"]),
            "srcset": ", ".join(f"{self.media(original[w]['url'])} {w}w" for w in widths),
            "srcset_webp": ", ".join(f"{self.media(webp[w]['url'])} {w}w" for w in sorted(webp)),
            "large": self.media(original[widths[-1]]["url"]),
            "large_width": original[widths[-1]]["width"],
            "large_height": original[widths[-1]]["height"],
            "placeholder_color": None,
        }

    # ---- blocks ------------------------------------------------------------------------------------
    def blocks(self, items, projects_by_id) -> list[dict]:
        out = []
        for item in items or []:
            if item is None:  # the API nulls a block whose image or document is not public
                self.warn("a block is null (an image or a document it needs is not public); left out")
                continue
            if not isinstance(item, dict):
                self.warn(f"a block is not an object ({item!r}); left out")
                continue
            try:
                block = self.block(item, projects_by_id)
            except (AttributeError, KeyError, TypeError, ValueError) as exc:
                self.warn(f"block {item.get('field')} could not be read ({exc!r}); left out")
                continue
            if block is not None:
                out.append(block)
        return out

    def block(self, b: dict, projects_by_id) -> dict | None:
        """One block through its entry in the table of block types (site_builder/blocks.py)."""
        kind = b.get("field")
        normalize = BLOCK_NORMALIZERS.get(kind)
        if normalize is None:
            self.warn(f"unknown block type {kind!r} (no entry in site_builder/blocks.py); left out")
            return None
        return normalize(self, b, projects_by_id)


def site_path(url_path: str, root_path: str) -> str:
    """Wagtail's tree path (`/accueil/projets/puits/`) -> the site's URL (`/projets/puits/`)."""
    if url_path.startswith(root_path):
        return "/" + url_path[len(root_path):]
    return url_path


def project_card(p: dict, n: Normalizer, rule: dict | None = None) -> dict:
    """`rule`: the donation rules of the project's currency (GraphQL donationRules), whose `suggestions` the
    form proposes when editors set no amounts."""
    theme = p.get("theme") or {}
    currency = p.get("currency") or "EUR"
    suggested = [{"amount": s["amount"], "label": s.get("label") or ""} for s in p.get("suggestedAmounts") or []]
    return {
        "id": p["id"], "title": p["title"], "url": p["url"], "slug": p["slug"], "summary": p.get("summary") or "",
        "hero": n.image(p.get("heroImage"), "hero image"),
        "theme": {"name": theme.get("name", ""), "slug": theme.get("slug", ""), "color": theme.get("color", "")},
        "country": p.get("country") or "", "country_code": p.get("country") or "",
        "country_name": p.get("countryName") or "",
        "status": p.get("status") or "", "status_label": p.get("statusLabel") or "",
        "goal": p.get("goalAmount") or 0, "raised": 0, "donors": 0, "currency": currency,
        "suggested_amounts": suggested or [{"amount": a, "label": ""} for a in (rule or {}).get("suggestions", [])],
        "beneficiaries": p.get("beneficiaries") or 0, "featured": bool(p.get("featured")),
        "region": p.get("region") or "", "start_date": date_iso(p.get("startDate")),
        "end_date": date_iso(p.get("endDate")),
    }


def story_card(s: dict, n: Normalizer) -> dict:
    return {
        "id": s["id"], "title": s["title"], "url": s["url"], "slug": s["slug"], "date": date_iso(s.get("date")),
        "author": s.get("author") or "", "intro": s.get("intro") or "",
        "hero": n.image(s.get("heroImage"), "hero image"),
        # sorted: tags have no order in the CMS, and the database may return them in any (same page, same HTML)
        "tags": [{"name": t["name"], "slug": _slug(t["name"])} for t in sorted(s.get("tags") or [], key=lambda t: t["name"])],
    }


def _slug(text: str) -> str:
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_text).split())
