"""The build task (django-tasks, database backend, queue "builds"): wait for a burst to end, claim the
queued build, run it, record what happened."""

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
    wait_for_quiet()
    with transaction.atomic():
        build = SiteBuild.objects.select_for_update().filter(status=SiteBuild.QUEUED).order_by("id").first()
        if build is None:
            return None
        build.status, build.started_at = SiteBuild.RUNNING, timezone.now()
        build.save(update_fields=["status", "started_at"])
    run_build(build)
    return build.pk


def wait_for_quiet() -> None:
    """Coalesce bursts: start once no request came for SITE_BUILD_QUIET_SECONDS (or after SITE_BUILD_MAX_WAIT)."""
    quiet, max_wait = settings.SITE_BUILD_QUIET_SECONDS, settings.SITE_BUILD_MAX_WAIT
    while True:
        build = SiteBuild.objects.filter(status=SiteBuild.QUEUED).order_by("id").first()
        if build is None:
            return
        now = timezone.now()
        since_last = (now - build.last_requested_at).total_seconds()
        waited = (now - build.requested_at).total_seconds()
        if since_last >= quiet or waited >= max_wait:
            return
        time.sleep(min(quiet - since_last, max_wait - waited, quiet) + 0.01)
