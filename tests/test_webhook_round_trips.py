"""How many database round trips each kind of Stripe event costs, as the webhook's request makes them.

Counts do not depend on the machine's load, unlike timings: each test delivers one event through the
test client in a transactional test (no test transaction around it, so the webhook's own transaction, or
none, is what production has) and counts the statements Django sends plus, for each transaction, its
BEGIN and its COMMIT or ROLLBACK. Every event first costs one indexed read (webhooks.already_recorded),
where a redelivery stops. On PostgreSQL a new payment event is then ONE statement (fast_intake.py) that
also queues its tasks and wakes the worker; the others are one transaction. Runs on SQLite and PostgreSQL.

Also here: the same guarantees for the one-statement path under concurrency, forced deterministically
(a first delivery still in flight; a donation written by a concurrent event after the statement's
snapshot), and an extra task declared on payment_recorded costing no extra round trip.
"""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django_tasks import task
from django_tasks.signals import task_enqueued
from django_tasks_db.models import DBTaskResult

from cms.donations import signals, webhooks
from cms.donations.insert_or_nothing import prepared
from cms.donations.models import Donation, LedgerEntry, StripeEvent
from tests import factories
from tests.stripe_events import WEBHOOK_SECRET, event, payment_intent, refund_of, sign

URL = "/donate/stripe/webhook/"
PG = connection.vendor == "postgresql"
CONTROL = ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


@task(backend="builds", queue_name="builds")
def extra_work(entry_id: int) -> None:
    """A task another app could declare on payment_recorded (the public ledger's sync, say)."""


@pytest.fixture
def deliver(client, settings, monkeypatch):
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    tree = factories.make_site()
    factories.make_project(tree, title="Puits", slug="puits")
    ends = []
    for name in ("commit", "rollback"):
        real = getattr(connection, name)
        monkeypatch.setattr(connection, name, lambda real=real, name=name: (ends.append(name), real())[1])

    def send(payload: bytes):
        """(status, body, round trips, statements) of one delivery."""
        ends.clear()
        with CaptureQueriesContext(connection) as ctx:
            response = client.post(URL, payload, content_type="application/json",
                                   HTTP_STRIPE_SIGNATURE=sign(payload))
        # Django logs a transaction's BEGIN (and SQLite's COMMIT) too: counted once, from `ends`.
        statements = [q["sql"] for q in ctx.captured_queries if q["sql"] not in CONTROL]
        return response.status_code, response.json(), len(statements) + 2 * len(ends), statements
    return send


def invoice(invoice_id, subscription, amount=1500, **extra):
    return {"id": invoice_id, "object": "invoice", "amount_paid": amount, "amount_due": amount, "currency": "eur",
            "subscription": subscription, "customer": "cus_1", "charge": f"ch_{invoice_id}",
            "created": int(time.time()), "lines": {"data": []}, **extra}


def monthly(subscription="sub_rt", status="active"):
    return Donation.objects.create(project_slug="puits", frequency="monthly", amount=1500, currency="EUR",
                                   stripe_subscription=subscription, status=status)


def tasks(name):
    return list(DBTaskResult.objects.filter(task_path__endswith=name).values_list("args_kwargs", flat=True))


# --- the counts, one test per kind of event ---------------------------------------------------------------
# SQLite's figures: BEGIN IMMEDIATE and COMMIT, the event's row, the lookups, the rows written, the task.

def test_a_gift_we_have_no_record_of(deliver):
    status, body, trips, statements = deliver(event("payment_intent.succeeded", payment_intent("pi_new")))
    assert (status, body) == (200, {"status": "processed"})
    # SQLite: the read, BEGIN, event, lookup, project, donation, ledger, task, COMMIT
    assert trips == (2 if PG else 9), statements
    entry = LedgerEntry.objects.get(stripe_object="pi_new")
    assert Donation.objects.get(pk=entry.donation_id).status == "succeeded"
    assert tasks("thank_for_payment") == [{"args": [entry.pk], "kwargs": {}}]


def test_a_redelivery_is_one_read(deliver):
    payload = event("payment_intent.succeeded", payment_intent("pi_again"))
    assert deliver(payload)[1] == {"status": "processed"}
    status, body, trips, statements = deliver(payload)
    assert (status, body) == (200, {"status": "duplicate"})
    assert trips == 1 and statements[0].startswith("SELECT 1 FROM"), statements
    assert LedgerEntry.objects.count() == 1 and len(tasks("thank_for_payment")) == 1


def test_a_gift_started_on_the_giving_page(deliver):
    donation = Donation.objects.create(project_slug="puits", amount=5000, currency="EUR",
                                       stripe_payment_intent="pi_page")
    status, body, trips, statements = deliver(
        event("payment_intent.succeeded", payment_intent("pi_page", donation=str(donation.pk))))
    assert (status, body) == (200, {"status": "processed"})
    assert trips == (2 if PG else 8), statements  # SQLite: read, BEGIN, event, lookup, ledger, task, update, COMMIT
    donation.refresh_from_db()
    assert donation.status == "succeeded" and LedgerEntry.objects.get().donation_id == donation.pk


def test_a_monthly_payment_and_its_second_event_name(deliver):
    donation = monthly()
    status, body, trips, statements = deliver(event("invoice.payment_succeeded", invoice("in_rt", "sub_rt")))
    assert (status, body) == (200, {"status": "processed"})
    assert trips == (2 if PG else 8), statements
    # invoice.paid for the same invoice: its own event, the same ledger row (written once, thanked once).
    status, body, trips, statements = deliver(event("invoice.paid", invoice("in_rt", "sub_rt")))
    assert (status, body) == (200, {"status": "processed"})
    assert trips == (2 if PG else 7), statements  # SQLite: no task: the ledger row was there already
    donation.refresh_from_db()
    assert donation.status == "active" and LedgerEntry.objects.filter(donation=donation).count() == 1
    assert len(tasks("thank_for_payment")) == 1


def test_a_monthly_payment_of_a_subscription_not_known_yet_writes_nothing(deliver):
    queued = DBTaskResult.objects.count()  # the site's builds, queued by the pages made for the test
    status, body, trips, statements = deliver(event("invoice.paid", invoice("in_early", "sub_unknown")))
    assert (status, body) == (503, {"status": "retry"})
    assert trips == (2 if PG else 5), statements  # SQLite: read, BEGIN, event, lookup, ROLLBACK
    assert not StripeEvent.objects.exists() and not Donation.objects.exists()
    assert DBTaskResult.objects.count() == queued


def test_a_declined_card(deliver):
    donation = Donation.objects.create(project_slug="puits", amount=5000, currency="EUR",
                                       stripe_payment_intent="pi_declined")
    status, body, trips, statements = deliver(event("payment_intent.payment_failed", payment_intent(
        "pi_declined", donation=str(donation.pk), last_payment_error={"message": "Carte refusée."})))
    assert (status, body) == (200, {"status": "processed"})
    assert trips <= 6, statements  # read, BEGIN, event, lookup, update, COMMIT
    donation.refresh_from_db()
    assert donation.status == "failed"


def test_a_failed_monthly_payment_queues_its_e_mail_in_the_transaction(deliver):
    donation = monthly("sub_fail")
    status, body, trips, statements = deliver(event("invoice.payment_failed", invoice("in_fail", "sub_fail")))
    assert (status, body) == (200, {"status": "processed"})
    assert trips <= 7, statements  # read, BEGIN, event, lookup, update, the task (with NOTIFY on PG), COMMIT
    assert tasks("tell_payment_failed") == [{"args": [str(donation.pk)], "kwargs": {}}]


def test_a_stopped_monthly_gift(deliver):
    donation = monthly("sub_end")
    status, body, trips, statements = deliver(event("customer.subscription.deleted",
                                                    {"id": "sub_end", "object": "subscription"}))
    assert (status, body) == (200, {"status": "processed"})
    assert trips <= 7, statements  # read, BEGIN, event, the gifts ending, update, the task, COMMIT
    assert tasks("tell_gift_ended") == [{"args": [str(donation.pk)], "kwargs": {}}]


def test_a_refund(deliver):
    deliver(event("payment_intent.succeeded", payment_intent("pi_refunded")))
    status, body, trips, statements = deliver(event("charge.refunded", refund_of("pi_refunded", 2000, "re_rt")))
    assert (status, body) == (200, {"status": "processed"})
    # read, BEGIN, event, the payment, its lock, the refund seen and refunded so far, the row, the tasks
    # (receipt cancellation, public ledger sync: one INSERT), COMMIT; then the donor wall's receiver
    # (donations/wall.py) reads the refunded gift, after the commit
    assert trips <= 10, "\n".join(x[:150] for x in statements)
    # The refund's own work never re-reads its donation: the one read is the wall receiver's, the last.
    reads = [n for n, sql in enumerate(statements) if 'FROM "donations_donation"' in sql]
    assert reads == [len(statements) - 1], statements
    refund = LedgerEntry.objects.get(kind="refund")
    assert refund.amount == -2000 and tasks("cancel_receipt_for_refund") == [{"args": [refund.pk], "kwargs": {}}]


def test_ignored_and_malformed_events_touch_nothing_or_almost(deliver):
    status, body, trips, statements = deliver(event("customer.created", {"id": "cus_x", "object": "customer"}))
    assert (status, body, trips) == (200, {"status": "ignored"}, 0), statements
    status, body, trips, statements = deliver(event("payment_intent.succeeded", payment_intent("pi_bad", amount=-1)))
    assert (status, trips) == (400, 0), statements
    assert not StripeEvent.objects.exists() and not LedgerEntry.objects.exists()


def test_an_extra_task_on_payment_recorded_costs_no_round_trip(deliver):
    signals.enqueue_on(signals.payment_recorded, extra_work)
    try:
        status, body, trips, statements = deliver(event("payment_intent.succeeded", payment_intent("pi_extra")))
    finally:
        signals._TASKS[signals.payment_recorded].remove(extra_work)
    assert (status, body) == (200, {"status": "processed"})
    assert trips == (2 if PG else 9), statements  # SQLite: both tasks in one INSERT
    entry = LedgerEntry.objects.get()
    assert tasks("extra_work") == [{"args": [entry.pk], "kwargs": {}}]
    assert tasks("thank_for_payment") == [{"args": [entry.pk], "kwargs": {}}]


def test_the_library_signal_these_rows_skip_has_only_its_own_log_receiver():
    """task_rows.py writes the rows `enqueue` writes without sending `task_enqueued`: right only while its
    one receiver is django_tasks' own debug log line."""
    receivers = [ref() for _key, ref, *_ in task_enqueued.receivers]
    assert [f"{r.__module__}.{r.__name__}" for r in receivers] == ["django_tasks.signals.log_task_enqueued"]


# --- the one-statement path under concurrency (PostgreSQL), forced rather than hoped for ----------------

def _holder():
    """A connection of its own, in a transaction the test commits or rolls back when it chooses."""
    return connection.Database.connect(**connection.get_connection_params())


def _in_thread(func):
    out = {}

    def run():
        try:
            out["value"] = func()
        except Exception as exc:  # reported to the test
            out["error"] = exc
        finally:
            connections.close_all()
    thread = threading.Thread(target=run)
    thread.start()
    return thread, out


def _wait_for_a_lock_wait(timeout=10.0):
    """Until a session of this database waits on a lock (the statement the thread runs)."""
    deadline = time.monotonic() + timeout
    with _holder() as probe:
        probe.autocommit = True
        while time.monotonic() < deadline:
            if probe.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                             "AND wait_event_type = 'Lock'").fetchone()[0]:
                return
            time.sleep(0.02)
    raise AssertionError("the statement never waited")


def _verified(payload: bytes) -> dict:
    import json

    return json.loads(payload)


@pytest.mark.postgresql  # the one-statement path is PostgreSQL's (deselected on SQLite)
@pytest.mark.parametrize("first", ["commits", "rolls back"])
def test_a_redelivery_while_the_first_is_in_flight(deliver, first):
    payload = _verified(event("payment_intent.succeeded", payment_intent("pi_flight"), event_id="evt_flight"))
    with _holder() as held:  # the first delivery: its event's row written, not committed yet
        held.execute("INSERT INTO donations_stripeevent (id, type, received_at) VALUES (%s, %s, now())",
                     ["evt_flight", "payment_intent.succeeded"])
        thread, out = _in_thread(lambda: webhooks.process(payload))
        _wait_for_a_lock_wait()
        held.commit() if first == "commits" else held.rollback()
        thread.join(20)
    assert "error" not in out, out
    if first == "commits":  # the first delivery recorded the event (and, in real life, the rest of it)
        assert out["value"] == "duplicate" and not LedgerEntry.objects.exists() and not tasks("thank_for_payment")
    else:  # it died: this one records everything
        assert out["value"] == "processed" and LedgerEntry.objects.get().stripe_object == "pi_flight"
        assert len(tasks("thank_for_payment")) == 1
    assert StripeEvent.objects.filter(id="evt_flight").count() == 1


@pytest.mark.postgresql  # the one-statement path is PostgreSQL's (deselected on SQLite)
def test_a_donation_written_after_the_statements_snapshot_is_the_one_recorded(deliver):
    """Another event of the same gift inserts its donation while this statement runs: the statement's
    snapshot does not see it, its INSERT waits on the id, then ON CONFLICT DO UPDATE uses the newest row."""
    donation_id = uuid.uuid4()
    payload = _verified(event("payment_intent.succeeded",
                              payment_intent("pi_race", donation=str(donation_id), amount=4200)))
    project_id = Donation._meta.get_field("project").related_model.objects.get(slug="puits").pk
    other = prepared(Donation(pk=donation_id, project_id=project_id, project_slug="puits", kind="sponsorship",
                              amount=4200, currency="EUR", source="page", reference="VDA-RACE01",
                              failure_message="ancien échec"), connection)
    with _holder() as held:
        held.execute("INSERT INTO donations_donation (%s) VALUES (%s)" % (
            ", ".join(other), ", ".join(["%s"] * len(other))), list(other.values()))
        thread, out = _in_thread(lambda: webhooks.process(payload))
        _wait_for_a_lock_wait()
        held.commit()
        thread.join(20)
    assert out.get("value") == "processed", out
    assert Donation.objects.count() == 1
    donation = Donation.objects.get(pk=donation_id)
    # The update rule applied to the row the other event wrote (pending -> succeeded), its own values kept.
    assert (donation.status, donation.stripe_payment_intent, donation.failure_message, donation.source,
            donation.reference) == ("succeeded", "pi_race", "", "page", "VDA-RACE01")
    entry = LedgerEntry.objects.get()
    assert (entry.donation_id, entry.donation_kind, entry.project_id, entry.amount) == \
        (donation_id, "sponsorship", project_id, 4200)  # "sponsorship": the newest row's, not the metadata's
    assert tasks("thank_for_payment") == [{"args": [entry.pk], "kwargs": {}}]


@pytest.mark.postgresql  # the one-statement path is PostgreSQL's (deselected on SQLite)
def test_twelve_threads_delivering_one_new_event_record_it_once(deliver):
    payload = _verified(event("invoice.paid", invoice("in_many", "sub_many",
                                                      parent={"subscription_details": {"metadata": {
                                                          "project": "puits", "frequency": "monthly"}}})))
    barrier = threading.Barrier(12)

    def one():
        barrier.wait()
        return webhooks.process(payload)
    runs = [_in_thread(one) for _ in range(12)]
    for thread, _ in runs:
        thread.join(30)
    outcomes = sorted(out.get("value", repr(out.get("error"))) for _, out in runs)
    assert outcomes == ["duplicate"] * 11 + ["processed"], outcomes
    assert (Donation.objects.count(), LedgerEntry.objects.count(), StripeEvent.objects.count()) == (1, 1, 1)
    assert len(tasks("thank_for_payment")) == 1


def test_a_coalesced_task_is_queued_once_for_a_burst_at_no_round_trip(deliver):
    """The public ledger's sync (`enqueue_on(…, coalesce=True)`): queued by the first payment's statement or
    transaction, not again while it waits, and by a refund too once the first has run."""
    from cms.transparency.ledger.tasks import sync_ledger

    waiting = DBTaskResult.objects.filter(task_path=sync_ledger.module_path, status="READY")
    for n in range(3):
        status, body, trips, statements = deliver(event("payment_intent.succeeded", payment_intent(f"pi_burst{n}")))
        assert (status, body, trips) == (200, {"status": "processed"}, 2 if PG else 9), statements
    assert waiting.count() == 1 and waiting.get().args_kwargs == {"args": [], "kwargs": {}}
    assert len(tasks("thank_for_payment")) == 3  # the other tasks are still queued once per payment
    waiting.update(status="SUCCESSFUL")  # the worker ran it
    deliver(event("charge.refunded", refund_of("pi_burst0", 1000, "re_burst")))
    assert waiting.count() == 1
