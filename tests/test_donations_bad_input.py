"""Bad input on the donation endpoint gets a French 400 (or 413), never a 500, and leaves nothing behind:
no row, and no Stripe object (customers are counted in a real localstripe). Then what happens when Stripe
itself misbehaves: a Stripe that accepts connections and never answers (a real TCP server on 127.0.0.1)
costs the donor seconds, not minutes; and no log line, at any level, carries a donor's personal data."""

from __future__ import annotations

import copy
import json
import logging
import logging.config
import os
import socket
import subprocess
import sys
import threading
import time

import pytest
import requests
import stripe
import stripe._util as stripe_util
from django.db import connection

from cms.donations import gateway, live_projects
from cms.donations.models import Donation, Donor, LedgerEntry
from tests import factories
from tests.conftest import REPO
from tests.test_donations_api import confirm_card, post_json, valid

pytestmark = pytest.mark.django_db  # in-process and one thread: the fast, rolled-back kind
THREADED = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # requests run in a thread

INTENTS = "/donate/api/intents/"
PAY = "/donate/pay/"
STRIPE_DOWN = "Le service de paiement ne répond pas"


@pytest.fixture(scope="module")
def stripe_server(localstripe_without_webhooks):
    return localstripe_without_webhooks  # flushed by each test's fixture below


@pytest.fixture
def stripe_settings(stripe_server, settings):
    stripe_server.flush()
    settings.STRIPE_API_BASE = stripe_server.url
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    from django.core.cache import cache

    cache.clear()
    live_projects.clear()
    return stripe_server


@pytest.fixture
def project(db):
    tree = factories.make_site()
    return factories.make_project(tree, title="Puits de Kaya", slug="puits")


def stripe_customers(server) -> int:
    return len(requests.get(f"{server.url}/v1/customers", params={"limit": 100}, timeout=10,
                            auth=("sk_test_localstripe", "")).json()["data"])


def assert_nothing_written(server):
    assert not Donation.objects.exists() and not Donor.objects.exists() and not LedgerEntry.objects.exists()
    assert stripe_customers(server) == 0


def pay_form(**overrides):
    data = {"project": "puits", "amount": "2500", "name": "Awa Diallo", "email": "awa@example.org",
            "plan": "once"}
    data.update(overrides)
    return data


# --- amounts that Decimal() accepts and arithmetic chokes on -------------------------------------------

HOSTILE_AMOUNTS = ["sNaN", "NaN", "-NaN", "inf", "-inf", "Infinity", "1e999999", "1E+999999999", "9e99999999",
                   "1e-999999", "-0", "0", "0.00", "-25", "+25", "1_000", "٣٠", "25.5.5", "25e2", "0x19", "€",
                   "1" * 20]


def test_hostile_amount_text_is_a_french_400_on_the_api(client, stripe_settings, project):
    for text in HOSTILE_AMOUNTS:
        payload = valid(amount_display=text)
        del payload["amount"]
        response = post_json(client, INTENTS, payload)
        assert response.status_code == 400, (text, response.content)
        errors = response.json()["errors"]
        message = " ".join(errors.get("amount", []) + errors.get("amount_display", []))
        assert "montant" in message.lower() or "caractères au plus" in message, (text, message)
        assert_nothing_written(stripe_settings)


def test_hostile_amount_text_is_a_french_400_on_the_pay_page(client, stripe_settings, project):
    for text in ["sNaN", "inf", "1e999999", "NaN", "-0", "9e99999999", "Infinity"]:
        response = client.post(PAY, pay_form(amount_display=text))
        assert response.status_code == 400, text
        assert "Saisissez un montant" in response.content.decode(), text
        assert_nothing_written(stripe_settings)


def test_typed_amounts_donors_really_type_still_work(client, stripe_settings, project):
    for text, minor in [("25", 2500), ("25,50", 2550), ("1\u202f000", 100000), ("40 €", 4000), ("12.5", 1250)]:
        payload = valid(amount_display=text, email=f"d{minor}@example.org")
        response = post_json(client, INTENTS, payload)
        assert response.status_code == 201 and response.json()["amount"] == minor, (text, response.content)


# --- bodies: nesting, size, JSON's non-standard constants ------------------------------------------------

HOSTILE_BODIES = [b"[" * 100_000, b"[" * 15_000, b'{"name": ' + b"[" * 7_000 + b"]" * 7_000 + b"}",
                  b'{"amount": NaN}', b'{"amount": Infinity, "name": "A"}', b'{"setup_intent": -Infinity}',
                  b"\xff\xfe{", b'{"setup_intent": "\\ud800", "name": "\\ud800", "email": "\\udfff@x.org"}']


def test_hostile_bodies_on_intents_and_confirm(client, stripe_settings, project):
    donation = Donation.objects.create(project_slug="puits", amount=2500, currency="EUR",
                                       stripe_setup_intent="seti_x")
    for body in HOSTILE_BODIES:
        for url in (INTENTS, f"/donate/api/donations/{donation.pk}/confirm/"):
            response = post_json(client, url, body)
            assert response.status_code in (400, 413), (body[:40], url, response.status_code)
            answer = response.json()
            messages = ([m for field in answer["errors"].values() for m in field] if "errors" in answer
                        else [answer["message"]] if answer.get("status") == "failed" else [])  # confirm's own form
            assert messages and all(isinstance(m, str) and m for m in messages), answer
    assert Donation.objects.count() == 1 and not Donor.objects.exists()
    assert stripe_customers(stripe_settings) == 0


def test_nesting_within_the_size_cap_is_a_400_not_a_recursion_error(client, stripe_settings, project):
    response = post_json(client, INTENTS, b"[" * 15_000)
    assert response.status_code == 400
    assert response.json() == {"errors": {"__all__": ["Le corps de la requête doit être du JSON."]}}


def test_bodies_over_16_kb_are_refused_before_parsing(client, stripe_settings, project):
    response = post_json(client, INTENTS, valid(source="x" * 17_000))
    assert response.status_code == 413
    assert "trop volumineuse" in response.json()["errors"]["__all__"][0]
    assert_nothing_written(stripe_settings)


# --- every text field against its column, before Stripe ------------------------------------------------

def email_of(length: int, domain_tail: str = "example.org") -> str:
    local = "a" * 64
    labels, left = [], length - len(local) - 1 - len(domain_tail)
    while left > 0:
        take = min(60, left - 1) if left > 1 else 1
        labels.append("b" * take)
        left -= take + 1
    address = f"{local}@{'.'.join(labels + [domain_tail])}"
    assert len(address) == length, len(address)
    return address


def test_a_298_character_email_is_refused_before_any_stripe_call(client, stripe_settings, project):
    email = email_of(298)
    response = post_json(client, INTENTS, valid(email=email))
    assert response.status_code == 400, response.content
    assert response.json()["errors"]["email"] == ["Ce champ est trop long : 254 caractères au plus."]
    assert_nothing_written(stripe_settings)
    response = client.post(PAY, pay_form(email=email))
    assert response.status_code == 400 and "254 caractères au plus" in response.content.decode()
    assert_nothing_written(stripe_settings)


def test_a_254_character_email_fits_its_column(client, stripe_settings, project):
    response = post_json(client, INTENTS, valid(email=email_of(254)))
    assert response.status_code == 201, response.content
    assert len(Donor.objects.get().email) == 254


@pytest.mark.parametrize("field, column", [("name", 120), ("address_line1", 200), ("address_postal_code", 20),
                                           ("address_city", 100), ("source", 60)])
def test_every_text_field_is_held_to_its_column(client, stripe_settings, project, field, column):
    receipt = {"wants_receipt": True, "address_line1": "3 rue des Lilas", "address_postal_code": "75011",
               "address_city": "Paris"}
    too_long = post_json(client, INTENTS, valid(**{**receipt, field: "x" * (column + 1)}))
    assert too_long.status_code == 400
    assert too_long.json()["errors"][field] == [f"Ce champ est trop long : {column} caractères au plus."]
    assert_nothing_written(stripe_settings)
    fits = post_json(client, INTENTS, valid(**{**receipt, field: "x" * column}))
    assert fits.status_code == 201, fits.content


def test_country_is_two_letters_even_after_upper_case(client, stripe_settings, project):
    # "ß".upper() is "SS": two characters in, four out, in a two-character column.
    response = post_json(client, INTENTS, valid(wants_receipt=True, address={
        "line1": "3 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "ßß"}))
    assert response.status_code == 400 and "deux lettres" in response.json()["errors"]["address_country"][0]
    assert_nothing_written(stripe_settings)


@pytest.mark.parametrize("value", ["Awa \ud800 Diallo", "Awa\x00Diallo"])
def test_text_no_database_can_store_is_refused(client, stripe_settings, project, value):
    # json.dumps writes the lone surrogate as the escape \ud800, which json.loads turns back into one.
    response = post_json(client, INTENTS, valid(name=value))
    assert response.status_code == 400 and "name" in response.json()["errors"]
    assert_nothing_written(stripe_settings)


def test_django_messages_are_french_whatever_the_browser_asks(client, stripe_settings, project):
    response = post_json(client, INTENTS, valid(frequency="weekly", name="x" * 121), HTTP_ACCEPT_LANGUAGE="en")
    errors = response.json()["errors"]
    assert errors["frequency"] == ["Ce choix n'est pas valide."]
    assert errors["name"] == ["Ce champ est trop long : 120 caractères au plus."]


# --- a Stripe that hangs ------------------------------------------------------------------------------

class HangingServer:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers (a hung Stripe)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.accepted: list[socket.socket] = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted.append(conn)  # held open, never read from, never written to

    def close(self):
        self.closed = True
        for conn in self.accepted:
            conn.close()
        self.sock.close()


@pytest.fixture
def hanging_stripe(settings, project):
    server = HangingServer()
    settings.STRIPE_API_BASE = server.url
    settings.STRIPE_TIMEOUT_SECONDS = 1
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    live_projects.clear()
    yield server
    server.close()


def timed_request(send, limit: float):
    """Run a request in a thread: a test of the old 80 s x 3 timeouts fails after `limit`, not 4 minutes."""
    result = {}

    def run():
        start = time.monotonic()
        result["response"] = send()
        result["seconds"] = time.monotonic() - start
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(limit)
    assert "response" in result, f"no answer within {limit} s"
    return result["response"], result["seconds"]


@THREADED
def test_a_hanging_stripe_gives_the_donor_a_french_answer_in_seconds(client, hanging_stripe):
    response, seconds = timed_request(lambda: post_json(client, INTENTS, valid()), limit=15)
    assert response.status_code == 502
    assert STRIPE_DOWN in response.json()["errors"]["__all__"][0]
    # one try and one retry of 1 s each (STRIPE_TIMEOUT_SECONDS), with the SDK's ~0.5-1 s pause between
    assert 2 <= seconds < 6, seconds
    assert len(hanging_stripe.accepted) == 2
    assert not Donation.objects.exists() and not Donor.objects.exists()


@THREADED
def test_a_hanging_stripe_on_confirm_and_on_the_pay_page(client, hanging_stripe):
    donation = Donation.objects.create(project_slug="puits", amount=2500, currency="EUR",
                                       stripe_setup_intent="seti_hang")
    response, seconds = timed_request(lambda: post_json(
        client, f"/donate/api/donations/{donation.pk}/confirm/", {"setup_intent": "seti_hang"}), limit=15)
    assert response.status_code == 502 and STRIPE_DOWN in response.json()["errors"]["__all__"][0]
    assert seconds < 6
    response, seconds = timed_request(lambda: client.post(PAY, pay_form()), limit=15)
    assert response.status_code == 502 and STRIPE_DOWN in response.content.decode()
    assert seconds < 6


def test_stripe_client_defaults_are_ten_seconds_and_one_retry(settings):
    del settings.STRIPE_TIMEOUT_SECONDS  # the defaults in code, as well as those of base.py
    http_client = gateway.client()._requestor._client
    assert http_client._timeout == 10
    assert gateway.client()._requestor._options.max_network_retries == 1
    from cms.config.settings import base

    assert base.STRIPE_TIMEOUT_SECONDS == 10


# --- no personal data in logs, at any level -------------------------------------------------------------

class Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record):
        self.lines.append(f"{record.name} {record.levelname} {record.getMessage()}")


@pytest.fixture
def debug_logging(settings, monkeypatch):
    """LOGGING as production applies it with LOG_LEVEL=DEBUG and STRIPE_LOG=debug, every SQL query logged
    (as with DEBUG=True), and a collector on the root logger and on the stripe logger itself."""
    config = copy.deepcopy(settings.LOGGING)
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    monkeypatch.setattr(stripe, "log", "debug")
    monkeypatch.setattr(stripe_util, "STRIPE_LOG", "debug")
    collect = Collect()
    logging.getLogger().addHandler(collect)
    logging.getLogger("stripe").addHandler(collect)
    connection.force_debug_cursor = True
    yield collect
    connection.force_debug_cursor = False
    logging.getLogger().removeHandler(collect)
    logging.getLogger("stripe").removeHandler(collect)
    logging.config.dictConfig(settings.LOGGING)


def test_no_personal_data_in_logs_at_debug(client, stripe_settings, project, debug_logging, capfd):
    donor = {"name": "Ysolde Quarnberg", "email": "ysolde.quarnberg@example.org"}
    address = {"line1": "17 allée des Mimosas-Tardifs", "postal_code": "2A004", "city": "Villequirbec",
               "country": "FR"}
    body = post_json(client, INTENTS, valid(**donor, wants_receipt=True, address=address)).json()
    seti = Donation.objects.get(pk=body["donation"]).stripe_setup_intent
    confirm_card(seti)
    result = post_json(client, body["confirm_url"], {"setup_intent": seti})
    assert result.json()["status"] == "succeeded", result.content
    captured = capfd.readouterr()
    logs = "\n".join(debug_logging.lines) + captured.out + captured.err
    assert "django.db.backends DEBUG" not in logs  # the SQL log prints query parameters: held at INFO
    assert len(debug_logging.lines) > 5, "the capture caught nothing: the test would prove nothing"
    for secret in [donor["name"], "Quarnberg", donor["email"], "ysolde.quarnberg%40example.org",
                   address["line1"], "Mimosas", address["postal_code"], address["city"], body["client_secret"]]:
        assert secret not in logs, f"{secret!r} is in the logs"


def test_stripe_log_environment_variable_cannot_print_bodies(stripe_settings):
    """STRIPE_LOG is read when the SDK is imported, so only a fresh process shows what it does."""
    code = ("import django; django.setup()\n"
            "from cms.donations import gateway\n"
            "gateway.client().v1.customers.create({'name': 'Ysolde Quarnberg', 'email': 'yq@example.org'})\n"
            "print('created')\n")
    env = dict(os.environ, STRIPE_LOG="debug", LOG_LEVEL="DEBUG", STRIPE_API_BASE=stripe_settings.url,
               DJANGO_SETTINGS_MODULE="cms.config.settings.test", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert "created" in done.stdout, done.stderr[-2000:]
    assert "Quarnberg" not in done.stderr + done.stdout and "yq@example.org" not in done.stderr + done.stdout
