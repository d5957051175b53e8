"""The e-mails the books trigger: a thank-you after each gift or monthly payment (with its tax receipt when
one is issued), a failed monthly payment, the end of a monthly gift.

The receivers of cms/donations/signals.py run inside Stripe's webhook request, after its transaction
committed: each only enqueues a task on the worker's "mail" queue and returns. The task, in the worker,
reads the rows back, asks the receipts for the receipt (issuing it can take a PDF render: never in the
webhook), builds the context of one donor's message from that donor's own gift only, and hands it to
`mail.send` (which logs and queues the delivery).
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from vda_base.money import money

from . import mail

log = logging.getLogger(__name__)

MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
          "novembre", "décembre"]


def date_fr(when) -> str:
    """`1er décembre 2026`, in the organisation's time zone."""
    when = timezone.localtime(when)
    day = "1er" if when.day == 1 else str(when.day)
    return f"{day} {MONTHS[when.month - 1]} {when.year}"


def gift_context(donation) -> dict:
    """What every message about one gift says of it: only this gift's own details."""
    project = donation.project
    return {
        "name": donation.donor_name,
        "reference": donation.reference,
        "project": project.title if project is not None else "",
        "sponsorship": donation.kind == "sponsorship",
        "monthly_amount": money(donation.amount + donation.fee, donation.currency),
        "receipt_asked": donation.wants_receipt,
        "site_url": settings.SITE_BASE_URL,
        "donor_space_url": settings.DONOR_SPACE_URL,
    }


def ledger_context(entry) -> dict:
    """Where the donor finds this payment in the public ledger (its reference is known before the entry is
    appended: cms/transparency/ledger/entries.py)."""
    from cms.transparency.ledger.entries import payment_reference

    return {"ledger_url": f"{settings.SITE_BASE_URL.rstrip('/')}/transparence/registre/",
            "ledger_reference": payment_reference(entry.pk)}


def _donation(donation_id):
    from cms.donations.models import Donation

    return Donation.objects.select_related("donor", "project").filter(pk=donation_id).first()


# --- the tasks (the worker runs them) ------------------------------------------------------------------

@task(backend="builds", queue_name=mail.MAIL_QUEUE, priority=mail.MAIL_PRIORITY)
def thank_for_payment(entry_id: int) -> str:
    """The thank-you for one ledger payment: a one-off gift ("gift_thanks") or one monthly payment
    ("monthly_thanks"), with the receipt's PDF attached when the receipts issue one for it."""
    from cms.donations.models import LedgerEntry
    from cms.receipts import service

    entry = (LedgerEntry.objects.select_related("donation__donor", "donation__project")
             .filter(pk=entry_id, kind="payment").first())
    if entry is None or entry.donation is None or entry.donation.donor is None:
        return "no donor"  # a gift rebuilt from Stripe's metadata alone has no one to write to
    donation, donor = entry.donation, entry.donation.donor
    kind = "monthly_thanks" if (entry.frequency or donation.frequency) == "monthly" else "gift_thanks"
    receipt = service.receipt_for_payment(entry)  # issued now when due; idempotent
    attachments, number = (), ""
    if receipt is not None:
        number = str(getattr(receipt, "number", "") or "")
        filename = f"recu-fiscal-{number}.pdf" if number else "recu-fiscal.pdf"
        attachments = ((filename.replace("/", "-"), service.pdf_bytes(receipt), "application/pdf"),)
    context = {**gift_context(donation), "amount": money(entry.amount, entry.currency), "date": date_fr(entry.occurred_at),
               "receipt_attached": bool(attachments), "receipt_number": number, **ledger_context(entry)}
    row = mail.send(kind, to=donor.email, context=context, donor=donor, attachments=attachments)
    return "queued" if row is not None else "turned off by the donor"


@task(backend="builds", queue_name=mail.MAIL_QUEUE, priority=mail.MAIL_PRIORITY)
def tell_payment_failed(donation_id: str) -> str:
    """A monthly payment could not be charged: the donor updates their card in the donor space."""
    donation = _donation(donation_id)
    if donation is None or donation.donor is None:
        return "no donor"
    context = {**gift_context(donation),  # straight to this gift's page, where the card is changed
               "donor_space_url": f"{settings.DONOR_SPACE_URL.rstrip('/')}/mensuels/{donation.pk}/"}
    mail.send("monthly_payment_failed", to=donation.donor.email, context=context, donor=donation.donor)
    return "queued"


@task(backend="builds", queue_name=mail.MAIL_QUEUE, priority=mail.MAIL_PRIORITY)
def tell_gift_ended(donation_id: str) -> str:
    """A monthly gift was stopped (by the donor, the staff, or Stripe after failed payments)."""
    donation = _donation(donation_id)
    if donation is None or donation.donor is None:
        return "no donor"
    context = {**gift_context(donation), "date": date_fr(donation.canceled_at or timezone.now())}
    mail.send("monthly_gift_ended", to=donation.donor.email, context=context, donor=donation.donor)
    return "queued"


# --- the receivers (inside the webhook's request: enqueue and return) -----------------------------------

def _enqueue(runner, *args) -> None:
    from cms.publishing.wakeup import notify

    try:
        runner.enqueue(*args)
        notify()
    except Exception:  # the gift is recorded already: a lost e-mail is logged, never a failed webhook
        log.exception("could not queue the e-mail task %s for %s", runner.name, args)


def on_payment_recorded(sender, entry, **kwargs):
    _enqueue(thank_for_payment, entry.pk)


def on_monthly_payment_failed(sender, donation, message="", **kwargs):
    _enqueue(tell_payment_failed, str(donation.pk))


def on_monthly_gift_ended(sender, donation, **kwargs):
    _enqueue(tell_gift_ended, str(donation.pk))


def connect() -> None:
    from cms.donations import signals

    signals.payment_recorded.connect(on_payment_recorded, dispatch_uid="donors.mail.payment_recorded")
    signals.monthly_payment_failed.connect(on_monthly_payment_failed, dispatch_uid="donors.mail.payment_failed")
    signals.monthly_gift_ended.connect(on_monthly_gift_ended, dispatch_uid="donors.mail.gift_ended")
