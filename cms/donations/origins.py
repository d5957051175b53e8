"""Which pages may make a visitor's browser post to the donation endpoint (cross-site request forgery).

The endpoint is CSRF-exempt (the static site cannot embed Django's token), so the browser's own word is
the check: `Origin` and `Sec-Fetch-Site`, which a page cannot set or forge. Accepted:
- `Sec-Fetch-Site: same-origin`: the browser says the page is on the origin it posts to (the site behind its
  `/donate/` proxy, or the CMS's own payment page);
- an `Origin` listed in `DONATE_ALLOWED_ORIGINS` (the static site, by default `SITE_BASE_URL`; partners), or
  equal to the endpoint's own origin as the request reached it (`Host`, or the proxy's `X-Forwarded-Host`:
  for browsers that do not send `Sec-Fetch-Site` yet);
- neither header (old browsers, server-to-server calls, tests): nothing says it is cross-site.
Refused: any other `Origin` (including `null`: sandboxed frames), or `Sec-Fetch-Site: cross-site | same-site`
without an allowed `Origin`. A non-browser client can send any header; that is what rate limits are for.
"""

from urllib.parse import urlsplit

from django.conf import settings


def allowed_origin(origin: str) -> bool:
    return bool(origin) and origin.rstrip("/") in settings.DONATE_ALLOWED_ORIGINS


def _own_origin(request, origin: str) -> bool:
    parts = urlsplit(origin)
    if not parts.scheme or not parts.netloc:
        return False
    if origin.rstrip("/") == f"{request.scheme}://{request.get_host()}":
        return True
    forwarded_host = request.headers.get("X-Forwarded-Host", "").split(",")[0].strip()
    return bool(forwarded_host) and parts.netloc.lower() == forwarded_host.lower()


def browser_request_allowed(request) -> bool:
    fetch_site = request.headers.get("Sec-Fetch-Site", "").strip().lower()
    if fetch_site == "same-origin":
        return True
    origin = request.headers.get("Origin", "").strip()
    if origin:
        return origin != "null" and (allowed_origin(origin) or _own_origin(request, origin))
    return fetch_site in ("", "none")
