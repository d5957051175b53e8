"""`reconcile_stripe` fills the ledger from Stripe when webhooks never came, and never doubles a gift.

localstripe refuses the `created` filter on its lists (400 or 500), while the command always sends it (an
unfiltered listing would, against real Stripe, page through the whole account). So the command runs
against `DateFilteringStripe`: a small HTTP adapter in front of localstripe that does the filtering
localstripe does not, and records what the command asked for. The quirk stays here, in the tests."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
import requests
from django.core.management import call_command
from django.core.management.base import CommandError

from cms.donations import confirmed, gateway
from cms.donations.management.commands import reconcile_stripe
from cms.donations.models import Donation, LedgerEntry
from tests import factories
from tests.test_donations_api import confirm_card, post_json, valid

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

LISTINGS = ("/v1/payment_intents", "/v1/invoices", "/v1/refunds")


class DateFilteringStripe:
    """localstripe with Stripe's `created[gte|gt|lte|lt]` on list requests: the adapter strips the filter
    before forwarding (localstripe would refuse it) and applies it to the page it gets back. Every other
    request passes through unchanged. `listed` keeps each list request's path and filter, as sent."""

    OPS = {"gte": int.__ge__, "gt": int.__gt__, "lte": int.__le__, "lt": int.__lt__}

    def __init__(self, upstream: str):
        self.upstream, self.listed = upstream, []
        adapter = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def forward(self):
                parts = urlsplit(self.path)
                query = parse_qsl(parts.query, keep_blank_values=True)
                created = {key[len("created["):-1]: int(value) for key, value in query
                           if key.startswith("created[")}
                if self.command == "GET" and parts.path in LISTINGS:
                    adapter.listed.append((parts.path, created))
                query = [(key, value) for key, value in query if not key.startswith("created")]
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                upstream = requests.request(self.command, f"{adapter.upstream}{parts.path}?{urlencode(query)}",
                                            data=body, headers=headers, timeout=30)
                content = upstream.content
                if created and upstream.ok:
                    page = upstream.json()
                    page["data"] = [obj for obj in page.get("data", []) if all(
                        adapter.OPS[op](int(obj.get("created") or 0), bound) for op, bound in created.items())]
                    content = json.dumps(page).encode()
                self.send_response(upstream.status_code)
                self.send_header("Content-Type", upstream.headers.get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_DELETE = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def silent_stripe(localstripe_without_webhooks):
    return localstripe_without_webhooks  # no webhook registered: as if every delivery had been lost


@pytest.fixture(scope="module")
def stripe_api(silent_stripe):
    adapter = DateFilteringStripe(silent_stripe.url)
    yield adapter
    adapter.stop()


@pytest.fixture
def paid(client, silent_stripe, stripe_api, settings, monkeypatch):
    """Card gifts paid through the real endpoints whose ledger rows were never written: the webhooks are
    lost (none registered) and the confirm's own recording (confirmed.py, a courtesy that may fail) is
    switched off, so only reconcile can find them."""
    silent_stripe.flush()
    stripe_api.listed.clear()
    settings.STRIPE_API_BASE = stripe_api.url
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    monkeypatch.setattr(confirmed, "record_payment_intent", lambda donation, pi: False)
    monkeypatch.setattr(confirmed, "record_first_invoice", lambda donation, subscription: False)
    tree = factories.make_site()
    factories.make_project(tree, title="Puits", slug="puits")

    def give(**overrides):
        body = json.loads(post_json(client, "/donate/api/intents/", valid(**overrides)).content)
        seti = Donation.objects.get(pk=body["donation"]).stripe_setup_intent
        confirm_card(seti)
        result = post_json(client, body["confirm_url"], {"setup_intent": seti}).json()
        assert result["status"] == "succeeded", result
        return Donation.objects.get(pk=body["donation"])
    return give


def reconcile(capsys, *extra):
    call_command("reconcile_stripe", "--since", dt.date.today().isoformat(), *extra)
    return capsys.readouterr().out


def since_midnight() -> int:
    day = dt.date.today()
    return int(dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp())


def test_lost_webhooks_are_recovered_once(paid, stripe_api, capsys):
    once = paid(amount=3000)
    monthly = paid(amount=1200, frequency="monthly", email="m@example.org")
    assert not LedgerEntry.objects.exists()
    assert Donation.objects.get(pk=once.pk).status == "pending"  # nothing recorded the payment

    assert "2 missing" in reconcile(capsys, "--dry-run")
    assert not LedgerEntry.objects.exists()

    out = reconcile(capsys)
    assert "2 recorded" in out
    rows = {e.stripe_object[:3]: e for e in LedgerEntry.objects.all()}
    assert rows["pi_"].amount == 3000 and rows["pi_"].donation == once
    assert rows["in_"].amount == 1200 and rows["in_"].donation == monthly
    assert Donation.objects.get(pk=once.pk).status == "succeeded"
    assert {e.stripe_event for e in rows.values()} == {f"reconcile:{e.stripe_object}" for e in rows.values()}
    # Every listing carried the date filter (Stripe filters; nothing is listed from the account's start).
    assert stripe_api.listed and all(created == {"gte": since_midnight()} for _, created in stripe_api.listed)
    assert {path for path, _ in stripe_api.listed} == set(LISTINGS)

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


def test_a_refused_listing_is_a_clear_error_never_an_unfiltered_listing(settings, silent_stripe, capsys):
    """Straight at localstripe, which refuses the date filter: the command stops and says so (it used to
    retry without the filter, which against real Stripe lists every object ever)."""
    silent_stripe.flush()
    settings.STRIPE_API_BASE = silent_stripe.url
    with pytest.raises(CommandError, match="Stripe refused or failed a listing"):
        reconcile(capsys)
    assert not LedgerEntry.objects.exists()


def test_event_ids_fit_the_column():
    assert reconcile_stripe.event_id("pi_123") == "reconcile:pi_123"
    long_id = "in_" + "x" * 61  # 64 characters: the longest id webhooks.py takes
    assert len(reconcile_stripe.event_id(long_id)) == LedgerEntry._meta.get_field("stripe_event").max_length
    assert reconcile_stripe.event_id(long_id) != reconcile_stripe.event_id("in_" + "y" * 61)
