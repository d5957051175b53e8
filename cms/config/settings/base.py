"""Settings shared by every environment. Anything that differs between machines comes from the
environment (see the README's configuration table), so one codebase runs the demo, CI and production."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

CMS_DIR = Path(__file__).resolve().parent.parent.parent  # cms/
REPO_DIR = CMS_DIR.parent
VAR_DIR = Path(os.environ.get("VDA_VAR_DIR", REPO_DIR / "var"))  # local state: SQLite, media
VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "insecure-development-key-change-me")
DEBUG = False
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
# Every response says `X-Content-Type-Options: nosniff` (SecurityMiddleware): a browser never guesses HTML
# from a file's bytes. Django's default, stated here because the document rules below rely on it.
SECURE_CONTENT_TYPE_NOSNIFF = True

INSTALLED_APPS = [
    "corsheaders",  # its settings checks; the middleware is cms.donations.cors.DonateCorsMiddleware
    "cms.core",
    "cms.multimedia",
    "cms.projects",
    "cms.stories",
    "cms.api",
    "cms.donations",
    "cms.donors",
    "cms.receipts",
    "cms.transparency",
    "cms.transparency.ledger",  # label public_ledger: the public ledger (issue 14 §3)
    "cms.publishing",
    "wagtail_headless_preview",
    "django_tasks",
    "django_tasks_db",
    "wagtail.embeds",  # grapple imports its models; installed so they get their own tables
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.simple_translation",
    "wagtail.locales",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # After wagtail.snippets: grapple reads the snippet registry when it starts.
    "grapple",
    "graphene_django",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "cms.donations.webhook_shortcut.StripeWebhookShortcut",  # Stripe's webhook skips the rest of this list
    "cms.donations.cors.DonateCorsMiddleware",  # django-cors-headers on /donate/ only (CORS_URLS_REGEX)
    "cms.config.csp.PagePolicyMiddleware",  # Content-Security-Policy by kind of page: admin, /donate/, /preview/
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "cms.config.urls"
WSGI_APPLICATION = "cms.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [CMS_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# SQLite by default so a newcomer needs nothing; DATABASE_URL switches to PostgreSQL.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'cms.sqlite3'}",
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # Writers queue (up to 20 s) instead of failing; IMMEDIATE takes the write lock at BEGIN, so two
    # webhook deliveries never deadlock upgrading a read lock.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20, "transaction_mode": "IMMEDIATE"})
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# French first, English second. Wagtail's i18n is on from day one so translating later needs no
# migration of existing content: every page already belongs to the French locale.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The theme's CSS and scripts, served under /donate/assets/ for the CMS's own payment page: it is reached
# through the site's /donate/ proxy, so everything it loads must live under /donate/ too.
THEME_STATIC_DIR = REPO_DIR / "themes" / "vision" / "static"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
# Tax receipts (PDFs with a donor's name and address): private, outside MEDIA_ROOT, served by no URL
# (receipts/models.py; a deployment may name STORAGES["receipts"] instead, e.g. a private bucket).
RECEIPTS_ROOT = Path(os.environ.get("RECEIPTS_ROOT", VAR_DIR / "receipts"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Media (originals, renditions, documents) on S3 when a bucket is named, in every environment (django-storages
# + boto3; boto3 finds AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY or an instance role by itself). Names are
# never reused (no overwrite; Wagtail deletes a replaced original), so objects may be cached for a year.
# The bucket, or the CDN of AWS_S3_CUSTOM_DOMAIN, must let anyone read: the site links or copies these URLs.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "endpoint_url": os.environ.get("AWS_S3_ENDPOINT_URL") or None,  # another S3 service (or moto in tests)
        "custom_domain": os.environ.get("AWS_S3_CUSTOM_DOMAIN") or None,  # e.g. media.example.org (a CDN)
        "url_protocol": os.environ.get("AWS_S3_URL_PROTOCOL") or "https:",  # of custom-domain URLs
        "location": os.environ.get("AWS_LOCATION", ""),  # key prefix inside the bucket
        "querystring_auth": False,  # plain, stable URLs: the static site keeps them
        "file_overwrite": False,
        "object_parameters": {"CacheControl": "public, max-age=31536000, immutable"},
    }}

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

WAGTAIL_SITE_NAME = "Vision d'Amour"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
# The admin makes no request to another host, and its Content-Security-Policy (config/csp.py) allows none:
# no Gravatar pictures (editors' e-mail hashes sent away), no check for new Wagtail releases.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILIMAGES_IMAGE_MODEL = "multimedia.CustomImage"
WAGTAILIMAGES_MAX_UPLOAD_SIZE = 15 * 1024 * 1024
WAGTAILIMAGES_MAX_IMAGE_PIXELS = 40_000_000
WAGTAILIMAGES_EXTENSIONS = ["avif", "gif", "jpg", "jpeg", "png", "webp"]
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "ods", "pdf", "pptx", "txt", "xlsx"]
# Upload checks with French messages for editors (multimedia/validation.py): real content type, size, and a
# minimum size for images (below 400 px wide, the smallest width the site serves, a photo looks blurred).
WAGTAILIMAGES_IMAGE_FORM_BASE = "cms.multimedia.validation.ImageForm"
WAGTAILDOCS_DOCUMENT_FORM_BASE = "cms.multimedia.validation.DocumentForm"
WAGTAILDOCS_MAX_UPLOAD_SIZE = 50 * 1024 * 1024
# Office and OpenDocument files are ZIP archives, checked from their central directory without inflating
# (multimedia/document_content.py): refused beyond this size once inflated, this compression ratio, this
# many entries, or with archives nested inside an embedded one (zip bombs).
DOCUMENT_ARCHIVE_MAX_UNCOMPRESSED_SIZE = 100 * 1024 * 1024
DOCUMENT_ARCHIVE_MAX_COMPRESSION_RATIO = 100
DOCUMENT_ARCHIVE_MAX_ENTRIES = 10_000
# Documents leave the CMS as downloads no browser renders: always through Wagtail's serve view (on S3 too,
# instead of a redirect to the bucket), always `Content-Disposition: attachment` (PDF included, which
# Wagtail shows inline by default), with `nosniff` and `Content-Security-Policy: default-src 'none'`.
# The static site links the stored files themselves (core/blocks.py DocumentBlock.file_url), not this view.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_INLINE_CONTENT_TYPES = []
WAGTAILDOCS_BLOCK_EMBEDDED_CONTENT = True
IMAGE_MIN_WIDTH, IMAGE_MIN_HEIGHT = 400, 200
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database",
                                      "AUTO_UPDATE": os.environ.get("WAGTAILSEARCH_AUTO_UPDATE", "1") == "1"}}
# Video embeds are our own block (no oEmbed call): nothing here talks to a third-party host.
WAGTAILEMBEDS_FINDERS = []

# The public static site, for canonical URLs and links from the admin.
SITE_BASE_URL = os.environ.get("SITE_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
# The donor space's forms (/donate/espace/) are posted on the site's own domain, which proxies /donate/ to the
# CMS: the CDN sends the CMS's Host with the site's Origin (site_builder/serve.py keeps the Host), so Django's CSRF
# check must trust the site's origin.
SITE_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(SITE_BASE_URL))
CSRF_TRUSTED_ORIGINS = [SITE_ORIGIN] if SITE_BASE_URL.startswith(("http://", "https://")) else []

GRAPHENE = {"SCHEMA": "cms.api.schema.schema"}  # grapple's schema, hardened: public content only (api/schema.py)
GRAPPLE = {
    "APPS": ["core", "multimedia", "projects", "stories"],
    "EXPOSE_GRAPHIQL": False,  # GraphiQL loads React from a CDN: never in this project
    "PAGE_SIZE": 20,
    "MAX_PAGE_SIZE": 100,
    # Only the renditions the site uses (cms.multimedia.models.SITE_FILTERS, tested equal): any other filter of
    # `rendition(...)`/`srcSet` would let anyone burn CPU and write files without bound.
    "ALLOWED_IMAGE_FILTERS": [f"width-{w}" for w in (400, 800, 1200)] + [f"width-{w}|format-webp" for w in (400, 800, 1200)],
}
# Abusive queries are refused before they run (see api/limits.py and api/views.py).
GRAPHQL_MAX_DEPTH = int(os.environ.get("GRAPHQL_MAX_DEPTH", "12"))
GRAPHQL_MAX_FIELDS = int(os.environ.get("GRAPHQL_MAX_FIELDS", "1000"))
GRAPHQL_MAX_COST = int(os.environ.get("GRAPHQL_MAX_COST", "20000"))  # anonymous readers; lists multiply
GRAPHQL_LIST_SIZE = int(os.environ.get("GRAPHQL_LIST_SIZE", "10"))  # items expected of a list without `limit:`
GRAPHQL_MAX_DUPLICATE_FIELDS = int(os.environ.get("GRAPHQL_MAX_DUPLICATE_FIELDS", "10"))
GRAPHQL_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_MAX_BODY_BYTES", "32768"))  # 413 past it, before parsing
GRAPHQL_BUILD_MAX_BODY_BYTES = int(os.environ.get("GRAPHQL_BUILD_MAX_BODY_BYTES", str(2 * 1024 * 1024)))
GRAPHQL_INTROSPECTION = os.environ.get("GRAPHQL_INTROSPECTION", "1") == "1"  # off in production
GRAPHQL_RATE_LIMIT = os.environ.get("GRAPHQL_RATE_LIMIT", "300/minute")  # per address, anonymous; "" = none
# The site builder's key to the bulk fields (sitePages, sitePageIndex; api/access.py). The default is public
# (dev and tests); production refuses to start without a real one (guard.py).
SITE_BUILD_API_TOKEN = os.environ.get("SITE_BUILD_API_TOKEN", "dev-build-token")

# No personal data in logs at any level (LOG_LEVEL=DEBUG included): the stripe SDK logs request and
# response bodies (donors' names, e-mails, the SetupIntent client secret) at DEBUG and INFO, so its logger is
# held at WARNING by level and by a filter (a later setLevel cannot reopen it); Django's SQL log
# (django.db.backends, DEBUG) prints query parameters, so it stays at INFO. STRIPE_LOG is neutralised in
# donations/gateway.py (the SDK prints to stderr itself, outside logging).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"warnings_and_above": {"()": "django.utils.log.CallbackFilter",
                                       "callback": lambda record: record.levelno >= 30}},  # logging.WARNING
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"stripe": {"level": "WARNING", "filters": ["warnings_and_above"]},
                "django.db.backends": {"level": "INFO"}},
}

# --- The public ledger (cms/transparency/ledger, site_builder/verify_ledger.py) ---
# LEDGER_ORIGIN names the log in its checkpoints (and is the signing key's name); LEDGER_SIGNING_KEY is the
# base64 Ed25519 seed that signs them; LEDGER_REFERENCE_KEY keys the gifts' public references (HMAC). The
# defaults are demo values published here: production refuses them (guard.py).
LEDGER_ORIGIN = os.environ.get("LEDGER_ORIGIN", "visiondamour.org/registre")
LEDGER_DEMO_SIGNING_KEY = "v0QOn+kHk8tfH4XFRkSX5W4csVqus7pDF799VVpmHls="
LEDGER_DEMO_REFERENCE_KEY = "demo-ledger-reference-key-change-me"
LEDGER_SIGNING_KEY = os.environ.get("LEDGER_SIGNING_KEY", LEDGER_DEMO_SIGNING_KEY)
LEDGER_REFERENCE_KEY = os.environ.get("LEDGER_REFERENCE_KEY", LEDGER_DEMO_REFERENCE_KEY)
LEDGER_PAGE_SIZE = 5000  # publicLedger(first:) is capped at this many lines per request

# --- Giving (cms/donations) ---
# STRIPE_API_BASE points the SDK (and the page's Stripe.js) at localstripe in the demo and tests;
# unset in production. Keys default to test placeholders that localstripe accepts.
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = os.environ.get("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "whsec_localstripe_demo")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")
STRIPE_WEBHOOK_TOLERANCE = 300  # seconds: Stripe's own default
STRIPE_TIMEOUT_SECONDS = float(os.environ.get("STRIPE_TIMEOUT_SECONDS", "10"))  # per try, one retry (gateway.py)
# Browser origins that may post to /donate/ (the JSON API with CORS, and the no-JS form): the static site
# (SITE_BASE_URL) by default, comma-separated. Pages on the endpoint's own origin are always accepted.
DONATE_ALLOWED_ORIGINS = [o.rstrip("/") for o in os.environ.get("DONATE_ALLOWED_ORIGINS", SITE_BASE_URL).split(",") if o]
# CORS (django-cors-headers, donations/cors.py): the JSON API and the live totals only; the allowed origins
# are DONATE_ALLOWED_ORIGINS above, read per request (so no CORS_ALLOWED_ORIGINS here).
CORS_URLS_REGEX = r"^/donate/(api/|totals\.json$)"
CORS_ALLOW_METHODS = ["GET", "POST", "OPTIONS"]
CORS_ALLOW_HEADERS = ["content-type"]
CORS_PREFLIGHT_MAX_AGE = 600
# How many proxies of ours stand in front of the CMS (CDN, load balancer), each appending to X-Forwarded-For:
# the client is the N-th address from the right; 0 = REMOTE_ADDR (nothing in front). The old
# DONATE_TRUST_X_FORWARDED_FOR=1 still means 1.
TRUSTED_PROXY_HOPS = int(os.environ.get("TRUSTED_PROXY_HOPS")
                         or ("1" if os.environ.get("DONATE_TRUST_X_FORWARDED_FOR") == "1" else "0"))
# Rate-limit counters (core/ratelimit.py): Redis when set (shared by every process), else per-process memory.
REDIS_URL = os.environ.get("REDIS_URL", "")
RATE_LIMIT_KEY_PREFIX = os.environ.get("RATE_LIMIT_KEY_PREFIX", "vda")  # several deployments on one Redis
# Card testing: attempts that reach Stripe per client address, per e-mail, in a moving window of seconds
# (intents; confirmations have their own counters with the same numbers, per address and per donation).
DONATE_RATE_LIMITS = tuple(int(x) for x in os.environ.get("DONATE_RATE_LIMITS", "30,5,600").split(","))
DONATE_TOTALS_CACHE_SECONDS = int(os.environ.get("DONATE_TOTALS_CACHE_SECONDS", "30"))
# The donor space (cms/donors/space/): a sign-in link lives this many minutes and works once; links asked for
# per client address and per e-mail in a moving window of seconds; a signed-in session lasts this long idle.
DONOR_SIGN_IN_MINUTES = int(os.environ.get("DONOR_SIGN_IN_MINUTES", "15"))
DONOR_SIGN_IN_RATE_LIMITS = tuple(int(x) for x in os.environ.get("DONOR_SIGN_IN_RATE_LIMITS", "20,3,900").split(","))
DONOR_SPACE_SESSION_SECONDS = int(os.environ.get("DONOR_SPACE_SESSION_SECONDS", "3600"))

# --- E-mail to donors (cms/donors/mail.py): SMTP, configured from the environment. The demo runs a local SMTP
# server that keeps every message (cms/donors/mailbox.py); tests read mail from a real one on 127.0.0.1.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "1025"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = os.environ.get("EMAIL_USE_TLS", "0") == "1"
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))  # seconds: a stuck mail server must not hold a task forever
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Vision d'Amour <dons@visiondamour.org>")
# A message the mail server refused or could not take (down, timeout) is tried again after each of these
# delays (seconds), then recorded as failed in donors.SentEmail: 1 try + len(delays) retries.
MAIL_RETRY_DELAYS = [int(s) for s in os.environ.get("MAIL_RETRY_DELAYS", "60,300,1800,7200").split(",") if s.strip()]
# The donor space (cms/donors, /donate/espace/ on the site's own domain): the e-mails link to it (update a card).
DONOR_SPACE_URL = os.environ.get("DONOR_SPACE_URL", SITE_BASE_URL + "/donate/espace/")

# --- Publishing (cms/publishing): preview with the site's own theme, a build on every publish ---
# Wagtail's small tasks (reference index…) stay immediate; site builds go to the database queue, run by
# `manage.py publishing_worker` (started by make demo), so a publish returns at once.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    # One database queue per kind of work, all run by `manage.py publishing_worker`: site builds, and the
    # donors' e-mails (cms/donors/mail.py), sent off the request and the webhook.
    "builds": {"BACKEND": "django_tasks_db.backend.DatabaseBackend", "QUEUES": ["builds", "mail"]},
}
# In a request (the editor's publish), Wagtail's search and reference index tasks run once per object after
# the response is sent; elsewhere at once, as the immediate backend does (core/after_response.py).
TASKS["default"]["BACKEND"] = "cms.core.after_response.AfterResponseBackend"
# The editor's "Preview" and live preview panel load /preview/ on the CMS, which renders the draft with the
# same theme and code as the static build (publishing/preview.py). Tokens expire after PREVIEW_TOKEN_MAX_AGE.
WAGTAIL_HEADLESS_PREVIEW = {"CLIENT_URLS": {"default": "/preview/"}, "ENFORCE_TRAILING_SLASH": True}
PREVIEW_TOKEN_MAX_AGE = int(os.environ.get("PREVIEW_TOKEN_MAX_AGE", "3600"))
# Where and how the worker builds the site (the same options as `python -m site_builder build`).
SITE_BUILD_ENABLED = os.environ.get("SITE_BUILD_ENABLED", "1") == "1"  # 0: publishing queues nothing
SITE_BUILD_OUT = Path(os.environ.get("SITE_BUILD_OUT", REPO_DIR / "public"))
SITE_BUILD_CACHE = Path(os.environ.get("SITE_BUILD_CACHE", REPO_DIR / ".build-cache"))
SITE_BUILD_API_URL = os.environ.get("SITE_BUILD_API_URL", "http://127.0.0.1:8000/graphql/")
SITE_MEDIA_URL = os.environ.get("SITE_MEDIA_URL", "") or None
SITE_DONATE_API = os.environ.get("SITE_DONATE_API", "")
# A lone publish builds at once; a burst (requests while a build runs, or in quick succession) is built once
# this much quiet has passed since its last request (at most SITE_BUILD_MAX_WAIT seconds after its first).
SITE_BUILD_QUIET_SECONDS = float(os.environ.get("SITE_BUILD_QUIET_SECONDS", "0.3"))
SITE_BUILD_MAX_WAIT = float(os.environ.get("SITE_BUILD_MAX_WAIT", "5"))
# In production the site may be built by Netlify instead: each build then calls this hook.
NETLIFY_BUILD_HOOK = os.environ.get("NETLIFY_BUILD_HOOK", "")
# The fast path (site_builder/netlify_deploy.py): the worker builds incrementally, then deploys to this Netlify
# site through its API, uploading only the files Netlify lacks. Both set: used instead of the build hook.
NETLIFY_AUTH_TOKEN = os.environ.get("NETLIFY_AUTH_TOKEN", "")
NETLIFY_SITE_ID = os.environ.get("NETLIFY_SITE_ID", "")
NETLIFY_API_URL = os.environ.get("NETLIFY_API_URL", "https://api.netlify.com")  # a local stand-in in the tests
