"""The staff's donor desk (issue 13 §4) with a logged-in Django test client: listings and search, a donor's
and a gift's pages, and each action end to end: the database, Wagtail's log entries and, for Stripe, the
objects in a real localstripe (refunds, cancelled subscriptions), then the webhook we sign ourselves
(localstripe sends no `charge.refunded`) recording what Stripe did. Permissions with a real editor account.
Bad input: a French message, a 4xx, nothing written, nothing at Stripe; Hypothesis on the action forms."""

from __future__ import annotations

import datetime as dt
import html as html_lib
import re
import uuid

import pytest
import requests
from django.contrib.auth.models import Group, Permission, User
from django.contrib.messages import get_messages
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from wagtail.models import ModelLogEntry

from cms.donations import gateway, signals
from cms.donations.models import Donation, Donor, LedgerEntry
from cms.donors.models import SentEmail
from cms.receipts import service
from cms.receipts.models import Receipt
from tests import factories
from tests.receipt_helpers import pay, pdf_text
from tests.stripe_events import WEBHOOK_SECRET, event, refund_of, sign

pytestmark = pytest.mark.django_db

WEBHOOK = "/donate/stripe/webhook/"
TODAY = timezone.localdate().isoformat()


# --- fixtures -------------------------------------------------------------------------------------------

@pytest.fixture
def stripe_server(localstripe_without_webhooks, settings):
    localstripe_without_webhooks.flush()
    settings.STRIPE_API_BASE = localstripe_without_webhooks.url
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    return localstripe_without_webhooks


@pytest.fixture
def project(db):
    tree = factories.make_site()
    return factories.make_project(tree, title="Le puits de Kaya", slug="puits")


@pytest.fixture
def desk(client):
    """A staff member in the "Dons" group (made by donations migration 0006), not a superuser."""
    user = User.objects.create_user("caisse", "caisse@example.org", "pw", is_staff=False)
    user.groups.add(Group.objects.get(name="Dons"))
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def editor(client):
    """A real editor: Wagtail's "Editors" group (admin access, pages, images), not "Dons"."""
    user = User.objects.create_user("redac", "redac@example.org", "pw")
    user.groups.add(Group.objects.get(name="Editors"))
    client.force_login(user)
    return client


@pytest.fixture
def awa(db):
    return Donor.objects.create(email="awa@example.org", name="Awa Diallo", address_line1="1 rue des Puits",
                                postal_code="75011", city="Paris", country="FR", stripe_customer="cus_awa")


@pytest.fixture
def bob(db):
    return Donor.objects.create(email="bob@example.org", name="Bob Martin")


def gift(donor, **fields) -> Donation:
    values = {"donor": donor, "amount": 2500, "currency": "EUR", "status": "succeeded", "project_slug": "puits",
              "donor_name": donor.name if donor else ""}
    values.update(fields)
    return Donation.objects.create(**values)


def payment(donation, stripe_object, amount=2500, charge="") -> LedgerEntry:
    return LedgerEntry.objects.create(donation=donation, kind="payment", amount=amount, currency="EUR",
                                      project_slug=donation.project_slug, frequency=donation.frequency,
                                      donation_kind="gift", stripe_object=stripe_object, stripe_charge=charge,
                                      occurred_at=timezone.now())


ADDRESS = {"address_line1": "1 rue des Puits", "postal_code": "75011", "city": "Paris", "country": "FR"}


def receipted(donor, amount=2500, **fields) -> tuple[Donation, Receipt]:
    """A one-off gift asking for a receipt, with a full address, paid through the ledger (the webhook's
    path), and its real receipt issued by the receipts service (numbered, its PDF stored on demand)."""
    donation = gift(donor, amount=amount, wants_receipt=True, **(ADDRESS | fields))
    receipt = service.receipt_for_payment(pay(donation))
    assert receipt is not None and receipt.amount == amount, service.why_no_receipt(donation.entries.get())
    return donation, receipt


def stripe_get(server, path, **params):
    return requests.get(f"{server.url}/v1/{path}", params=params, auth=("sk_test_localstripe", ""), timeout=10).json()


def paid_at_stripe(donor, amount=2500):
    """A real one-off card payment in localstripe: (PaymentIntent id, charge id)."""
    c = gateway.client()
    customer = c.v1.customers.create({"email": donor.email})
    card = c.v1.payment_methods.create({"type": "card", "card": {"number": "4242424242424242", "exp_month": 12,
                                                                "exp_year": 2030, "cvc": "123"}})
    c.v1.payment_methods.attach(card.id, {"customer": customer.id})
    pi = c.v1.payment_intents.create({"amount": amount, "currency": "eur", "customer": customer.id,
                                      "payment_method": card.id, "confirm": True})
    assert pi.status == "succeeded"
    charge = pi.latest_charge if isinstance(pi.latest_charge, str) else pi.latest_charge.id
    return pi.id, charge, customer.id, card.id


def body(response) -> str:
    return html_lib.unescape(response.content.decode())


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", body(response)).split())


def confirm(client, url, data):
    """The two steps: the form's POST shows the confirmation, its POST (confirmed=1) acts."""
    first = client.post(url, data)
    assert first.status_code == 200, text(first)[:2000]
    assert "Confirmez-vous" in body(first)
    return client.post(url, {**data, "confirmed": "1"})


# --- listings, search, filters, pages -------------------------------------------------------------------

def test_search_finds_a_gift_by_name_email_reference_stripe_ids_and_receipt_number(desk, awa, bob):
    mine = gift(awa, stripe_payment_intent="pi_awa1", stripe_customer="cus_awa")
    monthly = gift(awa, frequency="monthly", status="active", stripe_subscription="sub_awa")
    payment(monthly, "in_awa_jan", charge="ch_awa_jan")
    other, bobs_receipt = receipted(bob, donor_name="Bob Martin")
    for query, expected in [("Diallo", mine), ("awa@example", mine), (mine.reference, mine),
                            (mine.reference.removeprefix("VDA-"), mine), ("pi_awa1", mine), ("in_awa_jan", monthly),
                            ("ch_awa_jan", monthly), ("sub_awa", monthly), ("cus_awa", mine)]:
        html = body(desk.get("/admin/dons/", {"q": query}))
        assert expected.reference in html, query
        assert other.reference not in html and "bob@example.org" not in html, query
    html = body(desk.get("/admin/dons/", {"q": f" {bobs_receipt.number} "}))  # the real receipt's number
    assert other.reference in html and mine.reference not in html
    year = bobs_receipt.year
    for unknown in (f"{year}-999999", f"{year}-", f"{year - 1}-{bobs_receipt.sequence:06d}"):
        assert other.reference not in body(desk.get("/admin/dons/", {"q": unknown})), unknown
    donors = body(desk.get("/admin/donateurs/", {"q": "sub_awa"}))
    assert "awa@example.org" in donors and "bob@example.org" not in donors
    assert desk.get("/admin/dons/", {"q": "x\x00" * 300}).status_code == 200  # NUL and length: no 500


def test_filters_by_status_frequency_method_and_project(desk, awa, project):
    card = gift(awa, status="succeeded")
    pledge = gift(awa, status="pledged", payment_method="transfer", project_slug="")
    monthly = gift(awa, status="active", frequency="monthly")
    cases = [({"status": "pledged"}, pledge), ({"payment_method": "transfer"}, pledge),
             ({"frequency": "monthly"}, monthly), ({"project_slug": "puits", "status": "succeeded"}, card)]
    for params, expected in cases:
        html = body(desk.get("/admin/dons/", params))
        others = {card, pledge, monthly} - {expected}
        assert expected.reference in html and not any(o.reference in html for o in others), params


def test_donor_page_shows_gifts_monthly_gifts_receipts_and_emails(desk, awa, bob):
    once, receipt = receipted(awa)
    monthly = gift(awa, frequency="monthly", status="active", stripe_subscription="sub_m")
    bobs, bobs_receipt = receipted(bob, amount=7700, donor_name="Bob Martin", reference="VDA-BBBBBB")
    html = body(desk.get(f"/admin/donateurs/{awa.pk}/"))
    assert once.reference in html and monthly.reference in html
    assert receipt.number in html and bobs_receipt.number not in html
    assert "25,00\u00a0€" in html and "VDA-BBBBBB" not in html and "Bob" not in html and "77,00" not in html
    assert "particulier (Cerfa 11580)" in html and "émis" in html
    assert timezone.localtime(receipt.issued_at).strftime("%d/%m/%Y") in html
    assert f"/admin/donateurs/{awa.pk}/recus/{receipt.pk}/renvoyer/" in html
    assert f"/admin/donateurs/{awa.pk}/recus/{receipt.pk}/pdf/" in html
    assert str(bobs_receipt.pk) not in html
    assert "E-mails envoyés" in html and "Aucun e-mail envoyé." in html


def test_donor_page_lists_the_mail_log_with_kind_subject_status_and_dates(desk, awa, bob):
    """The real `SentEmail` rows (cms/donors/models.py): queued, sent and failed, with their dates; never
    another donor's row."""
    from cms.donors import mail

    queued = mail.send("sign_in", to=awa.email, donor=awa, context={"link": "https://x.invalid/l/", "minutes": 15})
    sent = SentEmail.objects.create(donor=awa, kind="gift_thanks", recipient=awa.email, status="sent",
                                    subject="Merci pour votre don de 25\u00a0€", attempts=1,
                                    sent_at=timezone.now() - dt.timedelta(hours=2))
    SentEmail.objects.create(donor=awa, kind="receipt_copy", recipient=awa.email, status="failed", attempts=3,
                             subject="Copie de votre reçu fiscal", error="ConnectionRefusedError: [Errno 111] awa@")
    SentEmail.objects.create(donor=bob, kind="gift_thanks", recipient=bob.email, status="sent",
                             subject="Merci Bob pour vos 77\u00a0€", sent_at=timezone.now())
    page = text(desk.get(f"/admin/donateurs/{awa.pk}/"))
    emails = page.split("E-mails envoyés", 1)[1]
    assert "Lien de connexion à l'espace donateur" in emails and "en attente d'envoi" in emails
    assert "Remerciement (don ponctuel)" in emails and "Merci pour votre don de 25 €" in emails
    assert "envoyé" in emails and timezone.localtime(sent.sent_at).strftime("%d/%m/%Y %H:%M") in emails
    assert timezone.localtime(queued.created_at).strftime("%d/%m/%Y %H:%M") in emails
    assert "Copie d'un reçu fiscal" in emails and "échec (ConnectionRefusedError)" in emails
    assert "awa@" not in emails.replace(awa.email, "")  # the error's text is not shown, only its kind
    assert "Bob" not in page and "77" not in emails
    order = [emails.index(label) for label in ("Copie d'un reçu fiscal", "Remerciement", "Lien de connexion")]
    assert order == sorted(order)  # newest queued first


def test_unknown_ids_and_someone_elses_rows_in_urls_are_404(desk, awa, bob):
    mine, theirs = gift(awa), gift(bob)
    _, awas_receipt = receipted(awa)
    their_payment = payment(theirs, "pi_theirs")
    for url in [f"/admin/donateurs/999999/", f"/admin/dons/{uuid.uuid4()}/", f"/admin/dons/{uuid.uuid4()}/arreter/",
                f"/admin/dons/{mine.pk}/rembourser/{their_payment.pk}/",  # a payment of another gift
                f"/admin/dons/{mine.pk}/rembourser/999999/", f"/admin/donateurs/{bob.pk}/recus/1/renvoyer/",
                f"/admin/donateurs/{bob.pk}/recus/{awas_receipt.pk}/renvoyer/",  # Awa's receipt, Bob's page
                f"/admin/donateurs/{bob.pk}/recus/{awas_receipt.pk}/pdf/",
                f"/admin/donateurs/{awa.pk}/recus/{awas_receipt.number}/pdf/",  # by number: not its id
                "/admin/dons/not-a-uuid/"]:
        assert desk.get(url).status_code == 404, url
        assert desk.post(url, {"amount": "1", "confirmed": "1"}).status_code == 404, url
    assert not ModelLogEntry.objects.exists() and not SentEmail.objects.exists()


# --- refunds --------------------------------------------------------------------------------------------

def test_refund_partial_then_the_rest_through_stripe_recorded_by_the_webhook(desk, awa, stripe_server, client):
    pi, charge, *_ = paid_at_stripe(awa, 2500)
    donation = gift(awa, stripe_payment_intent=pi)
    entry = payment(donation, pi, 2500, charge=charge)
    url = f"/admin/dons/{donation.pk}/rembourser/{entry.pk}/"
    form = desk.get(url)
    assert form.status_code == 200 and "25,00" in body(form)
    nonce = re.search(r'name="nonce" value="([^"]+)"', body(form)).group(1)

    first = desk.post(url, {"amount": "10,00", "nonce": nonce, "reason": "erreur de montant"})
    assert "Rembourser 10,00\u00a0€" in body(first)
    assert stripe_get(stripe_server, "refunds")["data"] == []  # the confirmation page moved nothing
    done = desk.post(url, {"amount": "10,00", "nonce": nonce, "reason": "erreur de montant", "confirmed": "1"})
    assert done.status_code == 303 and done["Location"] == f"/admin/dons/{donation.pk}/"
    assert any("Remboursement de 10,00\u00a0€ demandé à Stripe" in m for m in flash(done))
    refunds = stripe_get(stripe_server, "refunds")["data"]
    assert [(r["amount"], r["charge"]) for r in refunds] == [(1000, charge)]
    assert not LedgerEntry.objects.filter(kind="refund").exists()  # the webhook records it, not the view
    log = ModelLogEntry.objects.get(action="donors.refund")
    assert log.user == desk.user and log.object_id == str(donation.pk)
    assert log.data["amount"] == 1000 and log.data["refund"] == refunds[0]["id"] and log.data["payment"] == pi

    # a double click (same nonce): refused before Stripe (and Stripe's idempotency key would give the same one)
    twice = desk.post(url, {"amount": "10,00", "nonce": nonce, "confirmed": "1"})
    assert twice.status_code == 409 and "déjà été demandé" in body(twice)
    assert len(stripe_get(stripe_server, "refunds")["data"]) == 1
    # before the webhook: what Stripe refunded already counts (15 € left, not 25 €)
    early = desk.post(url, {"amount": "20", "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert early.status_code == 400 and "15,00\u00a0€ au plus" in body(early)

    payload = event("charge.refunded", refund_of(pi, 1000, refunds[0]["id"]) | {"id": charge})
    assert client.post(WEBHOOK, payload, content_type="application/json",
                       HTTP_STRIPE_SIGNATURE=sign(payload)).status_code == 200
    assert LedgerEntry.objects.get(kind="refund").amount == -1000

    over = desk.post(url, {"amount": "15,01", "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert over.status_code == 400
    assert "dépasse ce qui reste remboursable sur ce paiement : 15,00\u00a0€ au plus" in body(over)
    rest = confirm(desk, url, {"amount": "15", "nonce": str(uuid.uuid4())})
    assert rest.status_code == 303
    assert sorted(r["amount"] for r in stripe_get(stripe_server, "refunds")["data"]) == [1000, 1500]
    assert ModelLogEntry.objects.filter(action="donors.refund").count() == 2


@pytest.mark.parametrize("amount, message", [
    ("0", "supérieur à zéro"), ("0,00", "supérieur à zéro"), ("-5", "en chiffres"), ("1e3", "en chiffres"),
    ("NaN", "en chiffres"), ("", "Ce champ est obligatoire"), ("10,001", "trop de décimales"),
    ("25,01", "dépasse ce qui reste remboursable"), ("999999999", "dépasse"),
])
def test_bad_refund_amounts_are_refused_in_french_and_reach_no_stripe(desk, awa, stripe_server, amount, message):
    pi, charge, *_ = paid_at_stripe(awa, 2500)
    donation = gift(awa, stripe_payment_intent=pi)
    entry = payment(donation, pi, 2500, charge=charge)
    response = desk.post(f"/admin/dons/{donation.pk}/rembourser/{entry.pk}/",
                         {"amount": amount, "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert response.status_code == 400 and message in body(response)
    assert stripe_get(stripe_server, "refunds")["data"] == []
    assert not ModelLogEntry.objects.exists()


def test_an_offline_or_fully_refunded_payment_offers_no_refund(desk, awa):
    donation = gift(awa, payment_method="cheque")
    entry = payment(donation, "offline-abc")
    response = desk.post(f"/admin/dons/{donation.pk}/rembourser/{entry.pk}/", {"amount": "1", "confirmed": "1"})
    assert response.status_code == 409 and "hors ligne" in body(response)
    paid = gift(awa)
    card = payment(paid, "pi_full", 1000, charge="ch_full")
    LedgerEntry.objects.create(donation=paid, kind="refund", amount=-1000, currency="EUR", stripe_object="re_full",
                               stripe_charge="ch_full", occurred_at=timezone.now())
    response = desk.post(f"/admin/dons/{paid.pk}/rembourser/{card.pk}/", {"amount": "1", "confirmed": "1"})
    assert response.status_code == 409 and "entièrement remboursé" in body(response)
    assert not ModelLogEntry.objects.exists()


# --- cancelling a monthly gift --------------------------------------------------------------------------

def test_cancel_a_monthly_gift_at_stripe_then_the_webhook_records_it(desk, awa, stripe_server, client,
                                                                    django_capture_on_commit_callbacks):
    _, _, customer, card = paid_at_stripe(awa)
    donation = gift(awa, frequency="monthly", status="active", stripe_customer=customer)
    subscription = gateway.subscribe(donation, card)
    Donation.objects.filter(pk=donation.pk).update(stripe_subscription=subscription.id)
    ended = []
    signals.monthly_gift_ended.connect(receiver := lambda **kw: ended.append(kw["donation"].pk), weak=False)
    try:
        url = f"/admin/dons/{donation.pk}/arreter/"
        done = confirm(desk, url, {"nonce": str(uuid.uuid4())})
        assert done.status_code == 303 and any("Don mensuel arrêté" in m for m in flash(done))
        assert gateway.client().v1.subscriptions.retrieve(subscription.id).status == "canceled"
        assert Donation.objects.get(pk=donation.pk).status == "active"  # until Stripe's event says so
        log = ModelLogEntry.objects.get(action="donors.cancel_monthly")
        assert log.user == desk.user and log.data == {"subscription": subscription.id}

        payload = event("customer.subscription.deleted", {"id": subscription.id, "object": "subscription",
                                                          "status": "canceled", "customer": customer})
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(WEBHOOK, payload, content_type="application/json",
                               HTTP_STRIPE_SIGNATURE=sign(payload)).status_code == 200
        assert Donation.objects.get(pk=donation.pk).status == "canceled" and ended == [donation.pk]
        again = desk.post(url, {"nonce": str(uuid.uuid4()), "confirmed": "1"})
        assert again.status_code == 409 and "n'est pas actif" in body(again)
    finally:
        signals.monthly_gift_ended.disconnect(receiver)


def test_cancel_refuses_a_one_off_gift(desk, awa):
    donation = gift(awa)
    response = desk.post(f"/admin/dons/{donation.pk}/arreter/", {"nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert response.status_code == 409 and "n'est pas un don mensuel" in body(response)


# --- offline gifts and pledges --------------------------------------------------------------------------

def offline_form(**overrides):
    data = {"email": "chloe@example.org", "donor_name": "Chloé Petit", "address_line1": "3 place de l'Église",
            "postal_code": "69001", "city": "Lyon", "country": "fr", "payment_method": "cheque", "amount": "150,50",
            "received_on": TODAY, "project": "puits", "wants_receipt": "on", "nonce": str(uuid.uuid4())}
    data.update(overrides)
    return data


def test_offline_gift_is_a_donation_and_a_ledger_payment_once(desk, project, django_capture_on_commit_callbacks):
    recorded = []
    signals.payment_recorded.connect(receiver := lambda **kw: recorded.append(kw["entry"].stripe_object), weak=False)
    try:
        data = offline_form()
        with django_capture_on_commit_callbacks(execute=True):
            done = confirm(desk, "/admin/dons/hors-ligne/", data)
        assert done.status_code == 303
        donation = Donation.objects.get()
        assert done["Location"] == f"/admin/dons/{donation.pk}/"
        assert (donation.amount, donation.status, donation.payment_method, donation.wants_receipt,
                donation.project_slug, donation.country) == (15050, "succeeded", "cheque", True, "puits", "FR")
        assert donation.donor.email == "chloe@example.org" and donation.donor_name == "Chloé Petit"
        entry = LedgerEntry.objects.get()
        assert entry.stripe_object == f"offline-{data['nonce']}" and entry.amount == 15050 and entry.kind == "payment"
        assert timezone.localtime(entry.occurred_at).date().isoformat() == TODAY
        assert recorded == [entry.stripe_object]  # the ledger's signal: the receipt and the thank-you follow
        log = ModelLogEntry.objects.get(action="donors.offline_gift")
        assert log.user == desk.user and log.data["amount"] == 15050
        twice = desk.post("/admin/dons/hors-ligne/", {**data, "confirmed": "1"})
        assert twice.status_code == 409 and "déjà été enregistré" in body(twice)
        assert LedgerEntry.objects.count() == 1 and Donation.objects.count() == 1
    finally:
        signals.payment_recorded.disconnect(receiver)


def test_offline_gift_for_a_known_donor_never_changes_their_details(desk, awa, project):
    done = confirm(desk, f"/admin/donateurs/{awa.pk}/don-hors-ligne/",
                   offline_form(email="", donor_name="Awa D.", city="Dakar", payment_method="cash", project=""))
    assert done.status_code == 303
    awa.refresh_from_db()
    assert awa.name == "Awa Diallo" and awa.city == "Paris"
    donation = Donation.objects.get()
    assert donation.donor == awa and donation.city == "Dakar" and donation.payment_method == "cash"
    assert donation.project_slug == "" and Donor.objects.count() == 1


@pytest.mark.parametrize("overrides, message", [
    ({"amount": "-20"}, "en chiffres"), ({"amount": "0"}, "supérieur à zéro"),
    ({"amount": "2000000"}, "invraisemblable"), ({"amount": "1e9"}, "en chiffres"),
    ({"received_on": "2999-01-01"}, "futur"), ({"received_on": "1990-01-01"}, "trop ancienne"),
    ({"received_on": "hier"}, "Saisissez une date"), ({"payment_method": "card"}, "n'est pas valide"),
    ({"email": "pas-un-courriel"}, "adresse électronique valide"), ({"email": ""}, "obligatoire"),
    ({"city": ""}, "adresse postale complète"), ({"project": "nulle-part"}, "n'est pas valide"),
    ({"country": "FRA"}, "trop long"), ({"donor_name": " "}, "obligatoire"),
])
def test_bad_offline_gifts_write_nothing(desk, project, overrides, message):
    response = desk.post("/admin/dons/hors-ligne/", {**offline_form(**overrides), "confirmed": "1"})
    assert response.status_code == 400 and message in body(response), text(response)[-1500:]
    assert not Donation.objects.exists() and not LedgerEntry.objects.exists() and not Donor.objects.exists()


def test_match_a_transfer_pledge_once(desk, awa):
    pledge = gift(awa, status="pledged", payment_method="transfer", amount=5000)
    url = f"/admin/dons/{pledge.pk}/rapprocher/"
    done = confirm(desk, url, {"amount": "50", "received_on": TODAY, "nonce": str(uuid.uuid4())})
    assert done.status_code == 303 and any("Promesse rapprochée" in m for m in flash(done))
    pledge.refresh_from_db()
    entry = LedgerEntry.objects.get()
    assert pledge.status == "succeeded" and entry.stripe_object == f"pledge-{pledge.pk}" and entry.amount == 5000
    assert ModelLogEntry.objects.get(action="donors.match_pledge").user == desk.user
    twice = desk.post(url, {"amount": "50", "received_on": TODAY, "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert twice.status_code == 409 and "déjà été rapprochée" in body(twice)
    assert LedgerEntry.objects.count() == 1 and ModelLogEntry.objects.count() == 1


def test_a_standing_transfer_is_matched_once_a_month(desk, awa):
    pledge = gift(awa, status="pledged", payment_method="transfer", frequency="monthly", amount=2000)
    url = f"/admin/dons/{pledge.pk}/rapprocher/"
    assert confirm(desk, url, {"amount": "20", "received_on": TODAY, "nonce": str(uuid.uuid4())}).status_code == 303
    assert Donation.objects.get(pk=pledge.pk).status == "active"
    again = desk.post(url, {"amount": "20", "received_on": TODAY, "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert again.status_code == 409 and "pour ce mois-ci" in body(again)
    assert LedgerEntry.objects.count() == 1


def test_match_refuses_what_is_not_a_pledge_and_bad_amounts(desk, awa):
    card = gift(awa)
    assert desk.post(f"/admin/dons/{card.pk}/rapprocher/", {"amount": "25", "received_on": TODAY,
                                                             "confirmed": "1"}).status_code == 409
    pledge = gift(awa, status="pledged", payment_method="cheque")
    for amount in ("0", "-1", "99999999", "abc"):
        response = desk.post(f"/admin/dons/{pledge.pk}/rapprocher/",
                             {"amount": amount, "received_on": TODAY, "nonce": str(uuid.uuid4()), "confirmed": "1"})
        assert response.status_code == 400, amount
    assert not LedgerEntry.objects.exists() and Donation.objects.get(pk=pledge.pk).status == "pledged"


# --- address and receipts -------------------------------------------------------------------------------

def test_fix_a_gifts_address_replaces_its_receipts_and_logs_no_personal_data(desk, awa):
    donation, original = receipted(awa)
    original_pdf = service.pdf_bytes(original)  # rendered and stored once, before the correction
    before = Receipt.objects.filter(pk=original.pk).values().get()
    url = f"/admin/dons/{donation.pk}/adresse/"
    data = {"donor_name": "Awa Diallo", "address_line1": "12 avenue\tdes Lilas", "postal_code": "75020",
            "city": "Paris", "country": "FR"}
    first = desk.post(url, data)
    assert "« 1 rue des Puits » → « 12 avenue des Lilas »" in body(first)
    assert Receipt.objects.count() == 1  # the confirmation page issues nothing
    done = desk.post(url, {**data, "confirmed": "1"})
    assert done.status_code == 303
    donation.refresh_from_db()
    awa.refresh_from_db()
    assert donation.address_line1 == "12 avenue des Lilas" and donation.postal_code == "75020"
    assert awa.address_line1 == "1 rue des Puits"  # the donor's own row is untouched

    # the original is cancelled, never edited: a cancellation and a replacement, numbered after it
    assert Receipt.objects.count() == 3
    cancellation = Receipt.objects.get(document=Receipt.CANCELLATION)
    replacement = Receipt.objects.get(replaces=original)
    year, seq = original.year, original.sequence
    assert (cancellation.cancels_id, cancellation.number) == (original.pk, f"{year}-{seq + 1:06d}")
    assert replacement.number == f"{year}-{seq + 2:06d}" and replacement.status == Receipt.ISSUED
    assert (replacement.address_line1, replacement.postal_code, replacement.amount) == ("12 avenue des Lilas",
                                                                                     "75020", 2500)
    after = Receipt.objects.filter(pk=original.pk).values().get()
    assert after.pop("status") == Receipt.CANCELLED and before.pop("status") == Receipt.ISSUED
    assert after == before  # nothing else of the original changed (its address, number, amount, PDF)
    assert service.pdf_bytes(original) == original_pdf and "1 rue des Puits" in pdf_text(original_pdf)
    replacement_text = pdf_text(service.pdf_bytes(replacement))
    assert "Adresse : 12 avenue des Lilas" in replacement_text and "Code postal : 75020" in replacement_text
    assert f"Annulation du reçu fiscal n° {original.number}" in pdf_text(service.pdf_bytes(cancellation))
    assert service.receipt_for_payment(donation.entries.get()) == replacement  # the payment's live receipt

    log = ModelLogEntry.objects.get(action="donors.fix_address")
    assert log.data == {"fields": ["address_line1", "postal_code"], "replacement_receipts": 1}
    assert "Lilas" not in str(log.data)
    unchanged = desk.post(url, {**data, "confirmed": "1"})
    assert unchanged.status_code == 400 and "Rien n'a changé" in body(unchanged)
    assert Receipt.objects.count() == 3
    page = text(desk.get(f"/admin/donateurs/{awa.pk}/"))  # all three on the donor's page, each for what it is
    assert f"Annulation du reçu n° {original.number}" in page
    assert f"Reçu rectificatif (remplace le n° {original.number})" in page and "annulé" in page


def test_an_incomplete_corrected_address_issues_nothing_and_changes_nothing(desk, awa):
    donation, original = receipted(awa)
    response = desk.post(f"/admin/dons/{donation.pk}/adresse/", {
        "donor_name": "Awa Diallo", "address_line1": "", "postal_code": "75020", "city": "Paris", "country": "FR",
        "confirmed": "1"})
    assert response.status_code == 400
    assert Receipt.objects.get() == original and Receipt.objects.get().status == Receipt.ISSUED
    assert Donation.objects.get(pk=donation.pk).postal_code == "75011" and not ModelLogEntry.objects.exists()


def test_completing_an_address_issues_the_receipt_it_lacked_and_mails_it(
        desk, awa, smtp_mailbox, run_worker, django_capture_on_commit_callbacks):
    donation = gift(awa, wants_receipt=True, **(ADDRESS | {"city": ""}))  # paid without a town: no receipt
    entry = pay(donation)
    assert service.receipt_for_payment(entry) is None and not Receipt.objects.exists()
    data = {"donor_name": "Awa Diallo", **ADDRESS}
    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(desk, f"/admin/dons/{donation.pk}/adresse/", data)
    assert done.status_code == 303
    receipt = Receipt.objects.get()
    assert (receipt.status, receipt.amount, receipt.city) == (Receipt.ISSUED, 2500, "Paris")
    assert service.receipt_for_payment(entry) == receipt
    log = ModelLogEntry.objects.get(action="donors.fix_address")
    assert log.data == {"fields": ["city"], "replacement_receipts": 0, "issued_receipts": [receipt.number]}
    assert run_worker() == 1
    message = smtp_mailbox.wait_for(to="awa@example.org", subject="Votre reçu fiscal")
    assert f"n° {receipt.number}" in str(message["Subject"]).replace("\u00a0", " ")
    attachments = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert attachments == [(f"recu-fiscal-{receipt.number}.pdf", service.pdf_bytes(receipt))]
    assert "maintenant complète" in message.get_body(("plain",)).get_content()
    assert service.receipts_now_due(donation) == []  # issued once: a second correction issues nothing new
    assert Receipt.objects.count() == 1


def test_completing_a_monthly_gifts_address_waits_for_the_yearly_summary(desk, awa):
    donation = gift(awa, wants_receipt=True, frequency="monthly", status="active", **(ADDRESS | {"city": ""}))
    LedgerEntry.objects.create(donation=donation, kind="payment", amount=2500, currency="EUR", project_slug="puits",
                               frequency="monthly", donation_kind="gift", stripe_object="in_month_1",
                               occurred_at=timezone.now())
    done = confirm(desk, f"/admin/dons/{donation.pk}/adresse/", {"donor_name": "Awa Diallo", **ADDRESS})
    assert done.status_code == 303 and not Receipt.objects.exists()
    assert ModelLogEntry.objects.get(action="donors.fix_address").data == {"fields": ["city"],
                                                                           "replacement_receipts": 0}


def resend(desk, donor, receipt, capture):
    """The confirmed resend, its commit's callbacks run (the delivery task is enqueued, as in production)."""
    with capture(execute=True):
        return confirm(desk, f"/admin/donateurs/{donor.pk}/recus/{receipt.pk}/renvoyer/", {"nonce": str(uuid.uuid4())})


def test_resend_a_receipt_queues_the_stored_pdf_and_never_another_donors(
        desk, awa, bob, smtp_mailbox, run_worker, django_capture_on_commit_callbacks):
    _, mine = receipted(awa)
    _, theirs = receipted(bob, amount=7700)
    stored = service.pdf_bytes(mine)
    assert stored.startswith(b"%PDF") and mine.number in pdf_text(stored)
    refused = desk.post(f"/admin/donateurs/{awa.pk}/recus/{theirs.pk}/renvoyer/", {"confirmed": "1"})
    assert refused.status_code == 404 and not SentEmail.objects.exists()
    done = resend(desk, awa, mine, django_capture_on_commit_callbacks)
    assert done.status_code == 303
    assert flash(done) == [f"La copie du reçu n°\u00a0{mine.number} est en file d'envoi\u00a0: son état apparaît "
                           "dans «\u00a0E-mails envoyés\u00a0» ci-dessous."]
    row = SentEmail.objects.get()
    assert (row.donor, row.kind, row.recipient, row.status) == (awa, "receipt_copy", "awa@example.org", "queued")
    assert smtp_mailbox.find() == []  # queued: the click itself sends nothing
    assert "en attente d'envoi" in text(desk.get(f"/admin/donateurs/{awa.pk}/")).rsplit("E-mails envoyés", 1)[1]

    assert run_worker() == 1
    message = smtp_mailbox.wait_for(to="awa@example.org", subject="Copie de votre reçu fiscal")
    assert len(smtp_mailbox.messages) == 1 and smtp_mailbox.messages[0][0] == ["awa@example.org"]
    assert f"n°\u00a0{mine.number}" in str(message["Subject"])
    attachments = [(part.get_filename(), part.get_content()) for part in message.iter_attachments()]
    assert attachments == [(f"recu-fiscal-{mine.number}.pdf", service.pdf_bytes(mine))]  # the stored bytes
    assert attachments[0][1] == stored
    assert "bob@example.org" not in message.as_string() and theirs.number not in message.as_string()
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at and row.attachments == [] and row.context == {}
    emails = text(desk.get(f"/admin/donateurs/{awa.pk}/")).rsplit("E-mails envoyés", 1)[1]
    assert "Copie d'un reçu fiscal" in emails and f"Copie de votre reçu fiscal n° {mine.number}" in emails
    assert "envoyé" in emails and "en attente" not in emails
    log = ModelLogEntry.objects.get(action="donors.resend_receipt")
    assert log.object_id == str(awa.pk) and log.data == {"receipt": mine.number, "email": row.pk,
                                                         "nonce": log.data["nonce"]}
    nonce = log.data["nonce"]
    twice = desk.post(f"/admin/donateurs/{awa.pk}/recus/{mine.pk}/renvoyer/", {"nonce": nonce, "confirmed": "1"})
    assert twice.status_code == 409 and "déjà été mise en file d'envoi" in body(twice)
    assert SentEmail.objects.count() == 1 and ModelLogEntry.objects.filter(action="donors.resend_receipt").count() == 1
    assert Receipt.objects.get(pk=mine.pk).pdf == mine.pdf  # the stored PDF, not a new rendering


# --- permissions ----------------------------------------------------------------------------------------

def test_an_editor_without_the_group_sees_no_donor_anywhere(editor, awa):
    donation = gift(awa)
    entry = payment(donation, "pi_secret")
    home = editor.get("/admin/")
    assert home.status_code == 200
    html = body(home)
    assert "/admin/donateurs/" not in html and "/admin/dons/" not in html
    for url in ["/admin/donateurs/", "/admin/donateurs/results/", f"/admin/donateurs/{awa.pk}/",
                f"/admin/donateurs/history/{awa.pk}/", "/admin/dons/", f"/admin/dons/{donation.pk}/",
                "/admin/dons/hors-ligne/", f"/admin/dons/{donation.pk}/rembourser/{entry.pk}/",
                f"/admin/dons/{donation.pk}/arreter/", f"/admin/dons/{donation.pk}/rapprocher/",
                f"/admin/dons/{donation.pk}/adresse/", f"/admin/donateurs/{awa.pk}/don-hors-ligne/",
                "/admin/reports/tentatives/", "/admin/reports/dons/"]:
        for method in ("get", "post"):
            response = getattr(editor, method)(url, {"confirmed": "1", "amount": "1"})
            assert response.status_code in (302, 403), (method, url, response.status_code)
            assert "awa@example.org" not in body(response) and "Diallo" not in body(response)
    for query in ("awa", "Diallo", "awa@example.org", donation.reference):
        found = editor.get("/admin/pages/search/", {"q": query})  # the admin's search, every area
        assert found.status_code == 200
        secrets = {"awa@example.org", "Awa Diallo", "rue des Puits", donation.reference, "75011"}
        assert not [s for s in secrets if s not in query and s in body(found)], query
    assert not ModelLogEntry.objects.exists() and not Donation.objects.exclude(pk=donation.pk).exists()


def test_the_group_member_sees_the_menu_and_a_superuser_sees_all(desk, admin_client, awa):
    assert "/admin/donateurs/" in body(desk.get("/admin/"))
    assert "awa@example.org" in body(desk.get("/admin/donateurs/"))
    assert "awa@example.org" in body(admin_client.get("/admin/donateurs/"))
    group = Group.objects.get(name="Dons")
    codenames = set(group.permissions.values_list("codename", flat=True))
    assert {"view_donor", "view_donation", "refund_donation", "cancel_monthly_donation", "record_offline_donation",
            "resend_receipt", "fix_donation_address", "access_admin"} <= codenames
    assert "view_receipt" in codenames  # receipts/0003: the menu "Reçus fiscaux", its figures and PDFs
    assert "/admin/recus-fiscaux/" in body(desk.get("/admin/"))
    desk_only = {codename for codename in codenames if codename.endswith(("_donor", "_donation", "_receipt",
                                                                          "_ledgerentry"))}
    assert not Group.objects.get(name="Editors").permissions.filter(codename__in=desk_only).exists()


def test_a_member_without_an_action_permission_is_refused_that_action(desk, awa):
    desk.user.groups.clear()
    viewer = Group.objects.create(name="Lecture des dons")
    viewer.permissions.set(Permission.objects.filter(codename__in=["access_admin", "view_donor", "view_donation"]))
    desk.user.groups.add(viewer)
    donation = gift(awa, status="pledged", payment_method="transfer")
    assert desk.get(f"/admin/dons/{donation.pk}/").status_code == 200
    response = desk.post(f"/admin/dons/{donation.pk}/rapprocher/",
                         {"amount": "25", "received_on": TODAY, "confirmed": "1"})
    assert response.status_code in (302, 403) and not LedgerEntry.objects.exists()


# --- Hypothesis on the action forms ---------------------------------------------------------------------

HOSTILE = st.one_of(st.text(max_size=40), st.sampled_from(["0", "-1", "1e5", "NaN", "inf", "１２", "12,5,5", "\x00",
                                                          "99999999999999999999", " 12 ", "12.345", "٣"]))


@hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(amount=HOSTILE, received_on=st.one_of(st.text(max_size=12), st.dates().map(str)),
       method=st.sampled_from(["cheque", "transfer", "cash", "card", "", "x" * 50]),
       email=st.one_of(st.emails(), st.text(max_size=30)), name=st.text(max_size=150))
def test_hostile_offline_gift_forms_never_500(desk, project, amount, received_on, method, email, name):
    before = (Donation.objects.count(), LedgerEntry.objects.count())
    response = desk.post("/admin/dons/hors-ligne/", {**offline_form(
        amount=amount, received_on=received_on, payment_method=method, email=email, donor_name=name),
        "confirmed": "1"})
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        assert (Donation.objects.count(), LedgerEntry.objects.count()) == before


@hsettings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(amount=HOSTILE, received_on=st.one_of(st.text(max_size=12), st.dates().map(str)))
def test_hostile_refund_and_match_forms_never_500(desk, awa, amount, received_on):
    donation = Donation.objects.filter(payment_method="cheque").first() or gift(
        awa, status="pledged", payment_method="cheque")
    Donation.objects.filter(pk=donation.pk).update(status="pledged")
    LedgerEntry.objects.filter(donation=donation).delete()
    response = desk.post(f"/admin/dons/{donation.pk}/rapprocher/",
                         {"amount": amount, "received_on": received_on, "confirmed": "1"})
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        assert not LedgerEntry.objects.filter(donation=donation).exists()
    card = Donation.objects.filter(payment_method="card").first() or gift(awa)
    entry = LedgerEntry.objects.filter(donation=card).first() or payment(card, "pi_hypo", 2500)
    response = desk.post(f"/admin/dons/{card.pk}/rembourser/{entry.pk}/",
                         {"amount": amount, "nonce": str(uuid.uuid4())})  # not confirmed: no Stripe call
    assert response.status_code in (200, 400)
    assert not LedgerEntry.objects.filter(kind="refund").exists()


@hsettings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(key=st.one_of(st.text(min_size=1, max_size=80), st.uuids().map(str), st.sampled_from(
    ["2026-000001", "1", "0", "-1", "..", "%00", "' OR 1=1 --", "\u202e", "x" * 500])))
def test_hostile_receipt_ids_in_desk_urls_are_404_and_send_nothing(desk, awa, key):
    from urllib.parse import quote

    if not Receipt.objects.exists():
        receipted(awa)
    for action in ("pdf", "renvoyer"):
        url = f"/admin/donateurs/{awa.pk}/recus/{quote(key, safe='')}/{action}/"
        assert desk.get(url).status_code == 404, url
        assert desk.post(url, {"nonce": str(uuid.uuid4()), "confirmed": "1"}).status_code == 404, url
    assert not SentEmail.objects.exists() and not ModelLogEntry.objects.exists()


# --- concurrency: a double click, two staff at once -----------------------------------------------------

CONCURRENT = pytest.mark.django_db(transaction=True, serialized_rollback=True)  # keeps the "Dons" group


def clients_of(user, n):
    from django.test import Client

    clients = []
    for _ in range(n):
        c = Client()
        c.force_login(user)
        clients.append(c)
    return clients


def run_at_once(clients, url, data_for):
    from concurrent.futures import ThreadPoolExecutor
    from django.db import connection

    def post(pair):
        i, c = pair
        try:
            return c.post(url, data_for(i)).status_code
        finally:
            connection.close()  # this thread's connection

    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        return sorted(pool.map(post, enumerate(clients)))


@CONCURRENT
def test_a_pledge_matched_by_ten_staff_at_once_is_recorded_once():
    user = User.objects.create_user("caisse", "caisse@example.org", "pw")
    user.groups.add(Group.objects.get(name="Dons"))
    donor = Donor.objects.create(email="awa@example.org", name="Awa Diallo")
    pledge = gift(donor, status="pledged", payment_method="transfer", amount=5000, project_slug="")
    codes = run_at_once(clients_of(user, 10), f"/admin/dons/{pledge.pk}/rapprocher/", lambda i: {
        "amount": "50", "received_on": TODAY, "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert codes == [303] + [409] * 9, codes
    assert LedgerEntry.objects.filter(donation=pledge).count() == 1
    assert ModelLogEntry.objects.filter(action="donors.match_pledge").count() == 1
    assert Donation.objects.get(pk=pledge.pk).status == "succeeded"


@CONCURRENT
def test_an_offline_gift_submitted_five_times_at_once_is_one_gift():
    user = User.objects.create_user("caisse", "caisse@example.org", "pw")
    user.groups.add(Group.objects.get(name="Dons"))
    data = offline_form(project="")
    codes = run_at_once(clients_of(user, 5), "/admin/dons/hors-ligne/", lambda i: {**data, "confirmed": "1"})
    assert codes == [303] + [409] * 4, codes
    assert Donation.objects.count() == 1 and LedgerEntry.objects.count() == 1 and Donor.objects.count() == 1


@CONCURRENT
@pytest.mark.postgresql  # row locks (SELECT … FOR UPDATE): PostgreSQL, the production database
def test_a_refund_double_clicked_five_times_at_once_refunds_once(stripe_server):
    user = User.objects.create_user("caisse", "caisse@example.org", "pw")
    user.groups.add(Group.objects.get(name="Dons"))
    donor = Donor.objects.create(email="awa@example.org", name="Awa Diallo")
    pi, charge, *_ = paid_at_stripe(donor, 2500)
    donation = gift(donor, stripe_payment_intent=pi, project_slug="")
    entry = payment(donation, pi, 2500, charge=charge)
    nonce = str(uuid.uuid4())
    codes = run_at_once(clients_of(user, 5), f"/admin/dons/{donation.pk}/rembourser/{entry.pk}/",
                        lambda i: {"amount": "25", "nonce": nonce, "confirmed": "1"})
    assert codes == [303] + [409] * 4, codes
    assert [r["amount"] for r in stripe_get(stripe_server, "refunds")["data"]] == [2500]
    assert ModelLogEntry.objects.filter(action="donors.refund").count() == 1


@CONCURRENT
@pytest.mark.postgresql  # row locks (SELECT … FOR UPDATE): PostgreSQL, the production database
def test_a_receipt_copy_double_clicked_five_times_at_once_is_queued_once():
    user = User.objects.create_user("caisse", "caisse@example.org", "pw")
    user.groups.add(Group.objects.get(name="Dons"))
    donor = Donor.objects.create(email="awa@example.org", name="Awa Diallo")
    _, receipt = receipted(donor, project_slug="")
    nonce = str(uuid.uuid4())
    codes = run_at_once(clients_of(user, 5), f"/admin/donateurs/{donor.pk}/recus/{receipt.pk}/renvoyer/",
                        lambda i: {"nonce": nonce, "confirmed": "1"})
    assert codes == [303] + [409] * 4, codes
    assert SentEmail.objects.filter(kind="receipt_copy").count() == 1
    assert ModelLogEntry.objects.filter(action="donors.resend_receipt").count() == 1


def test_the_site_history_shows_desk_actions_to_the_group_only(desk, awa, client):
    donation = gift(awa, status="pledged", payment_method="transfer")
    assert confirm(desk, f"/admin/dons/{donation.pk}/rapprocher/",
                   {"amount": "25", "received_on": TODAY, "nonce": str(uuid.uuid4())}).status_code == 303
    history = body(desk.get("/admin/reports/site-history/"))
    assert "Promesse rapprochée" in history and "caisse" in history
    assert "Diallo" not in history and "awa@example.org" not in history  # labels are "Don <id>", no name
    editor = User.objects.create_user("redac", "redac@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    seen = client.get("/admin/reports/site-history/")
    assert seen.status_code in (200, 302, 403) and "Promesse rapprochée" not in body(seen)
    assert str(donation.pk) not in body(seen)


def test_a_receipt_pdf_is_the_donors_own_for_the_desk_only(desk, awa, bob, client):
    _, mine = receipted(awa)
    _, theirs = receipted(bob, amount=7700)
    page = body(desk.get(f"/admin/donateurs/{awa.pk}/"))
    url = f"/admin/donateurs/{awa.pk}/recus/{mine.pk}/pdf/"
    assert url in page and "25,00\u00a0€" in page and mine.number in page and theirs.number not in page
    pdf = desk.get(url)
    assert pdf.status_code == 200 and pdf.content == service.pdf_bytes(mine) and pdf.content.startswith(b"%PDF")
    assert "Nom et prénom : Awa Diallo" in pdf_text(pdf.content)
    assert pdf["Content-Type"] == "application/pdf" and "no-store" in pdf["Cache-Control"]
    assert f'filename="recu-fiscal-{mine.number}.pdf"' in pdf["Content-Disposition"]
    assert desk.get(f"/admin/donateurs/{bob.pk}/recus/{mine.pk}/pdf/").status_code == 404  # not Bob's receipt
    assert desk.get(f"/admin/donateurs/{awa.pk}/recus/{theirs.pk}/pdf/").status_code == 404
    editor = User.objects.create_user("redac", "redac@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert client.get(url).status_code in (302, 403)


def test_the_groups_admin_lists_the_desk_permissions(admin_client):
    group = Group.objects.get(name="Dons")
    page = admin_client.get(f"/admin/groups/edit/{group.pk}/")
    assert page.status_code == 200
    assert "Peut rembourser un paiement" in body(page)


def test_stripe_down_is_a_french_502_and_nothing_logged(desk, awa, settings):
    from tests.conftest import free_port

    settings.STRIPE_API_BASE = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    donation = gift(awa, frequency="monthly", status="active", stripe_subscription="sub_down")
    entry = payment(donation, "in_down", 2500, charge="ch_down")
    refund = desk.post(f"/admin/dons/{donation.pk}/rembourser/{entry.pk}/",
                       {"amount": "5", "nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert refund.status_code == 502 and "Stripe a refusé le remboursement" in body(refund)
    cancel = desk.post(f"/admin/dons/{donation.pk}/arreter/", {"nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert cancel.status_code == 502 and "n'a pas pu arrêter" in body(cancel)
    assert not ModelLogEntry.objects.exists() and Donation.objects.get(pk=donation.pk).status == "active"


def test_a_copy_queued_while_the_mail_server_is_down_is_logged_then_fails_after_the_retries(
        desk, awa, settings, run_worker, django_capture_on_commit_callbacks, caplog):
    """The click cannot fail on the mail server any more (the copy is queued): it is logged at once, and with
    the server down the worker tries 1 + len(MAIL_RETRY_DELAYS) times, then marks the message failed, which
    the donor's page shows."""
    import logging

    from tests.conftest import free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", free_port(), False
    settings.EMAIL_TIMEOUT, settings.MAIL_RETRY_DELAYS = 2, [0, 0]
    _, receipt = receipted(awa)
    done = resend(desk, awa, receipt, django_capture_on_commit_callbacks)
    assert done.status_code == 303 and any("est en file d'envoi" in m for m in flash(done))
    row = SentEmail.objects.get()
    log = ModelLogEntry.objects.get(action="donors.resend_receipt")
    assert (log.data["receipt"], log.data["email"], log.user) == (receipt.number, row.pk, desk.user)
    with caplog.at_level(logging.WARNING, logger="cms.donors.mail"):
        assert run_worker() == 3  # the first try and its two retries
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("failed", 3) and "ConnectionRefusedError" in row.error
    assert row.attachments == [] and row.context == {}  # the receipt's PDF is not kept in the log
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"e-mail {row.pk} (receipt_copy) failed after 3 attempt(s)" in logged and "awa@" not in logged
    emails = text(desk.get(f"/admin/donateurs/{awa.pk}/")).rsplit("E-mails envoyés", 1)[1]
    assert "Copie d'un reçu fiscal" in emails and "échec (ConnectionRefusedError)" in emails
    assert Receipt.objects.get() == receipt  # a failed copy changes nothing of the receipt


def test_a_purged_receipt_cannot_be_resent(desk, awa):
    _, receipt = receipted(awa)
    Receipt.objects.filter(pk=receipt.pk).update(purged_at=timezone.now())
    response = desk.post(f"/admin/donateurs/{awa.pk}/recus/{receipt.pk}/renvoyer/",
                         {"nonce": str(uuid.uuid4()), "confirmed": "1"})
    assert response.status_code == 409 and "purgé" in body(response)
    assert not SentEmail.objects.exists() and not ModelLogEntry.objects.exists()


def test_an_offline_gift_by_a_known_email_joins_that_donor_unchanged(desk, awa, project):
    done = confirm(desk, "/admin/dons/hors-ligne/", offline_form(email="AWA@example.org", donor_name="Quelqu'un",
                                                                 city="Nantes"))
    assert done.status_code == 303
    awa.refresh_from_db()
    assert Donor.objects.count() == 1 and awa.name == "Awa Diallo" and awa.city == "Paris"
    donation = Donation.objects.get()
    assert donation.donor == awa and donation.donor_name == "Quelqu'un" and donation.city == "Nantes"


def test_listings_and_pages_run_a_constant_number_of_queries(desk, django_assert_max_num_queries):
    """Twenty rows or two: the same queries (no query per row), so a page stays fast as donors grow."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def counts():
        result = {}
        donor = Donor.objects.order_by("pk").first()
        for url in ("/admin/donateurs/", "/admin/dons/", f"/admin/donateurs/{donor.pk}/"):
            with CaptureQueriesContext(connection) as queries:
                assert desk.get(url).status_code == 200
            result[url.split("/")[2] + ("-page" if url.count("/") > 3 else "")] = len(queries)
        return result

    def add(n):
        for i in range(n):
            donor = Donor.objects.create(email=f"d{Donor.objects.count()}@example.org", name=f"Donateur {i}")
            for _ in range(2):
                payment(gift(donor), f"pi_{uuid.uuid4().hex[:12]}")

    add(2)
    small = counts()
    first = Donor.objects.order_by("pk").first()
    for _ in range(8):
        payment(gift(first), f"pi_{uuid.uuid4().hex[:12]}")  # ten gifts on the donor's page
    add(18)
    large = counts()
    print("queries per page", small, large)
    assert large == small, (small, large)


def test_the_admin_search_offers_donors_to_the_desk_only(desk, awa, client):
    desk.user.groups.add(Group.objects.get(name="Editors"))  # the admin's search is the pages' search
    offered = body(desk.get("/admin/pages/search/", {"q": "awa"}))
    assert "/admin/donateurs/?q=awa" in offered
    editor = User.objects.create_user("redac", "redac@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    assert "/admin/donateurs/" not in body(client.get("/admin/pages/search/", {"q": "awa"}))


@hsettings(max_examples=50, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=st.text(max_size=130), line=st.text(max_size=210), postal=st.text(max_size=25),
       city=st.text(max_size=110), country=st.text(max_size=4))
def test_hostile_address_corrections_never_500(desk, awa, name, line, postal, city, country):
    donation = Donation.objects.filter(donor=awa).first() or receipted(awa)[0]  # a gift with a real receipt
    before = Donation.objects.filter(pk=donation.pk).values().get()
    receipts = list(Receipt.objects.values_list("number", "status"))
    response = desk.post(f"/admin/dons/{donation.pk}/adresse/", {
        "donor_name": name, "address_line1": line, "postal_code": postal, "city": city, "country": country,
        "confirmed": "1"})
    assert response.status_code in (303, 400), response.status_code
    if response.status_code == 400:
        assert Donation.objects.filter(pk=donation.pk).values().get() == before
        assert list(Receipt.objects.values_list("number", "status")) == receipts
    assert Receipt.objects.filter(status=Receipt.ISSUED, document=Receipt.RECEIPT).count() == 1  # one live
