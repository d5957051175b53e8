"""Who may use the bulk fields: the site builder, which proves it with the build token.

`sitePages` and `sitePageIndex` return the whole site in one request: cheap for the builder (one pull per
build), but an anonymous reader asking for them in a loop, or 500 times in one query, would hold a CMS
process for seconds each time. So they answer only a request that carries `SITE_BUILD_API_TOKEN`, in an
`Authorization: Bearer <token>` or an `X-Build-Token: <token>` header, compared in constant time. Requests
with the token also skip the anonymous cost budget and rate limit. Production refuses to start without a
real token (config/settings/guard.py); dev and tests share a published default (`dev-build-token`).

The in-process preview (publishing/preview.py) executes the schema directly, not through the view, so it
needs no token: only the HTTP endpoint checks one.
"""

from __future__ import annotations

import hmac

from django.conf import settings

BULK_FIELDS = frozenset({"sitePages", "sitePageIndex"})
HEADER_HINT = "Authorization: Bearer <SITE_BUILD_API_TOKEN> (or X-Build-Token)"


def presented_token(request) -> str:
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.META.get("HTTP_X_BUILD_TOKEN", "").strip()


def has_build_token(request) -> bool:
    expected = getattr(settings, "SITE_BUILD_API_TOKEN", "") or ""
    given = presented_token(request)
    if not expected or not given:
        return False
    return hmac.compare_digest(given.encode("utf-8", "surrogateescape"), expected.encode("utf-8", "surrogateescape"))
