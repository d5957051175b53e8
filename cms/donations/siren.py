"""The SIREN of a French company (9 digits, the last a Luhn check digit): what a company's tax receipt
(Cerfa 16216) must carry, checked when it is typed so a receipt never shows a number that cannot exist."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError

DIGITS = re.compile(r"[0-9]{9}")


def normalise_siren(value: str) -> str:
    """`"732 829 320"` -> `"732829320"` (spaces and dots people type are dropped)."""
    return re.sub(r"[\s.\u00a0\u202f]", "", value or "")


def luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        n = int(char)
        if position % 2:
            n = n * 2 - 9 if n > 4 else n * 2
        total += n
    return total % 10 == 0


def is_valid_siren(value: str) -> bool:
    digits = normalise_siren(value)
    return bool(DIGITS.fullmatch(digits)) and luhn_ok(digits)


def validate_siren(value: str) -> None:
    """Django validator: an empty value passes (not a company); otherwise 9 digits with a valid key."""
    if value and not is_valid_siren(value):
        raise ValidationError("Le numéro SIREN doit compter 9 chiffres et être valide (clé de contrôle).",
                              code="invalid_siren")
