"""One page rendered exactly as the build would render it, from data that is not published yet.

The CMS preview calls this with the draft (as the API would return it once published) and the rest of the
site (the last build's state, or a fresh pull): routes come from the same `make_site`, HTML from the same
Pelican generator and theme, so what an editor previews is what publishing writes.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from .build import make_site, pelican_settings
from .config import BuildConfig
from .pelican_plugin import ApiPagesGenerator
from .site import NormalizationCache, Route


class PreviewError(RuntimeError):
    pass


@dataclass
class PreviewPage:
    """The HTML and its route only: the theme files and media it links are found again from their names
    by whichever CMS process is asked (cms/publishing/preview.py), nothing is kept from one render."""

    html: str
    route: Route


def render_preview(draft: dict, pages: list[dict], globals_: dict, config: BuildConfig, *,
                   stamps: dict | None = None, cache: NormalizationCache | None = None) -> PreviewPage:
    """`draft` replaces the page with the same id in `pages` (or joins them, for a page never published);
    `config`: the build's own configuration (its theme included), so the preview is what publishing writes."""
    from .state import content_stamp

    draft_id = str(draft["id"])
    merged = [draft if str(p.get("id")) == draft_id else p for p in pages if p]
    if not any(p is draft for p in merged):
        merged.append(draft)
    stamps = dict(stamps or {})
    stamps[draft_id] = content_stamp(draft)
    site_data, _media = make_site(merged, globals_, config, stamps=stamps,
                                  cache=cache.overlay() if cache is not None else None)
    route = next((r for r in site_data.routes if r.page_id == draft_id), None)
    if route is None:
        raise PreviewError("this page type is not part of the public site")
    with tempfile.TemporaryDirectory(prefix="vda-preview-") as scratch:
        settings = pelican_settings(site_data, Path(scratch), config.theme, Path(scratch), {}, 1)
        generator = ApiPagesGenerator(context=settings.copy(), settings=settings, path=settings["PATH"],
                                      theme=settings["THEME"], output_path=scratch)
        generator.generate_context()
        html = generator.render_route(route)
    return PreviewPage(html=html, route=route)
