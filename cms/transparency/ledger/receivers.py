"""Which signals ask for a sync: the donations' payments and refunds, and the transparency app's approved
disbursements and grants when that app is installed and sends any (signal names tried below)."""

from __future__ import annotations

import importlib

TRANSPARENCY_SIGNALS = ("disbursement_approved", "disbursement_reversed", "grant_recorded", "ledger_changed")


def connect() -> None:
    from cms.donations import signals

    from .tasks import on_money_recorded

    signals.payment_recorded.connect(on_money_recorded, dispatch_uid="public_ledger.payment")
    signals.refund_recorded.connect(on_money_recorded, dispatch_uid="public_ledger.refund")
    try:
        other = importlib.import_module("cms.transparency.signals")
    except ImportError:
        return
    for name in TRANSPARENCY_SIGNALS:
        signal = getattr(other, name, None)
        if signal is not None:
            signal.connect(on_money_recorded, dispatch_uid=f"public_ledger.{name}")
