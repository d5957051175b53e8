"""Amounts the server accepts and the fee top-up it computes: the browser proposes, the server decides."""

from django.conf import settings

# Whole-card fees in the EU (percentage in basis points + fixed part): what "cover the fees" adds.
FEE_RATE_BP = 150
FEE_FIXED = {"EUR": 25, "USD": 30, "XOF": 165, "XAF": 165}
DEFAULT_LIMITS = {"EUR": (500, 1_000_000), "USD": (500, 1_000_000), "XOF": (1_000, 5_000_000),
                  "XAF": (1_000, 5_000_000)}
DEFAULT_SUGGESTIONS = {"EUR": [2500, 5000, 10000], "USD": [2500, 5000, 10000], "XOF": [10000, 25000, 50000],
                       "XAF": [10000, 25000, 50000]}


def limits(currency: str) -> tuple[int, int]:
    return getattr(settings, "DONATION_LIMITS", DEFAULT_LIMITS).get(currency, DEFAULT_LIMITS["EUR"])


def public_rules() -> list[dict]:
    """What the site's form needs to know, per currency: the same bounds and fees this server enforces."""
    return [{"currency": currency, "min_amount": limits(currency)[0], "max_amount": limits(currency)[1],
             "fee_rate_bp": FEE_RATE_BP, "fee_fixed": FEE_FIXED.get(currency, 0),
             "suggestions": DEFAULT_SUGGESTIONS.get(currency, [])} for currency in DEFAULT_LIMITS]


def fee_for(amount: int, currency: str) -> int:
    """Rounded up, so covering the fees always covers them."""
    return -(-amount * FEE_RATE_BP // 10_000) + FEE_FIXED.get(currency, 0)
