"""Money as this platform counts and writes it: integers in the currency's minor unit, the currency beside them,
written the French way (`25 €`, `1 250,50 €`, `5 000 FCFA`).

Both the CMS (donation forms, staff reports, pledges) and the builder's Jinja filters import this module, so an
amount is parsed and shown by one piece of code. Integers all the way: no float ever touches an amount, so
10^15 cents are written as exactly as 25.
"""

from __future__ import annotations

# Currencies that Stripe treats as having no minor unit (amounts are whole units).
ZERO_DECIMAL_CURRENCIES = frozenset({"XAF", "XOF", "JPY", "KRW", "BIF", "CLP", "DJF", "GNF", "KMF", "MGA",
                                     "PYG", "RWF", "UGX", "VND", "VUV"})
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "XAF": "FCFA", "XOF": "FCFA", "CHF": "CHF",
                    "CAD": "$ CA", "HTG": "HTG"}

# French typography: a narrow no-break space groups thousands, a no-break space precedes the unit.
THOUSANDS_SEP = "\u202f"
UNIT_SEP = "\u00a0"


def minor_units(currency: str) -> int:
    """Digits after the decimal point of `currency` (2 for EUR, 0 for XAF)."""
    return 0 if (currency or "EUR").upper() in ZERO_DECIMAL_CURRENCIES else 2


def group_thousands(digits: str) -> str:
    """`1250000` -> `1 250 000` (narrow no-break spaces)."""
    head = len(digits) % 3 or 3
    return THOUSANDS_SEP.join([digits[:head]] + [digits[i:i + 3] for i in range(head, len(digits), 3)])


def number_fr(value, decimals: int = 0) -> str:
    """Group digits the French way; `decimals` digits after a comma (for counts and figures, not money)."""
    if value is None:
        return ""
    text = f"{abs(value):.{decimals}f}"
    whole, _, frac = text.partition(".")
    out = group_thousands(whole) + ("," + frac if frac else "")
    return ("-" if value < 0 else "") + out


def money(amount_minor, currency: str = "EUR", *, always_decimals: bool = False) -> str:
    """Integer minor units to French display: 2500 EUR -> `25 €`, 125050 -> `1 250,50 €`, 5000 XAF ->
    `5 000 FCFA`. Whole amounts drop their cents unless `always_decimals` (receipts, reports)."""
    if amount_minor is None:
        return ""
    currency = (currency or "EUR").upper()
    exponent = minor_units(currency)
    amount_minor = int(amount_minor)
    whole, cents = divmod(abs(amount_minor), 10**exponent)
    text = group_thousands(str(whole))
    if exponent and (cents or always_decimals):
        text += f",{cents:0{exponent}d}"
    sign = "-" if amount_minor < 0 else ""
    return f"{sign}{text}{UNIT_SEP}{CURRENCY_SYMBOLS.get(currency, currency)}"
