"""Stripe webhooks with real signatures (we sign them as Stripe does): valid, forged, stale, malformed,
duplicated twenty times at once, out of order. The ledger records every gift exactly once."""

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from cms.donations.models import Donation, LedgerEntry, StripeEvent
from tests import factories
from tests.stripe_events import WEBHOOK_SECRET, event, payment_intent, refund_of, sign

URL = "/donate/stripe/webhook/"


# --- in-process: the signature gate ---------------------------------------------------------------------

@pytest.fixture
def webhook(client, settings, db):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    tree = factories.make_site()
    factories.make_project(tree, title="Puits", slug="puits")

    def deliver(payload: bytes, signature: str | None = "auto"):
        headers = {} if signature is None else {
            "HTTP_STRIPE_SIGNATURE": sign(payload) if signature == "auto" else signature}
        return client.post(URL, payload, content_type="application/json", **headers)
    return deliver


def test_valid_event_records_the_gift_even_without_a_local_record(webhook):
    donation_id = str(uuid.uuid4())
    response = webhook(event("payment_intent.succeeded", payment_intent("pi_valid", donation=donation_id)))
    assert response.status_code == 200 and response.json() == {"status": "processed"}
    entry = LedgerEntry.objects.get()
    assert entry.amount == 5000 and entry.project_slug == "puits" and entry.project is not None
    donation = Donation.objects.get(pk=donation_id)  # rebuilt from the metadata we put on the intent
    assert donation.status == "succeeded" and donation.donor is None


@pytest.mark.parametrize("signature, why", [
    (None, "unsigned"),
    ("t=1,v1=deadbeef", "forged"),
    ("garbage", "malformed header"),
])
def test_unsigned_or_forged_deliveries_are_refused(webhook, signature, why):
    response = webhook(event("payment_intent.succeeded", payment_intent("pi_forged")), signature)
    assert response.status_code == 400, why
    assert "Signature invalide" in response.json()["errors"]["__all__"][0]
    assert not LedgerEntry.objects.exists() and not StripeEvent.objects.exists()


def test_signed_with_another_secret_is_refused(webhook):
    payload = event("payment_intent.succeeded", payment_intent("pi_other"))
    assert webhook(payload, sign(payload, secret="whsec_someone_else")).status_code == 400
    assert not LedgerEntry.objects.exists()


def test_stale_delivery_is_refused(webhook):
    payload = event("payment_intent.succeeded", payment_intent("pi_stale"))
    assert webhook(payload, sign(payload, timestamp=int(time.time()) - 301)).status_code == 400
    assert webhook(payload, sign(payload, timestamp=int(time.time()) - 200)).status_code == 200


def test_tampered_payload_is_refused(webhook):
    payload = event("payment_intent.succeeded", payment_intent("pi_tamper", amount=5000))
    signature = sign(payload)
    tampered = payload.replace(b'"amount": 5000', b'"amount": 500000')
    assert webhook(tampered, signature).status_code == 400
    assert not LedgerEntry.objects.exists()


@pytest.mark.parametrize("payload", [b"not json", b"[]", b'{"id": "evt_x"}',
                                     b'{"id": "evt_y", "type": "payment_intent.succeeded", "data": {}}'])
def test_malformed_but_signed_events_are_400_and_record_nothing(webhook, payload):
    assert webhook(payload).status_code == 400
    assert not LedgerEntry.objects.exists() and not StripeEvent.objects.exists()


def test_unknown_event_types_are_acknowledged_and_ignored(webhook):
    response = webhook(event("customer.created", {"id": "cus_1", "object": "customer"}))
    assert response.status_code == 200 and response.json()["status"] == "ignored"


def test_same_event_twice_records_once(webhook):
    payload = event("payment_intent.succeeded", payment_intent("pi_twice"), event_id="evt_twice")
    assert webhook(payload).json()["status"] == "processed"
    assert webhook(payload).json()["status"] == "duplicate"
    # the same payment in a different event (Stripe resends with a new id, or reconcile) is still one gift
    assert webhook(event("payment_intent.succeeded", payment_intent("pi_twice"))).status_code == 200
    assert LedgerEntry.objects.count() == 1


def test_refund_is_its_own_negative_row_and_out_of_order_is_retried(webhook):
    refund = event("charge.refunded", refund_of("pi_ooo", 2000, "re_1"))
    early = webhook(refund)
    assert early.status_code == 503  # the payment is not known yet: Stripe will retry
    assert not LedgerEntry.objects.exists() and not StripeEvent.objects.exists()
    assert webhook(event("payment_intent.succeeded", payment_intent("pi_ooo"))).status_code == 200
    assert webhook(refund).status_code == 200
    assert webhook(event("charge.refunded", refund_of("pi_ooo", 2000, "re_1"))).status_code == 200
    rows = sorted(LedgerEntry.objects.values_list("kind", "amount"))
    assert rows == [("payment", 5000), ("refund", -2000)]
    from cms.donations.ledger import project_totals

    assert project_totals()["puits"]["raised"] == 3000


def test_monthly_invoice_is_recorded_from_the_subscription(webhook):
    donation = Donation.objects.create(project_slug="puits", kind="sponsorship", frequency="monthly",
                                       amount=1500, currency="EUR", stripe_subscription="sub_42")
    invoice = {"id": "in_1", "object": "invoice", "amount_paid": 1500, "currency": "eur", "subscription": "sub_42",
               "customer": "cus_1", "charge": "ch_in1", "created": int(time.time()), "lines": {"data": []}}
    assert webhook(event("invoice.payment_succeeded", invoice)).status_code == 200
    assert webhook(event("invoice.paid", invoice)).status_code == 200  # both event names: one row
    entry = LedgerEntry.objects.get()
    assert entry.donation == donation and entry.amount == 1500 and entry.frequency == "monthly"
    donation.refresh_from_db()
    assert donation.status == "active"
    assert webhook(event("customer.subscription.deleted", {"id": "sub_42", "object": "subscription"})
                   ).status_code == 200
    donation.refresh_from_db()
    assert donation.status == "canceled" and donation.canceled_at


def test_failed_then_late_success_ends_as_success(webhook):
    donation = Donation.objects.create(project_slug="puits", amount=5000, currency="EUR",
                                       stripe_payment_intent="pi_late")
    failed = payment_intent("pi_late", donation=str(donation.pk), status="requires_payment_method",
                            last_payment_error={"message": "Your card was declined."})
    ok = payment_intent("pi_late", donation=str(donation.pk))
    assert webhook(event("payment_intent.succeeded", ok)).status_code == 200
    assert webhook(event("payment_intent.payment_failed", failed)).status_code == 200  # arrives late
    donation.refresh_from_db()
    assert donation.status == "succeeded"


# --- a real CMS process: twenty concurrent deliveries ------------------------------------------------------

def test_twenty_concurrent_duplicates_record_one_gift(cms_server):
    slug = cms_server.shell("from cms.projects.models import ProjectPage; print(ProjectPage.objects.live().first().slug)"
                            ).strip()
    pi_id = f"pi_{uuid.uuid4().hex[:16]}"
    payment = event("payment_intent.succeeded", payment_intent(pi_id, project=slug), event_id=f"evt_{pi_id}")
    refund = event("charge.refunded", refund_of(pi_id, 1000, f"re_{pi_id[3:]}"), event_id=f"evt_r{pi_id}")
    url = cms_server.url + URL

    def deliver(payload):
        return requests.post(url, data=payload, timeout=60, headers={
            "Content-Type": "application/json", "Stripe-Signature": sign(payload)}).status_code

    assert deliver(refund) == 503  # out of order: before its payment
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(deliver, [payment] * 20))
    assert set(codes) == {200}, codes
    with ThreadPoolExecutor(max_workers=20) as pool:
        codes = list(pool.map(deliver, [refund] * 20))
    assert set(codes) == {200}, codes
    rows = cms_server.shell(
        "from cms.donations.models import LedgerEntry\n"
        f"print(sorted(LedgerEntry.objects.filter(stripe_charge='ch_{pi_id[3:]}').values_list('kind', 'amount')))")
    assert rows.strip() == "[('payment', 5000), ('refund', -1000)]"
