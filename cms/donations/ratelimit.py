"""Card-testing protection: what reaches Stripe is limited per client and per donor.

Counted: intent creations that passed validation (JSON API and the no-JavaScript payment page, one shared
budget) and confirmations (which charge the card). Not counted: input the form refuses, so a donor who
mistypes is never locked out while nothing reached Stripe. Callers call these just before Stripe, after
validation, with the form's cleaned e-mail (stripped, lower-cased: padded or upper-case copies count as one).

`DONATE_RATE_LIMITS` = (per client address, per e-mail, window in seconds), e.g. 30, 5, 600: a moving
window (core/ratelimit.py), so ten donors at a gala behind one Wi-Fi address can each give.
Confirmations have budgets of their own (same numbers): per client address, and per donation (a
confirmation is called once, twice after 3-D Secure).
"""

from django.conf import settings

from cms.core.ratelimit import allow, client_key, peek


def _rates() -> tuple[str, str]:
    per_client, per_donor, window = settings.DONATE_RATE_LIMITS
    return f"{per_client} per {window} seconds", f"{per_donor} per {window} seconds"


def _spend(*checks: tuple[str, str, str]) -> int:
    """Every limit is checked before any is counted: a request one limit refuses uses up no other."""
    wait = max(peek(*check) for check in checks)
    if wait:
        return wait
    return max(allow(*check) for check in checks)


def check_intent(request, email: str) -> int:
    """An intent is about to be opened at Stripe: 0 to go ahead, else the seconds to wait."""
    per_client, per_donor = _rates()
    return _spend(("donate-intent-ip", client_key(request), per_client),
                  ("donate-intent-email", email.strip().lower(), per_donor))


def check_confirm(request, donation_id) -> int:
    """A card is about to be charged (or subscribed) for this donation: 0 to go ahead, else seconds to wait."""
    per_client, per_donor = _rates()
    return _spend(("donate-confirm-ip", client_key(request), per_client),
                  ("donate-confirm-donation", str(donation_id), per_donor))
