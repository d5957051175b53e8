"""The editor's preview: the draft, rendered by the static site's own theme and code (site_builder.preview).

wagtail-headless-preview stores the unsaved page under a signed token and points the preview panel at
/preview/?content_type=…&token=…; this view reads the draft through the same GraphQL fragments the build
pulls with (executed in process), merges it with the rest of the site (the last build's state, or a fresh
pull when there is none) and returns the page exactly as publishing would write it, plus two markers: a
noindex meta tag and a banner saying it is a draft.

Stateless: behind a load balancer the preview page and the files it links reach any web process, so
nothing here is remembered from a render. Theme files are found from their fingerprinted names in the
theme itself, the project-theme colours from the database, and S3 media from the storage; a process that
never ran a build pulls the site (the build's state on disk is only a shortcut for the worker's machine).
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from pathlib import Path
from urllib.parse import unquote

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.signing import BadSignature, SignatureExpired
from graphene_django.settings import graphene_settings
from wagtail.models import Page
from wagtail_headless_preview.models import HeadlessPreviewMixin

from cms.api.prefetch import request_scope
from site_builder import queries
from site_builder import state as build_state
from site_builder.assets import build_assets
from site_builder.build import GLOBAL_FIELDS
from site_builder.normalize import MediaMap
from site_builder.pelican_plugin import theme_colours_css
from site_builder.preview import PreviewPage, render_preview

from .runner import build_config

PREVIEW_QUERY = queries.IMAGE + queries.PAGE_COMMON + queries.PAGE + """
query Preview($token: String!, $contentType: String!) {
  page(token: $token, contentType: $contentType) { ...Page }
}
"""
META = '<meta name="robots" content="noindex, nofollow" data-preview-marker>'
# The banner carries its own rules in a <style> element, allowed by its hash in the preview's
# Content-Security-Policy (config/csp.py: the public site's, which refuses style attributes): inside the
# banner, so it goes with it, and not in the theme's stylesheet, which every public page downloads.
BANNER_CSS = (".preview-banner{position:sticky;top:0;z-index:1000;padding:.5rem 1rem;background:#7a1f2b;"
              "color:#fff;font:600 1rem/1.4 system-ui,sans-serif;text-align:center}")
BANNER = (f'<div data-preview-marker role="status" class="preview-banner"><style>{BANNER_CSS}</style>'
          "Aperçu du brouillon — cette version n'est pas encore publiée.</div>")


class PreviewProblem(Exception):
    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status, self.message = status, message


def check_token(token: str) -> str:
    """The token's identifier (`id=12` or `parent_id=3;page_type=…`); refuses stale or forged tokens."""
    if not token:
        raise PreviewProblem(400, "Lien d'aperçu incomplet : il manque le jeton. Relancez l'aperçu depuis l'éditeur.")
    signer = HeadlessPreviewMixin.get_preview_signer()
    try:
        return signer.unsign(token, max_age=settings.PREVIEW_TOKEN_MAX_AGE)
    except SignatureExpired:
        raise PreviewProblem(410, "Ce lien d'aperçu a expiré. Relancez l'aperçu depuis l'éditeur.") from None
    except BadSignature:
        raise PreviewProblem(403, "Lien d'aperçu invalide.") from None


def execute(query: str, variables: dict, request) -> dict:
    with request_scope():
        result = graphene_settings.SCHEMA.execute(query, variable_values=variables, context_value=request)
    if result.errors and not (result.data or {}).get("page", True):
        raise PreviewProblem(404, "Aperçu introuvable : " + "; ".join(str(e) for e in result.errors[:3]))
    return result.data or {}


def draft_data(token: str, content_type: str, request) -> dict:
    identifier = dict(part.split("=", 1) for part in check_token(token).split(";") if "=" in part)
    data = execute(PREVIEW_QUERY, {"token": token, "contentType": content_type}, request)
    draft = data.get("page")
    if not draft:
        raise PreviewProblem(404, "Aperçu introuvable : relancez l'aperçu depuis l'éditeur.")
    # Where the page will live once published: under its parent, with the draft's slug.
    if "id" in identifier:
        page = Page.objects.filter(pk=identifier["id"]).first()
        parent = page.get_parent() if page else None
    else:
        parent = Page.objects.filter(pk=identifier.get("parent_id")).first()
        draft["id"] = f"draft-{identifier.get('parent_id')}"
    if parent is not None and parent.depth > 1 and draft.get("contentType") != "core.HomePage":
        draft["urlPath"] = f"{parent.url_path}{draft.get('slug') or 'apercu'}/"
    return draft


def site_context(request):
    """The rest of the site: the last build's state when this machine has one built like this one, else a
    fresh pull (a web process that never built: nothing is kept from it, so memory does not grow; the only
    state kept is build_state's one entry per output folder, replaced by each build)."""
    config = build_config()
    state = build_state.load(settings.SITE_BUILD_OUT, config.cache_dir)
    if state is not None and state.params == config.output_params():
        return state.pages(), state.globals, config, state.stamps, state.cache
    data = execute(queries.SITE_PULL, {}, request)
    return [p for p in data.get("sitePages") or [] if p], {k: data.get(k) for k in GLOBAL_FIELDS}, config, None, None


def render(token: str, content_type: str, request) -> PreviewPage:
    draft = draft_data(token, content_type, request)
    pages, globals_, config, stamps, cache = site_context(request)
    return render_preview(draft, pages, globals_, config, stamps=stamps, cache=cache)


def add_markers(html: str) -> str:
    html = re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + META, html, count=1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + BANNER, html, count=1)


# ---- what the preview links: the same from every process, whichever rendered the page ----------------

COLOURS = re.compile(r"css/project-themes\.([0-9a-f]{10})\.css")


def theme_file(path: str) -> tuple[bytes, bool] | None:
    """(content, immutable) of `/theme/<path>`, a fingerprinted name the preview's HTML links, or None.

    Theme files are rebuilt from the theme (the generator's own `build_assets`) whichever process asks;
    the project-theme colours stylesheet is data, made from the database (see theme_colours)."""
    match = COLOURS.fullmatch(path)
    if match:
        return theme_colours(match.group(1))
    data = theme_assets(build_config().theme).get(path)
    return (data, True) if data is not None else None


def theme_assets(theme: Path) -> dict[str, bytes]:
    """{fingerprinted path: bytes} of the theme's static files. Cached by the files' names, sizes and
    modification times, so an edited theme is seen at once and memory holds one or two versions, never
    one per request."""
    static = Path(theme) / "static"
    if not static.is_dir():
        return {}
    signature = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(static.rglob("*"))
                      if p.is_file())
    return _theme_assets(str(static), signature)


@functools.lru_cache(maxsize=2)
def _theme_assets(static: str, signature: tuple) -> dict[str, bytes]:
    return {hashed: data for hashed, data in build_assets(Path(static)).values()}


def theme_colours(digest: str) -> tuple[bytes, bool]:
    """The colours stylesheet named by `digest`. The build writes the themes of the live projects (the
    preview: with the draft's); the database gives those and every theme. When neither has this digest
    (the draft chose another theme, a colour changed since), every theme's current colours render the
    page the same: served, but not as immutable, since the name does not fit the content."""
    from cms.projects.models import ProjectPage, ProjectTheme

    every = [{"slug": t.slug, "color": t.color} for t in ProjectTheme.objects.order_by("slug")]
    used = set(ProjectPage.objects.live().values_list("theme_id", flat=True))
    live = [{"slug": t.slug, "color": t.color} for t in ProjectTheme.objects.filter(pk__in=used).order_by("slug")]
    for themes in (live, every):
        css = theme_colours_css(themes).encode()
        if hashlib.sha256(css).hexdigest()[:10] == digest:
            return css, True
    return theme_colours_css(every).encode(), False


def media_source(path: str) -> str | None:
    """The storage URL of the file the builder copies to `/media/<path>` (media on S3), or None.

    The builder names a copy after the path of its storage URL (site_builder.normalize.MediaMap): this
    inverts that with the storage's own URL for a probe name, checks the round trip, and asks the storage
    whether the file exists, so it redirects only to files of this storage (no open redirect) and needs
    nothing remembered from a render."""
    wanted = posixpath.normpath("/media/" + path)
    probe = "vda-probe"
    mapped_probe = unquote(_site_path(default_storage.url(probe)))
    prefix = mapped_probe[:-len(probe)]
    if not wanted.startswith(prefix) or len(wanted) == len(prefix):
        return None
    key = wanted[len(prefix):]
    url = default_storage.url(key)
    if unquote(_site_path(url)) != wanted or not default_storage.exists(key):
        return None
    return url


def _site_path(url: str) -> str:
    """Where the built site copies the file at `url` (the builder's own MediaMap, so both always agree)."""
    return MediaMap(api_origin="http://cms.invalid")(url) or ""
