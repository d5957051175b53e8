"""Shared fixtures.

Unit and API tests use pytest-django's test database (SQLite, or PostgreSQL when DATABASE_URL says so).
Builder and browser tests talk to a real CMS process over HTTP, as the builder does in production: the
`cms_server` fixture migrates a fresh database (a new SQLite file, or a new PostgreSQL database created for
the session), loads content/, and serves it on a free port.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not come up within {timeout} s")


from tests.stripe_events import WEBHOOK_SECRET  # noqa: E402  (one secret for localstripe and our own events)


class LocalStripe:
    """localstripe (the offline Stripe) on a free port: real HTTP, real signed webhooks."""

    def __init__(self):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        import tempfile

        self.log_path = Path(tempfile.mkstemp(prefix="localstripe-", suffix=".log")[1])  # read it when a test fails
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen([str(Path(sys.executable).parent / "localstripe"), "--port",
                                             str(self.port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.url + "/v1/balance", timeout=30)

    def register_webhook(self, target_url: str, name: str = "vda") -> None:
        response = requests.post(f"{self.url}/_config/webhooks/{name}",
                                 data={"url": target_url, "secret": WEBHOOK_SECRET}, timeout=10)
        response.raise_for_status()

    def flush(self) -> None:
        """Forget every object (customers, intents…): each test starts from an empty Stripe account."""
        requests.delete(f"{self.url}/_config/data", timeout=10).raise_for_status()

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with empty in-memory rate-limit counters (core/ratelimit.py), as each test starts
    with an empty cache: counts made by one test must not refuse another's requests."""
    from core import ratelimit

    ratelimit.reset()
    yield


@pytest.fixture(scope="session")
def localstripe():
    server = LocalStripe()
    yield server
    server.stop()


class CmsServer:
    """A CMS process of its own: fresh database, demo content, an admin account, HTTP on a free port,
    paying through localstripe (which sends it signed webhooks) when one is given."""

    def __init__(self, workdir: Path, content: Path = CONTENT, stripe: LocalStripe | None = None,
                 extra_env: dict | None = None):
        self.workdir = workdir
        self.content = content
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/graphql/"
        self.admin_user, self.admin_password = "admin", "test-admin-password"
        self.env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.dev", VDA_VAR_DIR=str(workdir),
                        DEMO_ADMIN_USER=self.admin_user, DEMO_ADMIN_PASSWORD=self.admin_password,
                        WAGTAILADMIN_BASE_URL=self.url, PYTHONUNBUFFERED="1",
                        STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET, DONATE_RATE_LIMITS="1000,1000,600",
                        # builds the publishing worker runs go here (tests that start one read them)
                        SITE_BUILD_OUT=str(workdir / "public"), SITE_BUILD_CACHE=str(workdir / "build-cache"),
                        SITE_BUILD_API_URL=f"{self.url}/graphql/",
                        # the bulk GraphQL fields answer only to it: the worker and in-process builds
                        # (site_builder.client reads the same variable, or the same default) send it
                        SITE_BUILD_API_TOKEN=os.environ.get("SITE_BUILD_API_TOKEN") or "dev-build-token",
                        **(extra_env or {}))
        self.stripe = stripe
        if stripe is not None:
            self.env["STRIPE_API_BASE"] = stripe.url
        self._pg_db = None
        database_url = os.environ.get("DATABASE_URL", "")
        if database_url.startswith("postgres"):
            self._pg_db = f"vda_e2e_{uuid.uuid4().hex[:8]}"
            self._pg_admin_url = database_url
            self._pg_query(f'CREATE DATABASE "{self._pg_db}"')
            parts = urlsplit(database_url)
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path="/" + self._pg_db))
        else:
            self.env.pop("DATABASE_URL", None)
        self.process = None

    def _pg_query(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self._pg_admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, str(REPO / "cms" / "manage.py"), *args], env=self.env,
                              capture_output=True, text=True, timeout=600)
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def start(self) -> "CmsServer":
        self.manage("migrate", "--noinput", "-v0")
        self.manage("load_content", str(self.content))
        self.manage("ensure_admin")
        self.log = open(self.workdir / "cms.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, str(REPO / "cms" / "manage.py"), "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self.env, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(self.url + "/admin/login/")
        if self.stripe is not None:
            self.stripe.register_webhook(self.url + "/donate/stripe/webhook/")
        return self

    def second_process(self, **extra_env: str) -> "CmsServer":
        """Another CMS process on the same database and media (a second web process behind the load
        balancer): runserver on a port of its own, this server's environment plus `extra_env`. It neither
        migrates nor loads content, and stopping it leaves the database to this server."""
        other = object.__new__(CmsServer)
        other.__dict__.update(self.__dict__)
        other.port = free_port()
        other.url = f"http://127.0.0.1:{other.port}"
        other.api = f"{other.url}/graphql/"
        other.env = dict(self.env, **extra_env)
        other._pg_db = None  # the database belongs to the first process
        other.log = open(self.workdir / f"cms-{other.port}.log", "w")
        other.process = subprocess.Popen(
            [sys.executable, str(REPO / "cms" / "manage.py"), "runserver", f"127.0.0.1:{other.port}", "--noreload"],
            env=other.env, stdout=other.log, stderr=subprocess.STDOUT)
        wait_for(other.url + "/admin/login/")
        return other

    def shell(self, code: str) -> str:
        """Run Python in the CMS's own environment (its database), return what it prints."""
        return self.manage("shell", "-v", "0", "-c", code).stdout  # -v 0: no "N objects imported" banner

    def stop(self) -> None:
        if self.process:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.log.close()
        if self._pg_db:
            self._pg_query(f'DROP DATABASE IF EXISTS "{self._pg_db}" WITH (FORCE)')


@pytest.fixture(scope="session")
def cms_server(tmp_path_factory, localstripe):
    server = CmsServer(tmp_path_factory.mktemp("cms"), stripe=localstripe).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def built_site(cms_server, tmp_path_factory):
    """The demo site built once from the running CMS (tests that change content build their own)."""
    from site_builder.build import build

    root = tmp_path_factory.mktemp("site")
    result = build(cms_server.api, root / "public", base_url="https://www.example.org",
                   cache_dir=root / "cache")
    return result


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright. Skips on a laptop without it, fails in CI."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but chromium is not installed (scripts/install_system_deps.sh)")
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    yield page
    context.close()
