"""Production refuses to start on missing or demo secrets, and `check --deploy` is clean when it starts.

Issue 10, finding 2: with STRIPE_WEBHOOK_SECRET unset, production used to fall back to the demo secret of
this public repository, and a forged `payment_intent.succeeded` signed with it added 990,000 € to a project.
The settings are loaded in a real `manage.py` process, as gunicorn and cron would load them.
"""

from __future__ import annotations

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from cms.config.settings.guard import DEMO_VALUES, production_problems
from tests.stripe_events import WEBHOOK_SECRET as TEST_WEBHOOK_SECRET

REPO = Path(__file__).resolve().parent.parent


def good_env() -> dict[str, str]:
    return {
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "STRIPE_SECRET_KEY": "sk_live_" + secrets.token_hex(16),
        "STRIPE_PUBLISHABLE_KEY": "pk_live_" + secrets.token_hex(16),
        "STRIPE_WEBHOOK_SECRET": "whsec_" + secrets.token_hex(16),
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "ALLOWED_HOSTS": "cms.example.org",
        "SITE_BUILD_API_TOKEN": secrets.token_urlsafe(40),
        "EMAIL_HOST": "smtp.example.org",
        "DEFAULT_FROM_EMAIL": "Vision d'Amour <dons@example.org>",
        "LEDGER_SIGNING_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
        "LEDGER_REFERENCE_KEY": secrets.token_urlsafe(40),
    }


def manage(env_overrides: dict[str, str | None], *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in good_env() and k != "STRIPE_API_BASE"}
    env.update(good_env(), DJANGO_SETTINGS_MODULE="cms.config.settings.production")
    for key, value in env_overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, str(REPO / "cms" / "manage.py"), *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_good_environment_has_no_problem():
    assert production_problems(good_env()) == []


def test_deploy_check_is_clean_with_real_secrets():
    done = manage({}, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize("variable", sorted(good_env()))
def test_each_missing_secret_refuses_to_start(variable):
    problems = production_problems({k: v for k, v in good_env().items() if k != variable})
    assert len(problems) == 1 and variable in problems[0]


@pytest.mark.parametrize("variable, value", [
    ("STRIPE_WEBHOOK_SECRET", "whsec_localstripe_demo"),  # the demo's, in scripts/demo.sh and base.py
    ("STRIPE_WEBHOOK_SECRET", TEST_WEBHOOK_SECRET),  # the tests'
    ("STRIPE_WEBHOOK_SECRET", "whsec_bench"),  # the benchmark's
    ("STRIPE_WEBHOOK_SECRET", "not-a-stripe-secret-at-all-0123"),
    ("STRIPE_SECRET_KEY", "sk_test_localstripe"),
    ("STRIPE_SECRET_KEY", "sk_test_" + "a" * 24),  # test mode needs STRIPE_ALLOW_TEST_KEYS=1
    ("STRIPE_PUBLISHABLE_KEY", "pk_test_localstripe"),
    ("DJANGO_SECRET_KEY", "insecure-development-key-change-me"),
    ("DJANGO_SECRET_KEY", "django-insecure-" + "x" * 50),
    ("DJANGO_SECRET_KEY", "short"),
    ("REDIS_URL", "memcached://127.0.0.1:11211"),
    ("SITE_BUILD_API_TOKEN", "dev-build-token"),
    ("STRIPE_API_BASE", "http://127.0.0.1:8420"),
    ("EMAIL_HOST", "127.0.0.1"),  # the demo's local mailbox (scripts/demo.sh, base.py's default)
    ("EMAIL_HOST", "localhost"),
    ("EMAIL_HOST", "127.0.1.1"),
    ("EMAIL_HOST", "[::1]"),
    ("EMAIL_HOST", " "),
    ("DEFAULT_FROM_EMAIL", ""),
    ("DEFAULT_FROM_EMAIL", "Vision d'Amour"),
    ("LEDGER_SIGNING_KEY", "v0QOn+kHk8tfH4XFRkSX5W4csVqus7pDF799VVpmHls="),  # base.py's demo key
    ("LEDGER_SIGNING_KEY", "bm90IGEgc2VlZA=="),  # base64, but not 32 bytes
    ("LEDGER_SIGNING_KEY", "not base64 at all!"),
    ("LEDGER_REFERENCE_KEY", "demo-ledger-reference-key-change-me"),
    ("LEDGER_REFERENCE_KEY", "short"),
])
def test_demo_or_weak_values_refuse_to_start(variable, value):
    problems = production_problems({**good_env(), variable: value})
    assert len(problems) == 1 and variable in problems[0]


def test_every_shipped_placeholder_is_known():
    """Every default secret base.py and the demo script ship is in the deny list: a production that
    forgot a variable cannot fall back to one of them."""
    import re

    shipped = re.findall(r'"(?:DJANGO_SECRET_KEY|STRIPE_SECRET_KEY|STRIPE_PUBLISHABLE_KEY|STRIPE_WEBHOOK_SECRET|SITE_BUILD_API_TOKEN)", "([^"]+)"', (REPO / "cms/config/settings/base.py").read_text())
    shipped += re.findall(r"STRIPE_WEBHOOK_SECRET:-([^}]+)\}", (REPO / "scripts/demo.sh").read_text())
    assert len(shipped) >= 5, shipped
    for value in shipped:
        assert value in DEMO_VALUES, value


def test_manage_py_refuses_to_start_on_the_demo_mail_server():
    """base.py's default EMAIL_HOST (127.0.0.1:1025, the demo's mailbox) never reaches a donor."""
    done = manage({"EMAIL_HOST": None, "DEFAULT_FROM_EMAIL": None}, "check")
    assert done.returncode != 0
    assert "EMAIL_HOST is not set" in done.stderr and "DEFAULT_FROM_EMAIL is not set" in done.stderr


def test_staging_may_use_stripe_test_keys_when_it_says_so():
    env = {**good_env(), "STRIPE_SECRET_KEY": "sk_test_" + "b" * 24, "STRIPE_ALLOW_TEST_KEYS": "1"}
    assert production_problems(env) == []


def test_manage_py_refuses_to_start_on_the_demo_webhook_secret():
    done = manage({"STRIPE_WEBHOOK_SECRET": "whsec_localstripe_demo", "DJANGO_SECRET_KEY": None}, "check")
    assert done.returncode != 0
    assert "Production refuses to start" in done.stderr
    assert "STRIPE_WEBHOOK_SECRET is a demo value" in done.stderr
    assert "DJANGO_SECRET_KEY is not set" in done.stderr  # every problem named at once


def test_wsgi_refuses_to_start_without_a_webhook_secret():
    """What gunicorn imports: the application never exists with a secret missing."""
    env = {k: v for k, v in os.environ.items() if k not in good_env() and k != "DJANGO_SETTINGS_MODULE"}
    env.update({k: v for k, v in good_env().items() if k != "STRIPE_WEBHOOK_SECRET"})
    done = subprocess.run([sys.executable, "-c", "import cms.config.wsgi"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "STRIPE_WEBHOOK_SECRET is not set" in done.stderr
