"""What the rest of the CMS asks of the receipts (the mail, the donor space, the donor desk). These names are
the app's interface: keep them. Until the receipts are built they answer "no receipt"."""

from __future__ import annotations


def receipt_for_payment(entry):
    """The receipt covering this ledger payment (a `LedgerEntry` of kind "payment"), issued now if it is
    due (the donor asked for one, the address is complete, one-off gift) and not issued yet; None when no
    receipt is due for it (a monthly payment waits for the yearly summary). Idempotent."""
    return None


def pdf_bytes(receipt) -> bytes:
    """The stored PDF of `receipt`."""
    raise LookupError("no receipts yet")


def cancel_for_refund(entry):
    """After a refund row (`LedgerEntry` of kind "refund"): the cancellation of the receipt that covered the
    refunded payment, issued once; None when that payment had no receipt."""
    return None


def replace_for_new_address(donation, *, by=None) -> list:
    """After staff corrected the name or address of `donation`: a replacement for each of its receipts
    (each cancelling the original); [] when it has none. `by`: the staff user, for the log."""
    return []


def receipts_of_donor(donor) -> list:
    """The receipts of `donor` (issued, cancelled, replacements), newest first."""
    return []
