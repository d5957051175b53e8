"""`reconcile_stripe` fills the ledger from Stripe when webhooks never came, and never doubles a gift."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from donations import gateway
from donations.models import LedgerEntry
from tests import factories
from tests.conftest import LocalStripe
from tests.test_donations_api import confirm_card, post_json, valid

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@pytest.fixture(scope="module")
def silent_stripe():
    server = LocalStripe()  # no webhook registered: as if every delivery had been lost
    yield server
    server.stop()


@pytest.fixture
def paid(client, silent_stripe, settings):
    silent_stripe.flush()
    settings.STRIPE_API_BASE = silent_stripe.url
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    tree = factories.make_site()
    factories.make_project(tree, title="Puits", slug="puits")

    def give(**overrides):
        body = json.loads(post_json(client, "/donate/api/intents/", valid(**overrides)).content)
        from donations.models import Donation

        seti = Donation.objects.get(pk=body["donation"]).stripe_setup_intent
        confirm_card(seti)
        result = post_json(client, body["confirm_url"], {"setup_intent": seti}).json()
        assert result["status"] == "succeeded", result
        return Donation.objects.get(pk=body["donation"])
    return give


def reconcile(capsys, *extra):
    call_command("reconcile_stripe", "--since", dt.date.today().isoformat(), *extra)
    return capsys.readouterr().out


def test_lost_webhooks_are_recovered_once(paid, capsys):
    once = paid(amount=3000)
    monthly = paid(amount=1200, frequency="monthly", email="m@example.org")
    assert not LedgerEntry.objects.exists()

    assert "2 missing" in reconcile(capsys, "--dry-run")
    assert not LedgerEntry.objects.exists()

    out = reconcile(capsys)
    assert "2 recorded" in out
    rows = {e.stripe_object[:3]: e for e in LedgerEntry.objects.all()}
    assert rows["pi_"].amount == 3000 and rows["pi_"].donation == once
    assert rows["in_"].amount == 1200 and rows["in_"].donation == monthly

    assert "0 missing" in reconcile(capsys)
    assert LedgerEntry.objects.count() == 2


def test_refunds_are_recovered_after_their_payment(paid, capsys):
    donation = paid(amount=4000)
    gateway.client().v1.refunds.create({"payment_intent": donation.stripe_payment_intent, "amount": 1000})
    reconcile(capsys)
    assert sorted(LedgerEntry.objects.values_list("kind", "amount")) == [("payment", 4000), ("refund", -1000)]
    reconcile(capsys)
    assert LedgerEntry.objects.count() == 2


def test_bad_date_is_a_clear_error():
    with pytest.raises(CommandError, match="--since takes a date"):
        call_command("reconcile_stripe", "--since", "hier")
