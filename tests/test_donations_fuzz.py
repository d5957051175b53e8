"""Property-based tests: generated bodies at every public donation endpoint (tests/fuzz_strategies.py).

For every input: no 5xx. For every refused input (4xx): nothing written (Donor, Donation, LedgerEntry and
StripeEvent rows counted before and after) and, where Stripe could be reached, no Stripe object created
(customers counted in a real localstripe). Webhook events are validly signed, so they get past the
signature and test what comes after it; whatever they contain, no payment is ever refunded below zero.

Budget: `FUZZ_EXAMPLES` inputs per property (default 50: the file runs in well under 90 s in CI).
`bench/fuzz.py --examples N --json` runs the same properties with a larger budget and reports, per
endpoint, the inputs tried and the 5xx seen (written to the file named by `FUZZ_REPORT`).
"""

from __future__ import annotations

import collections
import contextlib
import json
import os

import pytest
import requests
from django.db import transaction
from django.db.models import Sum
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cms.donations import gateway, live_projects
from cms.donations.ledger import project_totals, refund_key
from cms.donations.models import Donation, Donor, LedgerEntry, StripeEvent
from tests import factories
from tests import fuzz_strategies as fs
from tests.stripe_events import WEBHOOK_SECRET, sign

pytestmark = pytest.mark.django_db

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "50"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                       HealthCheck.data_too_large, HealthCheck.filter_too_much,
                                       HealthCheck.large_base_example])
STATS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


@pytest.fixture(scope="module", autouse=True)
def report():
    yield
    path = os.environ.get("FUZZ_REPORT")
    if path:
        with open(path, "w") as out:
            json.dump({name: dict(counts) for name, counts in STATS.items()}, out)


@pytest.fixture(scope="module")
def stripe_server(localstripe_without_webhooks):
    return localstripe_without_webhooks  # flushed by each test's fixture below


@pytest.fixture
def site(stripe_server, settings):
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.DONATE_RATE_LIMITS = (10 ** 6, 10 ** 6, 600)
    settings.STRIPE_TIMEOUT_SECONDS = 10
    stripe_server.flush()
    live_projects.clear()
    tree = factories.make_site()
    factories.make_project(tree, title="Puits de Kaya", slug="puits")
    return stripe_server


@pytest.fixture
def http():
    return Client(raise_request_exception=False)  # a view's exception is a 500 to count, not a test crash


def rows() -> tuple[int, int, int, int]:
    return (Donor.objects.count(), Donation.objects.count(), LedgerEntry.objects.count(),
            StripeEvent.objects.count())


def customers(server) -> int:
    return len(requests.get(f"{server.url}/v1/customers", params={"limit": 100}, timeout=10,
                            auth=("sk_test_localstripe", "")).json()["data"])


@contextlib.contextmanager
def rolled_back():
    """Each input starts from the same database (the fixture's): what one input wrote is undone before the
    next, so a failure replays the same way when Hypothesis shrinks it."""
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def check(endpoint: str, response, before, after, stripe_before=None, stripe_after=None):
    """The properties. A webhook's 503 is the documented "retry later" (an event before the one it depends
    on), counted apart; any other 5xx fails."""
    STATS[endpoint]["inputs"] += 1
    retry = endpoint == "webhook" and response.status_code == 503 and response.json() == {"status": "retry"}
    STATS[endpoint]["503 retry" if retry else f"{response.status_code // 100}xx"] += 1
    assert response.status_code < 500 or retry, (endpoint, response.status_code, response.content[:300])
    if retry:
        assert after == before, (endpoint, "a postponed event wrote something")
    if 400 <= response.status_code < 500:
        assert after == before, (endpoint, response.status_code, response.content[:300])
        assert stripe_after == stripe_before, (endpoint, "a Stripe object was created for a refused request")


def fresh_stripe(server) -> int:
    """Forget the Stripe objects of earlier inputs (the count stays exact) and return the count, 0."""
    server.flush()
    return customers(server)


# --- the JSON API --------------------------------------------------------------------------------------

@FUZZ
@given(payload=fs.intent_payloads())
def test_intents_json_objects(site, http, payload):
    with rolled_back():
        before, stripe_before = rows(), fresh_stripe(site)
        response = http.post("/donate/api/intents/", json.dumps(payload), content_type="application/json")
        check("intents", response, before, rows(), stripe_before, customers(site))


@FUZZ
@given(body=fs.raw_bodies, content_type=st.sampled_from(fs.CONTENT_TYPES))
def test_intents_raw_bodies(site, http, body, content_type):
    with rolled_back():
        before, stripe_before = rows(), fresh_stripe(site)
        # generic(): the bytes as they are (post() would re-encode them in the content type's charset)
        response = http.generic("POST", "/donate/api/intents/", body, content_type=content_type)
        check("intents", response, before, rows(), stripe_before, customers(site))


@pytest.fixture
def pending(site):
    """A pending donation with a real SetupIntent at localstripe (not confirmed by a card)."""
    donation = Donation.objects.create(project_slug="puits", amount=2500, currency="EUR")
    donation.donor = Donor(email="awa@example.org", name="Awa Diallo")
    created = gateway.create_setup_intent(donation)
    Donation.objects.filter(pk=donation.pk).update(stripe_customer=created["customer"],
                                                   stripe_setup_intent=created["setup_intent"])
    return Donation.objects.get(pk=donation.pk)


@FUZZ
@given(data=st.data(), content_type=st.sampled_from(fs.CONTENT_TYPES))
def test_confirm(pending, http, data, content_type):
    with rolled_back():
        body = data.draw(fs.confirm_bodies([pending.stripe_setup_intent, "seti_other"]))
        before = rows()
        response = http.generic("POST", f"/donate/api/donations/{pending.pk}/confirm/", body,
                                content_type=content_type)
        check("confirm", response, before, rows())
        assert Donation.objects.get(pk=pending.pk).status == "pending"  # no card was saved: nothing was charged


# --- the payment page without JavaScript, and the totals ---------------------------------------------------

@FUZZ
@given(query=fs.query_strings)
def test_pay_page_get(site, http, query):
    with rolled_back():
        before = rows()
        check("pay GET", http.get("/donate/pay/", query), before, rows())


@FUZZ
@given(form=fs.form_posts())
def test_pay_page_post(site, http, form):
    with rolled_back():
        before, stripe_before = rows(), fresh_stripe(site)
        response = http.post("/donate/pay/", form)
        check("pay POST", response, before, rows(), stripe_before, customers(site))


@FUZZ
@given(query=fs.query_strings, method=st.sampled_from(["get", "get", "head", "post", "put", "delete", "options"]),
       origin=st.sampled_from(["", "null", "https://evil.example", "http://127.0.0.1:8080"]) | fs.texts)
def test_totals(site, http, query, method, origin):
    with rolled_back():
        before = rows()
        origin = fs._form_safe(origin).encode("latin-1", "replace").decode("latin-1")  # a header's alphabet
        headers = {"HTTP_ORIGIN": origin} if origin else {}
        response = getattr(http, method)("/donate/totals.json", query if method in ("get", "head") else None,
                                         **headers)
        check("totals", response, before, rows())
        if method == "get":
            assert all(p["raised"] >= 0 for p in response.json()["projects"].values())


# --- Stripe's webhook, validly signed --------------------------------------------------------------------

@pytest.fixture
def books(site):
    """A recorded one-off payment (pi_fuzz, charge ch_fuzz, 5000) and a monthly donation on sub_fuzz: the
    generated refunds and invoices find something to act on."""
    from tests.stripe_events import event, payment_intent

    client = Client()
    payload = event("payment_intent.succeeded", payment_intent("pi_fuzz", amount=5000, latest_charge="ch_fuzz"))
    assert client.post("/donate/stripe/webhook/", payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=sign(payload)).status_code == 200
    Donation.objects.create(project_slug="puits", kind="sponsorship", frequency="monthly", amount=1500,
                            currency="EUR", stripe_subscription="sub_fuzz")


def refunds_within_payments() -> bool:
    for payment in LedgerEntry.objects.filter(kind="payment"):
        refunded = LedgerEntry.objects.filter(kind="refund", stripe_charge=refund_key(payment)).aggregate(
            total=Sum("amount"))["total"] or 0
        if -refunded > payment.amount:
            return False
    return True


@FUZZ
@given(body=fs.stripe_events())
def test_webhook_signed_events(books, http, body):
    with rolled_back():
        before = rows()
        response = http.generic("POST", "/donate/stripe/webhook/", body, content_type="application/json",
                                HTTP_STRIPE_SIGNATURE=sign(body))
        after = rows()
        check("webhook", response, before, after)
        if response.status_code == 200:
            outcome = response.json()["status"]
            STATS["webhook"][outcome] += 1  # processed, ignored or duplicate
            if outcome in ("ignored", "duplicate"):
                assert after == before, response.json()
        assert refunds_within_payments()
        assert all(p["raised"] >= 0 for p in project_totals().values())
