"""vda_base.money: integers in, French text out, with no float anywhere between."""

from hypothesis import given, strategies as st

from vda_base.money import group_thousands, minor_units, money

NNBSP, NBSP = "\u202f", "\u00a0"


def test_examples():
    assert money(2500, "EUR") == f"25{NBSP}€"
    assert money(125050, "EUR") == f"1{NNBSP}250,50{NBSP}€"
    assert money(2500, "EUR", always_decimals=True) == f"25,00{NBSP}€"
    assert money(5000, "XAF") == f"5{NNBSP}000{NBSP}FCFA"
    assert money(-1250, "EUR") == f"-12,50{NBSP}€"
    assert money(7, "EUR") == f"0,07{NBSP}€"
    assert money(None) == ""
    assert money(100, "NOK") == f"1{NBSP}NOK"  # unknown symbol: the code


def test_huge_amounts_keep_every_digit():
    """A float would print 10**17 + 1 cents as ...000,00: the integers keep the last cent."""
    assert money(10**17 + 1, "EUR") == f"1{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000{NNBSP}000,01{NBSP}€"


@given(st.integers(min_value=-10**20, max_value=10**20), st.sampled_from(["EUR", "USD", "XAF", "XOF", "GBP"]))
def test_the_text_reads_back_as_the_same_amount(amount, currency):
    text = money(amount, currency, always_decimals=True)
    number = text.split(NBSP)[0].replace(NNBSP, "").replace(",", "")
    assert int(number) == amount
    if minor_units(currency):
        assert text.split(NBSP)[0][-3] == ","


@given(st.integers(min_value=0, max_value=10**30))
def test_thousands_are_grouped_by_three(n):
    groups = group_thousands(str(n)).split(NNBSP)
    assert "".join(groups) == str(n)
    assert 1 <= len(groups[0]) <= 3 and all(len(g) == 3 for g in groups[1:])
