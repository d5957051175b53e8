"""Property-based tests of the endpoints giving without a card added (offline.py): generated input, for
every one no 5xx, and for every refused one (4xx) nothing written. A pledge accepted (303) writes exactly
one pledged gift and no ledger row; the public summary never holds the donor's name, e-mail or address.

Self-contained (its own small strategies) so it runs whatever state tests/fuzz_strategies.py is in.
Budget: `FUZZ_EXAMPLES` inputs per property (default 25).
"""

from __future__ import annotations

import os
import uuid

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.donations.models import Donation, Donor, LedgerEntry, StripeEvent
from tests.fake_gateway import fake_stripe, project  # noqa: F401

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])

NASTY = ["", " ", "transfer", "cheque", "card", "TRANSFER", "virement", "chèque", "\x00", "a\x00b", "sNaN", "1e999999",
         "ß", "İ", "<script>alert(1)</script>", "'; DROP TABLE donations_donation; --", "a" * 300, "é" * 130,
         "monthly", "sponsorship", "once", "on", "-1", "0", "25", "25,50", "999999999999", "puits", "inconnu"]
KEYS = ["project", "amount", "amount_display", "currency", "plan", "frequency", "kind", "cover_fees", "name", "email",
        "wants_receipt", "address_line1", "address_postal_code", "address_city", "address_country", "public_wall",
        "wall_name", "project_news", "source", "payment_method"]
SECRETS = ("Zéphyrine", "zephyrine@", "Lilas")


def browser_text(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # what a form post can carry


texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=40)).map(browser_text)


def valid_pledge() -> dict:
    return {"project": "puits", "amount": "2500", "plan": "once", "name": "Zéphyrine Secrète",
            "email": "zephyrine@example.org", "wants_receipt": "on", "address_line1": "3 rue des Lilas",
            "address_postal_code": "75011", "address_city": "Paris", "address_country": "FR",
            "payment_method": "transfer"}


@st.composite
def pledge_posts(draw) -> dict:
    data = valid_pledge()
    data["payment_method"] = draw(st.sampled_from(["transfer", "cheque"]))  # the pledge path, not the card's
    for key in draw(st.lists(st.sampled_from(KEYS[:-1]), max_size=4, unique=True)):
        data[key] = draw(st.one_of(texts, st.lists(texts, min_size=2, max_size=3)))
    for key in draw(st.lists(st.sampled_from(KEYS[:-1]), max_size=2, unique=True)):
        data.pop(key, None)
    return data


ids = st.one_of(st.uuids().map(str), texts.map(lambda t: t.replace("/", "").replace("?", "").replace("#", "")),
                st.sampled_from(["1", "..", "%2e%2e", "00000000-0000-0000-0000-000000000000"]))


@pytest.fixture(autouse=True)
def generous(settings):
    settings.DONATE_RATE_LIMITS = (10 ** 6, 10 ** 6, 600)
    settings.DONATE_STATUS_RATE_LIMIT = "1000000 per 60 seconds"


@pytest.fixture
def http():
    return Client(raise_request_exception=False)  # an exception is a 500 to count, not a test crash


def rows():
    return (Donor.objects.count(), Donation.objects.count(), LedgerEntry.objects.count(), StripeEvent.objects.count(),
            tuple(Donation.objects.order_by("pk").values_list("status", "payment_method", "fee")))


@FUZZ
@given(form=pledge_posts())
def test_pledge_posts(fake_stripe, project, http, form):
    before = rows()
    response = http.post("/donate/pay/", form)
    assert response.status_code < 500, response.content[:300]
    after = rows()
    if response.status_code >= 400:
        assert after == before
    else:
        assert response.status_code == 303
        assert after[1] == before[1] + 1 and after[2] == before[2]  # one pledge, no money in the books
        assert Donation.objects.filter(status="pledged").count() == after[1]
    assert fake_stripe.calls == []


@pytest.fixture
def pending_card(project):
    return Donation.objects.create(project=project, project_slug="puits", amount=2500, currency="EUR",
                                   donor_name="Zéphyrine Secrète")


@FUZZ
@given(method=texts, which=st.sampled_from(["pending", "unknown", "other"]),
       origin=st.sampled_from(["", "null", "https://evil.example"]))
def test_convert_posts(pending_card, http, method, which, origin):
    target = {"pending": pending_card.pk, "unknown": uuid.uuid4(), "other": None}[which]
    if target is None:
        target = Donation.objects.create(amount=2500, currency="EUR", status="succeeded").pk
    before = rows()
    headers = {"HTTP_ORIGIN": origin} if origin else {}
    response = http.post(f"/donate/donations/{target}/pledge/", {"payment_method": method}, **headers)
    assert response.status_code < 500
    if response.status_code >= 400:
        assert rows() == before
    Donation.objects.filter(pk=pending_card.pk).update(status="pending", payment_method="card", fee=0)


@FUZZ
@given(donation_id=ids, query=st.dictionaries(texts, texts, max_size=3),
       path=st.sampled_from(["/donate/api/donations/{}/", "/donate/pledges/{}/"]))
def test_summary_and_pledge_pages(project, http, donation_id, query, path):
    gift = Donation.objects.create(project=project, project_slug="puits", amount=2500, currency="EUR",
                                   donor_name="Zéphyrine Secrète", address_line1="3 rue des Lilas",
                                   status="pledged", payment_method="transfer")
    before = rows()
    for target in (donation_id, str(gift.pk)):
        response = http.get(path.format(target), query)
        assert response.status_code < 500
        assert rows() == before  # a read writes nothing
        body = response.content.decode("utf-8", "replace")
        assert not any(secret in body for secret in SECRETS)
    gift.delete()
