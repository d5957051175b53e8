"""A donor manages a monthly gift from the donor space, against a real localstripe (1.15.10).

localstripe lacks three things real Stripe has on `POST /v1/subscriptions/<id>`: `pause_collection`,
`default_payment_method` and `proration_behavior` (its update refuses unknown parameters). The gateway sends
them as Stripe documents them; the tests put `SubscriptionExtrasStripe`, a small HTTP adapter, in front of
localstripe: it strips those three parameters before forwarding, remembers the first two per subscription,
and writes them back into every subscription localstripe returns (an update left with no parameter
becomes a read: localstripe refuses an empty update) (the same pattern as test_reconcile.py's
DateFilteringStripe). Everything else (quantity, metadata, SetupIntents, attaching the card, the customer's
default card, cancelling) is localstripe's own (it accepts a subscription's new `metadata` and drops
it, so only the quantity is checked there). The quirk stays here, in the tests.

The cancellation is recorded by the webhook, not the view: the test checks the gift is still "active" after
the view, then delivers `customer.subscription.deleted` (signed, tests/stripe_events.py) and sees it stop."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests

from cms.donations import gateway
from cms.donations.models import Donation
from cms.donors.models import Erasure
from tests.donor_space_helpers import SPACE, make_donor, make_gift, sign_in_as
from tests.stripe_events import WEBHOOK_SECRET, event, sign
from tests.test_donations_api import card, confirm_card

pytestmark = pytest.mark.django_db

EXTRAS = ("pause_collection", "default_payment_method")


class SubscriptionExtrasStripe:
    def __init__(self, upstream: str):
        self.upstream, self.extras = upstream, {}  # subscription id -> {"pause_collection": …, …}
        adapter = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                parts = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                segments = parts.path.strip("/").split("/")
                is_subscription = len(segments) == 3 and segments[:2] == ["v1", "subscriptions"]
                if is_subscription and self.command == "POST":
                    fields, kept = parse_qsl(body.decode(), keep_blank_values=True), []
                    extras = adapter.extras.setdefault(segments[2], {})
                    for key, value in fields:
                        name = key.split("[", 1)[0]
                        if name == "pause_collection":
                            extras["pause_collection"] = {"behavior": value} if value else None
                        elif name == "default_payment_method":
                            extras["default_payment_method"] = value or None
                        elif name != "proration_behavior":
                            kept.append((key, value))
                    body = urlencode(kept).encode()
                    if not kept:  # localstripe refuses an empty update: what it would answer is the object
                        self.command = "GET"
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = requests.request(self.command, f"{adapter.upstream}{self.path}", data=body,
                                            headers=headers, timeout=30)
                content = upstream.content
                if is_subscription and upstream.ok:
                    obj = upstream.json()
                    for name in EXTRAS:
                        obj[name] = adapter.extras.get(segments[2], {}).get(name)
                    content = json.dumps(obj).encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", upstream.headers.get("Content-Type", "application/json"))
                for key, value in upstream.headers.items():  # Stripe.js in a page calls it (CORS)
                    if key.lower().startswith("access-control-"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_DELETE = do_OPTIONS = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def stripe_api(localstripe_without_webhooks):
    adapter = SubscriptionExtrasStripe(localstripe_without_webhooks.url)
    yield adapter
    adapter.stop()


@pytest.fixture
def stripe_settings(localstripe_without_webhooks, stripe_api, settings):
    localstripe_without_webhooks.flush()
    stripe_api.extras.clear()
    settings.STRIPE_API_BASE = stripe_api.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return stripe_api


def subscribed(donor, amount=2000) -> Donation:
    """A monthly gift subscribed at localstripe as the giving form does (gateway.create_setup_intent,
    Stripe.js's confirmCardSetup, gateway.subscribe)."""
    donation = make_gift(donor, amount=amount, frequency="monthly", status="active")
    opened = gateway.create_setup_intent(donation)
    setup = confirm_card(opened["setup_intent"])
    donation.stripe_customer = opened["customer"]
    subscription = gateway.subscribe(donation, setup.payment_method)
    donation.stripe_subscription = subscription.id
    donation.save()
    return donation


def at_stripe(donation) -> dict:
    return gateway.retrieve_subscription(donation.stripe_subscription).to_dict()


def test_change_the_amount(client, stripe_settings):
    donor = make_donor()
    gift = subscribed(donor, amount=2000)
    sign_in_as(client, donor)
    page = client.get(f"{SPACE}mensuels/{gift.pk}/")
    assert page.status_code == 200 and "20\u00a0€ par mois" in page.content.decode()
    response = client.post(f"{SPACE}mensuels/{gift.pk}/montant/", {"amount": "12,50"})
    assert response.status_code == 302
    sub = at_stripe(gift)
    # (the new metadata is sent too; localstripe's Subscription._update accepts it and drops it)
    assert sub["items"]["data"][0]["quantity"] == 1250
    gift.refresh_from_db()
    assert (gift.amount, gift.fee, gift.total) == (1250, 0, 1250)
    assert "12,50\u00a0€ par mois" in client.get(response["Location"]).content.decode()
    # and back up: the same request twice a day is applied each time (no stale idempotency key)
    assert client.post(f"{SPACE}mensuels/{gift.pk}/montant/", {"amount": "20"}).status_code == 302
    assert at_stripe(gift)["items"]["data"][0]["quantity"] == 2000


@pytest.mark.parametrize("amount", ["0", "-5", "abc", "1e9", "NaN", "0,001", "99999999", "", "4"])
def test_a_bad_amount_is_a_french_400_and_stripe_is_untouched(client, stripe_settings, amount):
    donor = make_donor()
    gift = subscribed(donor, amount=2000)
    sign_in_as(client, donor)
    response = client.post(f"{SPACE}mensuels/{gift.pk}/montant/", {"amount": amount})
    assert response.status_code == 400
    assert "montant" in response.content.decode().lower()
    assert at_stripe(gift)["items"]["data"][0]["quantity"] == 2000
    gift.refresh_from_db()
    assert gift.amount == 2000


def test_pause_and_resume(client, stripe_settings):
    donor = make_donor()
    gift = subscribed(donor)
    sign_in_as(client, donor)
    assert client.post(f"{SPACE}mensuels/{gift.pk}/pause/").status_code == 302
    assert at_stripe(gift)["pause_collection"] == {"behavior": "void"}
    page = client.get(f"{SPACE}mensuels/{gift.pk}/?ok=pause").content.decode()
    assert "en pause" in page and "Reprendre mon don mensuel" in page
    assert client.post(f"{SPACE}mensuels/{gift.pk}/reprise/").status_code == 302
    assert not at_stripe(gift)["pause_collection"]
    assert "Mettre en pause" in client.get(f"{SPACE}mensuels/{gift.pk}/").content.decode()


def test_update_the_card(client, stripe_settings):
    donor = make_donor()
    gift = subscribed(donor)
    sign_in_as(client, donor)
    page = client.post(f"{SPACE}mensuels/{gift.pk}/carte/")
    assert page.status_code == 200
    text = page.content.decode()
    secret = text.split('data-client-secret="')[1].split('"')[0]
    assert "/donate/espace/carte.js" in text and "js.stripe.com/v3/" in text
    setup_id = secret.split("_secret_")[0]
    new_card = gateway.client().v1.setup_intents.confirm(setup_id, {"payment_method": card("5555555555554444").id})
    response = client.post(f"{SPACE}mensuels/{gift.pk}/carte/enregistrer/", {"setup_intent": setup_id})
    assert response.status_code == 302
    assert at_stripe(gift)["default_payment_method"] == new_card.payment_method
    customer = gateway.client().v1.customers.retrieve(gift.stripe_customer).to_dict()
    assert customer["invoice_settings"]["default_payment_method"] == new_card.payment_method
    assert "se terminant par 4444" in client.get(response["Location"]).content.decode()


def test_a_card_setup_that_is_not_this_gifts_is_refused(client, stripe_settings):
    awa, bob = make_donor(), make_donor(email="bob@example.org", name="Bob Martin")
    gift, bobs = subscribed(awa), subscribed(bob)
    sign_in_as(client, awa)
    # an unconfirmed SetupIntent of this gift, one of Bob's gift (confirmed), garbage
    unconfirmed = gateway.create_card_setup(gift.stripe_customer, str(gift.pk))["setup_intent"]
    bobs_setup = gateway.create_card_setup(bobs.stripe_customer, str(bobs.pk))["setup_intent"]
    confirm_card(bobs_setup)
    for setup in (unconfirmed, bobs_setup, "seti_doesnotexist", "pm_123", "", "seti_" + "a" * 80):
        response = client.post(f"{SPACE}mensuels/{gift.pk}/carte/enregistrer/", {"setup_intent": setup})
        assert response.status_code == 400 and "pas été validée" in response.content.decode(), setup
    assert not at_stripe(gift)["default_payment_method"]


def test_cancel_is_confirmed_then_recorded_by_the_webhook(client, stripe_settings):
    donor = make_donor()
    gift = subscribed(donor)
    sign_in_as(client, donor)
    confirm = client.get(f"{SPACE}mensuels/{gift.pk}/arret/")
    assert confirm.status_code == 200 and "Oui, arrêter mon don mensuel" in confirm.content.decode()
    assert at_stripe(gift)["status"] == "active"  # the GET changed nothing
    done = client.post(f"{SPACE}mensuels/{gift.pk}/arret/")
    assert done.status_code == 200 and "est arrêté" in done.content.decode()
    sub = at_stripe(gift)
    assert sub["status"] == "canceled"
    gift.refresh_from_db()
    assert gift.status == "active"  # the view records nothing: the webhook does
    payload = event("customer.subscription.deleted", sub)
    hook = client.post("/donate/stripe/webhook/", payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=sign(payload))
    assert hook.status_code == 200
    gift.refresh_from_db()
    assert gift.status == "canceled"
    stopped = client.post(f"{SPACE}mensuels/{gift.pk}/pause/")
    assert stopped.status_code == 409 and "est arrêté" in stopped.content.decode()
    assert client.get(f"{SPACE}mensuels/{gift.pk}/arret/").status_code == 409


def test_another_donors_subscription_is_404_and_untouched(client, stripe_settings):
    awa, bob = make_donor(), make_donor(email="bob@example.org", name="Bob Martin")
    subscribed(awa)
    bobs = subscribed(bob, amount=3000)
    sign_in_as(client, awa)
    for action, data in (("montant/", {"amount": "5"}), ("pause/", {}), ("arret/", {}), ("carte/", {})):
        assert client.post(f"{SPACE}mensuels/{bobs.pk}/{action}", data).status_code == 404, action
    sub = at_stripe(bobs)
    assert (sub["status"], sub["items"]["data"][0]["quantity"], sub["pause_collection"]) == ("active", 3000, None)


def test_erasure_cancels_monthly_gifts_first(client, stripe_settings):
    donor = make_donor()
    gift = subscribed(donor)
    sign_in_as(client, donor)
    assert client.post(SPACE + "donnees/effacement/", {"confirm": "oui"}).status_code == 200
    assert at_stripe(gift)["status"] == "canceled"
    assert Erasure.objects.get(donor=donor).canceled_subscriptions == 1
    customer = gateway.client().v1.customers.retrieve(gift.stripe_customer).to_dict()
    assert not customer.get("name") and not customer.get("email")
    gift.refresh_from_db()
    assert gift.donor_name == "" and gift.stripe_subscription  # the books keep the Stripe reference


def test_stripe_down_is_a_french_502_and_nothing_is_erased(client, stripe_settings, settings):
    from tests.conftest import free_port

    donor = make_donor()
    gift = subscribed(donor)
    sign_in_as(client, donor)
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    for url, data in ((f"mensuels/{gift.pk}/montant/", {"amount": "10"}), (f"mensuels/{gift.pk}/pause/", {}),
                      (f"mensuels/{gift.pk}/arret/", {}), ("donnees/effacement/", {"confirm": "oui"})):
        response = client.post(SPACE + url, data)
        assert response.status_code == 502 and "ne répond pas" in response.content.decode(), url
    page = client.get(f"{SPACE}mensuels/{gift.pk}/")
    assert page.status_code == 200 and "ne répond pas" in page.content.decode()
    donor.refresh_from_db()
    gift.refresh_from_db()
    assert donor.name == "Awa Diallo" and gift.amount == 2000 and not Erasure.objects.exists()
