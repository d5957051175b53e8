"""sitemap.xml parses, and says what the sitemap protocol asks: absolute RFC 3986 URLs (Wagtail allows
non-ASCII slugs), XML-escaped, and `lastmod` as a W3C date or not at all (site_builder/feeds.py)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace

from site_builder.feeds import write_sitemap
from site_builder.site import Route

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def route(url: str, lastmod: str | None = "2026-11-24T09:30:00+00:00", in_sitemap: bool = True) -> Route:
    return Route(url=url, template="standard.html", page_type="standard", context={}, lastmod=lastmod,
                 in_sitemap=in_sitemap)


def entries(tmp_path, routes, base="https://www.example.org") -> list[tuple[str, str | None]]:
    write_sitemap(SimpleNamespace(site={"base_url": base}, routes=routes), tmp_path)
    root = ET.parse(tmp_path / "sitemap.xml").getroot()
    assert root.tag == f"{NS}urlset"
    return [(u.findtext(f"{NS}loc"), u.findtext(f"{NS}lastmod")) for u in root.findall(f"{NS}url")]


def test_urls_are_percent_encoded_and_escaped(tmp_path):
    got = entries(tmp_path, [route("/"), route("/histoires/été-à-kaya/"), route("/projets/eau&assainissement/"),
                             route("/donner/merci/", in_sitemap=False)], base="https://www.example.org")
    assert got == [("https://www.example.org/", "2026-11-24"),
                   ("https://www.example.org/histoires/%C3%A9t%C3%A9-%C3%A0-kaya/", "2026-11-24"),
                   ("https://www.example.org/projets/eau&assainissement/", "2026-11-24")]
    raw = (tmp_path / "sitemap.xml").read_text(encoding="utf-8")
    assert "eau&amp;assainissement" in raw and raw.isascii()


def test_lastmod_is_a_w3c_date_or_absent(tmp_path):
    got = entries(tmp_path, [route("/a/", "2026-02-30T00:00:00"), route("/b/", "hier"), route("/c/", None),
                             route("/d/", "2026-12-01")])
    assert got == [("https://www.example.org/a/", None), ("https://www.example.org/b/", None),
                   ("https://www.example.org/c/", None), ("https://www.example.org/d/", "2026-12-01")]
