"""`python cms/manage.py reconcile_stripe --since 2026-11-01`: fill any gap in the ledger from Stripe.

Webhooks can be lost (an outage longer than Stripe's retries, a misconfigured endpoint). This lists what
Stripe says succeeded since a date (one-off PaymentIntents, paid invoices, refunds) and records whatever
the ledger lacks, through the same idempotent functions as the webhook: running it twice, or while
webhooks arrive, never doubles a gift.
"""

import datetime as dt

import stripe
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from donations import gateway, webhooks
from donations.models import LedgerEntry


def listing(service, since_ts: int):
    """Every object created since `since_ts`, newest first. Stripe filters by date itself; the offline
    stand-in does not, so then we filter here (same results, more traffic)."""
    try:
        pages = service.list({"limit": 100, "created": {"gte": since_ts}})
    except (stripe.InvalidRequestError, stripe.APIError):  # localstripe: 400 on some lists, 500 on others
        pages = service.list({"limit": 100})
    for obj in pages.auto_paging_iter():
        if int(getattr(obj, "created", since_ts) or since_ts) >= since_ts:
            yield obj.to_dict()


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
        client = gateway.client()
        known = set(LedgerEntry.objects.filter(occurred_at__gte=dt.datetime.fromtimestamp(
            since_ts - 86400, tz=dt.timezone.utc)).values_list("stripe_object", flat=True))
        found = recorded = 0
        try:
            work = []
            for pi in listing(client.v1.payment_intents, since_ts):
                if pi.get("status") == "succeeded" and not pi.get("invoice") and pi["id"] not in known:
                    work.append(("payment_intent.succeeded", pi))
            for invoice in listing(client.v1.invoices, since_ts):
                if invoice.get("status") == "paid" and int(invoice.get("amount_paid") or 0) > 0 \
                        and invoice["id"] not in known:
                    work.append(("invoice.payment_succeeded", invoice))
            for refund in listing(client.v1.refunds, since_ts):
                if refund["id"] not in known and refund.get("status", "succeeded") == "succeeded" \
                        and refund.get("charge"):
                    charge = client.v1.charges.retrieve(refund["charge"]).to_dict()
                    charge["refunds"] = {"data": [refund]}
                    work.append(("charge.refunded", charge))
        except stripe.StripeError as exc:
            raise CommandError(f"Stripe did not answer: {exc.__class__.__name__}: {exc}") from exc

        # Payments first, so refunds find what they refund.
        for kind, obj in sorted(work, key=lambda item: item[0] == "charge.refunded"):
            found += 1
            self.stdout.write(f"missing: {kind} {obj['id']}")
            if dry_run:
                continue
            before = LedgerEntry.objects.count()
            with transaction.atomic():
                webhooks.HANDLERS[kind]({"id": f"reconcile:{obj['id']}", "type": kind}, obj)
            recorded += LedgerEntry.objects.count() - before
        self.stdout.write(f"reconcile_stripe: {found} missing since {day}, {recorded} recorded"
                          + (" (dry run)" if dry_run else ""))
