"""A stand-in for cms.donations.gateway that counts its calls: tests of what reaches Stripe (rate limits,
cross-site refusals, donor details) without a localstripe round trip, and with proof of "no Stripe call"."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from cms.donations import gateway, live_projects
from tests import factories


class FakeStripe:
    def __init__(self):
        self.calls: list[tuple[str, dict]] = []

    def create_setup_intent(self, donation):
        self.calls.append(("setup_intent", {"name": donation.donor.name, "email": donation.donor.email}))
        return {"customer": f"cus_{donation.id.hex[:8]}", "setup_intent": f"seti_{donation.id.hex[:12]}",
                "client_secret": f"seti_{donation.id.hex[:12]}_secret"}

    def retrieve_setup_intent(self, setup_intent_id):
        self.calls.append(("retrieve_setup_intent", {"id": setup_intent_id}))
        return SimpleNamespace(id=setup_intent_id, status="succeeded", payment_method="pm_card_visa")

    def charge_once(self, donation, payment_method):
        self.calls.append(("charge_once", {"donation": str(donation.id)}))
        return SimpleNamespace(id=f"pi_{donation.id.hex[:12]}", status="succeeded", client_secret="")

    def subscribe(self, donation, payment_method):
        self.calls.append(("subscribe", {"donation": str(donation.id)}))
        return SimpleNamespace(id=f"sub_{donation.id.hex[:12]}", status="active")


@pytest.fixture
def fake_stripe(monkeypatch):
    fake = FakeStripe()
    for name in ("create_setup_intent", "retrieve_setup_intent", "charge_once", "subscribe"):
        monkeypatch.setattr(gateway, name, getattr(fake, name))
    live_projects.clear()
    return fake


@pytest.fixture
def project(db):
    tree = factories.make_site()
    return factories.make_project(tree, title="Puits de Kaya", slug="puits")


def gift(**overrides) -> dict:
    return {"project": "puits", "amount": 2500, "currency": "EUR", "frequency": "once", "name": "Awa Diallo",
            "email": "awa@example.org", **overrides}


def post_intent(client, payload=None, content_type="application/json", **headers):
    body = json.dumps(gift() if payload is None else payload)
    return client.post("/donate/api/intents/", body, content_type=content_type, **headers)


def post_confirm(client, donation_id, setup_intent, content_type="application/json", **headers):
    return client.post(f"/donate/api/donations/{donation_id}/confirm/", json.dumps({"setup_intent": setup_intent}),
                       content_type=content_type, **headers)


def form_post(client, data=None, **headers):
    """The no-JavaScript form's post to /donate/pay/ (form-encoded, flat field names)."""
    return client.post("/donate/pay/", data if data is not None else {
        "project": "puits", "amount": "2500", "frequency": "once", "name": "Awa Diallo",
        "email": "awa@example.org"}, **headers)
