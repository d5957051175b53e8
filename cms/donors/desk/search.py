"""One search box for the desk: what a donor or a bank statement gives the staff to find a gift.

A name or an e-mail (part of it), a gift reference ("VDA-7K2M9Q", or "7K2M9Q" as typed on a transfer's
label), a Stripe id (`pi_…`, `in_…`, `sub_…`, `cus_…`, `ch_…`, `re_…`, exact) or a receipt number.

Receipt numbers live in `cms.receipts` (built in parallel): they are searched through
`cms.receipts.service.donation_ids_for_receipt_number(text)` when that function exists (it returns the ids
of the donations whose receipts carry that number); until then a receipt number finds nothing.
"""

from __future__ import annotations

from django.db.models import Q

from cms.donations.models import Donation, Donor, LedgerEntry

MAX_QUERY = 200
STRIPE_PREFIXES = ("pi_", "in_", "sub_", "cus_", "ch_", "re_", "seti_")


def clean(text) -> str:
    """What the database can be asked: no NUL (PostgreSQL refuses it in a literal), bounded, trimmed."""
    return str(text or "").replace("\x00", "")[:MAX_QUERY].strip()


def donation_ids_for_receipt_number(text: str) -> set:
    """The hook into the receipts (see the module's docstring): the donations a receipt number names."""
    from cms.receipts import service

    finder = getattr(service, "donation_ids_for_receipt_number", None)
    if finder is None or not text:
        return set()
    try:
        return set(finder(text))
    except (LookupError, ValueError):
        return set()


def donation_query(text: str) -> Q:
    """The donations `text` names, as one Q (a single query, whatever matched). A Stripe id is matched
    exactly on indexed columns only (it is never a name: no scan of every name and e-mail for it)."""
    if text.startswith(STRIPE_PREFIXES):
        entries = LedgerEntry.objects.filter(Q(stripe_object=text) | Q(stripe_charge=text)).values("donation_id")
        query = (Q(stripe_payment_intent=text) | Q(stripe_subscription=text) | Q(stripe_customer=text)
                 | Q(stripe_setup_intent=text) | Q(pk__in=entries)
                 | Q(donor__in=Donor.objects.filter(stripe_customer=text).values("pk")))
    else:
        query = (Q(donor_name__icontains=text) | Q(donor__name__icontains=text) | Q(donor__email__icontains=text)
                 | Q(reference__iexact=text) | Q(reference__iexact=f"VDA-{text}"))
    receipt_ids = donation_ids_for_receipt_number(text)
    if receipt_ids:
        query |= Q(pk__in=receipt_ids)
    return query


def search_donations(queryset, text):
    text = clean(text)
    if not text:
        return queryset
    return queryset.filter(pk__in=Donation.objects.filter(donation_query(text)).values("pk"))


def search_donors(queryset, text):
    text = clean(text)
    if not text:
        return queryset
    via_gifts = Q(pk__in=Donation.objects.filter(donation_query(text)).exclude(donor=None).values("donor_id"))
    if text.startswith(STRIPE_PREFIXES):
        return queryset.filter(Q(stripe_customer=text) | via_gifts)
    return queryset.filter(Q(email__icontains=text) | Q(name__icontains=text) | via_gifts)
