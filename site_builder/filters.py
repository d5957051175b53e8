"""Jinja2 filters the theme uses: French formatting of money, numbers and dates.

They live in the builder (not the theme) so the CMS preview, the static build and the tests format
numbers the same way: `25 €`, `1 250,50 €`, `24 novembre 2026`. Money itself is `vda_base.money`, shared
with the CMS's forms and reports.
"""

from __future__ import annotations

import datetime as dt

from vda_base.money import money, number_fr  # one money format for the CMS and the site

MONTHS_FR = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
             "octobre", "novembre", "décembre"]


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
