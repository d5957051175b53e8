"""What one entry of the public ledger says, and nothing more: seq, day, kind, amount (signed minor units),
currency, project (slug, "" for the general fund), a public reference, and a pseudonym only when the donor
opted in to the donor wall. Never a name, an e-mail or an address otherwise.

The public reference ("R-" + 10 base32 characters of an HMAC of the source under LEDGER_REFERENCE_KEY) is
computed from the source alone, so the thank-you e-mail and the receipt can print it before the entry is
appended, and nobody without the key can link a reference to a Stripe object or a database id.
"""

from __future__ import annotations

import base64

from django.conf import settings
from django.utils import timezone

from site_builder.verify_ledger import canonical, public_reference

ENTRY_FIELDS = ("day", "kind", "amount", "currency", "project", "reference", "pseudonym")


def reference_key() -> bytes:
    return settings.LEDGER_REFERENCE_KEY.encode()


def reference_for(source: str) -> str:
    return public_reference(reference_key(), source)


def payment_reference(ledger_entry_id: int) -> str:
    """The public reference of a ledger payment (what the thank-you e-mail and the receipt print)."""
    return reference_for(f"payment:{ledger_entry_id}")


def pseudonym(donation) -> str:
    """The donor wall's name for this gift: only with `public_wall`; the name the donor typed for the wall
    when the donations app has that field (`wall_name`), else first name and initial ("Marie D.")."""
    if donation is None or not donation.public_wall or getattr(donation, "wall_hidden", False):
        return ""  # (wall_hidden: the staff's one-click hiding, when the donor wall's branch adds it)
    typed = (getattr(donation, "wall_name", "") or "").strip()
    if typed:
        return typed[:60]
    words = (donation.donor_name or "").split()
    if not words:
        return ""
    return words[0][:30] + (f" {words[-1][0].upper()}." if len(words) > 1 else "")


def day_of(when) -> str:
    return timezone.localtime(when).date().isoformat() if timezone.is_aware(when) else when.date().isoformat()


def ledger_fields(entry) -> dict:
    """A donations.LedgerEntry (payment or refund) as public fields."""
    source = f"{entry.kind}:{entry.pk}"
    fields = {"day": day_of(entry.occurred_at), "kind": entry.kind, "amount": int(entry.amount),
              "currency": entry.currency.upper(), "project": entry.project_slug or "",
              "reference": reference_for(source)}
    name = pseudonym(entry.donation)
    if name:
        fields["pseudonym"] = name
    return fields


def other_fields(obj, source: str) -> dict:
    """An approved disbursement or a grant (the transparency app's `ledger_entry_fields()`), kept to the
    public fields; its reference is ours unless it gives one."""
    given = dict(obj.ledger_entry_fields())
    fields = {k: given[k] for k in ENTRY_FIELDS if k in given and given[k] not in (None, "")}
    day = fields.get("day")
    if day is not None and not isinstance(day, str):
        fields["day"] = day.isoformat()
    fields["amount"] = int(fields.get("amount", 0))
    fields["currency"] = str(fields.get("currency", "")).upper()
    fields["project"] = str(given.get("project") or "")
    fields.setdefault("reference", reference_for(source))
    fields.pop("pseudonym", None)  # a pseudonym is a donor's; staff records carry none
    return fields


def line_of(seq: int, fields: dict) -> str:
    return canonical({"seq": seq, **fields})


def signing_seed() -> bytes:
    seed = base64.b64decode(settings.LEDGER_SIGNING_KEY)
    if len(seed) != 32:
        raise ValueError("LEDGER_SIGNING_KEY must be 32 bytes (an Ed25519 seed), base64-encoded")
    return seed
