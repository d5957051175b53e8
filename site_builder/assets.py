"""Theme assets for the built site: fingerprinted names (cache forever) and minified CSS.

The CSS stays readable in themes/ (comments, long names); what ships is minified: comments and whitespace
go, and custom properties (`--ink-soft`) get short names, the same in every stylesheet so they still
match. Nothing else is rewritten, so the result means exactly what the source says.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import string
from pathlib import Path

# A custom property (`--ink`), never the modifier of a class name (`.btn--light`): no name character before.
_PROPERTY = re.compile(r"(?<![A-Za-z0-9_-])--[A-Za-z0-9_-]+")


def _short_names():
    letters = string.ascii_letters
    for size in itertools.count(1):
        for combo in itertools.product(letters, repeat=size):
            yield "--" + "".join(combo)


def property_map(sources: list[str]) -> dict[str, str]:
    """Most used first, so the most frequent names get the shortest replacements."""
    counts: dict[str, int] = {}
    for css in sources:
        for name in _PROPERTY.findall(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
            counts[name] = counts.get(name, 0) + 1
    names = _short_names()
    return {name: next(names) for name in sorted(counts, key=lambda n: (-counts[n], n))}


def minify_css(css: str, properties: dict[str, str] | None = None) -> str:
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    if properties:
        css = _PROPERTY.sub(lambda m: properties.get(m.group(0), m.group(0)), css)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    css = re.sub(r":\s+", ":", css)  # never the space *before* a colon: `a :hover` is not `a:hover`
    return css.replace(";}", "}").strip()


def build_assets(static_dir: Path) -> dict[str, tuple[str, bytes]]:
    """{source path: (fingerprinted path, bytes to write)} for every file of the theme's static folder."""
    files = sorted(p for p in static_dir.rglob("*") if p.is_file())
    css_sources = {p: p.read_text(encoding="utf-8") for p in files if p.suffix == ".css"}
    properties = property_map(list(css_sources.values()))
    assets = {}
    for path in files:
        rel = path.relative_to(static_dir).as_posix()
        data = minify_css(css_sources[path], properties).encode() if path in css_sources else path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, dot, ext = rel.rpartition(".")
        assets[rel] = (f"{stem}.{digest}.{ext}" if dot else f"{rel}.{digest}", data)
    return assets
