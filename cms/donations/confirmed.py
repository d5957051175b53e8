"""A card gift counts as soon as we know it is paid, not when Stripe's webhook comes back.

The thank-you page tells the donor their gift is in the project's total, and the donor checks at once; the
webhook arrives seconds later (localstripe: about a second; Stripe: often more). So when the confirm
endpoint sees the PaymentIntent `succeeded` (one-off) or the subscription's first invoice `paid` (monthly),
it records the ledger row itself, through `ledger.record_payment`, keyed by the very Stripe object the
webhook uses (`pi_…`, `in_…`). Whichever comes second finds the key taken and writes nothing: one row per
payment, in either order (the unique key guarantees it, not this code).

Recording here is a courtesy: if it fails, the confirm still answers (the money moved) and the webhook
records the gift as before.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from . import gateway, ledger
from .models import Donation

log = logging.getLogger(__name__)


def _plain(obj) -> dict:
    """stripe 16's objects are not dicts; read them as the webhook does (plain JSON)."""
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


def _id(value) -> str:
    if isinstance(value, dict):
        return value.get("id") or ""
    return value if isinstance(value, str) else getattr(value, "id", "") or ""


def record_payment_intent(donation: Donation, payment_intent) -> bool:
    """A one-off gift's PaymentIntent has succeeded: its ledger row (keyed `pi_…`) and the donation paid.
    True when this call wrote the row (False: the webhook had, or recording failed and it will)."""
    try:
        pi = _plain(payment_intent)
        if pi.get("status") != "succeeded" or _id(pi.get("invoice")):
            return False  # an invoice's payment is recorded from its invoice
        with transaction.atomic():
            written = ledger.record_payment(
                donation=donation, stripe_object=pi["id"], amount=int(pi["amount"]), currency=pi["currency"],
                occurred=pi.get("created"), stripe_charge=_id(pi.get("latest_charge")))
            Donation.objects.filter(pk=donation.pk).exclude(status="succeeded").update(
                status="succeeded", stripe_payment_intent=pi["id"], failure_message="", updated_at=timezone.now())
        return written
    except Exception:  # never the donor's problem: the webhook records it
        log.exception("donation %s: recording the payment at confirm failed; the webhook will", donation.pk)
        return False


def record_first_invoice(donation: Donation, subscription) -> bool:
    """A monthly gift's subscription is active: if its first invoice is paid, its ledger row (keyed
    `in_…`, as `invoice.payment_succeeded` is). True when this call wrote the row."""
    try:
        invoice_id = _id(_plain(subscription).get("latest_invoice"))
        if not invoice_id:
            return False
        invoice = _plain(gateway.retrieve_invoice(invoice_id))  # every Stripe call goes through gateway.py
        paid = invoice.get("amount_paid") or 0
        if invoice.get("status") != "paid" or not isinstance(paid, int) or paid <= 0:
            return False  # not paid yet (or nothing to pay): the webhook will tell
        with transaction.atomic():
            return ledger.record_payment(
                donation=donation, stripe_object=invoice_id, amount=paid, currency=invoice["currency"],
                occurred=invoice.get("created"), stripe_charge=_id(invoice.get("charge")))
    except Exception:
        log.exception("donation %s: recording the first month at confirm failed; the webhook will", donation.pk)
        return False
