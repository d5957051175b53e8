"""Stripe's webhook goes straight from Django's SecurityMiddleware to its view, past the rest of the stack.

The webhook is one server calling another: no session, no signed-in user, no CSRF token (the signature is
its proof), no language to negotiate (its few messages are French literals), no page to frame or to give a
CORS header. Yet the middlewares after SecurityMiddleware (CORS, CSP, sessions, locale, common, CSRF, auth,
messages, clickjacking, Wagtail's redirects) cost about 0.5 ms of CPU on every delivery: as much as the
statement that records a duplicate, and a fifth of what the bare reference endpoint spends on a whole one.

Placed right after SecurityMiddleware (whose HTTPS redirect, HSTS, nosniff, referrer and opener policies
still apply), this middleware hands a request for exactly the webhook's path to the webhook's view (as the
URLconf resolves it, decorators included) and returns its answer. Every other request, including the
webhook's path without its slash, goes through the whole stack as before. The answer keeps its
Content-Length (CommonMiddleware's) and the two headers that matter for a JSON body a browser could be
pointed at: it is never framed and loads nothing.
"""

from __future__ import annotations

from django.urls import get_script_prefix, resolve, reverse

# A JSON answer loads nothing and is framed by no one (config/csp.py gives JSON the same "nothing").
HEADERS = {"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'", "X-Frame-Options": "DENY"}


class StripeWebhookShortcut:
    def __init__(self, get_response):
        self.get_response = get_response
        self.path = self.match = None  # found on the first request: the URLconf is not loaded yet

    def __call__(self, request):
        if self.path is None:  # two threads may both get here: they find the same answer
            path = "/" + reverse("donations:stripe_webhook")[len(get_script_prefix()):]  # as path_info has it
            self.match = resolve(path)
            self.path = path
        if request.path_info != self.path:
            return self.get_response(request)
        request.resolver_match = self.match
        response = self.match.func(request, *self.match.args, **self.match.kwargs)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not response.streaming:  # as CommonMiddleware does: no chunked encoding for a small answer
            response.headers.setdefault("Content-Length", str(len(response.content)))
        return response
