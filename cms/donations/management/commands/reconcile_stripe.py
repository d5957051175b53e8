"""`python cms/manage.py reconcile_stripe --since 2026-11-01`: fill any gap in the ledger from Stripe.

Webhooks can be lost (an outage longer than Stripe's retries, a misconfigured endpoint). This lists what
Stripe says succeeded since a date (one-off PaymentIntents, paid invoices, refunds) and records whatever
the ledger lacks, through the same idempotent functions as the webhook: running it twice, or while
webhooks arrive, never doubles a gift.
"""

import datetime as dt
import hashlib

import stripe
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from cms.donations import gateway, webhooks
from cms.donations.models import LedgerEntry


EVENT_ID_MAX = 64  # LedgerEntry.stripe_event (and StripeEvent.id)


def event_id(obj_id: str) -> str:
    """The `stripe_event` of a row this command writes: says it came from reconcile, not from a webhook,
    within the 64-character column. Stripe's ids are up to 64 characters here (webhooks.ID_MAX), so
    "reconcile:" + id may not fit: then the id's SHA-256 (the row's `stripe_object` keeps the id itself)."""
    candidate = f"reconcile:{obj_id}"
    if len(candidate) <= EVENT_ID_MAX:
        return candidate
    return "reconcile:sha256:" + hashlib.sha256(obj_id.encode()).hexdigest()[:EVENT_ID_MAX - 17]


class Command(BaseCommand):
    help = "Record in the ledger every Stripe payment and refund since a date that it does not have yet."

    def add_arguments(self, parser):
        parser.add_argument("--since", required=True, help="YYYY-MM-DD (UTC)")
        parser.add_argument("--dry-run", action="store_true", help="report what is missing, record nothing")

    def handle(self, since, dry_run=False, **options):
        try:
            day = dt.date.fromisoformat(since)
        except ValueError as exc:
            raise CommandError(f"--since takes a date like 2026-11-01, not {since!r}") from exc
        since_ts = int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())
        known = set(LedgerEntry.objects.filter(occurred_at__gte=dt.datetime.fromtimestamp(
            since_ts - 86400, tz=dt.timezone.utc)).values_list("stripe_object", flat=True))
        found = recorded = 0
        try:
            work = []
            for pi in gateway.payment_intents_since(since_ts):
                if pi.get("status") == "succeeded" and not pi.get("invoice") and pi["id"] not in known:
                    work.append(("payment_intent.succeeded", pi))
            for invoice in gateway.invoices_since(since_ts):
                if invoice.get("status") == "paid" and int(invoice.get("amount_paid") or 0) > 0 \
                        and invoice["id"] not in known:
                    work.append(("invoice.payment_succeeded", invoice))
            for refund in gateway.refunds_since(since_ts):
                if refund["id"] not in known and refund.get("status", "succeeded") == "succeeded" \
                        and refund.get("charge"):
                    charge = gateway.retrieve_charge(refund["charge"]).to_dict()
                    charge["refunds"] = {"data": [refund]}
                    work.append(("charge.refunded", charge))
        except stripe.StripeError as exc:
            # Never retried without the date filter: unfiltered, real Stripe would list the whole account.
            raise CommandError(f"Stripe refused or failed a listing since {day}; nothing was recorded. "
                               f"{exc.__class__.__name__}: {exc}") from exc

        # Payments first, so refunds find what they refund.
        for kind, obj in sorted(work, key=lambda item: item[0] == "charge.refunded"):
            found += 1
            self.stdout.write(f"missing: {kind} {obj['id']}")
            if dry_run:
                continue
            before = LedgerEntry.objects.count()
            with transaction.atomic():
                webhooks.HANDLERS[kind]({"id": event_id(obj["id"]), "type": kind}, obj)
            recorded += LedgerEntry.objects.count() - before
        self.stdout.write(f"reconcile_stripe: {found} missing since {day}, {recorded} recorded"
                          + (" (dry run)" if dry_run else ""))
