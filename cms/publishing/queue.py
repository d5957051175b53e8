"""Asking for a build: coalesced with the one already waiting, enqueued once the transaction commits."""

from __future__ import annotations

import contextlib
import threading

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from .models import SiteBuild

MAX_REASONS = 50
_local = threading.local()


@contextlib.contextmanager
def suppressed():
    """No build requests inside (load_content publishes dozens of pages; it builds once at the end)."""
    previous = getattr(_local, "suppressed", False)
    _local.suppressed = True
    try:
        yield
    finally:
        _local.suppressed = previous


def request_build(reason: str, page_ids=(), *, full: bool = False, user=None) -> SiteBuild | None:
    """Join the waiting build or create one. Returns it (None when builds are off or suppressed)."""
    if not settings.SITE_BUILD_ENABLED or getattr(_local, "suppressed", False):
        return None
    page_ids = sorted({int(p) for p in page_ids})
    for _attempt in range(3):
        try:
            with transaction.atomic():
                build = SiteBuild.objects.select_for_update().filter(status=SiteBuild.QUEUED).first()
                if build is None:
                    build = SiteBuild.objects.create(full=full, reasons=[reason], page_ids=page_ids,
                                                     requested_by=user if user and user.is_authenticated else None)
                    transaction.on_commit(_enqueue)
                else:
                    build.reasons = (build.reasons + [reason])[-MAX_REASONS:]
                    build.page_ids = sorted(set(build.page_ids) | set(page_ids))
                    build.full = build.full or full
                    build.requests += 1
                    build.last_requested_at = timezone.now()
                    build.save(update_fields=["reasons", "page_ids", "full", "requests", "last_requested_at"])
            return build
        except IntegrityError:  # another process created the queued build between our read and our insert
            continue
    raise RuntimeError("could not queue a site build")


def _enqueue():
    from .tasks import run_site_build
    from .wakeup import notify

    run_site_build.enqueue()
    notify()  # the worker starts now, not on its next look at the queue
