"""Issue 11: the thank-you page says the gift is in the total, so it must be when the donor reads it.

The confirm endpoint records the ledger row itself when Stripe says the payment succeeded (one-off: the
PaymentIntent; monthly: the subscription's first invoice), keyed by the Stripe object the webhook uses. With
the real localstripe and its real signed webhooks, in both orders (webhook after the confirm, webhook before
it), there is exactly one row per payment. The row's `stripe_event` says who wrote it: empty for the confirm,
the event's id for the webhook, which proves the order each test claims.
"""

import json

import pytest

from cms.donations import gateway
from cms.donations.models import Donation, LedgerEntry, StripeEvent
from tests.test_donations_api import (confirm_card, post_json, project, stripe_server,  # noqa: F401
                                      stripe_settings, valid, wait_until, webhooks_to)

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def open_gift(client, **overrides):
    body = post_json(client, "/donate/api/intents/", valid(**overrides)).json()
    donation = Donation.objects.get(pk=body["donation"])
    confirm_card(donation.stripe_setup_intent)
    return body, donation


def webhook_seen(kind: str) -> bool:
    return StripeEvent.objects.filter(type=kind).exists()


def test_one_off_counts_at_confirm_and_the_later_webhook_adds_nothing(client, webhooks_to, project):
    body, donation = open_gift(client)
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.json()["status"] == "succeeded", response.content
    entry = LedgerEntry.objects.get()  # right away: no waiting for the webhook
    assert entry.stripe_object.startswith("pi_") and entry.amount == 2500 and entry.stripe_event == ""
    assert Donation.objects.get(pk=donation.pk).status == "succeeded"
    assert client.get("/donate/totals.json").json()["projects"]["puits"]["raised"] == 2500
    summary = client.get(f"/donate/api/donations/{donation.pk}/").json()
    assert (summary["status"], summary["counted"], summary["frequency"]) == ("succeeded", True, "once")
    # its StripeEvent row commits with whatever row it writes: once seen, the webhook has written all it will
    assert wait_until(lambda: webhook_seen("payment_intent.succeeded")), "the real webhook arrived"
    assert LedgerEntry.objects.count() == 1
    assert client.get("/donate/totals.json").json()["projects"]["puits"]["raised"] == 2500


def test_one_off_webhook_first_then_the_confirm_adds_nothing(client, webhooks_to, project, monkeypatch):
    charge_once = gateway.charge_once

    def charge_then_wait_for_the_webhook(donation, payment_method):
        pi = charge_once(donation, payment_method)
        assert wait_until(lambda: LedgerEntry.objects.filter(stripe_object=pi.id).exists())
        return pi

    monkeypatch.setattr(gateway, "charge_once", charge_then_wait_for_the_webhook)
    body, donation = open_gift(client)
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.json()["status"] == "succeeded", response.content
    entry = LedgerEntry.objects.get()
    assert entry.stripe_event.startswith("evt_")  # the webhook wrote it; the confirm found it and did nothing
    assert Donation.objects.get(pk=donation.pk).status == "succeeded"


def test_monthly_first_invoice_counts_at_confirm_and_the_webhook_adds_nothing(client, webhooks_to, project):
    body, donation = open_gift(client, frequency="monthly", amount=2000)
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.json()["status"] == "succeeded", response.content
    entry = LedgerEntry.objects.get()
    assert entry.stripe_object.startswith("in_") and entry.amount == 2000 and entry.frequency == "monthly"
    assert entry.stripe_event == ""
    summary = client.get(f"/donate/api/donations/{donation.pk}/").json()
    assert (summary["status"], summary["frequency"], summary["counted"]) == ("active", "monthly", True)
    assert wait_until(lambda: webhook_seen("invoice.payment_succeeded")), "the real webhook arrived"
    assert LedgerEntry.objects.count() == 1


def test_monthly_webhook_first_then_the_confirm_adds_nothing(client, webhooks_to, project, monkeypatch):
    subscribe = gateway.subscribe

    def subscribe_then_wait_for_the_webhook(donation, payment_method):
        subscription = subscribe(donation, payment_method)
        # What charge() does next (stored so the webhook finds the gift), then the webhook wins the race.
        Donation.objects.filter(pk=donation.pk).update(stripe_subscription=subscription.id)
        assert wait_until(lambda: LedgerEntry.objects.filter(stripe_object__startswith="in_").exists())
        return subscription

    monkeypatch.setattr(gateway, "subscribe", subscribe_then_wait_for_the_webhook)
    body, donation = open_gift(client, frequency="monthly", amount=2000)
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.json()["status"] == "succeeded", response.content
    entry = LedgerEntry.objects.get()
    assert entry.stripe_event.startswith("evt_") and entry.amount == 2000


def test_a_declined_charge_records_nothing_at_confirm(client, stripe_settings, project):
    body = post_json(client, "/donate/api/intents/", valid()).json()
    donation = Donation.objects.get(pk=body["donation"])
    confirm_card(donation.stripe_setup_intent, "4000000000000341")  # saves fine, fails when charged
    response = post_json(client, body["confirm_url"], {"setup_intent": donation.stripe_setup_intent})
    assert response.json()["status"] == "failed"
    assert not LedgerEntry.objects.exists()
    assert client.get(f"/donate/api/donations/{donation.pk}/").json()["counted"] is False
    assert json.loads(client.get("/donate/totals.json").content)["projects"]["puits"]["raised"] == 0
