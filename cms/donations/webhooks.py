"""Stripe's signed events, turned into ledger rows and donation states.

The view checks the signature; `process(event)` runs one event in one transaction: either all of its
effects are written, or (on an error) none are. What the view answers tells Stripe what to do next:
- 200: done. `processed`, `duplicate` (seen already), or `ignored` (nothing to record: a type we do not
  handle, a refund of 0…), and an ignored event is written nowhere, not even in StripeEvent;
- 400 (`Malformed`): a signed event that is not what Stripe sends (`type` a list, a payment without an
  amount, an id longer than our columns, an amount that is a string, negative or a boolean…). Nothing is
  written. Every such value is checked by the readers below before anything is written, so bad input never
  reaches the 500 path;
- 503 (`RetryLater`): it depends on an event not received yet (out of order); Stripe sends it again;
- 500: a genuine failure on our side (the database went away…): rolled back, Stripe retries.
Handlers read plain dicts (the verified JSON), whatever the API version of the account.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from . import fast_intake, ledger, signals
from .insert_or_nothing import insert_or_nothing
from .models import Donation, LedgerEntry, StripeEvent

log = logging.getLogger(__name__)

ID_MAX = 64  # StripeEvent.id, LedgerEntry.stripe_object/stripe_charge, Donation.stripe_* columns
TYPE_MAX = 80  # StripeEvent.type
MAX_AMOUNT = 10 ** 12  # Stripe's amounts have at most 8 digits (12 for a few currencies); the columns take 18
MAX_TIMESTAMP = 2 ** 33  # seconds: the year 2242; datetime cannot represent much beyond year 9999
IGNORED = "ignored"


class Malformed(ValueError):
    """A signed event that is not shaped like Stripe's: answered 400, nothing written."""


class RetryLater(Exception):
    """The event depends on one not received yet (out of order): answered 503, Stripe will retry."""


class _Ignored(Exception):
    """Raised inside process()'s transaction to roll back its StripeEvent row: an ignored event is kept nowhere."""


# --- reading Stripe's objects: every value checked against the column or type it ends in -----------------

def text(value, what: str, *, max_length: int, required: bool = True) -> str:
    """A string the database can store: no NUL (PostgreSQL refuses it), no lone surrogate (no encoding
    takes it), not longer than its column."""
    if value is None or value == "":
        if required:
            raise Malformed(f"{what} manquant")
        return ""
    if not isinstance(value, str) or len(value) > max_length or "\x00" in value:
        raise Malformed(f"{what} invalide")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise Malformed(f"{what} invalide") from None
    return value


def stripe_id(value, what: str, *, required: bool = True) -> str:
    """An object's id, given as a string or as the expanded object (which then has one)."""
    if isinstance(value, dict):
        return text(value.get("id"), f"{what}.id", max_length=ID_MAX)
    return text(value, what, max_length=ID_MAX, required=required)


def amount(value, what: str, *, zero: bool = False) -> int:
    """Minor units: an integer (not a boolean, which JSON's `true` becomes and Python counts as 1), not
    negative, 0 only where Stripe sends it (`zero`), and bounded."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0 or value > MAX_AMOUNT \
            or (value == 0 and not zero):
        raise Malformed(f"{what} invalide")
    return value


def currency(value, what: str = "devise") -> str:
    if not isinstance(value, str) or len(value) != 3 or not value.isascii() or not value.isalpha():
        raise Malformed(f"{what} invalide")
    return value.upper()


def timestamp(value, what: str = "created") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_TIMESTAMP:
        raise Malformed(f"{what} invalide")
    return value


def obj(value, what: str) -> dict:
    """A nested object that may be absent (None becomes {}), never another type."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Malformed(f"{what} invalide")
    return value


def items(value, what: str) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise Malformed(f"{what} invalide")
    return value


def metadata(value, what: str = "metadata") -> dict[str, str]:
    """Stripe's metadata: strings to strings (keys up to 40, values up to 500 characters)."""
    value = obj(value, what)
    for key, item in value.items():
        text(key, what, max_length=40)
        text(item, what, max_length=500, required=False)
    return value


def envelope(event) -> tuple[str, str, dict]:
    """(id, type, data.object) of a verified event; Malformed if it is not an event."""
    if not isinstance(event, dict):
        raise Malformed("l'événement n'est pas un objet")
    event_id = text(event.get("id"), "id", max_length=ID_MAX)
    kind = event.get("type")
    if not isinstance(kind, str) or not kind:
        raise Malformed("type invalide")
    data = obj(event.get("data"), "data")
    return event_id, kind, data.get("object")


# --- handlers: each reads and checks everything it needs first, then writes -----------------------------

def _invoice_subscription(invoice: dict) -> tuple[str, dict]:
    """The subscription of an invoice and its metadata, for old and new API versions alike."""
    details = obj(obj(invoice.get("parent"), "parent").get("subscription_details"), "subscription_details")
    subscription = stripe_id(invoice.get("subscription") or details.get("subscription"), "subscription",
                             required=False)
    found = metadata(details.get("metadata"))
    lines = items(obj(invoice.get("lines"), "lines").get("data"), "lines")
    for line in lines:
        line_metadata = metadata(line.get("metadata"))
        if line_metadata and not found:
            found = line_metadata
    return subscription, found


@dataclass
class Payment:
    """What a payment event says, every value checked: the same for both ways of recording it."""
    kind: str  # "payment_intent" or "invoice": which update rule applies to its donation
    stripe_object: str
    amount: int
    currency: str
    metadata: dict
    charge: str
    created: int | None
    lookup: dict  # the Stripe ids the donation is found by, in order
    ids: dict  # the Stripe ids a rebuilt donation gets
    status: str  # a rebuilt donation's status
    subscription: str = ""
    may_rebuild: bool = True  # False: no donation found means an event is missing (503)

    def retry_reason(self) -> str:
        return f"invoice {self.stripe_object}: subscription {self.subscription} not known yet"


def read_payment_intent(pi: dict):
    if stripe_id(pi.get("invoice"), "invoice", required=False):
        return IGNORED  # a monthly payment: recorded once, from its invoice
    pi_id = stripe_id(pi.get("id"), "id")
    paid, cur = amount(pi.get("amount"), "amount"), currency(pi.get("currency"))
    found = metadata(pi.get("metadata"))
    customer = stripe_id(pi.get("customer"), "customer", required=False)
    charge = stripe_id(pi.get("latest_charge"), "latest_charge", required=False)
    return Payment("payment_intent", pi_id, paid, cur, found, charge, timestamp(pi.get("created")),
                   lookup={"stripe_payment_intent": pi_id}, status="succeeded",
                   ids={"stripe_payment_intent": pi_id, "stripe_customer": customer})


def read_invoice(invoice: dict):
    invoice_id = stripe_id(invoice.get("id"), "id")
    paid = invoice.get("amount_paid")
    paid = 0 if paid is None else amount(paid, "amount_paid", zero=True)
    if paid == 0:
        return IGNORED  # a trial or a fully discounted month: no money moved
    cur = currency(invoice.get("currency"))
    subscription, found = _invoice_subscription(invoice)
    customer = stripe_id(invoice.get("customer"), "customer", required=False)
    charge = stripe_id(invoice.get("charge"), "charge", required=False)
    return Payment("invoice", invoice_id, paid, cur, found, charge, timestamp(invoice.get("created")),
                   lookup={"stripe_subscription": subscription}, status="active",
                   ids={"stripe_subscription": subscription, "stripe_customer": customer},
                   subscription=subscription,
                   may_rebuild=bool(found.get("project") or found.get("donation") or not subscription))


def record(event: dict, payment: Payment):
    """The transaction path (SQLite; fast_intake.py does the same in one statement on PostgreSQL)."""
    donation, settled = ledger.find_donation(payment.metadata, **payment.lookup), False
    if donation is None:  # rebuilt with the event's status at once: nothing left to update
        if not payment.may_rebuild:
            raise RetryLater(payment.retry_reason())
        donation, settled = ledger.donation_from_metadata(payment.metadata, payment.amount, payment.currency,
                                                          status=payment.status, **payment.ids)
    ledger.record_payment(donation=donation, stripe_object=payment.stripe_object, amount=payment.amount,
                          currency=payment.currency, occurred=payment.created, stripe_charge=payment.charge,
                          stripe_event=event.get("id", ""))
    if settled:
        return
    if payment.kind == "payment_intent":
        if donation.status != "succeeded":  # usually marked paid already, by the confirm
            Donation.objects.filter(pk=donation.pk).exclude(status="succeeded").update(
                status="succeeded", stripe_payment_intent=payment.stripe_object, failure_message="",
                updated_at=timezone.now())
    else:  # a payment that failed before is behind it
        Donation.objects.filter(pk=donation.pk).exclude(status="canceled").update(
            status="active", stripe_subscription=payment.subscription or donation.stripe_subscription,
            failure_message="", updated_at=timezone.now())


def record_fast(event_id: str, kind: str, payment: Payment) -> str:
    """The same in one PostgreSQL statement (fast_intake.py), run outside any transaction of ours."""
    rebuilt = ledger.rebuilt_donation(payment.metadata, payment.amount, payment.currency, status=payment.status,
                                      warn=False, **payment.ids)
    entry = LedgerEntry(kind="payment", amount=payment.amount, currency=payment.currency,
                        stripe_object=payment.stripe_object, stripe_charge=payment.charge or "",
                        stripe_event=event_id, occurred_at=ledger.when(payment.created))
    outcome, rebuilt_now = fast_intake.record_payment_event(
        event_id=event_id, event_type=kind[:TYPE_MAX], kind=payment.kind, rebuilt=rebuilt, entry=entry,
        metadata=payment.metadata, lookup=payment.lookup, may_rebuild=payment.may_rebuild, subscription=payment.subscription)
    if outcome == "retry":
        raise RetryLater(payment.retry_reason())
    if rebuilt_now and payment.metadata.get("project") and not rebuilt.project_slug:
        ledger.warn_slug(payment.metadata.get("project"), payment.ids)  # as donation_from_metadata does
    return outcome


def on_payment_intent_succeeded(event: dict, pi: dict):
    payment = read_payment_intent(pi)
    return IGNORED if payment == IGNORED else record(event, payment)


def on_payment_intent_failed(event: dict, pi: dict):
    if stripe_id(pi.get("invoice"), "invoice", required=False):
        return IGNORED
    pi_id = stripe_id(pi.get("id"), "id")
    found = metadata(pi.get("metadata"))
    error = obj(pi.get("last_payment_error"), "last_payment_error").get("message")
    try:
        error = text(error, "message", max_length=10_000, required=False)[:300] or "Paiement refusé."
    except Malformed:
        error = "Paiement refusé."  # Stripe's words are a courtesy: never a reason to refuse the event
    donation = ledger.find_donation(found, stripe_payment_intent=pi_id)
    if donation is None:
        return IGNORED
    # Never downgrade: a success that arrived first stays a success.
    Donation.objects.filter(pk=donation.pk, status="pending").update(
        status="failed", failure_message=error, updated_at=timezone.now())


def on_invoice_paid(event: dict, invoice: dict):
    payment = read_invoice(invoice)
    return IGNORED if payment == IGNORED else record(event, payment)


PAYMENT_FAILED_MESSAGE = "La mensualité n'a pas pu être prélevée sur la carte enregistrée."


def on_invoice_payment_failed(event: dict, invoice: dict):
    """Stripe could not charge a monthly gift's card (it retries on its own schedule, each failure an event
    of its own). Nothing moves in the books: the gift keeps its status, notes the failure, and
    `monthly_payment_failed` is sent once the event is recorded, so a redelivery sends nothing. Only for a
    gift that was charged before (status "active"): the first payment's refusal is shown on the giving page."""
    stripe_id(invoice.get("id"), "id")
    due = invoice.get("amount_due")
    if due is not None:
        amount(due, "amount_due", zero=True)
    if invoice.get("currency") is not None:
        currency(invoice.get("currency"))
    attempts = invoice.get("attempt_count")
    if attempts is not None and (isinstance(attempts, bool) or not isinstance(attempts, int)
                                 or not 0 <= attempts < 1000):
        raise Malformed("attempt_count invalide")
    subscription, found = _invoice_subscription(invoice)
    if not subscription:
        return IGNORED  # not a subscription's invoice: no monthly gift to tell about
    donation = ledger.find_donation(found, stripe_subscription=subscription)
    if donation is None or donation.frequency != "monthly" or donation.status != "active" \
            or (donation.stripe_subscription and donation.stripe_subscription != subscription):
        return IGNORED
    Donation.objects.filter(pk=donation.pk).update(failure_message=PAYMENT_FAILED_MESSAGE, updated_at=timezone.now())
    signals.send_on_commit(signals.monthly_payment_failed, donation=donation, message=PAYMENT_FAILED_MESSAGE)


def on_subscription_deleted(event: dict, subscription: dict):
    subscription_id = stripe_id(subscription.get("id"), "id")
    ending = list(Donation.objects.filter(stripe_subscription=subscription_id).exclude(status="canceled"))
    changed = Donation.objects.filter(stripe_subscription=subscription_id).update(
        status="canceled", canceled_at=timezone.now(), updated_at=timezone.now())
    for donation in ending:
        signals.send_on_commit(signals.monthly_gift_ended, donation=donation)
    return None if changed else IGNORED


def on_charge_refunded(event: dict, charge: dict):
    charge_id = stripe_id(charge.get("id"), "id")
    refs = [stripe_id(charge.get(key), key, required=False) for key in ("payment_intent", "invoice")]
    refunds = []
    for refund in items(obj(charge.get("refunds"), "refunds").get("data"), "refunds"):
        status = refund.get("status", "succeeded")
        if not isinstance(status, str):
            raise Malformed("status invalide")
        refunds.append((stripe_id(refund.get("id"), "refund id"), amount(refund.get("amount"), "refund amount",
                        zero=True), status, timestamp(refund.get("created"))))
    total = charge.get("amount_refunded")
    total = 0 if total is None else amount(total, "amount_refunded", zero=True)
    created = timestamp(charge.get("created"))
    wanted = [r for r in refunds if r[2] in ("succeeded", "pending") and r[1] > 0]
    if (refunds and not wanted) or (not refunds and total == 0):
        return IGNORED  # refunds of 0, or failed or canceled ones: no money moved

    original = None
    for ref in refs:
        if ref:
            original = LedgerEntry.objects.filter(stripe_object=ref, kind="payment").first()
            if original:
                break
    if original is None:
        original = LedgerEntry.objects.filter(stripe_charge=charge_id, kind="payment").first()
    if original is None:
        raise RetryLater(f"refund of charge {charge_id} before its payment was recorded")
    written = 0
    if refunds:
        for refund_id, refunded, _, when in wanted:
            written += ledger.record_refund(original=original, stripe_object=refund_id, amount=refunded,
                                            occurred=when, stripe_event=event.get("id", ""))
    else:  # old API versions list no refunds: key the row by the refunded total, record what is new
        key = f"{charge_id}:refunded:{total}"
        if len(key) > ID_MAX:  # a long charge id: a digest keeps the key unique and within its column
            key = "refunded:" + hashlib.sha256(key.encode()).hexdigest()[:48]
        written += ledger.record_refund(original=original, stripe_object=key, amount=total, occurred=created,
                                        stripe_event=event.get("id", ""), cumulative=True)
    return None if written else IGNORED


HANDLERS = {
    "payment_intent.succeeded": on_payment_intent_succeeded,
    "payment_intent.payment_failed": on_payment_intent_failed,
    "invoice.payment_succeeded": on_invoice_paid,
    "invoice.paid": on_invoice_paid,
    "invoice.payment_failed": on_invoice_payment_failed,
    "customer.subscription.deleted": on_subscription_deleted,
    "charge.refunded": on_charge_refunded,
}

def already_recorded(event_id: str) -> bool:
    """A redelivery of an event recorded already (Stripe's retries, most of them long after the first
    delivery committed) costs one indexed read: no transaction, no write lock (SQLite), nothing built. A
    redelivery while the first is still in flight reads nothing here and is caught, as before, by the
    event's INSERT, which waits for the first to commit or roll back."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM %s WHERE %s = %%s" % (connection.ops.quote_name(StripeEvent._meta.db_table),
                                                           connection.ops.quote_name(StripeEvent._meta.pk.column)),
                       [event_id])
        return cursor.fetchone() is not None


# Payment events: recorded by one statement on PostgreSQL (fast_intake.py), by `record` elsewhere.
READERS = {"payment_intent.succeeded": read_payment_intent, "invoice.payment_succeeded": read_invoice,
           "invoice.paid": read_invoice}


def process(event) -> str:
    """Apply one verified event. Returns 'processed', 'duplicate' or 'ignored'; raises Malformed (400),
    RetryLater (503), or anything else for a genuine failure (500). In every raising case, and when the
    event is ignored, the transaction is rolled back: nothing of it is written."""
    event_id, kind, data_object = envelope(event)
    handler = HANDLERS.get(kind)
    if handler is None:
        return IGNORED
    if not isinstance(data_object, dict) or not data_object.get("id"):
        raise Malformed("événement sans data.object")
    if kind in READERS:  # a payment: read and checked whole before anything is written (or a BEGIN sent)
        payment = READERS[kind](data_object)
        if payment == IGNORED:
            return IGNORED
        if already_recorded(event_id):
            return "duplicate"
        if fast_intake.available():  # one statement, no transaction of ours around it
            return record_fast(event_id, kind, payment)

        def handler(event, _data_object):
            return record(event, payment)
    elif already_recorded(event_id):
        return "duplicate"
    try:
        with transaction.atomic():
            # The event's row first, in the event's transaction: a redelivery waits here for the first
            # delivery to commit (then it is a duplicate, at the cost of this one statement) or to roll back.
            if not insert_or_nothing(StripeEvent(id=event_id, type=kind[:TYPE_MAX]), key="id"):
                return "duplicate"
            if handler(event, data_object) == IGNORED:
                raise _Ignored
    except _Ignored:
        return IGNORED
    return "processed"
