"""What the books tell the rest of the CMS: a payment or a refund was recorded, a monthly gift failed or
ended. Each signal is sent once the transaction that wrote it has committed (never for a redelivered
event, which writes nothing), so a receiver may enqueue work (a receipt, an e-mail) that reads the row back.

Receivers must be quick: they run inside the webhook's request. They enqueue a task and return; the
publishing worker runs the task (a slow mail server must never slow Stripe's delivery).

- `payment_recorded(entry=LedgerEntry)`: a one-off gift or one monthly payment, new in the ledger;
- `refund_recorded(entry=LedgerEntry)`: a refund row (negative amount) new in the ledger;
- `monthly_payment_failed(donation=Donation, message=str)`: Stripe could not charge a monthly gift's card;
- `monthly_gift_ended(donation=Donation)`: a monthly gift was canceled (by the donor, the staff or Stripe).
"""

from __future__ import annotations

from django.db import transaction
from django.dispatch import Signal

payment_recorded = Signal()
refund_recorded = Signal()
monthly_payment_failed = Signal()
monthly_gift_ended = Signal()


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Send `signal` after the current transaction commits (at once outside one); skipped when no receiver
    is connected, so the webhook's fast path pays nothing for it."""
    if signal.has_listeners():
        transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
