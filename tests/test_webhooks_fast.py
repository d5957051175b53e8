"""What one webhook delivery costs, and that the cheaper path records the same rows.

A redelivery is one indexed read. On PostgreSQL a new payment event is that read, then one statement
(donations/fast_intake.py), in no transaction of ours. On SQLite the event's row, the ledger row and a
rebuilt donation are each one `INSERT … ON CONFLICT DO NOTHING` (no savepoints, no exception on a
duplicate), the donation is found in one query, and the thank-you's task is one INSERT in the same
transaction. Either way the webhook skips the middlewares after
SecurityMiddleware (donations/webhook_shortcut.py). Runs on SQLite and PostgreSQL.
"""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models.signals import post_save
from django.test.utils import CaptureQueriesContext

from cms.donations.insert_or_nothing import insert_or_nothing
from cms.donations.models import Donation, LedgerEntry, StripeEvent
from cms.projects.models import ProjectPage
from tests import factories
from tests.stripe_events import WEBHOOK_SECRET, event, payment_intent, sign

URL = "/donate/stripe/webhook/"
TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")

pytestmark = pytest.mark.django_db
PG = connection.vendor == "postgresql"


@pytest.fixture
def deliver(client, settings):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    tree = factories.make_site()
    factories.make_project(tree, title="Puits", slug="puits")

    def send(payload: bytes):
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(URL, payload, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=sign(payload))
        statements = [q["sql"] for q in ctx.captured_queries]
        control = [s for s in statements if s.startswith(TRANSACTION_CONTROL)]
        return response, [s for s in statements if s not in control], control
    return send


def test_a_duplicate_costs_one_read(deliver):
    payload = event("payment_intent.succeeded", payment_intent("pi_twice"), event_id="evt_twice")
    assert deliver(payload)[0].json() == {"status": "processed"}
    response, statements, control = deliver(payload)
    assert response.json() == {"status": "duplicate"}
    assert len(statements) == 1 and statements[0].startswith("SELECT 1 FROM"), statements
    assert control == [], control  # no transaction, no savepoint


def test_a_gift_we_have_no_record_of_is_two_statements_on_pg_seven_on_sqlite_and_recorded_paid(deliver):
    donation_id = str(uuid.uuid4())
    payload = event("payment_intent.succeeded", payment_intent("pi_rebuilt", donation=donation_id, amount=4200))
    response, statements, control = deliver(payload)
    assert response.json() == {"status": "processed"}
    # The read that finds no such event yet, then (the savepoint pair: the test's transaction is around it):
    if PG:  # one statement
        assert len(statements) == 2 and statements[1].startswith("WITH found") and len(control) == 2, statements
    else:  # the event, the donation looked up (one query), its project, the donation, the ledger row, the task
        assert len(statements) == 7, "\n".join(statements)
        assert not any(s.startswith("UPDATE") for s in statements) and len(control) == 2, control
    donation = Donation.objects.get(pk=donation_id)
    assert (donation.status, donation.stripe_payment_intent, donation.failure_message) == \
        ("succeeded", "pi_rebuilt", "")
    assert donation.project is not None and donation.project_slug == "puits" and donation.amount == 4200
    entry = LedgerEntry.objects.get()
    assert (entry.stripe_object, entry.amount, entry.donation_id, entry.project_id) == \
        ("pi_rebuilt", 4200, donation.pk, donation.project_id)
    assert StripeEvent.objects.filter(type="payment_intent.succeeded").count() == 1


def test_a_known_donation_is_found_by_its_id_before_its_payment_intent(deliver):
    project = ProjectPage.objects.get(slug="puits")
    named = Donation.objects.create(project=project, project_slug="puits", amount=5000, currency="EUR")
    other = Donation.objects.create(project=project, project_slug="puits", amount=5000, currency="EUR",
                                    stripe_payment_intent="pi_known")  # newer, holding the same intent
    response, statements, _ = deliver(event("payment_intent.succeeded",
                                            payment_intent("pi_known", donation=str(named.pk))))
    assert response.json() == {"status": "processed"}
    # The read; SQLite: the event, the donation (one query), the ledger row, the task, the donation marked paid.
    assert len(statements) == (2 if PG else 6), "\n".join(statements)
    assert LedgerEntry.objects.get().donation_id == named.pk
    named.refresh_from_db(), other.refresh_from_db()
    assert (named.status, named.stripe_payment_intent, other.status) == ("succeeded", "pi_known", "pending")


def test_a_donation_paid_already_is_not_written_again(deliver):
    paid = Donation.objects.create(project_slug="puits", amount=5000, currency="EUR", status="succeeded",
                                   stripe_payment_intent="pi_paid")
    response, statements, _ = deliver(event("payment_intent.succeeded",
                                            payment_intent("pi_paid", donation=str(paid.pk))))
    assert response.json() == {"status": "processed"}
    if PG:  # the read, the statement
        assert len(statements) == 2, statements
    else:  # the read, the event, the donation, the ledger row, the task; no UPDATE
        assert len(statements) == 5 and not any(s.startswith("UPDATE") for s in statements), statements
    paid.refresh_from_db()
    assert LedgerEntry.objects.get().stripe_object == "pi_paid" and paid.status == "succeeded"


def test_the_webhook_skips_the_middlewares_after_security(deliver, client):
    response = deliver(event("payment_intent.succeeded", payment_intent("pi_headers")))[0]
    assert response.status_code == 200
    assert "Content-Language" not in response and "Set-Cookie" not in response  # no locale, no session
    assert response["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert response["X-Frame-Options"] == "DENY" and response["X-Content-Type-Options"] == "nosniff"
    assert int(response["Content-Length"]) == len(response.content)
    # Any other path, on /donate/ too, still goes through the whole stack.
    other = client.get("/donate/totals.json")
    assert other.status_code == 200 and other["Content-Language"] and "Accept-Language" in other["Vary"]


def test_the_webhook_still_refuses_other_methods_and_bad_signatures(deliver, client):
    assert client.get(URL).status_code == 405
    response = client.post(URL, b"{}", content_type="application/json", HTTP_STRIPE_SIGNATURE="t=1,v1=00")
    assert response.status_code == 400 and "Signature invalide" in response.json()["errors"]["__all__"][0]


def test_insert_or_nothing_ignores_only_its_key():
    assert insert_or_nothing(StripeEvent(id="evt_once", type="x"), key="id")
    assert not insert_or_nothing(StripeEvent(id="evt_once", type="changed"), key="id")
    assert StripeEvent.objects.get(id="evt_once").type == "x"  # the existing row is left as it was
    entry = LedgerEntry(kind="payment", amount=100, currency="EUR", stripe_object="pi_row", occurred_at=_now())
    assert insert_or_nothing(entry, key="stripe_object") and entry.pk == LedgerEntry.objects.get().pk
    assert entry.recorded_at is not None  # auto_now_add filled in as save() does
    # The sign rule is a CHECK constraint: never swallowed (SQLite's INSERT OR IGNORE would).
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_or_nothing(LedgerEntry(kind="payment", amount=-100, currency="EUR", stripe_object="pi_negative",
                                      occurred_at=_now()), key="stripe_object")
    assert not LedgerEntry.objects.filter(stripe_object="pi_negative").exists()


def test_no_signal_is_connected_to_the_rows_written_without_save():
    """insert_or_nothing sends no signal: it is only right while nothing listens to these models (Wagtail's
    locale receiver, connected to every model, does nothing for models without a locale)."""
    for model in (StripeEvent, LedgerEntry, Donation):
        assert not post_save._live_receivers(model)[0], model
        assert not hasattr(model, "locale"), model


def _now():
    from django.utils import timezone

    return timezone.now()
