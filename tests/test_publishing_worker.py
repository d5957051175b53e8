"""`manage.py publishing_worker` as it runs in production: its own process, a database of its own (SQLite,
or PostgreSQL when DATABASE_URL points at a server), woken by the queue (NOTIFY on PostgreSQL, a short poll
on SQLite). Builds go to a local HTTP server standing in for Netlify's build hook, so the test measures the
queue itself: a lone publish must start building at once. The quiet period is set to 2 s here, which the old
queue waited for on every publish (plus up to 0.2 s of polling): a lone publish must not wait for it.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, CmsServer
from tests.test_publishing_queue import Hook

pytestmark = pytest.mark.slow

REQUEST = "from cms.publishing.queue import request_build; request_build('Publication {n}', [{n}])"
DELAYS = """
import json
from cms.publishing.models import SiteBuild
print(json.dumps([[b.requests, (b.started_at - b.requested_at).total_seconds()]
                  for b in SiteBuild.objects.order_by("id")]))
"""


def wait_calls(hook: Hook, count: int, worker: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while len(hook.calls) < count:
        assert worker.poll() is None, "the publishing worker exited"
        assert time.monotonic() < deadline, f"the hook got {len(hook.calls)} calls, not {count}"
        time.sleep(0.01)


def test_the_worker_starts_a_lone_publish_at_once(tmp_path):
    hook = Hook()
    quiet = 1.0
    server = CmsServer(tmp_path, extra_env={"NETLIFY_BUILD_HOOK": hook.url, "SITE_BUILD_QUIET_SECONDS": str(quiet)})
    worker = None
    try:
        server.create_empty_database()  # no web server here: migrate an empty database, no template copy
        server.manage("migrate", "--noinput", "-v0")
        log = open(tmp_path / "worker.log", "w")
        worker = subprocess.Popen([sys.executable, str(REPO / "cms" / "manage.py"), "publishing_worker"],
                                  env=server.env, stdout=log, stderr=subprocess.STDOUT)
        for n in range(4):
            # the scenario's pace, not a wait: publishes further apart than the quiet period are not a burst
            # (a build that follows the last one's request by less than that is, and waits for quiet)
            time.sleep(1.5 * quiet)
            server.shell(REQUEST.format(n=n + 1))
            wait_calls(hook, n + 1, worker)
        delays = json.loads(server.shell(DELAYS).strip().splitlines()[-1])
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=15)
        hook.stop()
        server.stop()
    assert [requests for requests, _delay in delays] == [1, 1, 1, 1]
    waits = sorted(delay for _requests, delay in delays[1:])  # the first may meet the worker starting up
    print("request -> build started:", waits)
    # no quiet period; polling every 0.02 s on SQLite, NOTIFY on PostgreSQL. Measured: 0.02 s on a quiet
    # machine, 0.17 to 0.47 s on SQLite at load 17 (scheduling mostly); the old queue always waited the quiet
    # period (1 s here) first
    assert waits[-1] < quiet, waits
