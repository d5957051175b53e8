"""The machine-readable files of the site: Atom feed of stories, sitemap.xml, robots.txt."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from xml.sax.saxutils import escape

from feedgenerator import Atom1Feed

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


def write_sitemap(site_data, out: Path) -> str:
    base = site_data.site["base_url"]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for route in site_data.routes:
        if not route.in_sitemap:
            continue
        lastmod = f"<lastmod>{escape(route.lastmod[:10])}</lastmod>" if route.lastmod else ""
        lines.append(f"<url><loc>{escape(base + route.url)}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    (out / "sitemap.xml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return "sitemap.xml"


def write_robots(site_data, out: Path) -> str:
    base = site_data.site["base_url"]
    (out / "robots.txt").write_text(f"User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\n", encoding="utf-8")
    return "robots.txt"


def write_all(site_data, out: Path) -> list[str]:
    return [write_feed(site_data, out), write_sitemap(site_data, out), write_robots(site_data, out)]
