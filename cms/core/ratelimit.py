"""Rate limits that hold: behind proxies, across processes, at window boundaries.

Shared by every public endpoint that spends something (the donation endpoint today; `/graphql/` and the
donor space's sign-in link next). Three calls:

- `client_ip(request)`: the client's address as *our* proxy saw it. A client can write anything into
  `X-Forwarded-For`; only the entries our own proxies append (the right-most `TRUSTED_PROXY_HOPS`) are
  true, so the N-th from the right is the client. With no trusted proxy (0), `REMOTE_ADDR`.
- `allow(scope, key, rate)`: count one attempt; 0 when allowed, else the seconds to wait.
- `peek(scope, key, rate)`: the same answer without counting (check several limits before spending any).

`rate` is the `limits` library's notation ("30 per 600 seconds", "5/minute"). The window is a true moving
window (`MovingWindowRateLimiter`): at any instant, at most `rate` attempts in the past window, so no
burst of twice the limit across a boundary as fixed windows allow. Counters live in Redis when
`REDIS_URL` is set (every process shares them: per-process counters are no limit), else in this process's
memory (demo, tests). Keys are hashed: no e-mail or address is stored in Redis in clear.
If the storage fails (Redis down), attempts are allowed and a warning is logged: a donor must not be turned
away because a counter is unreachable; production monitors Redis.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import logging
import math
import time

from django.conf import settings
from limits import RateLimitItem, parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

log = logging.getLogger(__name__)

# Redis must answer fast or not at all: a hung counter must not hold a donor's request.
REDIS_OPTIONS = {"socket_timeout": 1.0, "socket_connect_timeout": 1.0}


def _clean_address(value: str) -> str:
    """`1.2.3.4`, `1.2.3.4:5678` and `[2001:db8::1]:443` (some proxies add the port) → the address alone."""
    value = value.strip()
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    host = value[1:].split("]", 1)[0] if value.startswith("[") else value.rsplit(":", 1)[0]
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return value


def client_ip(request) -> str:
    """The address the trusted proxy appended: the `TRUSTED_PROXY_HOPS`-th entry from the right of
    X-Forwarded-For (the entries on its left are whatever the client sent), `REMOTE_ADDR` when no proxy is
    trusted or the header is shorter than the number of trusted hops (then it did not come through them)."""
    remote = _clean_address(request.META.get("REMOTE_ADDR", ""))
    hops = int(getattr(settings, "TRUSTED_PROXY_HOPS", 0) or 0)
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < hops:
        return remote
    return _clean_address(forwarded[-hops])


def client_key(request) -> str:
    """What to count per client: the address, or its /64 for IPv6 (one subscriber holds a whole /64, so
    counting single IPv6 addresses would let one machine take 2**64 turns)."""
    address = client_ip(request)
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address
    if parsed.version == 6:
        if parsed.ipv4_mapped:  # ::ffff:1.2.3.4 is 1.2.3.4
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@functools.lru_cache(maxsize=64)
def _rate(rate: str) -> RateLimitItem:
    return parse(rate)


@functools.lru_cache(maxsize=8)
def _limiter(url: str) -> MovingWindowRateLimiter:
    options = REDIS_OPTIONS if url.startswith(("redis://", "rediss://", "redis+unix://")) else {}
    return MovingWindowRateLimiter(storage_from_string(url, wrap_exceptions=True, **options))


def _storage_url() -> str:
    return getattr(settings, "REDIS_URL", "") or "memory://"


def _identifiers(scope: str, key: str) -> tuple[str, str, str]:
    digest = hashlib.blake2b(key.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
    return getattr(settings, "RATE_LIMIT_KEY_PREFIX", "vda"), scope, digest


def _check(scope: str, key: str, rate: str, count: bool) -> int:
    item = _rate(rate)
    limiter = _limiter(_storage_url())
    identifiers = _identifiers(scope, key)
    try:
        if limiter.hit(item, *identifiers) if count else limiter.test(item, *identifiers):
            return 0
        reset = limiter.get_window_stats(item, *identifiers).reset_time
    except StorageError as exc:
        log.warning("rate-limit storage unavailable (%s): attempt allowed", exc.__class__.__name__)
        return 0
    return max(1, math.ceil(reset - time.time()))


def allow(scope: str, key: str, rate: str) -> int:
    """Count one attempt of `key` in `scope` against `rate`. 0 when allowed; else the seconds until the
    oldest attempt in the window leaves it (for `Retry-After`). A refused attempt is not counted."""
    return _check(scope, key, rate, count=True)


def peek(scope: str, key: str, rate: str) -> int:
    """`allow`'s answer without counting: lets a caller check every limit before it counts any, so a
    request refused by one limit does not use up another."""
    return _check(scope, key, rate, count=False)


def reset() -> None:
    """Forget the in-memory counters (tests). Redis counters are not touched: tests that use Redis use a
    key prefix of their own (`RATE_LIMIT_KEY_PREFIX`)."""
    _limiter.cache_clear()
