"""Production: secrets and hosts come from the environment, and the settings refuse to load (so neither
gunicorn nor manage.py starts) while any of them is missing or is a demo value published in this repository
(the rules and their reasons: guard.py). `manage.py check --deploy` is clean with these settings."""
import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .guard import production_problems

_problems = production_problems(os.environ)
if _problems:
    raise ImproperlyConfigured("Production refuses to start:\n  - " + "\n  - ".join(_problems))

DEBUG = False
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
ALLOWED_HOSTS = [h.strip() for h in os.environ["ALLOWED_HOSTS"].split(",") if h.strip()]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o] + [SITE_ORIGIN]  # noqa: F405  (the donor space, base.py)
STRIPE_API_BASE = ""  # guard.py refuses a non-empty one: the SDK talks to Stripe itself

# HTTPS everywhere. The CMS sits behind the CDN (Netlify proxies /donate/*) or a load balancer, which
# terminates TLS and says so in X-Forwarded-Proto; only such a proxy may reach the CMS.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
GRAPPLE = {**GRAPPLE, "EXPOSE_GRAPHIQL": False}  # noqa: F405
# --- GraphQL (cms/api, owned by the API's maintainers) ---
# No introspection for the public (the builder does not need it); GRAPHQL_INTROSPECTION=1 cannot reopen it
# here. The build token is required by guard.py and read by base.py (SITE_BUILD_API_TOKEN).
GRAPHQL_INTROSPECTION = False
# --- end GraphQL ---

# One cache for every process: rate limits, the totals cache and the live-projects cache are shared.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                      "LOCATION": os.environ["REDIS_URL"]}}
# Media on S3: configured in base.py (any environment with AWS_STORAGE_BUCKET_NAME set).
