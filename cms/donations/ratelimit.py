"""Card-testing protection: a few intent creations per IP address and per e-mail in a sliding window.

Counters live in Django's cache (local memory in the demo, Redis in production, shared by every process).
"""

import time

from django.conf import settings
from django.core.cache import cache


def client_ip(request) -> str:
    """The first address of X-Forwarded-For when we sit behind a trusted proxy (Netlify, a load balancer)."""
    if getattr(settings, "DONATE_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip()
    return request.META.get("REMOTE_ADDR", "")


def hit(scope: str, key: str, limit: int, window: int) -> int:
    """Count one attempt; return 0 if allowed, else the seconds to wait."""
    bucket = int(time.time() // window)
    cache_key = f"donate-rl:{scope}:{key}:{bucket}"
    try:  # one cache operation when the counter exists (the usual case for an address)
        count = cache.incr(cache_key)
    except ValueError:  # the window's first attempt: create the counter, unless a concurrent request just did
        if cache.add(cache_key, 1, timeout=window * 2):
            count = 1
        else:
            try:
                count = cache.incr(cache_key)
            except ValueError:  # expired between add and incr
                cache.set(cache_key, 1, timeout=window * 2)
                count = 1
    if count > limit:
        return window - int(time.time() % window) or 1
    return 0


def check_intent(request, email: str) -> int:
    per_ip, per_email, window = settings.DONATE_RATE_LIMITS
    wait = hit("ip", client_ip(request), per_ip, window)
    if email:
        wait = max(wait, hit("email", email.lower(), per_email, window))
    return wait
