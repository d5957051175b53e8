"""The build task (django-tasks, database backend, queue "builds"): claim the queued build, run it, record
what happened.

A lone publish starts building at once: no fixed quiet period. Coalescing happens only where it saves
work: requests made while a build runs join the one queued build (one follow-up covers them all), and a
queued build that is part of a burst (it gathered several requests, or its first came right after the
previous build's last) waits until requests stop arriving for SITE_BUILD_QUIET_SECONDS, at most
SITE_BUILD_MAX_WAIT after its first.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from .models import SiteBuild
from .runner import run_build


@task(backend="builds", queue_name="builds")
def run_site_build() -> int | None:
    """Several of these may be queued for one SiteBuild (requests that raced); the first claims it and the
    others find nothing to do."""
    wait_while_requests_arrive()
    with transaction.atomic():
        build = SiteBuild.objects.select_for_update().filter(status=SiteBuild.QUEUED).order_by("id").first()
        if build is None:
            return None
        build.status, build.started_at = SiteBuild.RUNNING, timezone.now()
        build.save(update_fields=["status", "started_at"])
    run_build(build)
    return build.pk


def in_a_burst(build: SiteBuild, quiet: float) -> bool:
    """Requests keep arriving: this build answers several, or its first came less than `quiet` seconds after
    the previous build's last request (a bulk publish, editors publishing while a build ran)."""
    if build.requests > 1:
        return True
    previous = (SiteBuild.objects.filter(pk__lt=build.pk).order_by("-pk")
                .values_list("last_requested_at", flat=True).first())
    return previous is not None and (build.requested_at - previous).total_seconds() < quiet


def wait_while_requests_arrive() -> None:
    """Start at once, unless the queued build is part of a burst: then wait for SITE_BUILD_QUIET_SECONDS
    without a new request (or until SITE_BUILD_MAX_WAIT after its first), so one build covers the burst."""
    quiet, max_wait = settings.SITE_BUILD_QUIET_SECONDS, settings.SITE_BUILD_MAX_WAIT
    while True:
        build = SiteBuild.objects.filter(status=SiteBuild.QUEUED).order_by("id").first()
        if build is None or not in_a_burst(build, quiet):
            return
        now = timezone.now()
        since_last = (now - build.last_requested_at).total_seconds()
        waited = (now - build.requested_at).total_seconds()
        if since_last >= quiet or waited >= max_wait:
            return
        time.sleep(min(quiet - since_last, max_wait - waited) + 0.01)
