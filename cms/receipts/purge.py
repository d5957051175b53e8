"""The end of a receipt's legal retention (six years): its PDF is deleted and the donor's name, address and
company details are emptied. The number, year, amount and dates stay, so the yearly figures declared to the
tax office (article 222 bis du CGI) can still be told."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from .models import Receipt

RETENTION_YEARS = 6
PERSONAL = {"donor": None, "donor_name": "", "address_line1": "", "postal_code": "", "city": "",
            "company_name": "", "company_legal_form": "", "company_siren": ""}


def retention_limit(now=None) -> dt.datetime:
    """Receipts issued before this moment are past their retention (six years ago today)."""
    now = timezone.localtime(now or timezone.now())
    try:
        return now.replace(year=now.year - RETENTION_YEARS)
    except ValueError:  # 29 February
        return now.replace(year=now.year - RETENTION_YEARS, day=28)


def due_for_purge(now=None):
    return Receipt.objects.filter(issued_at__lt=retention_limit(now), purged_at__isnull=True)


def purge(now=None, *, dry_run: bool = False) -> int:
    """Purge every receipt past its retention; returns how many."""
    receipts = list(due_for_purge(now).only("pk", "pdf"))
    if dry_run:
        return len(receipts)
    for receipt in receipts:
        with transaction.atomic():
            if receipt.pdf:
                receipt.pdf.delete(save=False)
            Receipt.objects.filter(pk=receipt.pk).update(pdf="", purged_at=timezone.now(), **PERSONAL)
    return len(receipts)
