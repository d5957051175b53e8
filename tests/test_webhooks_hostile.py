"""Signed webhooks that are not what Stripe sends (the signature proves who sent them, not that they make
sense): each answers 400 (malformed) or 200 (ignored), never 500, and writes nothing. Refunds never take a
payment below zero. A genuine failure on our side still answers 500, so Stripe retries."""

from __future__ import annotations

import json
import logging
import time
import uuid

import pytest

from cms.donations import ledger, webhooks
from cms.donations.ledger import project_totals
from cms.donations.models import Donation, Donor, LedgerEntry, StripeEvent
from tests import factories
from tests.stripe_events import event, payment_intent, refund_of, sign

URL = "/donate/stripe/webhook/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def deliver(client, settings, db):
    from tests.stripe_events import WEBHOOK_SECRET

    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    tree = factories.make_site()
    factories.make_project(tree, title="Puits", slug="puits")

    def send(payload):
        if not isinstance(payload, bytes):
            payload = json.dumps(payload).encode()
        return client.post(URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload))
    return send


def rows() -> tuple[int, int, int, int]:
    return (Donor.objects.count(), Donation.objects.count(), LedgerEntry.objects.count(),
            StripeEvent.objects.count())


def envelope(kind, obj, event_id=None):
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:20]}", "object": "event", "type": kind,
            "created": int(time.time()), "api_version": "2017-08-15", "data": {"object": obj}}


def pi(**changes):
    obj = payment_intent(f"pi_{uuid.uuid4().hex[:16]}")
    for key, value in changes.items():
        if value is DROP:
            obj.pop(key, None)
        else:
            obj[key] = value
    return obj


DROP = object()

MALFORMED = {
    "type is a list": {**envelope("x", {}), "type": ["payment_intent.succeeded"]},
    "type is an object": {**envelope("x", {}), "type": {"name": "payment_intent.succeeded"}},
    "type is a number": {**envelope("x", {}), "type": 7},
    "no type": {"id": "evt_notype", "data": {"object": pi()}},
    "id is a number": {**envelope("payment_intent.succeeded", pi()), "id": 12},
    "event id over 64 characters": envelope("payment_intent.succeeded", pi(), event_id="evt_" + "x" * 61),
    "event id with a NUL": envelope("payment_intent.succeeded", pi(), event_id="evt_\x00"),
    "event id with a lone surrogate": envelope("payment_intent.succeeded", pi(), event_id="evt_\ud800"),
    "data is a list": {**envelope("payment_intent.succeeded", {}), "data": [pi()]},
    "data is a string": {**envelope("payment_intent.succeeded", {}), "data": "pi_x"},
    "data.object is a list": envelope("payment_intent.succeeded", [pi()]),
    "data.object is a string": envelope("payment_intent.succeeded", "pi_x"),
    "data.object is null": envelope("charge.refunded", None),
    "object id over 64 characters": envelope("payment_intent.succeeded", pi(id="pi_" + "x" * 62)),
    "object id is a list": envelope("payment_intent.succeeded", pi(id=["pi_x"])),
    "payment without amount": envelope("payment_intent.succeeded", pi(amount=DROP)),
    "amount as a string": envelope("payment_intent.succeeded", pi(amount="5000")),
    "amount as a float": envelope("payment_intent.succeeded", pi(amount=50.5)),
    "amount negative": envelope("payment_intent.succeeded", pi(amount=-5000)),
    "amount true": envelope("payment_intent.succeeded", pi(amount=True)),
    "amount zero": envelope("payment_intent.succeeded", pi(amount=0)),
    "amount beyond any column": envelope("payment_intent.succeeded", pi(amount=10 ** 30)),
    "currency missing": envelope("payment_intent.succeeded", pi(currency=DROP)),
    "currency odd": envelope("payment_intent.succeeded", pi(currency="euro")),
    "currency a number": envelope("payment_intent.succeeded", pi(currency=978)),
    "currency not letters": envelope("payment_intent.succeeded", pi(currency="€€€")),
    "metadata a list": envelope("payment_intent.succeeded", pi(metadata=["puits"])),
    "metadata values not strings": envelope("payment_intent.succeeded", pi(metadata={"project": ["puits"]})),
    "created a string": envelope("payment_intent.succeeded", pi(created="yesterday")),
    "created beyond datetime": envelope("payment_intent.succeeded", pi(created=10 ** 20)),
    "latest_charge a number": envelope("payment_intent.succeeded", pi(latest_charge=42)),
    "customer an object without id": envelope("payment_intent.succeeded", pi(customer={"email": "x"})),
    "failed: last_payment_error a list": envelope("payment_intent.payment_failed",
                                                  pi(last_payment_error=["declined"])),
    "invoice: amount_paid a string": envelope("invoice.paid", {"id": "in_1", "amount_paid": "1500",
                                                               "currency": "eur", "subscription": "sub_1"}),
    "invoice: lines a string": envelope("invoice.paid", {"id": "in_2", "amount_paid": 1500, "currency": "eur",
                                                         "subscription": "sub_1", "lines": "all"}),
    "invoice: lines.data of strings": envelope("invoice.payment_succeeded", {
        "id": "in_3", "amount_paid": 1500, "currency": "eur", "lines": {"data": ["x"]}}),
    "invoice: parent a list": envelope("invoice.paid", {"id": "in_4", "amount_paid": 1500, "currency": "eur",
                                                        "parent": []}),
    "subscription id a list": envelope("customer.subscription.deleted", {"id": ["sub_1"]}),
    "refunds a list": envelope("charge.refunded", {"id": "ch_1", "refunds": [{"id": "re_1", "amount": 1}]}),
    "refunds.data of strings": envelope("charge.refunded", {"id": "ch_1", "refunds": {"data": ["re_1"]}}),
    "refund amount negative": envelope("charge.refunded", {"id": "ch_1", "refunds": {
        "data": [{"id": "re_1", "amount": -2000, "status": "succeeded"}]}}),
    "refund amount a string": envelope("charge.refunded", {"id": "ch_1", "refunds": {
        "data": [{"id": "re_1", "amount": "2000"}]}}),
    "refund id over 64 characters": envelope("charge.refunded", {"id": "ch_1", "refunds": {
        "data": [{"id": "re_" + "x" * 62, "amount": 2000}]}}),
}


DEEP = [
    b"[" * 200_000,
    b'{"id": "evt_deep", "type": "payment_intent.succeeded", "data": {"object": ' + b"[" * 50_000 + b"]" * 50_000
    + b"}}",
    b'{"id": "evt_nan", "type": "payment_intent.succeeded", "data": {"object": {"id": "pi_1", "amount": NaN}}}',
]


def test_malformed_signed_events_are_400_and_write_nothing(deliver):
    before = rows()
    for name, payload in MALFORMED.items():  # one site for all (building it is most of a test's time)
        response = deliver(payload)
        assert response.status_code == 400, (name, response.status_code, response.content)
        assert "mal formé" in response.json()["errors"]["__all__"][0], name
        assert rows() == before, name


def test_deep_or_non_standard_json_is_a_400(deliver):
    for payload in DEEP:
        assert deliver(payload).status_code == 400, payload[:60]
    assert rows() == (0, 0, 0, 0)


def test_events_over_a_megabyte_are_refused_unread(deliver):
    obj = pi(metadata={"project": "puits", "pad": "x" * 400})
    obj["padding"] = "x" * (1024 * 1024)
    response = deliver(envelope("payment_intent.succeeded", obj))
    assert response.status_code == 413 and rows() == (0, 0, 0, 0)


def test_odd_metadata_still_records_the_money_with_defaults(deliver, caplog):
    obj = pi(metadata={"project": "pas un slug !", "kind": "k" * 20, "frequency": "weekly", "fee": "-5",
                       "donation": "not-a-uuid"})
    assert deliver(envelope("payment_intent.succeeded", obj)).status_code == 200
    donation = Donation.objects.get()
    assert (donation.kind, donation.frequency, donation.fee, donation.project_slug) == ("gift", "once", 0, "")
    assert LedgerEntry.objects.get().amount == 5000
    assert "not a slug" in caplog.text


def test_a_refund_of_zero_is_acknowledged_and_recorded_nowhere(deliver):
    assert deliver(event("payment_intent.succeeded", payment_intent("pi_zero"))).status_code == 200
    before = rows()
    for _ in range(3):  # it used to fail the sign constraint on every retry
        response = deliver(envelope("charge.refunded", refund_of("pi_zero", 0, "re_zero")))
        assert response.status_code == 200 and response.json() == {"status": "ignored"}
    old_api = {"id": "ch_zero", "amount": 5000, "amount_refunded": 0, "payment_intent": "pi_zero"}
    assert deliver(envelope("charge.refunded", old_api)).json() == {"status": "ignored"}
    assert rows() == before


def test_a_refund_larger_than_its_payment_is_capped_and_logged(deliver, caplog):
    assert deliver(event("payment_intent.succeeded", payment_intent("pi_big", amount=5000))).status_code == 200
    with caplog.at_level(logging.ERROR, logger="cms.donations.ledger"):
        response = deliver(envelope("charge.refunded", refund_of("pi_big", 8000, "re_big")))
    assert response.status_code == 200
    assert sorted(LedgerEntry.objects.values_list("kind", "amount")) == [("payment", 5000), ("refund", -5000)]
    assert "re_big of pi_big asks 8000 EUR but only 5000 of the 5000 paid remain refundable" in caplog.text
    # nothing is left to refund: a further refund writes nothing, and the total never goes below zero
    assert deliver(envelope("charge.refunded", refund_of("pi_big", 100, "re_more"))).json() == {
        "status": "ignored"}
    assert deliver(envelope("charge.refunded", refund_of("pi_big", 8000, "re_big"))).status_code == 200
    assert LedgerEntry.objects.count() == 2 and project_totals()["puits"]["raised"] == 0


def test_partial_refunds_stop_at_the_payment(deliver):
    deliver(event("payment_intent.succeeded", payment_intent("pi_parts", amount=5000)))
    deliver(envelope("charge.refunded", refund_of("pi_parts", 3000, "re_a")))
    deliver(envelope("charge.refunded", refund_of("pi_parts", 3000, "re_b")))
    assert sorted(LedgerEntry.objects.filter(kind="refund").values_list("stripe_object", "amount")) == [
        ("re_a", -3000), ("re_b", -2000)]
    assert project_totals()["puits"]["raised"] == 0


def test_old_api_cumulative_refunds_record_what_is_new(deliver):
    """Without a refunds list, `amount_refunded` is the charge's running total: 1000 then 3000 is 3000
    refunded in all (two rows, -1000 and -2000), not 4000."""
    deliver(event("payment_intent.succeeded", payment_intent("pi_cumul", amount=5000)))
    for total in (1000, 3000, 3000):
        charge = {"id": "ch_cumul", "amount": 5000, "amount_refunded": total, "payment_intent": "pi_cumul"}
        assert deliver(envelope("charge.refunded", charge)).status_code == 200
    assert sorted(LedgerEntry.objects.filter(kind="refund").values_list("amount", flat=True)) == [-2000, -1000]


def test_ignored_events_write_nothing(deliver):
    before = rows()
    cases = [envelope("invoice.paid", {"id": "in_trial", "amount_paid": 0, "currency": "eur",
                                       "subscription": "sub_trial"}),
             envelope("payment_intent.succeeded", pi(invoice="in_monthly")),
             envelope("customer.subscription.deleted", {"id": "sub_unknown"}),
             envelope("payment_intent.payment_failed", pi()),
             envelope("x" * 500, {"id": "whatever"}),
             envelope("charge.refunded", {"id": "ch_f", "payment_intent": "pi_x", "refunds": {
                 "data": [{"id": "re_failed", "amount": 1000, "status": "failed"}]}})]
    for case in cases:
        response = deliver(case)
        assert response.status_code == 200 and response.json() == {"status": "ignored"}, case["type"][:40]
    assert rows() == before


def test_a_genuine_failure_is_a_500_and_nothing_half_written(deliver, monkeypatch):
    from django.db import connection

    from cms.donations import task_rows

    if connection.vendor == "postgresql":  # one statement: it fails at its last step, after its INSERTs ran
        real = task_rows.insert_select

        def broken_sql(tasks, arg_sql, source):
            sql, params = real(tasks, arg_sql, source)
            assert f"jsonb_build_array({arg_sql})" in sql
            return sql.replace(f"jsonb_build_array({arg_sql})", f"jsonb_build_array(1 / ({arg_sql} - {arg_sql}))"), params
        monkeypatch.setattr(task_rows, "insert_select", broken_sql)
        from cms.donations import fast_intake

        monkeypatch.setattr(fast_intake, "_STATEMENTS", {})  # built again, with the broken part
    else:
        def broken(**kwargs):
            raise RuntimeError("the database went away")
        monkeypatch.setattr(ledger, "record_payment", broken)
    response = deliver(event("payment_intent.succeeded", payment_intent("pi_broken")))
    assert response.status_code == 500
    assert rows() == (0, 0, 0, 0)  # the donation rebuilt from the metadata was rolled back with the event


def test_retry_later_says_503():
    assert "503" in webhooks.RetryLater.__doc__ and "500" not in webhooks.RetryLater.__doc__
