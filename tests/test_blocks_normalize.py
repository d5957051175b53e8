"""The builder's block table (site_builder/blocks.py): a block it cannot read is a warning naming the page,
never a crash that would stop the build of the other pages."""

from __future__ import annotations

import subprocess
import sys

import pytest

from site_builder.blocks import BLOCK_NORMALIZERS
from site_builder.normalize import MediaMap, Normalizer
from tests.conftest import REPO


def normalizer(page="Puits de Kaffrine") -> Normalizer:
    n = Normalizer(MediaMap("http://cms.test"))
    n._page = page
    return n


def test_an_unknown_block_type_is_left_out_with_a_warning_naming_the_page():
    n = normalizer()
    out = n.blocks([{"field": "poll", "question": "?"}, {"field": "heading", "text": "Titre", "level": "3"}], {})
    assert out == [{"type": "heading", "text": "Titre", "level": 3}]
    assert n.warnings == ["page « Puits de Kaffrine »: unknown block type 'poll' "
                          "(no entry in site_builder/blocks.py); left out"]


@pytest.mark.parametrize("item, says", [
    (None, "a block is null (an image or a document it needs is not public)"),
    ("texte", "a block is not an object ('texte')"),
    ({"field": "quote", "attribution": "Awa"}, "block quote could not be read (KeyError('text'))"),
    ({"field": "cta", "text": "Donnez", "project": "12"}, "block cta could not be read (AttributeError("),
    ({"field": "heading", "text": "Titre", "level": "deux"}, "block heading could not be read (ValueError("),
])
def test_a_block_that_cannot_be_read_is_left_out_with_a_warning(item, says):
    n = normalizer()
    assert n.blocks([item, {"field": "rich_text", "value": "<p>suite</p>"}], {}) == [
        {"type": "rich_text", "html": "<p>suite</p>"}]
    assert len(n.warnings) == 1 and n.warnings[0].startswith(f"page « Puits de Kaffrine »: {says}")


def test_each_entry_gives_the_type_the_macro_dispatches_on():
    """The table's key is the block's name in the API and the `type` of what it hands the theme."""
    samples = {
        "rich_text": {"value": "<p>x</p>"}, "heading": {"text": "t", "level": "2"},
        "image": {"image": {"id": "1", "alt": "a", "siteRenditions": [
            {"url": "/media/a.jpg", "width": 400, "height": 300, "format": "jpeg"}]}},
        "gallery": {"items": [{"image": {"id": "1", "alt": "a", "siteRenditions": [
            {"url": "/media/a.jpg", "width": 400, "height": 300, "format": "jpeg"}]}}]},
        "quote": {"text": "q"}, "video": {"url": "https://vimeo.com/1", "title": "v"},
        "key_figure": {"value": "3", "text": "puits"}, "cta": {"text": "Donnez"},
        "document": {"document": {"title": "d", "file": "d.pdf"}, "fileUrl": "/media/d.pdf"},
        "spending_summary": {"heading": "Bilan des dépenses", "showProjects": True},
    }
    assert set(samples) == set(BLOCK_NORMALIZERS)
    for kind, fields in samples.items():
        n = normalizer()
        assert [b["type"] for b in n.blocks([{"field": kind, **fields}], {})] == [kind]
        assert n.warnings == []


def test_the_builder_imports_no_django():
    """site_builder runs without the CMS (its own process, its own machine)."""
    code = ("import sys, site_builder.blocks, site_builder.normalize, site_builder.queries, site_builder.site; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'wagtail', 'grapple')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
