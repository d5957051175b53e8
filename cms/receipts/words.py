"""Amounts in words, in French, as a tax receipt writes them ("quatre-vingt-onze euros", "mille deux cent
cinquante euros et cinquante centimes").

Why not num2words' own `to='currency'`: it takes a float and gets cases wrong (0,91 EUR gives "zéro euros et
quatre-vingt-onze centimes", and an amount passed as a float can lose a cent). Here num2words only spells
whole numbers (which it does right); the integer arithmetic, the units, the plural and the French rules
around them are ours:
- a unit is singular for 1 and plural from 2 ("un euro", "deux euros"; "zéro euro" for nothing at all);
- "d'euros" / "de francs CFA" after a round million or milliard ("un million d'euros");
- no "zéro euro et" before cents alone ("quatre-vingt-onze centimes");
- zero-decimal currencies (XAF, XOF…) have no cents ("mille francs CFA").
"""

from __future__ import annotations

from num2words import num2words

from vda_base.money import minor_units

# currency -> (unit singular, unit plural, sub-unit singular, sub-unit plural); None: no minor unit named
UNITS = {
    "EUR": ("euro", "euros", "centime", "centimes"),
    "XAF": ("franc CFA", "francs CFA", None, None),
    "XOF": ("franc CFA", "francs CFA", None, None),
    "CHF": ("franc suisse", "francs suisses", "centime", "centimes"),
    "USD": ("dollar américain", "dollars américains", "cent", "cents"),
    "CAD": ("dollar canadien", "dollars canadiens", "cent", "cents"),
    "GBP": ("livre sterling", "livres sterling", "penny", "pence"),
    "HTG": ("gourde", "gourdes", "centime", "centimes"),
}


def integer_in_words(value: int) -> str:
    """A whole number >= 0 in French words ("quatre-vingts", "mille deux cent cinquante")."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValueError("un nombre entier positif ou nul est attendu")
    return num2words(value, lang="fr")


def _with_unit(value: int, singular: str, plural: str) -> str:
    words = integer_in_words(value)
    if value in (0, 1):
        return f"{words} {singular}"
    if words.endswith(("million", "millions", "milliard", "milliards")):
        elided = plural[0] in "aeiouyéh"  # "d'euros", "de francs CFA"
        return f"{words} d'{plural}" if elided else f"{words} de {plural}"
    return f"{words} {plural}"


def amount_in_words(minor: int, currency: str = "EUR") -> str:
    """`minor` units of `currency` in French words: 9100 EUR -> "quatre-vingt-onze euros", 125050 EUR ->
    "mille deux cent cinquante euros et cinquante centimes", 1000 XAF -> "mille francs CFA",
    0 -> "zéro euro". A negative amount or a non-integer is refused (ValueError): a receipt states a sum
    received, and a float is never an amount here."""
    if not isinstance(minor, int) or isinstance(minor, bool):
        raise ValueError("le montant doit être un entier en unités mineures")
    if minor < 0:
        raise ValueError("un montant négatif ne s'écrit pas sur un reçu")
    code = (currency or "EUR").upper()
    exponent = minor_units(code)
    whole, cents = divmod(minor, 10**exponent)
    unit, units, sub, subs = UNITS.get(code, (code, code, "centième", "centièmes"))
    if exponent == 0 or sub is None:
        if exponent:  # a currency with cents but no name for them here: a fraction of the unit
            raise ValueError(f"pas de sous-unité connue pour {code}")
        return _with_unit(whole, unit, units)
    if whole == 0 and cents:
        return _with_unit(cents, sub, subs)
    text = _with_unit(whole, unit, units)
    if cents:
        text += " et " + _with_unit(cents, sub, subs)
    return text
