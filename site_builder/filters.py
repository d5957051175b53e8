"""Jinja2 filters the theme uses: French formatting of money, numbers and dates.

They live in the builder (not the theme) so the CMS preview, the static build and the tests format
numbers the same way: `25 €`, `1 250,50 €`, `24 novembre 2026`.
"""

from __future__ import annotations

import datetime as dt

# Currencies that Stripe treats as having no minor unit (amounts are whole units).
ZERO_DECIMAL_CURRENCIES = {"XAF", "XOF", "JPY", "KRW", "BIF", "CLP", "DJF", "GNF", "KMF", "MGA",
                           "PYG", "RWF", "UGX", "VND", "VUV"}
CURRENCY_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "XAF": "FCFA", "XOF": "FCFA", "CHF": "CHF",
                    "CAD": "$ CA", "HTG": "HTG"}

# French typography: a narrow no-break space groups thousands, a no-break space precedes the unit.
THOUSANDS_SEP = "\u202f"
UNIT_SEP = "\u00a0"

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]


def minor_units(currency: str) -> int:
    return 0 if (currency or "EUR").upper() in ZERO_DECIMAL_CURRENCIES else 2


def number_fr(value, decimals: int = 0) -> str:
    """Group digits the French way; `decimals` digits after a comma."""
    if value is None:
        return ""
    negative = value < 0
    value = abs(value)
    text = f"{value:.{decimals}f}"
    whole, _, frac = text.partition(".")
    groups = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    out = THOUSANDS_SEP.join(groups)
    if frac:
        out += "," + frac
    return ("-" if negative else "") + out


def money(amount_minor, currency: str = "EUR", *, always_decimals: bool = False) -> str:
    """Integer minor units to French display: 2500 EUR -> `25 €`, 125050 -> `1 250,50 €`."""
    if amount_minor is None:
        return ""
    currency = (currency or "EUR").upper()
    exponent = minor_units(currency)
    amount_minor = int(amount_minor)
    if exponent == 0:
        text = number_fr(amount_minor)
    else:
        whole, cents = divmod(abs(amount_minor), 10**exponent)
        sign = -1 if amount_minor < 0 else 1
        if cents == 0 and not always_decimals:
            text = number_fr(sign * whole)
        else:
            text = number_fr(sign * abs(amount_minor) / 10**exponent, exponent)
    return f"{text}{UNIT_SEP}{CURRENCY_SYMBOLS.get(currency, currency)}"


def percent(part, whole) -> int:
    """Share of `whole` as a whole percentage, clamped to 0..100 (a progress bar never overflows)."""
    if not whole:
        return 0
    return max(0, min(100, round(100 * (part or 0) / whole)))


def _as_date(value):
    if isinstance(value, (dt.date, dt.datetime)):
        return value
    if not value:
        return None
    text = str(value)
    if len(text) == 10:  # a plain date stays a date (no midnight added)
        return dt.date.fromisoformat(text)
    try:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return dt.date.fromisoformat(text[:10])


def date_fr(value) -> str:
    """`2026-11-24` -> `24 novembre 2026` (`1er` for the first of the month, as French writes it)."""
    d = _as_date(value)
    if d is None:
        return ""
    day = "1er" if d.day == 1 else str(d.day)
    return f"{day} {MONTHS_FR[d.month - 1]} {d.year}"


def date_iso(value) -> str:
    d = _as_date(value)
    return d.isoformat() if d is not None else ""


FILTERS = {
    "money": money,
    "number_fr": number_fr,
    "percent": percent,
    "date_fr": date_fr,
    "date_iso": date_iso,
}
