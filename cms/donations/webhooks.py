"""Stripe's signed events, turned into ledger rows and donation states.

The view checks the signature; `process(event)` runs one event in one transaction: either all of its
effects are written, or (on an error) none are and the view answers 500 so Stripe sends it again.
Handlers read plain dicts (the verified JSON), whatever the API version of the account.
"""

from __future__ import annotations

import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from . import ledger
from .models import Donation, LedgerEntry, StripeEvent

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """The event depends on one not received yet (out of order): answer 500, Stripe will retry."""


def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """The subscription of an invoice and its metadata, for old and new API versions alike."""
    details = ((invoice.get("parent") or {}).get("subscription_details") or {})
    subscription = invoice.get("subscription") or details.get("subscription") or ""
    if isinstance(subscription, dict):
        subscription = subscription.get("id", "")
    metadata = details.get("metadata") or {}
    if not metadata:
        for line in ((invoice.get("lines") or {}).get("data") or []):
            if line.get("metadata"):
                metadata = line["metadata"]
                break
    return subscription, metadata


def on_payment_intent_succeeded(event: dict, pi: dict) -> None:
    if pi.get("invoice"):
        return  # a monthly payment: recorded once, from its invoice
    metadata = pi.get("metadata") or {}
    donation = ledger.find_donation(metadata, stripe_payment_intent=pi["id"])
    if donation is None:
        donation = ledger.donation_from_metadata(metadata, pi["amount"], pi["currency"],
                                                 stripe_payment_intent=pi["id"],
                                                 stripe_customer=pi.get("customer") or "")
    charge = pi.get("latest_charge") or ""
    if isinstance(charge, dict):
        charge = charge.get("id", "")
    ledger.record_payment(donation=donation, stripe_object=pi["id"], amount=pi["amount"],
                          currency=pi["currency"], occurred=pi.get("created"), stripe_charge=charge,
                          stripe_event=event["id"])
    Donation.objects.filter(pk=donation.pk).exclude(status="succeeded").update(
        status="succeeded", stripe_payment_intent=pi["id"], failure_message="", updated_at=timezone.now())


def on_payment_intent_failed(event: dict, pi: dict) -> None:
    if pi.get("invoice"):
        return
    error = (pi.get("last_payment_error") or {}).get("message") or "Paiement refusé."
    donation = ledger.find_donation(pi.get("metadata") or {}, stripe_payment_intent=pi["id"])
    if donation is not None:
        # Never downgrade: a success that arrived first stays a success.
        Donation.objects.filter(pk=donation.pk, status="pending").update(
            status="failed", failure_message=error[:300], updated_at=timezone.now())


def on_invoice_paid(event: dict, invoice: dict) -> None:
    amount = int(invoice.get("amount_paid") or 0)
    if amount <= 0:
        return
    subscription, metadata = _invoice_subscription(invoice)
    donation = ledger.find_donation(metadata, stripe_subscription=subscription)
    if donation is None:
        if not metadata.get("project") and not metadata.get("donation") and subscription:
            raise RetryLater(f"invoice {invoice['id']}: subscription {subscription} not known yet")
        donation = ledger.donation_from_metadata(metadata, amount, invoice["currency"],
                                                 stripe_subscription=subscription,
                                                 stripe_customer=invoice.get("customer") or "")
    charge = invoice.get("charge") or ""
    if isinstance(charge, dict):
        charge = charge.get("id", "")
    ledger.record_payment(donation=donation, stripe_object=invoice["id"], amount=amount,
                          currency=invoice["currency"], occurred=invoice.get("created"), stripe_charge=charge,
                          stripe_event=event["id"])
    Donation.objects.filter(pk=donation.pk).exclude(status="canceled").update(
        status="active", stripe_subscription=subscription or donation.stripe_subscription,
        updated_at=timezone.now())


def on_subscription_deleted(event: dict, subscription: dict) -> None:
    Donation.objects.filter(stripe_subscription=subscription["id"]).update(
        status="canceled", canceled_at=timezone.now(), updated_at=timezone.now())


def on_charge_refunded(event: dict, charge: dict) -> None:
    original = None
    for key in ("payment_intent", "invoice"):
        ref = charge.get(key)
        if isinstance(ref, dict):
            ref = ref.get("id")
        if ref:
            original = LedgerEntry.objects.filter(stripe_object=ref, kind="payment").first()
            if original:
                break
    if original is None:
        original = LedgerEntry.objects.filter(stripe_charge=charge["id"], kind="payment").first()
    if original is None:
        raise RetryLater(f"refund of charge {charge['id']} before its payment was recorded")
    refunds = ((charge.get("refunds") or {}).get("data")) or []
    if refunds:
        for refund in refunds:
            if refund.get("status", "succeeded") in ("succeeded", "pending"):
                ledger.record_refund(original=original, stripe_object=refund["id"], amount=refund["amount"],
                                     occurred=refund.get("created"), stripe_event=event["id"])
    else:  # old API versions list no refunds: key the row by the refunded total instead
        ledger.record_refund(original=original, stripe_object=f"{charge['id']}:refunded:{charge['amount_refunded']}",
                             amount=charge["amount_refunded"], occurred=charge.get("created"),
                             stripe_event=event["id"])


HANDLERS = {
    "payment_intent.succeeded": on_payment_intent_succeeded,
    "payment_intent.payment_failed": on_payment_intent_failed,
    "invoice.payment_succeeded": on_invoice_paid,
    "invoice.paid": on_invoice_paid,
    "customer.subscription.deleted": on_subscription_deleted,
    "charge.refunded": on_charge_refunded,
}


def process(event: dict) -> str:
    """Apply one verified event. Returns 'processed', 'duplicate' or 'ignored'."""
    handler = HANDLERS.get(event.get("type"))
    if handler is None:
        return "ignored"
    obj = (event.get("data") or {}).get("object")
    if not isinstance(obj, dict) or not obj.get("id"):
        raise ValueError("event without data.object")
    with transaction.atomic():
        try:
            with transaction.atomic():
                StripeEvent.objects.create(id=event["id"], type=event["type"])
        except IntegrityError:
            return "duplicate"
        handler(event, obj)
    return "processed"
