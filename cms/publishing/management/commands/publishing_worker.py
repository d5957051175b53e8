"""`manage.py publishing_worker`: runs the site builds that publishing queues, the donors' e-mails
(cms/donors/mail.py, queue "mail"), and Wagtail's scheduled publishing (go-live and expiry dates), which in
turn queue builds. `make demo` starts one.

It sleeps until a build or an e-mail is queued: woken at once by PostgreSQL's NOTIFY (publishing/wakeup.py), or on
SQLite by a short poll of one cheap read every `--interval` seconds; then django-tasks' database worker runs
every ready task (in batch mode: claim, run, record) and the worker goes back to sleep."""

from __future__ import annotations

import os
import threading

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from cms.publishing import wakeup


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=0.02,
                            help="SQLite: seconds between looks at the queue (PostgreSQL wakes the worker at once)")
        parser.add_argument("--fallback", type=float, default=5.0,
                            help="PostgreSQL: seconds between looks at the queue without a notice")
        parser.add_argument("--scheduled-every", type=float, default=30.0,
                            help="seconds between runs of Wagtail's publish_scheduled")
        parser.add_argument("--batch", action="store_true",
                            help="publish what is due and run every queued build, then exit")

    def handle(self, *, interval, fallback, scheduled_every, batch, **options):
        if batch:
            publish_scheduled()
        else:
            threading.Thread(target=scheduled_loop, args=(scheduled_every,), daemon=True,
                             name="publish-scheduled").start()
        abandon_interrupted_builds()
        preload_build_state()
        # batch: each run() takes every ready task, then returns to wait here
        worker = Worker(queue_names=list(wakeup.QUEUES), interval=interval, batch=True, backend_name="builds",
                        startup_delay=False, max_tasks=None, worker_id=f"publishing-{os.getpid()}",
                        excluded_queue_names=[])
        worker.configure_signals()
        with wakeup.waiter(interval) as waiter:  # listening before the first look: no notice is missed
            worker.run()
            while worker.running and not batch:
                waiter.wait(fallback)
                worker.run()


def abandon_interrupted_builds():
    """A build still "running" when a worker starts was cut off (the worker stopped): say so in the panel.
    The next publish builds again from the last state that was saved, so nothing is lost."""
    from django.utils import timezone

    from cms.publishing.models import SiteBuild

    SiteBuild.objects.filter(status=SiteBuild.RUNNING).update(
        status=SiteBuild.FAILED, finished_at=timezone.now(),
        errors=["interrompue : le processus de publication s'est arrêté pendant la construction"])


def preload_build_state():
    """Read the last build's state and make its routes now, so the first publish does not wait for them
    (seconds on a large site)."""
    from django.conf import settings

    from site_builder.incremental import warm_up

    from ...runner import build_config

    warm_up(build_config(), settings.SITE_BUILD_OUT)


def publish_scheduled():
    try:
        call_command("publish_scheduled", verbosity=0)
    finally:
        close_old_connections()


def scheduled_loop(every: float):
    stop = threading.Event()
    while not stop.wait(every):
        try:
            publish_scheduled()
        except Exception as exc:  # keep going: the next run may succeed (database busy, …)
            print(f"publish_scheduled failed: {exc}", flush=True)
        try:  # early January: last year's yearly receipts, once (receipts/service.py: yearly_if_due)
            from cms.receipts.service import yearly_if_due

            yearly_if_due()
        except Exception as exc:
            print(f"yearly receipts failed: {exc}", flush=True)
        finally:
            close_old_connections()
