"""Waking the publishing worker the moment a build or an e-mail is queued, instead of on its next look at
the queue (the worker runs both queues of the "builds" backend: QUEUES).

On PostgreSQL the CMS sends a NOTIFY once the build's task is committed and the worker, LISTENing on its own
connection, wakes within a millisecond; it still looks at the queue every `fallback` seconds, so a notice
lost with a dropped connection delays a build, never loses it. SQLite has no notifications: the worker
short-polls with one cheap indexed read (no write lock, unlike the task claim), every `poll` seconds.
"""

from __future__ import annotations

import contextlib
import logging
import time

from django.db import connection

log = logging.getLogger(__name__)
CHANNEL = "vda_site_builds"
QUEUES = ("builds", "mail")  # site builds (publishing/tasks.py), donors' e-mails (donors/mail.py)


def notify() -> None:
    """Tell a listening worker that a task (a build, an e-mail) is waiting (a no-op on SQLite, which it polls)."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, '')", [CHANNEL])


def task_waiting() -> bool:
    """Is a build or e-mail task ready to run (an e-mail retry once its delay has passed)? One read, so
    polling it often costs the database nothing to speak of."""
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().filter(backend_name="builds", queue_name__in=QUEUES).exists()


class Poller:
    """SQLite: look every `poll` seconds."""

    def __init__(self, poll: float):
        self.poll = poll

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if task_waiting():
                return
            time.sleep(self.poll)

    def close(self) -> None:
        pass


class Listener:
    """PostgreSQL: LISTEN on a connection of its own (Django's may be closed between builds)."""

    def __init__(self):
        params = connection.get_connection_params()
        self.conn = connection.Database.connect(**params, autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")

    def wait(self, timeout: float) -> None:
        for _notice in self.conn.notifies(timeout=timeout, stop_after=1):
            break
        for _notice in self.conn.notifies(timeout=0):  # a burst's other notices: one look covers them
            pass

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.conn.close()


@contextlib.contextmanager
def waiter(poll: float):
    """A Listener on PostgreSQL, a Poller elsewhere (or if LISTEN fails: the worker keeps working, slower)."""
    if connection.vendor == "postgresql":
        try:
            current = Listener()
        except Exception as exc:  # e.g. a connection pooler that does not pass LISTEN through
            log.warning("LISTEN %s failed (%s): polling every %s s instead", CHANNEL, exc, poll)
            current = Poller(poll)
    else:
        current = Poller(poll)
    try:
        yield current
    finally:
        current.close()
