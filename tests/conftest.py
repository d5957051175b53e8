"""Shared fixtures.

Unit and API tests use pytest-django's test database (SQLite, or PostgreSQL when DATABASE_URL says so).
Builder and browser tests talk to a real CMS process over HTTP, as the builder does in production: the
`cms_server` fixture gives one a fresh database (a new SQLite file, or a new PostgreSQL database created for
the session) with content/ loaded, and serves it on a free port. That database is a copy of a template made
once per session (tests/cms_databases.py), so a CMS start costs one web server start, not three Django
processes of migrations and loading.

Waiting: `wait_until(condition, timeout, message)` polls a condition and fails with the message; tests wait
on what they expect to happen, never for a fixed time.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests import cms_databases

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
SCRATCH = "scratch"  # CmsServer(start_from=SCRATCH): migrate and load on an empty database
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-dev-shm-usage"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition, timeout: float = 15, message: str = "the condition did not come true",
               interval: float = 0.1):
    """Poll `condition` until it returns something truthy, and return that; fail the test with `message`
    after `timeout` seconds. The one way tests wait: on what they expect, not for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{message} (waited {timeout} s)")
        time.sleep(interval)


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


def pytest_collection_modifyitems(session, config, items):
    """Every transactional test must say `serialized_rollback=True`. One without it flushes the database and
    lets Django recreate the content types, and the next test that restores the serialized data then fails
    on duplicates (UNIQUE constraint django_content_type): an error far from its cause, in whatever test
    happens to run next."""
    wrong = []
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            wrong.append(item.nodeid)
    if wrong:
        raise pytest.UsageError("django_db(transaction=True) without serialized_rollback=True: " + ", ".join(wrong))
    # Tests of PostgreSQL's row locks are deselected, not skipped, on SQLite: CI runs the suite on both, and
    # its PostgreSQL pass runs them (a skip in CI would hide a test; this names them in the summary).
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        postgres_only = [item for item in items if item.get_closest_marker("postgresql")]
        if postgres_only:
            config.hook.pytest_deselected(items=postgres_only)
            items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
            print(f"\n{len(postgres_only)} PostgreSQL-only tests deselected on SQLite (run with DATABASE_URL=postgres…)")


def pytest_sessionfinish(session, exitstatus):
    """The CMS templates (cms_databases) live as long as the session."""
    cms_databases.drop_templates()


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """Every test starts with empty in-memory rate-limit counters (core/ratelimit.py), as each test starts
    with an empty cache: counts made by one test must not refuse another's requests."""
    from cms.core import ratelimit

    ratelimit.reset()
    yield


@pytest.fixture(scope="session")
def smtp_server():
    """One real SMTP server on 127.0.0.1 for the session (tests/smtp_server.py); CMS processes send to it
    with `extra_env=smtp_server.env`."""
    from tests.smtp_server import Mailbox

    mailbox = Mailbox().start()
    yield mailbox
    mailbox.stop()


@pytest.fixture
def smtp_mailbox(smtp_server, settings):
    """The session's SMTP server, emptied, with this process's Django mail pointed at it (pytest-django
    otherwise swaps in the in-memory backend)."""
    smtp_server.clear()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", smtp_server.port, False
    yield smtp_server


@pytest.fixture
def run_worker(django_capture_on_commit_callbacks):
    """Run every ready task of the worker's queues, as `publishing_worker` does: claim it in an exclusive
    transaction, then django-tasks' Worker.run_task (which records success or failure). Returns the count.
    Shared by the mail, donor desk and donor space tests (a queued e-mail is delivered by these tasks)."""
    from django_tasks_db.management.commands.db_worker import Worker
    from django_tasks_db.models import DBTaskResult
    from django_tasks_db.utils import exclusive_transaction

    from cms.publishing import wakeup

    worker = Worker(queue_names=list(wakeup.QUEUES), interval=0, batch=True, backend_name="builds",
                    startup_delay=False, max_tasks=None, worker_id="test-worker", excluded_queue_names=[])

    def run(queues=("mail",)) -> int:
        ran = 0
        while True:
            with django_capture_on_commit_callbacks(execute=True):
                with exclusive_transaction():
                    task = (DBTaskResult.objects.ready().filter(backend_name="builds", queue_name__in=queues)
                            .get_locked())
                    if task is not None:
                        task.claim(worker.worker_id)
                if task is None:
                    return ran
                worker.run_task(task)
            ran += 1
            assert ran < 100, "the mail queue never empties"
    return run


@pytest.fixture(scope="session")
def localstripe():
    """The session's CMS process (cms_server) registers its webhook here: events go to that CMS."""
    server = LocalStripe()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def localstripe_without_webhooks():
    """A localstripe on which no webhook is ever registered, shared by the in-process tests that count
    Stripe objects (bad input, fuzzing) or must lose every webhook (reconcile): with no webhook, nothing one
    test does at Stripe can reach another's database. Each test flushes it before use."""
    server = LocalStripe()
    yield server
    server.stop()


class CmsServer:
    """A CMS process of its own: fresh database, demo content, an admin account, HTTP on a free port,
    paying through localstripe (which sends it signed webhooks) when one is given."""

    def __init__(self, workdir: Path, content: Path = CONTENT, stripe: LocalStripe | None = None,
                 extra_env: dict | None = None, start_from: str | None = None):
        """start_from: the template its database is copied from (cms_databases.DEMO or MIGRATED); by
        default DEMO when `content` and `extra_env` allow it; SCRATCH runs migrate and load_content on an
        empty database, as every start did before the templates."""
        self.workdir = workdir
        self.start_from = start_from or cms_databases.template_for(content, extra_env)
        self.content = content
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.api = f"{self.url}/graphql/"
        self.admin_user, self.admin_password = "admin", "test-admin-password"
        self.env = dict(os.environ, DJANGO_SETTINGS_MODULE="cms.config.settings.dev", VDA_VAR_DIR=str(workdir),
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
        self._pg_db = None  # created by start(), from the template
        self._extra_env = dict(extra_env or {})
        if cms_databases.postgres_admin_url():
            self._pg_db = cms_databases.new_postgres_name()
            self._pg_admin_url = cms_databases.postgres_admin_url()
            self.env["DATABASE_URL"] = cms_databases.postgres_url(self._pg_db)
        else:
            self.env.pop("DATABASE_URL", None)
        self.process = None

    def _pg_query(self, sql: str) -> None:
        cms_databases.postgres_query(sql)

    def template_env(self) -> dict:
        """This CMS's environment without what is its own (database, folders, extra variables, Stripe):
        the environment its template is made in."""
        env = {k: v for k, v in self.env.items() if k not in self._extra_env}
        env.pop("STRIPE_API_BASE", None)
        return env

    def _create_database(self) -> None:
        """Its database: a copy of its template, or (SCRATCH) an empty one that start() migrates."""
        if self.start_from == SCRATCH:
            self.create_empty_database()
            self.manage("migrate", "--noinput", "-v0")
            self.manage("load_content", str(self.content))
            self.manage("ensure_admin")
            return
        cms_databases.clone(cms_databases.template(self.start_from, self.template_env()), self.workdir,
                            self._pg_db)
        if self.start_from == cms_databases.MIGRATED:  # its own content (or media elsewhere): loaded here
            cms_databases.run_django(self.env, cms_databases.load_demo_code(self.content))

    def create_empty_database(self) -> None:
        """An empty database of its own (on SQLite, migrate creates the file): for SCRATCH starts, and for
        tests that run manage.py commands without a web server."""
        if self._pg_db:
            self._pg_query(f'CREATE DATABASE "{self._pg_db}"')

    def manage(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, str(REPO / "cms" / "manage.py"), *args], env=self.env,
                              capture_output=True, text=True, timeout=600)
        if check and done.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stderr[-3000:]}")
        return done

    def start(self) -> "CmsServer":
        self._create_database()
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

    def start_worker(self, *args: str) -> subprocess.Popen:
        """This CMS's `publishing_worker` (builds and e-mails: mail is queued, never sent by a request),
        logging to `worker_log_path`; `stop()` ends it."""
        self.worker_log_path = self.workdir / "worker.log"
        self._worker_log = open(self.worker_log_path, "a")
        self.worker = subprocess.Popen([sys.executable, str(REPO / "cms" / "manage.py"), "publishing_worker", *args],
                                       env=self.env, stdout=self._worker_log, stderr=subprocess.STDOUT)
        return self.worker

    def stop(self) -> None:
        worker = getattr(self, "worker", None)
        if worker is not None:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait(timeout=5)
            self._worker_log.close()
            self.worker = None
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
