"""The Atom feed of stories carries each intro as plain text: markup an editor (or an attacker with an
editor's account) puts in an intro reaches feed readers as characters to show, never as HTML to render."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from types import SimpleNamespace

from site_builder.feeds import FEED_PATH, write_feed

ATOM = "{http://www.w3.org/2005/Atom}"
HOSTILE = '<script>alert(1)</script><img src=x onerror="alert(document.cookie)"> & <b>gras</b>'


def site_data(intro: str) -> SimpleNamespace:
    return SimpleNamespace(
        site={"name": "Vision d'Amour", "base_url": "https://www.example.org", "description": "Histoires"},
        stories=[{"title": "Le puits de Kaya", "url": "/histoires/puits/", "intro": intro, "author": "Awa",
                  "date": "2026-11-20", "tags": [{"name": "eau"}]}])


def test_an_intro_with_markup_is_a_text_summary_escaped_once(tmp_path):
    write_feed(site_data(HOSTILE), tmp_path)
    raw = (tmp_path / FEED_PATH).read_text(encoding="utf-8")
    entry = ET.fromstring(raw).find(f"{ATOM}entry")
    summaries = entry.findall(f"{ATOM}summary")
    assert len(summaries) == 1
    summary = summaries[0]
    assert summary.get("type") == "text", "a reader renders type=html (or xhtml) summaries as markup"
    assert summary.text == HOSTILE, "the reader shows exactly the editor's characters"
    assert list(summary) == [], "no child elements: nothing parsed as markup"
    # In the file, the markup is escaped exactly once: no live tag, and not double-escaped either.
    assert "<script>" not in raw and "<img" not in raw
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x" in raw
    assert "&amp;lt;" not in raw
    assert all(e.get("type") in (None, "text") for e in entry.iter() if e.tag in (f"{ATOM}summary",
                                                                                   f"{ATOM}title",
                                                                                   f"{ATOM}content"))


def test_a_plain_intro_reads_the_same(tmp_path):
    write_feed(site_data("L'eau arrive enfin au village : 120 familles."), tmp_path)
    entry = ET.parse(tmp_path / FEED_PATH).getroot().find(f"{ATOM}entry")
    assert entry.find(f"{ATOM}summary").text == "L'eau arrive enfin au village : 120 familles."
    assert entry.find(f"{ATOM}title").text == "Le puits de Kaya"
