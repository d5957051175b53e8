"""Gifts with recorded payments for the receipt tests and the receipts benchmark: through the ledger's own
`record_payment` / `record_refund` (the webhook's path), so the rows are what Stripe's events make."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import re

from cms.donations import ledger
from cms.donations.models import Donation, Donor, LedgerEntry

_n = itertools.count(1)
ADDRESS = {"address_line1": "3 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "FR"}


def donor(email=None, name="Awa Diallo") -> Donor:
    n = next(_n)
    return Donor.objects.create(email=email or f"donateur{n}@example.org", name=name, **ADDRESS)


def donation(who: Donor | None = None, *, amount=5000, currency="EUR", frequency="once", wants_receipt=True,
             name="Awa Diallo", **fields) -> Donation:
    details = {**ADDRESS, **{k: v for k, v in fields.items() if k in ADDRESS}}
    extra = {k: v for k, v in fields.items() if k not in ADDRESS}
    return Donation.objects.create(donor=who, amount=amount, currency=currency, frequency=frequency,
                                   wants_receipt=wants_receipt, donor_name=name, status="succeeded",
                                   **details, **extra)


def pay(gift: Donation, amount=None, when: dt.datetime | None = None, key=None) -> LedgerEntry:
    n = next(_n)
    key = key or (f"in_test{n}" if gift.frequency == "monthly" else f"pi_test{n}")
    when = when or dt.datetime(2026, 11, 3, 10, 0, tzinfo=dt.timezone.utc)
    assert ledger.record_payment(donation=gift, stripe_object=key, amount=amount or gift.total,
                                 currency=gift.currency, occurred=int(when.timestamp()),
                                 stripe_charge=f"ch_test{n}")
    return LedgerEntry.objects.get(stripe_object=key)


def refund(payment: LedgerEntry, amount: int) -> LedgerEntry:
    from django.db import transaction

    key = f"re_test{next(_n)}"
    with transaction.atomic():  # as the webhook records it (the payment's row is locked)
        assert ledger.record_refund(original=payment, stripe_object=key, amount=amount, occurred=None)
    return LedgerEntry.objects.get(stripe_object=key)


def pdf_text(content: bytes) -> str:
    """The text of a PDF as a reader extracts it, every run of whitespace (line breaks of wrapped lines,
    no-break spaces) made one space."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return re.sub(r"\s+", " ", text)
