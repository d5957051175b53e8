"""The machine-readable files of the site: Atom feed of stories, sitemap.xml, robots.txt, _redirects.

Both XML files are written by feedgenerator (the library Pelican's own feeds use): the feed by its
Atom1Feed, the sitemap by its SimplerXMLGenerator, which escapes text and refuses the control characters
XML 1.0 cannot hold. The sitemap is not the pelican-sitemap plugin's (evaluated, version 1.2.2): that
plugin lists the files Pelican's Writer reports through the `content_written` signal, and our generator
writes routes itself, in forked workers, and in an incremental build only the files that changed, so it
would list no page at all (or, with the signal sent, only the changed ones); it gives every page without a
Pelican `date` the build's clock as lastmod (sitemap.xml would change on every build, so every publish would
upload it again) and knows nothing of routes left out of the sitemap (the thank-you page, 404).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from feedgenerator import Atom1Feed
from feedgenerator.django.utils.xmlutils import SimplerXMLGenerator

from . import redirects

FEED_PATH = "feeds/histoires.atom.xml"
FEED_ITEMS = 20


class StoriesFeed(Atom1Feed):
    """Atom1Feed declares every summary `type="html"`, so a feed reader renders it as markup. Our intros
    are plain text written by editors: declared as text, `<script>` in an intro is shown as those
    characters (XML-escaped once), never run or rendered by the reader."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})


def _aware(date_text: str) -> dt.datetime:
    d = dt.date.fromisoformat(date_text[:10])
    return dt.datetime(d.year, d.month, d.day, 12, tzinfo=dt.timezone.utc)


def write_feed(site_data, out: Path) -> str:
    site = site_data.site
    feed = StoriesFeed(title=f"{site['name']} — Histoires", link=site["base_url"] + "/",
                     description=site.get("description") or "", language="fr",
                     feed_url=site["base_url"] + "/" + FEED_PATH)
    for story in site_data.stories[:FEED_ITEMS]:
        feed.add_item(title=story["title"], link=site["base_url"] + story["url"], description=story["intro"],
                      author_name=story["author"] or None, pubdate=_aware(story["date"]),
                      unique_id=site["base_url"] + story["url"],
                      categories=[t["name"] for t in story["tags"]])
    target = out / FEED_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8") as fh:
        feed.write(fh, "utf-8")
    return FEED_PATH


SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def lastmod_date(value: str | None) -> str | None:
    """W3C date (YYYY-MM-DD) of an ISO timestamp, or None when it is not one (a wrong lastmod is worse
    than none: crawlers then ignore the element)."""
    try:
        return dt.date.fromisoformat((value or "")[:10]).isoformat() if value else None
    except ValueError:
        return None


def write_sitemap(site_data, out: Path) -> str:
    """Every route meant for search engines, its URL percent-encoded (the protocol asks for RFC 3986 URLs;
    Wagtail allows non-ASCII slugs) and its last publication date."""
    base = site_data.site["base_url"]
    with (out / "sitemap.xml").open("w", encoding="utf-8") as fh:
        xml = SimplerXMLGenerator(fh, "utf-8")
        xml.startDocument()
        xml.startElement("urlset", {"xmlns": SITEMAP_NS})
        for route in site_data.routes:
            if not route.in_sitemap:
                continue
            xml.ignorableWhitespace("\n")
            xml.startElement("url", {})
            xml.addQuickElement("loc", base + redirects.encode_path(route.url))
            lastmod = lastmod_date(route.lastmod)
            if lastmod:
                xml.addQuickElement("lastmod", lastmod)
            xml.endElement("url")
        xml.ignorableWhitespace("\n")
        xml.endElement("urlset")
        xml.ignorableWhitespace("\n")
    return "sitemap.xml"


def write_robots(site_data, out: Path) -> str:
    base = site_data.site["base_url"]
    (out / "robots.txt").write_text(f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n", encoding="utf-8")
    return "robots.txt"


def write_all(site_data, out: Path) -> list[str]:
    return [write_feed(site_data, out), write_sitemap(site_data, out), write_robots(site_data, out),
            redirects.write(getattr(site_data, "redirects", []), out)]
