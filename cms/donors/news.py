"""Project news by e-mail: a new update of a project, sent to the people who fund it and asked for it.

What it guarantees:
- who: donors and sponsors of the project (a succeeded gift, or a monthly gift still active) whose
  `MailPreferences.project_news` is on. It is off by default and turned on only by the donation form's
  checkbox once that gift is paid (`on_payment_recorded`: anyone can type anyone's e-mail, a paid gift is
  the donor's own act), or by the donor in their space; erased donors (`@efface.invalid`) get nothing;
- once: publishing a project page records an `UpdateAnnouncement` per update never announced before, under a
  unique key on the update's id, so a second publish (or two at once) sends nothing more;
- how: the `announce` task, on the worker's mail queue, writes one `SentEmail` per recipient (kind
  "project_news", through mail.send, in batches of NEWS_BATCH rows a transaction), each delivered by
  mail.deliver with RFC 8058's `List-Unsubscribe` and `List-Unsubscribe-Post` headers. The message is French
  first with an English line; nothing in it is fetched from anywhere (photos are a link to the project page);
- leaving: each message's one-click link (unsubscribe.py) carries a signed token naming the donor and this
  list; it turns `project_news` off, without a sign-in.
"""

from __future__ import annotations

import logging
import re

from django.conf import settings
from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.html import strip_tags
from django_tasks import task

from . import mail

log = logging.getLogger(__name__)

KIND = "project_news"
LIST = "project_news"  # the list a token unsubscribes from
TOKEN_SALT = "cms.donors.news.unsubscribe"
NEWS_BATCH = 200
REMOTE = re.compile(r"<(img|iframe|embed|object|video|audio|source|link|script)\b[^>]*>", re.I)
PAID = ("succeeded", "active")
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


# --- the one-click token ----------------------------------------------------------------------------------

def unsubscribe_token(donor_id: int) -> str:
    """Signed with SECRET_KEY (Django's signing): names the donor and the list, no expiry (a link in an old
    e-mail must still work, RFC 8058), and cannot be made for another donor without the key."""
    return signing.Signer(salt=TOKEN_SALT).sign_object({"d": int(donor_id), "l": LIST})


def read_token(token: str) -> int | None:
    """The donor id of a genuine token of this list, or None (forged, truncated, another list)."""
    try:
        value = signing.Signer(salt=TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, TypeError, UnicodeError):
        return None
    if not isinstance(value, dict) or value.get("l") != LIST or type(value.get("d")) is not int:
        return None
    return value["d"]


def unsubscribe_url(donor_id: int) -> str:
    """On the site's own domain (its /donate/ path is the CMS's, as the donor space's sign-in links)."""
    return settings.SITE_BASE_URL + reverse("donor_news:unsubscribe", args=[unsubscribe_token(donor_id)])


# --- who gets it ------------------------------------------------------------------------------------------

def recipients(project_id: int):
    """The donors of this project who asked for its news (one row each, never an erased donor)."""
    from cms.donations.models import Donor

    return (Donor.objects.filter(donations__project_id=project_id, donations__status__in=PAID,
                                 mail_preferences__project_news=True)
            .exclude(email__endswith=mail.ERASED_DOMAIN).exclude(erasure__isnull=False)
            .distinct().order_by("pk"))


def on_payment_recorded(sender, entry, **kwargs):
    """The gift asked for the news ("Recevoir les nouvelles des projets que je soutiens") and is now paid."""
    from .models import MailPreferences

    donation = entry.donation
    if donation is None or not donation.project_news or donation.donor_id is None:
        return
    MailPreferences.objects.update_or_create(donor_id=donation.donor_id, defaults={"project_news": True})


# --- announcing -------------------------------------------------------------------------------------------

def on_page_published(sender, instance, **kwargs):
    """Every update of the published project never announced before gets its announcement, and the worker
    sends it once this transaction commits."""
    from cms.projects.models import ProjectPage

    from .models import UpdateAnnouncement

    page = instance.specific if not isinstance(instance, ProjectPage) else instance
    if not isinstance(page, ProjectPage) or not page.live:
        return
    updates = list(page.updates.all())
    known = set(UpdateAnnouncement.objects.filter(update_id__in=[u.pk for u in updates])
                .values_list("update_id", flat=True))
    for update in updates:
        if update.pk in known:
            continue
        try:
            with transaction.atomic():  # a unique key: a publish racing this one announces nothing twice
                row = UpdateAnnouncement.objects.create(update_id=update.pk, project=page, title=update.title[:160])
        except IntegrityError:
            continue
        transaction.on_commit(lambda pk=row.pk: announce.enqueue(pk))


def message_context(update, page) -> dict:
    """What the e-mail shows (JSON values only: mail.send stores it until the worker renders it)."""
    from wagtail.models import Site
    from wagtail.rich_text import expand_db_html

    from site_builder.normalize import site_path

    site = Site.objects.filter(is_default_site=True).select_related("root_page").first()
    root = site.root_page.url_path if site else "/"
    project_url = settings.SITE_BASE_URL + site_path(page.url_path, root)
    html = expand_db_html(update.text or "")
    html = html.replace('href="/', f'href="{settings.SITE_BASE_URL}/')  # internal links: to the static site
    html = REMOTE.sub("", html)  # nothing the reader's mail client would fetch (the features allow none anyway)
    photos = sum(1 for block in update.photos or [] if block.block_type == "image")
    day = update.date
    return {"project": page.title, "title": update.title, "date": f"{day.day} {MONTHS[day.month - 1]} {day.year}",
            "date_iso": day.isoformat(), "text": strip_tags(html).strip(), "text_html": html,
            "photos": photos, "project_url": project_url, "site_url": settings.SITE_BASE_URL,
            "donor_space_url": settings.DONOR_SPACE_URL}


@task(backend="builds", queue_name=mail.MAIL_QUEUE, priority=mail.MAIL_PRIORITY - 1)
def announce(announcement_id: int) -> int:
    """Queue the announcement's e-mails (one per recipient, NEWS_BATCH a transaction). Returns how many.
    Run again (a worker restarted in the middle), it skips the donors who already have their row."""
    from cms.projects.models import ProjectUpdate

    from .models import SentEmail, UpdateAnnouncement

    announcement = UpdateAnnouncement.objects.select_related("project").filter(pk=announcement_id).first()
    update = ProjectUpdate.objects.filter(pk=announcement.update_id).first() if announcement else None
    if update is None or announcement.project is None or not announcement.project.live:
        return 0
    base = message_context(update, announcement.project)
    done = set(SentEmail.objects.filter(announcement=announcement).values_list("donor_id", flat=True))
    queued, batch = 0, []
    people = list(recipients(announcement.project.pk).only("pk", "email"))
    UpdateAnnouncement.objects.filter(pk=announcement.pk).update(recipients=len(people))
    for donor in people:
        if donor.pk not in done:
            batch.append(donor)
        if len(batch) >= NEWS_BATCH:
            queued += _send_batch(announcement, base, batch)
            batch = []
    queued += _send_batch(announcement, base, batch)
    log.info("announcement %s: %s e-mail(s) queued", announcement.pk, queued)
    return queued


def _send_batch(announcement, base: dict, donors: list) -> int:
    sent = 0
    with transaction.atomic():
        for donor in donors:
            link = unsubscribe_url(donor.pk)
            headers = {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}
            if mail.send(KIND, to=donor.email, donor=donor, context=dict(base, unsubscribe_url=link),
                         headers=headers, announcement=announcement) is not None:
                sent += 1
    return sent


def report(announcement) -> dict:
    """The send report of one announcement, read from the mail log."""
    from django.db.models import Count

    from .models import SentEmail

    counts = dict(SentEmail.objects.filter(announcement=announcement).values_list("status")
                  .annotate(n=Count("pk")).values_list("status", "n"))
    return {"recipients": announcement.recipients, "sent": counts.get(SentEmail.SENT, 0),
            "failed": counts.get(SentEmail.FAILED, 0), "queued": counts.get(SentEmail.QUEUED, 0)}


def connect() -> None:
    from wagtail.signals import page_published

    from cms.donations import signals

    signals.payment_recorded.connect(on_payment_recorded, dispatch_uid="donors.news.payment_recorded")
    page_published.connect(on_page_published, dispatch_uid="donors.news.page_published")
