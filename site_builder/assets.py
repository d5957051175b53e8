"""Theme assets for the built site: fingerprinted names (cache forever) and minified CSS.

The CSS stays readable in themes/ (comments, long names); what ships is minified: comments and whitespace
go, and custom properties (`--ink-soft`) get short names, the same in every stylesheet so they still
match. Nothing else is rewritten, so the result means exactly what the source says.

A custom property named anywhere outside the stylesheets (a template's `style="--x: 1"`, a script's
`setProperty("--x", …)`) keeps its name: the renaming only sees CSS, and renaming what it cannot see
would break the page silently.

Why still this and not a minifier from PyPI (issue 12, measured 2026-12-01 on themes/vision, site.css +
donate.css, raw bytes; gzip -9 in brackets): source 38,856 (9,733); this module 30,832 (8,057); the same
without renaming 32,305 (8,225); rcssmin 1.3.0 32,298 (8,223); csscompressor 0.9.5 32,246 (8,185);
lightningcss 0.3.2 32,095 (8,156). None renames custom properties, so each adds about 1.3 KB to a page
with the donation form, against a budget of 30 KB (30,720 bytes) of CSS per page
(tests/test_builder_demo.py) that this module's output already exceeds: the demo's heaviest page loads
31,151 bytes (site.css, donate.css and the project-theme colours), lightningcss's would be 32,414. Kept
until the stylesheets shrink or the budget is decided again.
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


def property_map(sources: list[str], keep: frozenset[str] = frozenset()) -> dict[str, str]:
    """Most used first, so the most frequent names get the shortest replacements. Names in `keep` (used
    outside the stylesheets) are left as they are, and no short name can collide with them."""
    counts: dict[str, int] = {}
    for css in sources:
        for name in _PROPERTY.findall(re.sub(r"/\*.*?\*/", "", css, flags=re.S)):
            if name not in keep:
                counts[name] = counts.get(name, 0) + 1
    names = (short for short in _short_names() if short not in keep)
    return {name: next(names) for name in sorted(counts, key=lambda n: (-counts[n], n))}


def names_outside_css(theme_dir: Path) -> frozenset[str]:
    """Every custom-property-like name in the theme's templates and non-CSS static files (scripts, SVG):
    the ones renaming must not touch. Over-matching (`<!--x` in a comment) only means one name less
    shortened."""
    found: set[str] = set()
    for path in sorted(theme_dir.rglob("*")):
        if path.is_file() and path.suffix in _TEXT_OUTSIDE_CSS:
            found.update(_PROPERTY.findall(path.read_text(encoding="utf-8", errors="replace")))
    return frozenset(found)


_TEXT_OUTSIDE_CSS = {".html", ".htm", ".j2", ".jinja", ".xml", ".js", ".mjs", ".svg", ".txt", ".json"}


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
    # The theme's templates sit next to its static folder (themes/vision/{static,templates}).
    properties = property_map(list(css_sources.values()), keep=names_outside_css(static_dir.parent))
    assets = {}
    for path in files:
        rel = path.relative_to(static_dir).as_posix()
        data = minify_css(css_sources[path], properties).encode() if path in css_sources else path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()[:10]
        stem, dot, ext = rel.rpartition(".")
        assets[rel] = (f"{stem}.{digest}.{ext}" if dot else f"{rel}.{digest}", data)
    return assets
