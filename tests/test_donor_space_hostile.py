"""Hostile input on every form and URL of the donor space (Hypothesis): never a 5xx, and a refused request
(4xx) writes nothing, neither in the database nor at Stripe (a real localstripe behind the adapter of
test_donor_space_monthly.py). Ids that are not the signed-in donor's are 404 and change nothing.
Budget: `FUZZ_EXAMPLES` inputs per property (default 25)."""

from __future__ import annotations

import os
from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.donations.models import Donation, Donor, LedgerEntry
from cms.donors.models import Erasure, MailPreferences, SignInLink
from cms.donors.space.session import SESSION_KEY
from tests.donor_space_helpers import SPACE, make_donor, make_gift, sign_in_as
from tests.test_donor_space_monthly import at_stripe, stripe_api, stripe_settings, subscribed  # noqa: F401

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much])

NASTY = ["", " ", "\x00", "a\x00b", "sNaN", "NaN", "inf", "1e999999", "-1", "0", "25", "25,50", "12.5", "0,001",
         "999999999999", "ß", "İ", "<script>alert(1)</script>", "'; DROP TABLE donations_donor; --", "a" * 300,
         "é" * 130, "awa@example.org", "AWA@EXAMPLE.ORG", "bob@example.org", "a@b", "@", "seti_", "seti_123",
         "pm_card_visa", "FR", "fr", "France", "on", "oui", "true", "../../etc/passwd", "%00", "\ud800"]


def browser_text(text: str) -> str:
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")  # what a form post can carry


texts = st.one_of(st.sampled_from(NASTY), st.text(max_size=60)).map(browser_text)
FIELDS = ["email", "amount", "address_line1", "postal_code", "city", "country", "gift_thanks", "monthly_thanks",
          "setup_intent", "confirm", "csrfmiddlewaretoken"]


@st.composite
def bodies(draw) -> dict:
    keys = draw(st.lists(st.sampled_from(FIELDS), max_size=5, unique=True))
    return {key: draw(st.one_of(texts, st.lists(texts, min_size=2, max_size=3))) for key in keys}


def snapshot(*gifts) -> tuple:
    db = (list(Donor.objects.order_by("pk").values()), list(Donation.objects.order_by("pk").values()),
          LedgerEntry.objects.count(), list(MailPreferences.objects.values("donor", "gift_thanks", "monthly_thanks")),
          Erasure.objects.count(), list(SignInLink.objects.order_by("pk").values("pk", "used_at")))
    stripe = [(s["status"], s["items"]["data"][0]["quantity"], s["pause_collection"], s["default_payment_method"])
              for s in map(at_stripe, gifts)]
    return db, stripe


@FUZZ
@given(body=bodies())
def test_the_sign_in_form(client, body):
    make_donor() if not Donor.objects.exists() else None
    before = SignInLink.objects.count()
    response = client.post(SPACE + "connexion/", body)
    assert response.status_code < 500, (body, response.status_code)
    if response.status_code >= 400:
        assert SignInLink.objects.count() == before
    assert SESSION_KEY not in client.session


@FUZZ
@given(token=texts, method=st.sampled_from(["get", "post"]), suffix=st.sampled_from(["", "entrer/"]))
def test_link_urls(token, method, suffix):
    donor = Donor.objects.first() or make_donor()
    from cms.donors.space import sign_in

    sign_in.new_link(donor)
    before = snapshot()
    client = Client()
    response = getattr(client, method)(f"{SPACE}lien/{quote(token, safe='')}/{suffix}")
    assert response.status_code in (400, 404, 405, 410), (token, response.status_code)
    assert snapshot() == before and SESSION_KEY not in client.session


@FUZZ
@given(action=st.sampled_from(["adresse/", "preferences/", "donnees/effacement/", "montant/", "carte/enregistrer/",
                                "pause/", "reprise/", "carte/"]),
       gift_id=st.one_of(st.just("mine"), st.just("bobs"), texts), body=bodies(), method=st.sampled_from(["get", "post"]))
def test_every_form_of_a_signed_in_donor(client, stripe_settings, action, gift_id, body, method):
    if not Donor.objects.exists():
        awa, bob = make_donor(), make_donor(email="bob@example.org", name="Bob Martin", city="Brest")
        subscribed(awa)
        subscribed(bob, amount=3000)
        make_gift(awa)
    awa, bob = Donor.objects.get(email="awa@example.org"), Donor.objects.get(email="bob@example.org")
    mine, bobs = Donation.objects.get(donor=awa, frequency="monthly"), Donation.objects.get(donor=bob)
    if body.get("confirm") == "oui":
        body["confirm"] = "non"  # a real erasure is the RGPD tests'; here every other value must be refused
    if SESSION_KEY not in client.session:
        sign_in_as(client, awa)
    if action in ("adresse/", "preferences/", "donnees/effacement/"):
        url = SPACE + action
    else:
        target = {"mine": str(mine.pk), "bobs": str(bobs.pk)}.get(gift_id, quote(gift_id, safe=""))
        url = f"{SPACE}mensuels/{target}/{action}"
    before = snapshot(mine, bobs)
    response = getattr(client, method)(url, body)
    assert response.status_code < 500, (url, body, response.status_code)
    text = response.content.decode("utf-8", "replace")
    assert "Bob" not in text and "Brest" not in text and bobs.reference not in text
    if response.status_code >= 400:
        assert snapshot(mine, bobs) == before, (url, body)
    if gift_id == "bobs" and action not in ("adresse/", "preferences/", "donnees/effacement/"):
        # these actions are POST only: a GET is a 405 for any id, the donor's or not (it tells nothing)
        assert response.status_code == (404 if method == "post" else 405)


@FUZZ
@given(receipt_id=texts, gift_id=texts)
def test_receipt_and_gift_ids(client, receipt_id, gift_id):
    if not Donor.objects.exists():
        make_donor()
    if SESSION_KEY not in client.session:
        sign_in_as(client, Donor.objects.get())
    for url in (f"{SPACE}recus/{quote(receipt_id, safe='')}/", f"{SPACE}mensuels/{quote(gift_id, safe='')}/"):
        response = client.get(url)
        assert response.status_code == 404, (url, response.status_code)
