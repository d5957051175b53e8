"""Receipt numbers under concurrent payments: 20 issuances at once (threads, each with its own database
connection, as 20 worker processes would have) give the numbers 1..20 of the year exactly, no gap, no
duplicate; 20 issuances for the same payment give one receipt and use one number. Run on PostgreSQL with
DATABASE_URL=postgres://…/<db> (SELECT … FOR UPDATE on the year's counter), and on SQLite (writers
serialised by BEGIN IMMEDIATE)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections
from django.utils import timezone

from cms.receipts import service
from cms.receipts.models import Receipt, YearCounter
from tests.receipt_helpers import donation, donor, pay

YEAR = timezone.localtime().year
N = 20


def at_once(target, args_list):
    """Run target(*args) in one thread each, released together; returns results (or exceptions)."""
    barrier = threading.Barrier(len(args_list))
    results = [None] * len(args_list)

    def run(i, args):
        try:
            barrier.wait()
            results[i] = target(*args)
        except Exception as exc:  # reported by the test
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, args)) for i, args in enumerate(args_list)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # flushing without it breaks the next serialized test
def test_twenty_concurrent_payments_get_numbers_one_to_twenty():
    entries = [pay(donation(donor())) for _ in range(N)]
    results = at_once(service.receipt_for_payment, [(e,) for e in entries])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    numbers = sorted(Receipt.objects.values_list("sequence", flat=True))
    assert numbers == list(range(1, N + 1)), (connection.vendor, numbers)
    assert sorted(r.number for r in results) == [f"{YEAR}-{n:06d}" for n in range(1, N + 1)]
    assert YearCounter.objects.get(year=YEAR).last == N
    assert all(Receipt.objects.get(pk=r.pk).pdf for r in results)  # each PDF rendered and stored


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # flushing without it breaks the next serialized test
def test_twenty_concurrent_issuances_for_one_payment_make_one_receipt_and_use_one_number():
    entry = pay(donation(donor()))
    results = at_once(service.receipt_for_payment, [(entry,)] * N)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Receipt.objects.count() == 1 and {r.pk for r in results} == {Receipt.objects.get().pk}
    assert YearCounter.objects.get(year=YEAR).last == 1  # the losers' numbers were rolled back: no gap
    assert service.receipt_for_payment(pay(donation(donor()))).sequence == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # flushing without it breaks the next serialized test
def test_refunds_cancelled_at_once_leave_one_live_receipt_for_what_remains():
    from tests.receipt_helpers import refund

    entry = pay(donation(donor(), amount=10000))
    original = service.receipt_for_payment(entry)
    refunds = [refund(entry, 1000) for _ in range(3)]
    results = at_once(service.cancel_for_refund, [(r,) for r in refunds] * 4)  # each refund 4 times at once
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Receipt.objects.filter(document=Receipt.CANCELLATION).count() == 3  # one per refund
    [live] = Receipt.objects.filter(document=Receipt.RECEIPT, status=Receipt.ISSUED)
    assert live.amount == 7000 and live.pk != original.pk
    sequences = sorted(Receipt.objects.values_list("sequence", flat=True))
    assert sequences == list(range(1, len(sequences) + 1))  # 1 + 3 cancellations + 3 replacements, no gap
    assert len(sequences) == 7
