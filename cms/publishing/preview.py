"""The editor's preview: the draft, rendered by the static site's own theme and code (site_builder.preview).

wagtail-headless-preview stores the unsaved page under a signed token and points the preview panel at
/preview/?content_type=…&token=…; this view reads the draft through the same GraphQL fragments the build
pulls with (executed in process), merges it with the rest of the site (the last build's state, or a fresh
pull when there is none) and returns the page exactly as publishing would write it, plus two markers: a
noindex meta tag and a banner saying it is a draft.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings
from django.core.signing import BadSignature, SignatureExpired
from graphene_django.settings import graphene_settings
from wagtail.models import Page
from wagtail_headless_preview.models import HeadlessPreviewMixin

from api.prefetch import request_scope
from site_builder import queries
from site_builder import state as build_state
from site_builder.build import DEFAULT_THEME, GLOBAL_FIELDS, build_params
from site_builder.preview import PreviewPage, render_preview

from .runner import build_options

PREVIEW_QUERY = queries.IMAGE + queries.BLOCKS + queries.PAGE_COMMON + queries.PAGE + """
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

ASSETS: dict[str, bytes] = {}  # theme files of the latest previews, served by theme_asset()
MEDIA: dict[str, str] = {}  # "/media/…" path in previews -> the file's URL (media on S3), see media_redirect


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
    """The rest of the site: the last build's state when it was built like this one, else a fresh pull."""
    params = build_params(settings.SITE_BUILD_API_URL, theme=DEFAULT_THEME, **build_options())
    state = build_state.load(settings.SITE_BUILD_OUT, settings.SITE_BUILD_CACHE)
    if state is not None and state.params == params:
        return state.pages(), state.globals, params, state.stamps, state.cache
    data = execute(queries.SITE_PULL, {}, request)
    return [p for p in data.get("sitePages") or [] if p], {k: data.get(k) for k in GLOBAL_FIELDS}, params, None, None


def render(token: str, content_type: str, request) -> PreviewPage:
    draft = draft_data(token, content_type, request)
    pages, globals_, params, stamps, cache = site_context(request)
    page = render_preview(draft, pages, globals_, params, stamps=stamps, cache=cache)
    ASSETS.update(page.assets)
    MEDIA.update(page.media)
    return page


def add_markers(html: str) -> str:
    html = re.sub(r"(<head[^>]*>)", lambda m: m.group(1) + META, html, count=1)
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + BANNER, html, count=1)


def theme_file(path: str) -> bytes | None:
    """A theme asset the preview links to: from the latest preview render, else from the built site."""
    key = "/theme/" + path
    if key in ASSETS:
        return ASSETS[key]
    out = Path(settings.SITE_BUILD_OUT).resolve()
    candidate = (out / "theme" / path).resolve()
    if candidate.is_file() and str(candidate).startswith(str(out / "theme") + "/"):
        return candidate.read_bytes()
    return None
