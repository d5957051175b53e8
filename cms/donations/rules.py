"""Amounts the server accepts and the fee top-up it computes: the browser proposes, the server decides."""

from django.conf import settings

# Whole-card fees in the EU (percentage in basis points + fixed part): what "cover the fees" adds.
FEE_RATE_BP = 150
FEE_FIXED = {"EUR": 25, "USD": 30, "XOF": 165, "XAF": 165}
DEFAULT_LIMITS = {"EUR": (500, 1_000_000), "USD": (500, 1_000_000), "XOF": (1_000, 5_000_000),
                  "XAF": (1_000, 5_000_000)}
DEFAULT_SUGGESTIONS = {"EUR": [2500, 5000, 10000], "USD": [2500, 5000, 10000], "XOF": [10000, 25000, 50000],
                       "XAF": [10000, 25000, 50000]}
CURRENCIES = tuple(DEFAULT_LIMITS)


def limits(currency: str) -> tuple[int, int]:
    return getattr(settings, "DONATION_LIMITS", DEFAULT_LIMITS).get(currency, DEFAULT_LIMITS["EUR"])


def fee_for(amount: int, currency: str) -> int:
    """Rounded up, so covering the fees always covers them."""
    return -(-amount * FEE_RATE_BP // 10_000) + FEE_FIXED.get(currency, 0)
