"""Every e-mail to a donor goes through `send`: one kind of message, one set of templates
(`donors/emails/<kind>.subject.txt`, `.txt`, `.html`), French first.

`send` never talks to the mail server: it writes the message's row in the log (`donors.SentEmail`, status
"queued") and, once the caller's transaction commits, enqueues the `deliver` task on the worker's "mail"
queue (`manage.py publishing_worker` runs it). A slow or dead mail server therefore never slows a request
or a webhook. The task renders and sends; when the server refuses or cannot be reached, it tries again
after each delay of MAIL_RETRY_DELAYS, then records the message as failed with the last error: a message
is sent, or visibly failed in the log, never lost silently.

The context is stored with the row until the message is sent (the task renders it then), so it must be made
of JSON values (dates are written as ISO strings); it and the attachments are emptied once the message is
sent or has failed for good.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template import TemplateDoesNotExist, TemplateSyntaxError
from django.template.loader import render_to_string
from django.utils import timezone
from django_tasks import task

log = logging.getLogger(__name__)

# The kinds a donor may turn off in the donor space (MailPreferences field of each). Every other kind (a
# failed or ended monthly gift, the sign-in link, a receipt's cancellation) is always sent.
PREFERENCE_OF_KIND = {"gift_thanks": "gift_thanks", "monthly_thanks": "monthly_thanks",
                      "project_news": "project_news"}  # project_news is opt-in (default False)
MAIL_QUEUE = "mail"
MAIL_PRIORITY = 10  # before a queued site build: a thank-you should not wait for a full rebuild


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """(subject, plain text, HTML) of a message of `kind`."""
    # One line (a header cannot hold a newline), no-break spaces kept (French typography: "don mensuel :")
    subject = re.sub(r"[ \t\r\n]+", " ", render_to_string(f"donors/emails/{kind}.subject.txt", context)).strip()
    return subject, render_to_string(f"donors/emails/{kind}.txt", context), \
        render_to_string(f"donors/emails/{kind}.html", context)


def wanted(kind: str, donor) -> bool:
    """Does `donor` get messages of `kind`? (False only for a kind they turned off in the donor space.)"""
    field = PREFERENCE_OF_KIND.get(kind)
    if field is None or donor is None:
        return True
    from .models import MailPreferences

    return bool(getattr(MailPreferences.of(donor), field))


ERASED_DOMAIN = "@efface.invalid"  # what an erased donor's address becomes (RFC 2606: never delivered)


HEADERS_KEY = "_headers"  # extra headers (List-Unsubscribe), kept in the stored context until sent


def send(kind: str, *, to: str, context: dict, donor=None, attachments: tuple = (), headers: dict | None = None,
         **row_fields):
    """Queue the message of `kind` to the address `to`. `donor`: the `donations.Donor` it concerns, if any
    (their preferences and the log of e-mails sent). `attachments`: (filename, bytes, mimetype) tuples.
    `headers`: extra headers of the message (RFC 8058's List-Unsubscribe pair). `row_fields`: other columns
    of its `SentEmail` row (the announcement of a project news e-mail).

    Returns the `SentEmail` row, or None when the donor turned this kind off. A message that carries a
    document (a tax receipt the donor asked for) is sent whatever the preferences: the donor asked for it."""
    from .models import SentEmail

    if not attachments and not wanted(kind, donor):
        return None
    if to.lower().endswith(ERASED_DOMAIN):
        return None  # an erased donor (donors/space/gdpr.py): nobody is left to write to
    stored = json.loads(json.dumps(context, cls=DjangoJSONEncoder))
    if headers:
        stored[HEADERS_KEY] = {str(k): str(v) for k, v in headers.items()}
    files = [{"filename": name, "mimetype": mimetype, "content": base64.b64encode(content).decode("ascii")}
             for name, content, mimetype in attachments]
    row = SentEmail.objects.create(donor=donor, kind=kind, recipient=to, context=stored, attachments=files,
                                   **row_fields)
    transaction.on_commit(lambda: enqueue_delivery(row.pk))
    return row


def enqueue_delivery(email_id: int, delay: float = 0) -> None:
    """Put the delivery of the logged message on the worker's queue and wake the worker."""
    from cms.publishing.wakeup import notify

    runner = deliver
    if delay > 0:
        runner = deliver.using(run_after=timezone.now() + dt.timedelta(seconds=delay))
    runner.enqueue(email_id)
    notify()


# Refusals that no retry will change: the server said no to this recipient for good.
PERMANENT = (smtplib.SMTPRecipientsRefused,)


@task(backend="builds", queue_name=MAIL_QUEUE, priority=MAIL_PRIORITY)
def deliver(email_id: int) -> str:
    """Render and send one logged message (the worker runs it). Returns its status. A message no longer
    queued (sent by a previous run of this task) is left alone, so a task run twice sends once."""
    from .models import SentEmail

    with transaction.atomic():
        row = SentEmail.objects.select_for_update().filter(pk=email_id, status=SentEmail.QUEUED).first()
        if row is None:
            return "nothing to do"
        row.attempts += 1
        row.save(update_fields=["attempts"])
    try:
        subject, text, html = render(row.kind, row.context)
    except (TemplateDoesNotExist, TemplateSyntaxError) as exc:  # a bug: no retry will fix it
        return _failed(row, f"gabarit introuvable ou invalide : {exc}")
    message = EmailMultiAlternatives(subject, text, settings.DEFAULT_FROM_EMAIL, [row.recipient],
                                     headers=row.context.get(HEADERS_KEY) or None)
    message.attach_alternative(html, "text/html")
    for item in row.attachments:
        message.attach(item["filename"], base64.b64decode(item["content"]), item["mimetype"])
    try:
        message.send()
    except PERMANENT as exc:
        return _failed(row, _describe(exc), subject)
    except (smtplib.SMTPException, OSError) as exc:  # server down, timeout, temporary refusal
        delays = list(settings.MAIL_RETRY_DELAYS)
        if row.attempts > len(delays):
            return _failed(row, _describe(exc), subject)
        delay = delays[row.attempts - 1]
        SentEmail.objects.filter(pk=row.pk, status=SentEmail.QUEUED).update(subject=subject[:300],
                                                                            error=_describe(exc))
        log.warning("e-mail %s (%s): attempt %s failed (%s), next in %s s", row.pk, row.kind, row.attempts,
                    type(exc).__name__, delay)
        enqueue_delivery(row.pk, delay)
        return SentEmail.QUEUED
    # Only a row still queued gets the subject back: an erasure (space/gdpr.py) that came while this message
    # was on the wire has blanked it, and it stays blank (the message did leave: its date says so).
    if not SentEmail.objects.filter(pk=row.pk, status=SentEmail.QUEUED).update(
            status=SentEmail.SENT, sent_at=timezone.now(), subject=subject[:300], error="", context={},
            attachments=[]):
        SentEmail.objects.filter(pk=row.pk).update(sent_at=timezone.now())
    return SentEmail.SENT


def _describe(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:1000]


def _failed(row, error: str, subject: str = "") -> str:
    from .models import SentEmail

    SentEmail.objects.filter(pk=row.pk, status=SentEmail.QUEUED).update(
        status=SentEmail.FAILED, error=error, subject=subject[:300], context={}, attachments=[])
    # The id and the kind only: the address is personal data, and logs are no place for it.
    log.error("e-mail %s (%s) failed after %s attempt(s): %s", row.pk, row.kind, row.attempts,
              error.split(":")[0])
    return SentEmail.FAILED
