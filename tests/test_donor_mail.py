"""The donors' e-mails (issue 13 §1), through a real SMTP server on 127.0.0.1 (tests/smtp_server.py).

A signed Stripe webhook records a gift; the webhook only queues a task (it never talks to the mail server);
the queued tasks are then run as `publishing_worker` runs them (django-tasks' database Worker, its
`run_task`), and the message is read back from the SMTP server: the right amount, project and reference,
and nothing of another donor. Preferences, a dead mail server (retried, then failed and logged), a
redelivered webhook (one e-mail), and hostile `invoice.payment_failed` events.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
import uuid

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from hypothesis import HealthCheck, given, settings as hsettings
from hypothesis import strategies as st

from cms.donations.models import Donation, Donor, LedgerEntry, StripeEvent
from cms.donors.models import MailPreferences, SentEmail
from tests import factories
from tests.conftest import free_port
from tests.smtp_server import attachments_of, html_of, text_of
from tests.stripe_events import WEBHOOK_SECRET, event, payment_intent, sign

pytestmark = pytest.mark.django_db
URL = "/donate/stripe/webhook/"
DONOR_SPACE = "https://dons.example.org/donate/espace/"


# --- helpers --------------------------------------------------------------------------------------------

@pytest.fixture
def giving(client, settings, django_capture_on_commit_callbacks):
    """A site with the project "Puits de Kaya"; `deliver(payload)` posts a signed webhook and runs what the
    webhook's commit triggers (the signals' receivers), as it happens outside the test's transaction."""
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.DONOR_SPACE_URL = DONOR_SPACE
    settings.MAIL_RETRY_DELAYS = [0, 0]
    tree = factories.make_site()
    project = factories.make_project(tree, title="Puits de Kaya", slug="puits")

    def deliver(payload: bytes):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(URL, payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload))
    deliver.project = project
    return deliver


def make_donor(email="ada@example.org", name="Ada Lovelace") -> Donor:
    return Donor.objects.create(email=email, name=name, address_line1="1 rue des Lilas", postal_code="75011",
                                city="Paris", country="FR")


def one_off(project, donor, pi_id, amount=5000, **fields) -> Donation:
    return Donation.objects.create(donor=donor, project=project, project_slug=project.slug, amount=amount,
                                   currency="EUR", stripe_payment_intent=pi_id, donor_name=donor.name,
                                   address_line1=donor.address_line1, postal_code=donor.postal_code,
                                   city=donor.city, country=donor.country, **fields)


def monthly(project, donor, sub_id, amount=1500, status="active", **fields) -> Donation:
    return Donation.objects.create(donor=donor, project=project, project_slug=project.slug, amount=amount,
                                   currency="EUR", frequency="monthly", stripe_subscription=sub_id,
                                   donor_name=donor.name, status=status, **fields)


def paid_event(donation: Donation, pi_id: str, amount: int, event_id=None) -> bytes:
    return event("payment_intent.succeeded", payment_intent(pi_id, amount=amount, donation=str(donation.pk)),
                 event_id=event_id)


def invoice(sub_id: str, invoice_id: str, amount: int = 1500, **extra) -> dict:
    return {"id": invoice_id, "object": "invoice", "amount_paid": amount, "amount_due": amount, "currency": "eur",
            "subscription": sub_id, "customer": "cus_1", "charge": f"ch_{invoice_id}", "created": int(time.time()),
            "lines": {"data": []}, **extra}


def subject_of(message) -> str:
    """The subject as a mail client shows it (unfolded: Python's parser keeps the folding's first space)."""
    return str(message["Subject"]).strip()


def whole_message(message) -> str:
    return subject_of(message) + "\n" + text_of(message) + "\n" + html_of(message)


# --- thank-yous -----------------------------------------------------------------------------------------

def test_a_paid_gift_is_thanked_by_the_worker_with_its_own_details_only(giving, run_worker, smtp_mailbox):
    ada, bob = make_donor(), make_donor("bob@example.org", "Bob Marchand")
    gift = one_off(giving.project, ada, "pi_ada", amount=125050)
    other = one_off(giving.project, bob, "pi_bob", amount=7000)

    response = giving(paid_event(gift, "pi_ada", 125050))
    assert response.status_code == 200 and response.json() == {"status": "processed"}
    time.sleep(0.2)
    assert smtp_mailbox.find() == [], "the webhook itself must never send"
    assert not SentEmail.objects.exists()  # the worker builds the message, not the webhook

    assert run_worker() == 2  # the thank-you task, then the delivery it queued
    message = smtp_mailbox.wait_for(to="ada@example.org")
    assert len(smtp_mailbox.find()) == 1
    assert subject_of(message) == "Merci pour votre don de 1\u202f250,50\u00a0€ – Vision d'Amour"
    text, html = text_of(message), html_of(message)
    for part in (text, html):
        assert "1\u202f250,50\u00a0€" in part and "Puits de Kaya" in part and gift.reference in part
        assert "Ada Lovelace" in part
        assert "reçu fiscal" not in part  # no receipt attached: none mentioned
    assert "«\u00a0Puits de Kaya\u00a0»" in text  # French quotes, no-break spaces inside
    everything = whole_message(message)
    for leak in ("Bob", "bob@example.org", other.reference, "70\u00a0€", "rue des Lilas"):
        assert leak not in everything, leak
    assert "<script" not in html and "http" not in html.split("<body", 1)[0]  # nothing fetched from outside
    assert "<img" not in html
    row = SentEmail.objects.get()
    assert (row.donor, row.kind, row.recipient, row.status) == (ada, "gift_thanks", "ada@example.org", "sent")
    assert row.sent_at and row.attempts == 1 and row.subject == subject_of(message)
    assert row.context == {} and row.attachments == []  # nothing kept once sent


def test_the_receipt_is_attached_and_mentioned_when_the_receipts_issue_one(giving, run_worker, smtp_mailbox):
    """The real receipts (cms/receipts): issued in the worker's task, numbered, its PDF attached as stored."""
    from cms.receipts import service
    from cms.receipts.models import Receipt

    ada = make_donor()
    gift = one_off(giving.project, ada, "pi_receipt", amount=9100, wants_receipt=True)
    assert giving(paid_event(gift, "pi_receipt", 9100)).status_code == 200
    assert not Receipt.objects.exists()  # never in the webhook
    run_worker()
    receipt = Receipt.objects.get()
    assert receipt.amount == 9100 and receipt.number.startswith(f"{receipt.issued_at.year}-")
    message = smtp_mailbox.wait_for(to="ada@example.org")
    filename = f"recu-fiscal-{receipt.number}.pdf"
    assert attachments_of(message) == {filename: service.pdf_bytes(receipt)}
    assert attachments_of(message)[filename].startswith(b"%PDF")
    part = next(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    assert f"reçu fiscal n°\u00a0{receipt.number} est joint" in text_of(message)
    assert "91\u00a0€" in text_of(message)
    run_worker()  # nothing left to do: one receipt, one e-mail
    assert Receipt.objects.count() == 1 and len(smtp_mailbox.find(to="ada@example.org")) == 1


def test_a_monthly_payment_has_its_own_wording(giving, run_worker, smtp_mailbox):
    ada = make_donor()
    gift = monthly(giving.project, ada, "sub_ada", status="pending", wants_receipt=True)
    assert giving(event("invoice.paid", invoice("sub_ada", "in_ada_1"))).status_code == 200
    run_worker()
    message = smtp_mailbox.wait_for(to="ada@example.org")
    assert "mensualité de 15\u00a0€" in subject_of(message)
    text = text_of(message)
    assert "Votre mensualité de 15\u00a0€" in text and gift.reference in text and "Puits de Kaya" in text
    assert "reçu fiscal récapitulatif" in text  # asked for a receipt: the yearly summary, said as such
    assert DONOR_SPACE in text
    assert SentEmail.objects.get().kind == "monthly_thanks"


def test_a_redelivered_webhook_sends_one_email(giving, run_worker, smtp_mailbox):
    ada = make_donor()
    gift = one_off(giving.project, ada, "pi_twice")
    payload = paid_event(gift, "pi_twice", 5000, event_id="evt_twice")
    assert giving(payload).json() == {"status": "processed"}
    assert giving(payload).json() == {"status": "duplicate"}
    assert giving(paid_event(gift, "pi_twice", 5000)).json() == {"status": "processed"}  # a new event, same money
    run_worker()
    run_worker()
    time.sleep(0.3)
    assert len(smtp_mailbox.find(to="ada@example.org")) == 1
    assert SentEmail.objects.count() == 1


def test_a_task_run_twice_sends_once(giving, run_worker, smtp_mailbox, django_capture_on_commit_callbacks):
    from cms.donors import mail

    with django_capture_on_commit_callbacks(execute=True):
        row = mail.send("gift_thanks", to="ada@example.org", context={"amount": "5 €", "reference": "VDA-X"})
    run_worker()
    assert mail.deliver.call(row.pk) == "nothing to do"
    assert len(smtp_mailbox.find()) == 1


# --- preferences ----------------------------------------------------------------------------------------

def test_preferences_turn_off_the_thank_yous_only(giving, run_worker, smtp_mailbox):
    ada = make_donor()
    MailPreferences.objects.create(donor=ada, gift_thanks=False, monthly_thanks=False)
    gift = one_off(giving.project, ada, "pi_quiet")
    monthly(giving.project, ada, "sub_quiet")
    giving(paid_event(gift, "pi_quiet", 5000))
    giving(event("invoice.paid", invoice("sub_quiet", "in_quiet")))
    run_worker()
    assert not SentEmail.objects.exists() and smtp_mailbox.find() == []
    # messages about money that must move are always sent
    giving(event("invoice.payment_failed", invoice("sub_quiet", "in_quiet_2", attempt_count=1)))
    giving(event("customer.subscription.deleted", {"id": "sub_quiet", "object": "subscription"}))
    run_worker()
    assert sorted(SentEmail.objects.values_list("kind", flat=True)) == ["monthly_gift_ended",
                                                                        "monthly_payment_failed"]
    assert len(smtp_mailbox.find(to="ada@example.org")) == 2


def test_monthly_thanks_off_keeps_the_one_off_thanks(giving, run_worker, smtp_mailbox):
    ada = make_donor()
    MailPreferences.objects.create(donor=ada, monthly_thanks=False)
    monthly(giving.project, ada, "sub_half")
    gift = one_off(giving.project, ada, "pi_half")
    giving(event("invoice.paid", invoice("sub_half", "in_half")))
    giving(paid_event(gift, "pi_half", 5000))
    run_worker()
    assert list(SentEmail.objects.values_list("kind", flat=True)) == ["gift_thanks"]


def test_a_receipt_is_sent_even_when_thanks_are_off(giving, run_worker, smtp_mailbox):
    """The donor asked for the receipt: turning off the thank-yous does not withhold it."""
    from cms.receipts.models import Receipt

    ada = make_donor()
    MailPreferences.objects.create(donor=ada, gift_thanks=False)
    gift = one_off(giving.project, ada, "pi_rcpt", wants_receipt=True)
    giving(paid_event(gift, "pi_rcpt", 5000))
    run_worker()
    message = smtp_mailbox.wait_for(to="ada@example.org")
    assert list(attachments_of(message)) == [f"recu-fiscal-{Receipt.objects.get().number}.pdf"]


# --- failed and ended monthly gifts ---------------------------------------------------------------------

def test_a_failed_monthly_payment_links_to_the_donor_space_once(giving, run_worker, smtp_mailbox):
    ada, bob = make_donor(), make_donor("bob@example.org", "Bob Marchand")
    gift = monthly(giving.project, ada, "sub_fail", amount=2000)
    monthly(giving.project, bob, "sub_bob")
    payload = event("invoice.payment_failed", invoice("sub_fail", "in_fail", amount=2000, attempt_count=1),
                    event_id="evt_fail")
    assert giving(payload).json() == {"status": "processed"}
    assert giving(payload).json() == {"status": "duplicate"}
    gift.refresh_from_db()
    assert gift.status == "active" and "pas pu être prélevée" in gift.failure_message  # the books do not move
    assert not LedgerEntry.objects.exists()
    run_worker()
    message = smtp_mailbox.wait_for(to="ada@example.org")
    assert len(smtp_mailbox.find()) == 1
    assert subject_of(message) == "Votre don mensuel\u00a0: le prélèvement n'a pas abouti – Vision d'Amour"
    card_page = f"{DONOR_SPACE.rstrip('/')}/mensuels/{gift.pk}/"  # the gift's own page in the donor space
    assert card_page in text_of(message) and f'href="{card_page}"' in html_of(message)
    assert "20\u00a0€" in text_of(message) and gift.reference in text_of(message)
    assert "Bob" not in whole_message(message)
    # Stripe's retry succeeds: the failure is behind the gift
    assert giving(event("invoice.paid", invoice("sub_fail", "in_fail", amount=2000))).json() == {"status": "processed"}
    gift.refresh_from_db()
    assert gift.status == "active" and gift.failure_message == ""


@pytest.mark.parametrize("status", ["pending", "failed", "canceled"])
def test_a_failed_first_payment_or_a_stopped_gift_sends_nothing(giving, run_worker, smtp_mailbox, status):
    """The first payment's refusal is shown on the giving page; a stopped gift is not asked for a card."""
    ada = make_donor()
    monthly(giving.project, ada, "sub_new", status=status)
    response = giving(event("invoice.payment_failed", invoice("sub_new", "in_new", attempt_count=1)))
    assert response.json() == {"status": "ignored"}
    assert not StripeEvent.objects.exists()
    assert run_worker() == 0 and not SentEmail.objects.exists()


def test_the_end_of_a_monthly_gift_is_told(giving, run_worker, smtp_mailbox):
    ada = make_donor()
    gift = monthly(giving.project, ada, "sub_end", amount=3000, wants_receipt=True)
    deleted = event("customer.subscription.deleted", {"id": "sub_end", "object": "subscription"})
    assert giving(deleted).json() == {"status": "processed"}
    assert giving(event("customer.subscription.deleted", {"id": "sub_end", "object": "subscription"})
                  ).status_code == 200  # a second event for a gift ended already: no second message
    run_worker()
    message = smtp_mailbox.wait_for(to="ada@example.org")
    assert len(smtp_mailbox.find()) == 1
    text = text_of(message)
    assert subject_of(message).startswith("Votre don mensuel est arrêté")
    assert "30\u00a0€" in text and gift.reference in text and "aucune nouvelle mensualité" in text
    assert "reçu fiscal récapitulatif annuel" in text
    assert SentEmail.objects.get().kind == "monthly_gift_ended"


def test_a_gift_without_a_donor_sends_nothing(giving, run_worker, smtp_mailbox):
    """Rebuilt from Stripe's metadata alone (no local record): no one to write to, and no error."""
    assert giving(event("payment_intent.succeeded", payment_intent("pi_anon"))).status_code == 200
    run_worker()
    assert not SentEmail.objects.exists() and smtp_mailbox.find() == []
    assert not DBTaskResult.objects.filter(status="FAILED").exists()


# --- a dead mail server ---------------------------------------------------------------------------------

def test_smtp_down_is_retried_then_failed_and_logged_while_the_webhook_stays_fast(
        giving, run_worker, smtp_mailbox, settings, caplog):
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2
    ada = make_donor()
    gift = one_off(giving.project, ada, "pi_down")
    started = time.perf_counter()
    response = giving(paid_event(gift, "pi_down", 5000))
    elapsed = time.perf_counter() - started
    assert response.status_code == 200 and LedgerEntry.objects.count() == 1
    assert elapsed < 1.0, f"the webhook took {elapsed:.2f} s"
    with caplog.at_level(logging.WARNING, logger="cms.donors.mail"):
        run_worker()
    row = SentEmail.objects.get()
    assert row.status == "failed" and row.attempts == 3  # 1 try + 2 retries (MAIL_RETRY_DELAYS)
    assert "ConnectionRefusedError" in row.error
    assert row.context == {} and row.attachments == []
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"e-mail {row.pk} (gift_thanks) failed after 3 attempt(s)" in logged
    assert "ada@example.org" not in logged and "Ada" not in logged  # no personal data in logs
    assert smtp_mailbox.find() == []


def test_a_retry_waits_its_delay_then_delivers_once_the_server_is_back(giving, run_worker, smtp_mailbox,
                                                                       settings):
    settings.MAIL_RETRY_DELAYS = [3600]
    good_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()
    ada = make_donor()
    gift = one_off(giving.project, ada, "pi_later")
    giving(paid_event(gift, "pi_later", 5000))
    run_worker()
    row = SentEmail.objects.get()
    assert row.status == "queued" and row.attempts == 1 and "ConnectionRefusedError" in row.error
    retry = DBTaskResult.objects.get(status="READY", queue_name="mail")
    wait = (retry.run_after - timezone.now()).total_seconds()
    assert 3500 < wait <= 3600  # the back-off: not before its delay
    assert run_worker() == 0
    settings.EMAIL_PORT = good_port
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now() - dt.timedelta(seconds=1))
    assert run_worker() == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 2 and row.error == ""
    assert len(smtp_mailbox.find(to="ada@example.org")) == 1


def test_a_message_queued_in_a_rolled_back_transaction_is_never_sent(giving, run_worker, smtp_mailbox,
                                                                      django_capture_on_commit_callbacks):
    from cms.donors import mail

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            mail.send("gift_thanks", to="ada@example.org", context={"amount": "5 €"})
            raise RuntimeError("the request failed")
    assert run_worker() == 0 and not SentEmail.objects.exists()


def test_a_missing_template_fails_at_once_without_retrying(giving, run_worker, smtp_mailbox,
                                                           django_capture_on_commit_callbacks):
    from cms.donors import mail

    with django_capture_on_commit_callbacks(execute=True):
        row = mail.send("no_such_kind", to="ada@example.org", context={})
    run_worker()
    row.refresh_from_db()
    assert row.status == "failed" and row.attempts == 1 and "gabarit" in row.error


def test_send_refuses_a_context_that_is_not_json(giving):
    from cms.donors import mail

    with pytest.raises(TypeError):
        mail.send("gift_thanks", to="ada@example.org", context={"donor": object()})
    assert not SentEmail.objects.exists()


# --- hostile invoice.payment_failed ---------------------------------------------------------------------

def _counts():
    return (Donation.objects.count(), LedgerEntry.objects.count(), StripeEvent.objects.count(),
            SentEmail.objects.count(), DBTaskResult.objects.count(),
            Donation.objects.exclude(failure_message="").count())


@pytest.mark.parametrize("changes", [
    {"id": None}, {"id": ["in_1"]}, {"id": "in_" + "x" * 70}, {"id": "in_\x00"},
    {"subscription": 42}, {"subscription": "sub_" + "y" * 70}, {"subscription": {"id": ["x"]}},
    {"amount_due": "1500"}, {"amount_due": True}, {"amount_due": -1}, {"amount_due": 10 ** 13},
    {"currency": "euro"}, {"currency": 978}, {"attempt_count": True}, {"attempt_count": "1"},
    {"attempt_count": -1}, {"lines": "x"}, {"lines": {"data": [1]}}, {"parent": []},
])
def test_malformed_failed_invoices_are_400_and_write_nothing(giving, run_worker, smtp_mailbox, changes):
    monthly(giving.project, make_donor(), "sub_h")
    before = _counts()
    response = giving(event("invoice.payment_failed", {**invoice("sub_h", "in_h", attempt_count=1), **changes}))
    assert response.status_code == 400, response.content
    assert _counts() == before
    assert run_worker() == 0 and smtp_mailbox.find() == []


def test_a_failed_invoice_of_an_unknown_or_no_subscription_is_ignored(giving, run_worker, smtp_mailbox):
    monthly(giving.project, make_donor(), "sub_known")
    before = _counts()
    for obj in (invoice("sub_unknown", "in_u1"), invoice("", "in_u2"), {"id": "in_u3", "object": "invoice"},
                invoice("sub_unknown", "in_u4", parent={"subscription_details": {
                    "metadata": {"donation": str(uuid.uuid4())}}})):
        assert giving(event("invoice.payment_failed", obj)).json() == {"status": "ignored"}
    assert _counts() == before and run_worker() == 0


def test_metadata_naming_another_donors_gift_sends_nothing_to_them(giving, run_worker, smtp_mailbox):
    """An invoice of subscription A whose metadata names donation B (edited in Stripe's dashboard): B's
    donor is never told that A's card failed."""
    ada, bob = make_donor(), make_donor("bob@example.org", "Bob Marchand")
    monthly(giving.project, ada, "sub_a")
    bobs = monthly(giving.project, bob, "sub_b")
    obj = invoice("sub_a", "in_meta", attempt_count=1,
                  parent={"subscription_details": {"metadata": {"donation": str(bobs.pk)}}})
    giving(event("invoice.payment_failed", obj))
    run_worker()
    assert smtp_mailbox.find(to="bob@example.org") == []


FUZZ = hsettings(max_examples=40, deadline=None, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
anything = st.recursive(st.none() | st.booleans() | st.integers(-2 ** 64, 2 ** 64) | st.floats() |
                        st.text(max_size=30) | st.sampled_from(["sub_fz", "in_fz", "eur", "\x00", "\ud800"]),
                        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner,
                                                                                   max_size=3), max_leaves=8)


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(["id", "subscription", "amount_due", "currency", "attempt_count",
                                                "lines", "parent", "customer"]), anything, max_size=3))
def test_fuzzed_failed_invoices_never_500_and_write_nothing_when_refused(giving, smtp_mailbox, changes):
    if not Donation.objects.filter(stripe_subscription="sub_fz").exists():
        monthly(giving.project, make_donor(), "sub_fz")
    with transaction.atomic():
        before = _counts()
        body = json.dumps({"id": f"evt_{uuid.uuid4().hex[:20]}", "object": "event", "type": "invoice.payment_failed",
                           "data": {"object": {**invoice("sub_fz", "in_fz", attempt_count=1), **changes}}}).encode()
        response = giving(body)
        assert response.status_code < 500, response.content
        if response.status_code != 200 or response.json()["status"] != "processed":
            assert _counts() == before, (response.status_code, response.content)
        else:  # one event recorded, at most one mail task queued
            assert _counts()[2] == before[2] + 1 and _counts()[4] <= before[4] + 1
        transaction.set_rollback(True)


def test_nothing_is_sent_to_an_erased_donor(giving, run_worker, smtp_mailbox):
    """After a GDPR erasure the donor's address is `efface-…@efface.invalid`: no message is even queued."""
    from cms.donors import mail

    erased = make_donor("efface-3k2m9q@efface.invalid", "")
    assert mail.send("monthly_gift_ended", to=erased.email, context={}, donor=erased) is None
    assert not SentEmail.objects.exists()
    run_worker()
    assert smtp_mailbox.find() == []
