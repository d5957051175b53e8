"""Receipt work run by the publishing worker (django-tasks, queue "builds", which the worker runs), never in
the webhook's request: a refund recorded by the ledger cancels the receipt of the refunded payment (and
issues a replacement for what remains). `cancel_for_refund` is idempotent, so the donor desk or a mail task
calling it too is harmless."""

from __future__ import annotations

from django_tasks import task


@task(backend="builds", queue_name="builds")
def cancel_receipt_for_refund(entry_id: int) -> str | None:
    from cms.donations.models import LedgerEntry

    from .service import cancel_for_refund

    entry = LedgerEntry.objects.filter(pk=entry_id, kind="refund").first()
    cancellation = cancel_for_refund(entry) if entry else None
    return cancellation.number if cancellation else None

