"""Receipt numbers: "2026-000123", per calendar year, with no gap and no duplicate.

A counter row per year (`YearCounter`) is created if missing (`INSERT … ON CONFLICT DO NOTHING`, so two
first receipts of a year cannot both create it), then locked with SELECT … FOR UPDATE and incremented in
the transaction that inserts the receipt. A concurrent issuer waits on that lock until the first commits
(then reads the new value) or rolls back (then the number was never used): either way no number is skipped
or given twice. On SQLite the settings open every transaction with BEGIN IMMEDIATE, which serialises
writers for the same guarantee.
"""

from __future__ import annotations

from django.db import transaction

from cms.donations.insert_or_nothing import insert_or_nothing

from .models import YearCounter

DIGITS = 6


def format_number(year: int, sequence: int) -> str:
    return f"{year}-{sequence:0{DIGITS}d}"


def next_number(year: int) -> tuple[int, str]:
    """(sequence, number) for the next receipt of `year`. Must run inside the transaction that inserts the
    receipt: the lock it takes is held until that transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number() must run inside the transaction that inserts the receipt")
    insert_or_nothing(YearCounter(year=year, last=0), key="year")
    counter = YearCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    YearCounter.objects.filter(year=year).update(last=counter.last)
    return counter.last, format_number(year, counter.last)
