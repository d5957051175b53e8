"""What the books tell the rest of the CMS: a payment or a refund was recorded, a monthly gift failed or
ended. Each signal is sent once the transaction that wrote it has committed (never for a redelivered
event, which writes nothing), so a receiver may enqueue work (a receipt, an e-mail) that reads the row back.

Work to do when one happens is best declared, not received: `enqueue_on(signal, task)` queues `task` with
one argument (the id of the signal's object: the ledger row's id, or the donation's id as a string) in the
same statement or transaction that writes the row (task_rows.py), so an extra task costs the webhook no
extra round trip, and exists exactly when the row was committed. The publishing worker runs it.

A receiver connected to a signal still works (it runs once the transaction has committed), but costs its
own round trips inside Stripe's request: it must be quick, and may only enqueue work.

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


# signal -> the tasks declared with enqueue_on, in the order declared
_TASKS: dict[Signal, list] = {payment_recorded: [], refund_recorded: [], monthly_payment_failed: [],
                              monthly_gift_ended: []}


COALESCED: set = set()  # tasks queued without an argument, and only when none of them is waiting already


def enqueue_on(signal: Signal, task, *, coalesce: bool = False) -> None:
    """Queue `task(object id)` whenever `signal` is sent, with the row that sends it (once per task, even if
    declared twice, e.g. by an app's ready() run again). `coalesce=True`: queue `task()`, without an
    argument, unless a row of it is waiting (READY) already: a burst of gifts asks for one run (the
    public ledger's sync); two deliveries racing may both queue it, which such a task must bear."""
    declared = _TASKS.setdefault(signal, [])  # any signal sent through send_on_commit (transparency's too)
    if task not in declared:
        declared.append(task)
    if coalesce:
        COALESCED.add(task)


def tasks_for(signal: Signal) -> list:
    return list(_TASKS.get(signal, ()))


def _object_id(kwargs):
    """The ledger row's id, or the donation's (or another signal's object's) id as a string."""
    if "entry" in kwargs:
        return kwargs["entry"].pk
    return str(next(iter(kwargs.values())).pk)


def send_on_commit(signal: Signal, **kwargs) -> None:
    """Queue the tasks declared for `signal` now, in the current transaction (one statement for all), and
    send `signal` to its receivers after the transaction commits (at once outside one); the signal is
    skipped when no receiver is connected, so the webhook pays nothing for it."""
    from .task_rows import enqueue_now

    declared = _TASKS.get(signal)
    if declared:
        enqueue_now(declared, _object_id(kwargs))
    if signal.has_listeners():
        transaction.on_commit(lambda: signal.send(sender=None, **kwargs))
