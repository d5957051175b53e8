"""Which Content-Security-Policy each kind of CMS page sends (django-csp 4's middleware, one policy per kind).

The static site has its own policy (netlify.toml). The CMS serves three kinds of HTML pages, each allowed
only what it loads:
- the Wagtail admin (/admin/): its own scripts, styles, images and frames, and media from storage (the
  bucket's origin on S3);
- the payment page and the other /donate/ pages: the theme's files, and Stripe.js with its frames and its
  API (localstripe at STRIPE_API_BASE in the demo and tests, Stripe's hosts in production);
- the editor's preview (/preview/): the public site's policy, so the preview behaves as the live page will,
  but framed by the admin's live preview panel (`frame-ancestors 'self'`) instead of by no one.
Everything else (GraphQL and JSON answers, redirects, plain error pages) may load nothing but its own
inline styles. No policy allows 'unsafe-eval', or a script or a connection to any other host.

A view may set its own header instead (Wagtail's document and image serve views send `default-src 'none'`):
django-csp never overwrites one. Which policy applies is decided by the path alone, so a new page under
/admin/ or /donate/ gets its kind's policy without anyone remembering to add it.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache
from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_HASHES, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings


def sha256_source(text: str) -> str:
    return "'sha256-%s'" % base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


# The one inline event handler the admin writes: the focal-point editor's Jcrop tests for touch support by
# setting `ontouchstart="return;"` on a detached element. Allowed by its hash, it does nothing.
JCROP_FEATURE_TEST = sha256_source("return;")
# The one style attribute: wagtail-headless-preview's admin preview page frames /preview/ with it.
HEADLESS_PREVIEW_FRAME_STYLE = sha256_source("border: none;")


def origin(url: str) -> str | None:
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}"
    return None


def stripe_sources() -> dict[str, list[str]]:
    """Stripe.js, its frames, its API and its images: localstripe's one origin when STRIPE_API_BASE is set,
    else the hosts of Stripe's own CSP guidance (the same as netlify.toml's)."""
    local = origin(settings.STRIPE_API_BASE)
    if local:
        return {"script": [local], "frame": [local], "connect": [local], "img": [local]}
    return {"script": ["https://js.stripe.com"], "frame": ["https://js.stripe.com", "https://hooks.stripe.com"],
            "connect": ["https://api.stripe.com"], "img": ["https://*.stripe.com"]}


@lru_cache(maxsize=8)
def _storage_origin(backend: str, options: str) -> str | None:
    """The origin of the default storage's URLs (S3: the bucket, or AWS_S3_CUSTOM_DOMAIN's CDN); no network
    call (unsigned URLs). Cached per configuration: tests that switch storages get theirs."""
    from django.core.files.storage import default_storage

    try:
        return origin(default_storage.url("csp-probe"))
    except Exception:  # noqa: BLE001  (a storage that cannot name URLs: nothing more to allow)
        return None


def media_sources() -> list[str]:
    """Where media URLs point besides this origin: MEDIA_URL when it is absolute, the storage's host."""
    default = settings.STORAGES["default"]
    found = {origin(settings.MEDIA_URL),
             _storage_origin(default["BACKEND"], repr(sorted(default.get("OPTIONS", {}).items())))}
    return sorted(o for o in found if o)


def admin_policy() -> dict:
    """What Wagtail 8's admin needs, found by driving it in Chromium (tests/test_csp.py lists the pages and
    actions): nothing from another host (WAGTAIL_GRAVATAR_PROVIDER_URL = None and
    WAGTAIL_ENABLE_UPDATE_CHECK = False remove the two requests it would make), no eval, no plugins.

    The relaxations, each the smallest that works:
    - `script-src-elem 'unsafe-inline'`: Wagtail writes `<script>` elements into its forms to start its
      widgets (chooser widgets: admin/widgets/chooser.py; date and time pickers:
      wagtailadmin/widgets/date_input.html…; InlinePanel and MultipleChooserPanel templates), with ids and
      options that vary per form, and copies them into new elements when an editor adds a form
      (`runInlineScripts`), where a nonce is gone (browsers hide it once the page is loaded) and no list of
      hashes can match. Removing this needs Wagtail to stop writing inline scripts (wagtail/wagtail#1288).
      Inline event handlers (`onerror=`, `onclick=`: the usual injected payload) stay refused
      (`script-src-attr`, all but Jcrop's no-op), and so does every script from another host.
    - `style-src-elem 'unsafe-inline'`: the rich-text editor (Draftail) adds `<style>` elements whose rules
      depend on the text's lists and headings. Style attributes stay refused but for one, by its hash.
    """
    return {
        "default-src": [SELF],
        "script-src": [SELF],
        "script-src-elem": [SELF, UNSAFE_INLINE],
        "script-src-attr": [UNSAFE_HASHES, JCROP_FEATURE_TEST],
        "style-src": [SELF],
        "style-src-elem": [SELF, UNSAFE_INLINE],
        "style-src-attr": [UNSAFE_HASHES, HEADLESS_PREVIEW_FRAME_STYLE],
        "img-src": [SELF, "data:", "blob:", *media_sources()],  # upload previews are data: and blob: URLs
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],  # the live preview panel
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [SELF],
    }


def donate_policy() -> dict:
    """The payment page (and the other /donate/ pages): the theme's stylesheets and scripts (served under
    /donate/assets/), Stripe.js, which takes the card in its own frames and talks to its API."""
    stripe = stripe_sources()
    return {
        "default-src": [SELF],
        "script-src": [SELF, *stripe["script"]],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *stripe["img"]],
        "font-src": [SELF],
        "connect-src": [SELF, *stripe["connect"]],
        "frame-src": stripe["frame"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }


def preview_policy() -> dict:
    """netlify.toml's policy for the public site (minus upgrade-insecure-requests: the demo's CMS is plain
    HTTP), with media on S3 (previews redirect /media/ paths to the stored files), the draft banner's
    <style> by its hash, framed by the admin."""
    from cms.publishing.preview import BANNER_CSS

    stripe = stripe_sources()
    return {
        "default-src": [SELF],
        "img-src": [SELF, "data:", *media_sources(), *stripe["img"]],
        "style-src": [SELF, sha256_source(BANNER_CSS)],
        "script-src": [SELF, *stripe["script"]],
        "frame-src": stripe["frame"],
        "font-src": [SELF],
        "connect-src": [SELF, *stripe["connect"]],
        "frame-ancestors": [SELF],
        "base-uri": [SELF],
        "form-action": [SELF],
        "object-src": [NONE],
    }


def other_policy() -> dict:
    """JSON, redirects and plain error pages. Their inline styles are allowed (the CMS's 404 page has one):
    with no script and nothing loaded from anywhere, a style can neither run nor send anything."""
    return {"default-src": [NONE], "style-src": [UNSAFE_INLINE], "img-src": [SELF], "frame-ancestors": [NONE],
            "base-uri": [NONE], "form-action": [SELF]}


POLICIES = (("/admin/", admin_policy), ("/donate/", donate_policy), ("/preview/", preview_policy))


def policy_for(path: str) -> dict:
    for prefix, policy in POLICIES:
        if path.startswith(prefix):
            return policy()
    return other_policy()


class PagePolicyMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy chosen by the kind of page; a view's own django-csp
    decorator, if any, still wins (its config), or adds to the page's policy (its update)."""

    def process_response(self, request, response):
        if getattr(request, "is_dummy", False):
            # Wagtail renders an admin preview through the middleware with a made-up request for the
            # page's public URL: the real request (/admin/…) chooses the policy once the view returns.
            return response
        return super().process_response(request, response)

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if not report_only and parts.config is None:
            parts.config = policy_for(request.path_info)
        return parts
