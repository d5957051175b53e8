"""Why production refuses to start: a secret that is missing, or that anyone can read in this public
repository, turns a signature into a formality. With the demo webhook secret, a forged
`payment_intent.succeeded` adds any amount to a project; with the demo Django key, anyone can sign a
session or a preview token. So production checks every secret once, when its settings load, and names
every problem at once (an operator fixes them in one go rather than one restart at a time).

`production_problems(env)` is a pure function of the environment, so the test suite checks each rule
without starting a server.
"""

from __future__ import annotations

from collections.abc import Mapping

# Every placeholder this repository ships (settings defaults, scripts/demo.sh, tests, benchmarks): public.
DEMO_VALUES = frozenset({
    "insecure-development-key-change-me",
    "sk_test_localstripe", "pk_test_localstripe", "sk_test_demo", "pk_test_demo",
    "whsec_localstripe_demo", "whsec_test_vision_damour", "whsec_bench",
    "dev-build-token", "test-build-token", "demo-build-token",
    "v0QOn+kHk8tfH4XFRkSX5W4csVqus7pDF799VVpmHls=", "demo-ledger-reference-key-change-me",  # the ledger's
})
MIN_SECRET_KEY_LENGTH = 50  # Django's own deploy check (security.W009) asks for 50 characters
MIN_TOKEN_LENGTH = 32


def _is_demo(value: str) -> bool:
    lowered = value.lower()
    return value in DEMO_VALUES or "localstripe" in lowered or "insecure" in lowered or "change-me" in lowered


def _secret_key_problems(env: Mapping[str, str]) -> list[str]:
    key = env.get("DJANGO_SECRET_KEY", "")
    if not key:
        return ["DJANGO_SECRET_KEY is not set (signs sessions, CSRF tokens and preview links)."]
    if _is_demo(key) or key.startswith("django-insecure-"):
        return ["DJANGO_SECRET_KEY is a demo value published in this repository: generate a new one."]
    if len(key) < MIN_SECRET_KEY_LENGTH or len(set(key)) < 5:
        return [f"DJANGO_SECRET_KEY is too weak: use at least {MIN_SECRET_KEY_LENGTH} random characters."]
    return []


def _stripe_problems(env: Mapping[str, str]) -> list[str]:
    problems = []
    test_mode = env.get("STRIPE_ALLOW_TEST_KEYS", "0") == "1"  # a staging site on Stripe's test mode
    secret = env.get("STRIPE_SECRET_KEY", "")
    live_prefixes = ("sk_live_", "rk_live_") + (("sk_test_", "rk_test_") if test_mode else ())
    if not secret:
        problems.append("STRIPE_SECRET_KEY is not set.")
    elif _is_demo(secret):
        problems.append("STRIPE_SECRET_KEY is a demo value published in this repository.")
    elif not secret.startswith(live_prefixes):
        problems.append("STRIPE_SECRET_KEY must be a live key (sk_live_… or rk_live_…); "
                        "STRIPE_ALLOW_TEST_KEYS=1 allows test keys on a staging site.")
    publishable = env.get("STRIPE_PUBLISHABLE_KEY", "")
    if not publishable or _is_demo(publishable):
        problems.append("STRIPE_PUBLISHABLE_KEY is not set, or is a demo value (donation forms cannot take cards).")
    webhook = env.get("STRIPE_WEBHOOK_SECRET", "")
    if not webhook:
        problems.append("STRIPE_WEBHOOK_SECRET is not set: webhooks could not be verified.")
    elif _is_demo(webhook):
        problems.append("STRIPE_WEBHOOK_SECRET is a demo value published in this repository: anyone could "
                        "forge payments. Use the signing secret Stripe shows for this endpoint.")
    elif not webhook.startswith("whsec_") or len(webhook) < 20:
        problems.append("STRIPE_WEBHOOK_SECRET does not look like a Stripe signing secret (whsec_…).")
    if env.get("STRIPE_API_BASE"):
        problems.append("STRIPE_API_BASE is set: it points the SDK away from Stripe (localstripe is for the demo "
                        "and tests only). Unset it in production.")
    return problems


def _infrastructure_problems(env: Mapping[str, str]) -> list[str]:
    problems = []
    redis_url = env.get("REDIS_URL", "")
    if not redis_url.startswith(("redis://", "rediss://", "unix://")):
        problems.append("REDIS_URL is not set (redis://…): rate limits and caches kept per process are no limits "
                        "once several processes run.")
    if not [h for h in env.get("ALLOWED_HOSTS", "").split(",") if h.strip()]:
        problems.append("ALLOWED_HOSTS is not set (the CMS's host names, comma-separated).")
    token = env.get("SITE_BUILD_API_TOKEN", "")
    if not token:
        problems.append("SITE_BUILD_API_TOKEN is not set: the builder's bulk GraphQL fields would be closed to it "
                        "(or open to anyone).")
    elif _is_demo(token) or len(token) < MIN_TOKEN_LENGTH:
        problems.append(f"SITE_BUILD_API_TOKEN is a demo value or shorter than {MIN_TOKEN_LENGTH} characters.")
    return problems


def _netlify_problems(env: Mapping[str, str]) -> list[str]:
    """The API deploy needs both: with one alone every publish would build and then deploy nowhere, silently
    (or fall back to the slow build hook without anyone knowing why)."""
    token, site = env.get("NETLIFY_AUTH_TOKEN", "").strip(), env.get("NETLIFY_SITE_ID", "").strip()
    if bool(token) != bool(site):
        missing = "NETLIFY_SITE_ID" if token else "NETLIFY_AUTH_TOKEN"
        return [f"{missing} is not set while {'NETLIFY_AUTH_TOKEN' if token else 'NETLIFY_SITE_ID'} is: the worker "
                "deploys to Netlify's API only with both (set both, or neither to use NETLIFY_BUILD_HOOK)."]
    if env.get("NETLIFY_API_URL", "https://api.netlify.com").rstrip("/") != "https://api.netlify.com" and token:
        return ["NETLIFY_API_URL is set: it points deploys away from Netlify (a stand-in is for tests only)."]
    return []


LOCAL_HOSTS = frozenset({"", "127.0.0.1", "localhost", "::1", "0.0.0.0", "localhost.localdomain"})


def _mail_problems(env: Mapping[str, str]) -> list[str]:
    """The e-mails carry tax receipts and a failed card's warning: with the demo's defaults (a local SMTP
    server that keeps them in a folder, or none at all) every one would be recorded as sent, or fail, and no
    donor would ever get one."""
    problems = []
    host = env.get("EMAIL_HOST", "").strip().lower().strip("[]")
    if host in LOCAL_HOSTS or host.startswith("127."):
        problems.append("EMAIL_HOST is not set, or is this machine (the demo's local mailbox): set the mail "
                        "server that delivers the donors' e-mails (EMAIL_PORT, EMAIL_HOST_USER, "
                        "EMAIL_HOST_PASSWORD, EMAIL_USE_TLS beside it).")
    sender = env.get("DEFAULT_FROM_EMAIL", "").strip()
    if not sender or "@" not in sender:
        problems.append("DEFAULT_FROM_EMAIL is not set (the address the donors' e-mails come from, on a domain "
                        "whose SPF/DKIM the mail server signs for).")
    return problems


def _ledger_problems(env: Mapping[str, str]) -> list[str]:
    """With the demo signing key anyone can sign a forged ledger checkpoint; with the demo reference key
    anyone can link a gift's public reference to its database id."""
    import base64
    import binascii

    problems = []
    seed = env.get("LEDGER_SIGNING_KEY", "").strip()
    try:
        valid = len(base64.b64decode(seed, validate=True)) == 32
    except (binascii.Error, ValueError):
        valid = False
    if not seed or _is_demo(seed) or not valid:
        problems.append("LEDGER_SIGNING_KEY is not set, is the demo key, or is not a base64 Ed25519 seed of 32 "
                        "bytes: generate one (python -c \"import os,base64;print(base64.b64encode(os.urandom(32))"
                        ".decode())\") and keep it (the public key on the site is derived from it).")
    reference = env.get("LEDGER_REFERENCE_KEY", "").strip()
    if not reference or _is_demo(reference) or len(reference) < MIN_TOKEN_LENGTH:
        problems.append(f"LEDGER_REFERENCE_KEY is not set, is a demo value or is shorter than {MIN_TOKEN_LENGTH} "
                        "characters (it keys the gifts' public references).")
    return problems


def production_problems(env: Mapping[str, str]) -> list[str]:
    """Every reason these settings must not serve the public, in the order an operator fixes them."""
    return (_secret_key_problems(env) + _stripe_problems(env) + _infrastructure_problems(env)
            + _mail_problems(env) + _netlify_problems(env) + _ledger_problems(env))
