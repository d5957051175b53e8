"""The donation endpoint against a real localstripe: validation, rate limits, one-off and monthly gifts
from intent to ledger through real signed webhooks, declines, live totals."""

import json
import time

import pytest
from django.test import override_settings

from cms.donations import gateway
from cms.donations.models import Donation, Donor, LedgerEntry, StripeEvent
from tests import factories
from tests.conftest import WEBHOOK_SECRET, LocalStripe

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def stripe_server():
    server = LocalStripe()  # this module's own: its webhooks reach only this module's live server
    yield server
    server.stop()


@pytest.fixture
def stripe_settings(stripe_server, settings):
    settings.STRIPE_API_BASE = stripe_server.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    from django.core.cache import cache

    cache.clear()
    return stripe_server


@pytest.fixture
def project():
    tree = factories.make_site()
    return factories.make_project(tree, title="Puits de Kaya", slug="puits")


def post_json(client, url, payload, **extra):
    return client.post(url, json.dumps(payload) if not isinstance(payload, (bytes, str)) else payload,
                       content_type="application/json", **extra)


def valid(**overrides):
    data = {"project": "puits", "amount": 2500, "currency": "EUR", "frequency": "once", "name": "Awa Diallo",
            "email": "awa@example.org", "cover_fees": False}
    data.update(overrides)
    return data


def card(number="4242424242424242"):
    return gateway.client().v1.payment_methods.create(
        {"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2030, "cvc": "123"}})


def confirm_card(setup_intent_id, number="4242424242424242"):
    """What Stripe.js's confirmCardSetup does in the browser."""
    return gateway.client().v1.setup_intents.confirm(setup_intent_id, {"payment_method": card(number).id})


def payment_intents_of(donation_id) -> list:
    """The PaymentIntents Stripe holds for one donation (our metadata names it on each)."""
    listed = gateway.client().v1.payment_intents.list({"limit": 100}).data
    return [pi for pi in listed if (pi.to_dict().get("metadata") or {}).get("donation") == str(donation_id)]


def webhook_processed(kind: str) -> bool:
    return StripeEvent.objects.filter(type=kind).exists()


def wait_until(predicate, timeout=10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


# --- validation -------------------------------------------------------------------------------------

def test_malformed_json_is_a_clear_400(client, stripe_settings, project):
    response = post_json(client, "/donate/api/intents/", b"{not json")
    assert response.status_code == 400
    assert response.json() == {"errors": {"__all__": ["Le corps de la requête doit être du JSON."]}}
    response = post_json(client, "/donate/api/intents/", "[1, 2]")
    assert response.status_code == 400


@pytest.mark.parametrize("overrides, field, message", [
    ({"amount": 100}, "amount", "Le montant minimum est de 5\u00a0€."),
    ({"amount": 5_000_000}, "amount", "Le montant maximum en ligne"),
    ({"amount": 25.5}, "amount", "Le montant est un entier en centimes"),
    ({"project": "inconnu"}, "project", "Ce projet n'existe pas"),
    ({"currency": "USD"}, "currency", "Ce projet collecte en EUR."),
    ({"email": "pas-un-email"}, "email", "Cette adresse e-mail n'est pas valide."),
    ({"name": "   "}, "name", "Indiquez votre nom."),
    ({"frequency": "weekly"}, "frequency", ""),
    ({"kind": "sponsorship", "project": ""}, "project", "Choisissez le projet à parrainer."),
    ({"kind": "sponsorship", "frequency": "once"}, "frequency", "Un parrainage est un don mensuel."),
    ({"wants_receipt": True}, "address_line1", "L'adresse est nécessaire pour le reçu fiscal."),
    ({"address": ["x"]}, "address", "L'adresse doit être un objet"),
])
def test_bad_input_gets_field_errors_and_creates_nothing(client, stripe_settings, project, overrides, field,
                                                         message):
    response = post_json(client, "/donate/api/intents/", valid(**overrides))
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert field in errors and message in " ".join(errors[field])
    assert not Donation.objects.exists() and not Donor.objects.exists()


def test_valid_intent_opens_a_setup_intent_with_metadata(client, stripe_settings, project):
    response = post_json(client, "/donate/api/intents/", valid(cover_fees=True, source="project-page"))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["amount"] == 2500 and body["fee"] == 63 and body["total"] == 2563  # 1.5 % + 0.25 €
    assert body["client_secret"].startswith("seti_") and body["publishable_key"]
    assert body["stripe_js_url"] == stripe_settings.url + "/js.stripe.com/v3/"
    donation = Donation.objects.get(pk=body["donation"])
    assert donation.status == "pending" and donation.project == project and donation.total == 2563
    setup = gateway.retrieve_setup_intent(donation.stripe_setup_intent)
    assert setup.metadata["project"] == "puits" and setup.metadata["donation"] == str(donation.id)


def test_browser_total_is_never_trusted(client, stripe_settings, project):
    response = post_json(client, "/donate/api/intents/", valid(total=1, fee=0, cover_fees=True))
    assert response.status_code == 201
    assert response.json()["total"] == 2500 + 63


def test_rate_limit_per_email_answers_429(client, stripe_settings, project, settings):
    settings.DONATE_RATE_LIMITS = (100, 2, 600)
    for _ in range(2):
        assert post_json(client, "/donate/api/intents/", valid()).status_code == 201
    response = post_json(client, "/donate/api/intents/", valid())
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    assert "Trop de tentatives" in response.json()["errors"]["__all__"][0]
    other = post_json(client, "/donate/api/intents/", valid(email="autre@example.org"))
    assert other.status_code == 201


def test_rate_limit_per_ip(client, stripe_settings, project, settings):
    settings.DONATE_RATE_LIMITS = (3, 100, 600)
    codes = [post_json(client, "/donate/api/intents/", valid(email=f"d{i}@example.org")).status_code
             for i in range(4)]
    assert codes == [201, 201, 201, 429]


def test_cors_only_for_allowed_origins(client, stripe_settings, project, settings):
    settings.DONATE_ALLOWED_ORIGINS = ["https://www.visiondamour.org"]
    ok = client.options("/donate/api/intents/", HTTP_ORIGIN="https://www.visiondamour.org")
    assert ok.status_code == 204 and ok["Access-Control-Allow-Origin"] == "https://www.visiondamour.org"
    other = client.options("/donate/api/intents/", HTTP_ORIGIN="https://evil.example")
    assert "Access-Control-Allow-Origin" not in other


# --- full flows through localstripe and its signed webhooks --------------------------------------------

@pytest.fixture
def webhooks_to(live_server, stripe_settings):
    stripe_settings.register_webhook(live_server.url + "/donate/stripe/webhook/", name="module")
    return live_server


def test_one_off_gift_is_recorded_once_and_moves_the_totals(client, webhooks_to, project):
    body = post_json(client, "/donate/api/intents/", valid(cover_fees=True)).json()
    confirm_card(Donation.objects.get(pk=body["donation"]).stripe_setup_intent)
    response = post_json(client, body["confirm_url"], {"setup_intent": Donation.objects.get(
        pk=body["donation"]).stripe_setup_intent})
    assert response.status_code == 200 and response.json()["status"] == "succeeded", response.content
    assert wait_until(lambda: LedgerEntry.objects.filter(kind="payment").exists())
    entry = LedgerEntry.objects.get()
    assert entry.amount == 2563 and entry.project == project and entry.stripe_object.startswith("pi_")
    assert Donation.objects.get(pk=body["donation"]).status == "succeeded"
    totals = client.get("/donate/totals.json").json()["projects"]["puits"]
    assert totals == {"raised": 2563, "currency": "EUR", "donors": 1, "goal": 4_000_000}
    again = post_json(client, body["confirm_url"], {"setup_intent": "seti_whatever"})
    assert again.json()["status"] == "succeeded"  # idempotent: no second charge
    assert len(payment_intents_of(body["donation"])) == 1, "Stripe was asked to charge once"
    # the webhook's StripeEvent row is written in the transaction of any row it writes: once it is there,
    # the webhook has added whatever it was going to add
    assert wait_until(lambda: webhook_processed("payment_intent.succeeded")), "the webhook came"
    assert LedgerEntry.objects.count() == 1


def test_monthly_gift_subscribes_and_records_each_invoice(client, webhooks_to, project):
    body = post_json(client, "/donate/api/intents/", valid(frequency="monthly", kind="sponsorship",
                                                           amount=1500)).json()
    donation = Donation.objects.get(pk=body["donation"])
    confirm_card(donation.stripe_setup_intent)
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.json()["status"] == "succeeded", response.content
    donation.refresh_from_db()
    assert donation.stripe_subscription.startswith("sub_")
    assert wait_until(lambda: LedgerEntry.objects.filter(stripe_object__startswith="in_").exists())
    entry = LedgerEntry.objects.get()
    assert entry.amount == 1500 and entry.frequency == "monthly" and entry.donation_kind == "sponsorship"
    assert not LedgerEntry.objects.filter(stripe_object__startswith="pi_").exists()  # not counted twice
    subscription = gateway.client().v1.subscriptions.retrieve(donation.stripe_subscription)
    assert subscription.items.data[0].quantity == 1500
    gateway.cancel_subscription(donation.stripe_subscription)
    assert wait_until(lambda: Donation.objects.get(pk=donation.pk).status == "canceled")


def test_card_declined_at_charge_records_nothing_as_paid(client, webhooks_to, project):
    body = post_json(client, "/donate/api/intents/", valid()).json()
    donation = Donation.objects.get(pk=body["donation"])
    confirm_card(donation.stripe_setup_intent, "4000000000000341")  # saves fine, fails when charged
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.status_code == 200
    assert response.json()["status"] == "failed" and "refusée" in response.json()["message"]
    assert wait_until(lambda: webhook_processed("payment_intent.payment_failed")), "the webhook came"
    assert not LedgerEntry.objects.exists()
    assert Donation.objects.get(pk=donation.pk).status == "failed"


def test_confirm_rejects_someone_elses_setup_intent(client, stripe_settings, project):
    first = post_json(client, "/donate/api/intents/", valid()).json()
    second = post_json(client, "/donate/api/intents/", valid(email="b@example.org")).json()
    other = Donation.objects.get(pk=second["donation"]).stripe_setup_intent
    confirm_card(other)
    response = post_json(client, first["confirm_url"], {"setup_intent": other})
    assert response.status_code == 400
    assert not LedgerEntry.objects.exists()
    assert post_json(client, "/donate/api/donations/00000000-0000-0000-0000-000000000000/confirm/",
                     {"setup_intent": other}).status_code == 404


def test_donor_data_never_reaches_the_api(client, webhooks_to, project):
    body = post_json(client, "/donate/api/intents/", valid(name="Zéphyrine Secrète",
                                                           email="zephyrine@example.org")).json()
    donation = Donation.objects.get(pk=body["donation"])
    confirm_card(donation.stripe_setup_intent)
    post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert wait_until(lambda: LedgerEntry.objects.exists())
    from django.conf import settings

    from site_builder.queries import SITE_PULL

    api = client.post("/graphql/", json.dumps({"query": SITE_PULL}), content_type="application/json",
                      HTTP_AUTHORIZATION=f"Bearer {settings.SITE_BUILD_API_TOKEN}")  # the builder's pull
    totals = client.get("/donate/totals.json")
    for text in (api.content.decode(), totals.content.decode()):
        assert "Zéphyrine" not in text and "zephyrine@" not in text
    with override_settings():
        assert "zephyrine" not in str(Donor.objects.get())  # __str__ (what logs show) has no personal data
