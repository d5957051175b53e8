"""Cross-origin reads of the donation endpoint (CORS) by django-cors-headers, on the URLs CORS_URLS_REGEX
names (`/donate/api/…`, `/donate/totals.json`) and nowhere else.

CORS only decides which other origins' scripts may *read* an answer. Who may *post* is origins.py's
business (403/415 before anything is parsed), and it stays there: a refused request is refused whatever
CORS says. Two facts of ours on top of the library, and nothing else:
- the origins are `DONATE_ALLOWED_ORIGINS`, read per request (the same list origins.py accepts posts
  from, so the two can never disagree, and a test's settings override reaches both);
- a preflight answers `204 No Content` (the library answers 200 with an empty body), and `Vary` names
  `Origin` as the rest of the project writes it.
"""

from __future__ import annotations

from corsheaders.middleware import CorsMiddleware
from django.utils.cache import patch_vary_headers

from . import origins


class DonateCorsMiddleware(CorsMiddleware):
    def origin_found_in_white_lists(self, origin, url) -> bool:
        return origins.allowed_origin(origin)

    def check_preflight(self, request):
        response = super().check_preflight(request)
        if response is not None:
            response.status_code = 204
        return response

    def add_response_headers(self, request, response):
        if getattr(request, "_cors_enabled", None) or self.is_enabled(request):
            patch_vary_headers(response, ["Origin"])  # the answer depends on it: caches must not mix origins
        return super().add_response_headers(request, response)
