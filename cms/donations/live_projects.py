"""Which projects take gifts: the live, public project pages that are not completed, looked up by slug and
kept in memory briefly.

A completed project ("Réalisé") is finished and funded: its page offers the projects under way instead, and
`/donner/` does not list it, so the endpoint refuses it too (the form says "n'accepte plus de dons"); every
way in (JSON API, the no-JS form, later the widget) asks `get()`, so none of them can take such a gift.

Every intent creation names a project; reading its page (and Wagtail's view restrictions, for `public()`)
cost two of the request's queries. The answer is kept per process for `TTL_SECONDS`:

- In the process where a page is saved, published, unpublished, moved or deleted, or a view restriction
  changes, every entry is dropped at once (and again when that transaction commits, so a request that read
  the old row while the change was being written cannot keep it).
- Other processes (the other gunicorn workers, a management command) are not told: they see the change
  within `TTL_SECONDS` at most. An unpublished project therefore takes gifts for at most 5 seconds more.
- Only projects that were found are kept (an unknown slug is asked of the database every time), and at
  most `MAX_ENTRIES` of them.
"""

from __future__ import annotations

import threading
import time
from typing import NamedTuple

from django.db import transaction

TTL_SECONDS = 5.0
MAX_ENTRIES = 1024
CLOSED_STATUSES = ("completed",)  # the builder's site.donate.projects leaves out the same ones


class LiveProject(NamedTuple):
    pk: int
    slug: str
    title: str
    currency: str
    status: str


_entries: dict[str, tuple[float, LiveProject]] = {}
_lock = threading.Lock()
_generation = 0


def get(slug: str) -> LiveProject | None:
    """The live, public project with this slug that takes gifts (not completed), or None."""
    hit = _entries.get(slug)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    generation = _generation
    from cms.projects.models import ProjectPage

    row = (ProjectPage.objects.live().public().filter(slug=slug).exclude(status__in=CLOSED_STATUSES)
           .values_list("pk", "slug", "title", "currency", "status").first())
    with _lock:
        if row is None:
            _entries.pop(slug, None)
            return None
        project = LiveProject(*row)
        if generation == _generation:  # not if pages changed while we read: the row may be the old one
            if len(_entries) >= MAX_ENTRIES:
                _entries.clear()
            _entries[slug] = (now + TTL_SECONDS, project)
    return project


def clear() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def pages_changed(sender=None, **kwargs) -> None:
    """Signal receiver: forget every project now, and again once the change is committed."""
    clear()
    transaction.on_commit(clear, using=kwargs.get("using"))  # outside a transaction: at once


def connect_signals() -> None:
    """Called by the app's ready(): every page model's saves and deletes, Wagtail's publication signals,
    and view restrictions (a private section's pages are not `public()`)."""
    from django.db.models.signals import post_delete, post_save
    from wagtail import signals
    from wagtail.models import PageViewRestriction, get_page_models

    for model in [*get_page_models(), PageViewRestriction]:
        post_save.connect(pages_changed, sender=model, dispatch_uid=f"donations-live-{model._meta.label}-save")
        post_delete.connect(pages_changed, sender=model, dispatch_uid=f"donations-live-{model._meta.label}-del")
    for signal in (signals.page_published, signals.page_unpublished, signals.post_page_move,
                   signals.page_slug_changed):
        signal.connect(pages_changed, dispatch_uid=f"donations-live-{id(signal)}")
