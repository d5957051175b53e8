"""French formatting of money, numbers and dates (site_builder/filters.py)."""

from site_builder.filters import date_fr, money, number_fr, percent

NNBSP, NBSP = "\u202f", "\u00a0"


def test_money_whole_euros_has_no_decimals():
    assert money(2500, "EUR") == f"25{NBSP}€"


def test_money_groups_thousands_and_keeps_cents():
    assert money(125050, "EUR") == f"1{NNBSP}250,50{NBSP}€"


def test_money_zero_decimal_currency_is_whole_francs():
    assert money(1_500_000, "XOF") == f"1{NNBSP}500{NNBSP}000{NBSP}FCFA"


def test_money_negative_refund():
    assert money(-1999, "EUR") == f"-19,99{NBSP}€"


def test_number_and_percent():
    assert number_fr(12500) == f"12{NNBSP}500"
    assert percent(50, 200) == 25
    assert percent(500, 200) == 100  # a progress bar never overflows
    assert percent(1, 0) == 0


def test_date_iso_keeps_plain_dates_plain():
    from site_builder.filters import date_iso

    assert date_iso("2026-05-20") == "2026-05-20"
    assert date_iso("2026-05-20T10:00:00+00:00").startswith("2026-05-20T10:00")


def test_dates_in_french():
    assert date_fr("2026-11-24") == "24 novembre 2026"
    assert date_fr("2026-08-01T10:00:00+00:00") == "1er août 2026"
    assert date_fr(None) == ""
