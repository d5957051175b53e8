"""The donor space (cms/donors/space/), in process: the sign-in link (same answer for unknown e-mails, rate
limits, GET never signs in, single use, expiry, forged links, CSRF), the gifts page, receipts (the receipts
service is monkeypatched in that test only: it is a stub on main), address, e-mail preferences, RGPD export
and erasure of a donor without a monthly gift (with one: test_donor_space_monthly.py), and leaks between
two donors. Mail goes through the real SMTP server of tests/smtp_server.py."""

from __future__ import annotations

import json
import types
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cms.donations.models import Donation, Donor, LedgerEntry
from cms.donors.models import Erasure, MailPreferences, SignInLink
from cms.donors.space.session import SESSION_KEY
from cms.receipts import service as receipts_service
from tests.donor_space_helpers import SPACE, link_in, make_donor, make_gift, sign_in_as
from tests.smtp_server import html_of, text_of
from tests.test_donor_mail import run_worker  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db

ASK = SPACE + "connexion/"


@pytest.fixture(autouse=True)
def space_settings(settings):
    settings.DONOR_SIGN_IN_RATE_LIMITS = (100, 3, 900)
    settings.SITE_BASE_URL = "https://www.example.org"


# --- asking for a link -----------------------------------------------------------------------------------

def test_known_and_unknown_addresses_get_the_same_answer_and_only_the_donor_gets_mail(
        client, smtp_mailbox, django_capture_on_commit_callbacks, run_worker):
    make_donor()
    with django_capture_on_commit_callbacks(execute=True):  # the mail is queued once the task commits
        known = client.post(ASK, {"email": "  Awa@Example.org "})
        unknown = client.post(ASK, {"email": "nobody@example.org"})
    run_worker()  # the worker delivers it (cms/donors/mail.py)
    assert known.status_code == unknown.status_code == 200
    assert known.content == unknown.content  # byte for byte: nothing tells them apart
    assert "Vérifiez vos e-mails" in known.content.decode()
    message = smtp_mailbox.wait_for(to="awa@example.org", subject="lien de connexion")
    assert smtp_mailbox.find(to="nobody@example.org") == []
    assert SignInLink.objects.count() == 1
    text, html = text_of(message), html_of(message)
    assert "valable 15 minutes" in text and "Ouvrir mon espace donateur" in html
    path = link_in(text)
    assert text.count("https://www.example.org/donate/espace/lien/") == 1 and path in html
    # only the token's hash is stored
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert not SignInLink.objects.filter(token_hash=token).exists()


def test_the_lookup_runs_after_the_response(rf, smtp_mailbox, django_capture_on_commit_callbacks, run_worker):
    """Same timing for known and unknown addresses: the request itself reads no donor and writes no link;
    the task does both once the response is sent (core/after_response.py, as a WSGI server runs it)."""
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms.core import after_response
    from cms.donors.space import sign_in

    make_donor()
    for email in ("awa@example.org", "nobody@example.org"):
        request = rf.post(ASK, {"email": email})
        request.session, request._dont_enforce_csrf_checks = SessionStore(), True
        after_response.start_collecting()
        with CaptureQueriesContext(connection) as queries:
            response = sign_in.ask_link(request)
        assert response.status_code == 200
        assert not [q for q in queries.captured_queries if "donor" in q["sql"].lower()], email
        assert len(after_response._local.pending) == 1
        with django_capture_on_commit_callbacks(execute=True):
            after_response.run_collected()
    assert SignInLink.objects.count() == 1
    run_worker()
    smtp_mailbox.wait_for(to="awa@example.org")
    assert smtp_mailbox.find(to="nobody@example.org") == []


@pytest.mark.parametrize("email", ["", "pas-une-adresse", "a@", "a" * 300 + "@example.org", "a\x00@example.org"])
def test_bad_addresses_are_a_french_400_and_nothing_is_sent(client, smtp_mailbox, email):
    make_donor()
    response = client.post(ASK, {"email": email})
    assert response.status_code == 400
    assert "adresse e-mail" in response.content.decode()
    assert SignInLink.objects.count() == 0 and smtp_mailbox.find() == []


def test_rate_limited_per_email_known_or_not(client, smtp_mailbox):
    make_donor()
    for email in ("awa@example.org", "nobody@example.org"):
        for _ in range(3):
            assert client.post(ASK, {"email": email}).status_code == 200
        refused = client.post(ASK, {"email": email.upper()})
        assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
        assert "Trop de demandes de lien" in refused.content.decode()
    assert SignInLink.objects.count() == 3  # the refused attempt sent nothing


def test_rate_limited_per_client_address(client, settings, smtp_mailbox):
    settings.DONOR_SIGN_IN_RATE_LIMITS = (2, 100, 900)
    assert client.post(ASK, {"email": "a@example.org"}).status_code == 200
    assert client.post(ASK, {"email": "b@example.org"}).status_code == 200
    assert client.post(ASK, {"email": "c@example.org"}).status_code == 429
    assert client.post(ASK, {"email": "d@example.org"}, REMOTE_ADDR="10.0.0.9").status_code == 200


# --- the link ---------------------------------------------------------------------------------------------

def _link(donor, **changes):
    from cms.donors.space import sign_in

    token = sign_in.new_link(donor)
    if changes:
        SignInLink.objects.filter(donor=donor).update(**changes)
    return f"{SPACE}lien/{token}/"


def test_get_of_the_link_shows_a_button_and_signs_no_one_in(client):
    donor = make_donor()
    link = _link(donor)
    for _ in range(3):  # a mail scanner opening it, then the donor
        page = client.get(link)
        assert page.status_code == 200 and f'action="{link}entrer/"' in page.content.decode()
        assert "private" in page["Cache-Control"] and "no-store" in page["Cache-Control"]
    assert SignInLink.objects.get().used_at is None
    assert SESSION_KEY not in client.session
    assert client.get(SPACE).status_code == 302


def test_the_button_signs_in_once_with_a_new_session_key(client):
    donor = make_donor()
    make_gift(donor, amount=125050)
    link = _link(donor)
    client.get(link)
    before = client.cookies.get("sessionid").value if client.cookies.get("sessionid") else None
    response = client.post(link + "entrer/")
    assert response.status_code == 302 and response["Location"] == SPACE
    assert client.cookies["sessionid"].value != before
    assert client.session[SESSION_KEY] == donor.pk
    home = client.get(SPACE)
    assert home.status_code == 200 and "1\u202f250,50\u00a0€" in home.content.decode()
    assert SignInLink.objects.get().used_at is not None
    # used: the same link again, by GET or POST, in this browser or another
    other = Client()
    for method in (other.get, other.post):
        reused = method(link if method == other.get else link + "entrer/")
        assert reused.status_code == 410 and "Ce lien a déjà servi" in reused.content.decode()
        assert 'action="/donate/espace/connexion/"' in reused.content.decode()
    assert SESSION_KEY not in other.session


def test_an_expired_link_is_a_410_and_signs_no_one_in(client):
    donor = make_donor()
    link = _link(donor, expires_at=timezone.now() - timedelta(seconds=1))
    for response in (client.get(link), client.post(link + "entrer/")):
        assert response.status_code == 410 and "Ce lien a expiré" in response.content.decode()
    assert SESSION_KEY not in client.session and SignInLink.objects.get().used_at is None


def test_the_link_lives_donor_sign_in_minutes(settings):
    settings.DONOR_SIGN_IN_MINUTES = 7
    donor = make_donor(email="b@example.org")
    _link(donor)
    link = SignInLink.objects.get(donor=donor)
    assert timedelta(minutes=6, seconds=50) < link.expires_at - link.created_at < timedelta(minutes=7, seconds=10)


@pytest.mark.parametrize("token", ["x", "A" * 43, "A" * 42 + "!", "%00", "..", "A" * 199, "é" * 43])
def test_forged_links_are_a_french_400(client, token):
    make_donor()
    _link(Donor.objects.get())
    for response in (client.get(f"{SPACE}lien/{token}/"), client.post(f"{SPACE}lien/{token}/entrer/")):
        assert response.status_code == 400 and "Ce lien n’est pas valide" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_the_button_needs_the_csrf_token():
    donor = make_donor()
    link = _link(donor)
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(link)
    assert strict.post(link + "entrer/").status_code == 403
    assert SignInLink.objects.get().used_at is None
    token = page.content.decode().split('name="csrfmiddlewaretoken" value="')[1].split('"')[0]
    assert strict.post(link + "entrer/", {"csrfmiddlewaretoken": token}).status_code == 302


def test_sign_out(client):
    donor = make_donor()
    sign_in_as(client, donor)
    assert client.get(SPACE).status_code == 200
    response = client.post(SPACE + "deconnexion/")
    assert response.status_code == 200 and "Vous êtes déconnecté" in response.content.decode()
    assert client.get(SPACE).status_code == 302


# --- the pages --------------------------------------------------------------------------------------------

def test_the_gifts_page(client):
    donor = make_donor()
    once = make_gift(donor, amount=4000)
    monthly = make_gift(donor, amount=1500, frequency="monthly", status="active", stripe_subscription="sub_x")
    make_gift(donor, amount=9900, status="pending", paid=False)  # an abandoned attempt: not shown
    sign_in_as(client, donor)
    page = client.get(SPACE).content.decode()
    assert once.reference in page and monthly.reference in page and "99\u00a0€" not in page
    assert "40\u00a0€" in page and "15\u00a0€ par mois" in page and "Fonds général" in page
    assert f"/donate/espace/mensuels/{monthly.pk}/" in page and "payé" in page and "mensuel actif" in page


def test_a_receipt_downloads_only_for_its_donor(client, monkeypatch):
    """receipts_of_donor and pdf_bytes are stubs on main (the receipts engineer builds them): this test
    only replaces them with fakes that answer per donor."""
    awa, bob = make_donor(), make_donor(email="bob@example.org", name="Bob Martin")
    gift = make_gift(awa)
    mine = types.SimpleNamespace(pk=11, number="2026-000011", donation_id=gift.pk, amount=2500, currency="EUR",
                                 issued_at=timezone.now())
    theirs = types.SimpleNamespace(pk=12, number="2026-000012", donation_id=None, amount=5000, currency="EUR")
    monkeypatch.setattr(receipts_service, "receipts_of_donor",
                        lambda donor: [mine] if donor.pk == awa.pk else [theirs] if donor.pk == bob.pk else [])
    monkeypatch.setattr(receipts_service, "pdf_bytes", lambda receipt: b"%PDF-1.7 receipt " + receipt.number.encode())
    sign_in_as(client, awa)
    page = client.get(SPACE).content.decode()
    assert "/donate/espace/recus/11/" in page and "2026-000011" in page and "2026-000012" not in page
    response = client.get(SPACE + "recus/11/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content == b"%PDF-1.7 receipt 2026-000011"
    assert 'filename="recu-fiscal-2026-000011.pdf"' in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    for other in ("12", "13", "0", "-1", "abc", "1%20OR%201=1"):
        assert client.get(f"{SPACE}recus/{other}/").status_code == 404, other


def test_the_address_is_for_future_receipts(client):
    donor = make_donor()
    once = make_gift(donor)
    active = make_gift(donor, frequency="monthly", status="active", stripe_subscription="sub_a")
    stopped = make_gift(donor, frequency="monthly", status="canceled", stripe_subscription="sub_b")
    sign_in_as(client, donor)
    assert client.get(SPACE + "adresse/").status_code == 200
    response = client.post(SPACE + "adresse/", {"address_line1": "12 avenue Foch", "postal_code": "69006",
                                                "city": "Lyon", "country": "fr"})
    assert response.status_code == 302
    donor.refresh_from_db()
    assert (donor.address_line1, donor.postal_code, donor.city, donor.country) == ("12 avenue Foch", "69006", "Lyon", "FR")
    assert Donation.objects.get(pk=active.pk).city == "Lyon"
    assert Donation.objects.get(pk=once.pk).city == "Paris" and Donation.objects.get(pk=stopped.pk).city == "Paris"
    assert "prochains reçus fiscaux" in client.get(response["Location"]).content.decode()


def test_a_bad_address_changes_nothing(client):
    donor = make_donor()
    sign_in_as(client, donor)
    for data in ({"address_line1": "", "postal_code": "1", "city": "X", "country": "FR"},
                 {"address_line1": "x" * 201, "postal_code": "1", "city": "X", "country": "FR"},
                 {"address_line1": "1 rue", "postal_code": "1", "city": "X", "country": "France"}):
        response = client.post(SPACE + "adresse/", data)
        assert response.status_code == 400
        assert "Ce champ est" in response.content.decode() or "deux lettres" in response.content.decode()
    donor.refresh_from_db()
    assert donor.city == "Paris"


def test_mail_preferences(client):
    donor = make_donor()
    sign_in_as(client, donor)
    assert 'checked' in client.get(SPACE + "preferences/").content.decode()
    assert client.post(SPACE + "preferences/", {"monthly_thanks": "on"}).status_code == 302
    prefs = MailPreferences.objects.get(donor=donor)
    assert (prefs.gift_thanks, prefs.monthly_thanks) == (False, True)


def test_every_page_needs_a_signed_in_donor(client):
    donor = make_donor()
    gift = make_gift(donor, frequency="monthly", status="active", stripe_subscription="sub_a")
    for url in ("", "adresse/", "preferences/", "donnees/export/", "donnees/effacement/", "recus/1/",
                f"mensuels/{gift.pk}/", f"mensuels/{gift.pk}/arret/"):
        response = client.get(SPACE + url)
        assert response.status_code == 302 and response["Location"] == ASK, url
    for url in ("adresse/", "preferences/", "donnees/effacement/", f"mensuels/{gift.pk}/montant/",
                f"mensuels/{gift.pk}/pause/", f"mensuels/{gift.pk}/arret/", f"mensuels/{gift.pk}/carte/"):
        assert client.post(SPACE + url, {"confirm": "oui", "amount": "10", "city": "X"}).status_code == 302, url
    assert Donor.objects.get().city == "Paris" and not Erasure.objects.exists()


# --- RGPD ---------------------------------------------------------------------------------------------------

def test_export_holds_everything_about_the_donor_and_nothing_of_another(client):
    awa, bob = make_donor(), make_donor(email="bob@example.org", name="Bob Martin", city="Brest")
    gift = make_gift(awa, amount=3000)
    other = make_gift(bob, amount=7000)
    MailPreferences.objects.create(donor=awa, gift_thanks=False)
    sign_in_as(client, awa)
    response = client.get(SPACE + "donnees/export/")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["donor"]["email"] == "awa@example.org" and data["donor"]["name"] == "Awa Diallo"
    assert [d["reference"] for d in data["donations"]] == [gift.reference]
    assert data["donations"][0]["donor_name"] == "Awa Diallo" and data["donations"][0]["amount"] == 3000
    assert [e["amount"] for e in data["ledger_entries"]] == [3000]
    assert data["mail_preferences"] == {"gift_thanks": False, "monthly_thanks": True}
    assert len(data["sign_in_links"]) == 1 and "token_hash" not in data["sign_in_links"][0]
    text = response.content.decode()
    assert "Bob" not in text and "bob@example.org" not in text and other.reference not in text and "Brest" not in text


def test_erasure_needs_a_confirmation(client):
    donor = make_donor()
    sign_in_as(client, donor)
    page = client.get(SPACE + "donnees/effacement/")
    assert page.status_code == 200 and "six ans" in page.content.decode()
    refused = client.post(SPACE + "donnees/effacement/", {})
    assert refused.status_code == 400 and "Cochez la case" in refused.content.decode()
    donor.refresh_from_db()
    assert donor.name == "Awa Diallo" and not Erasure.objects.exists()


def test_erasure_anonymises_keeps_the_books_and_signs_out(client, smtp_mailbox):
    donor = make_donor()
    gifts = [make_gift(donor, amount=a) for a in (1000, 2000)]
    entries = list(LedgerEntry.objects.values_list("pk", "amount").order_by("pk"))
    sign_in_as(client, donor)
    response = client.post(SPACE + "donnees/effacement/", {"confirm": "oui"})
    assert response.status_code == 200 and "Vos données sont effacées" in response.content.decode()
    donor.refresh_from_db()
    assert donor.name == "Donateur effacé" and donor.email.endswith("@efface.invalid")
    assert "awa" not in donor.email and (donor.address_line1, donor.postal_code, donor.city) == ("", "", "")
    for gift in gifts:
        gift.refresh_from_db()
        assert (gift.donor_name, gift.address_line1, gift.city) == ("", "", "") and gift.amount in (1000, 2000)
    assert list(LedgerEntry.objects.values_list("pk", "amount").order_by("pk")) == entries
    assert Erasure.objects.filter(donor=donor).exists() and not SignInLink.objects.exists()
    assert client.get(SPACE).status_code == 302  # signed out
    # the old address no longer reaches anyone, and an open session of the erased donor is refused
    client.post(ASK, {"email": "awa@example.org"})
    assert smtp_mailbox.find(to="awa@example.org") == []
    other = Client()
    session = other.session
    session[SESSION_KEY] = donor.pk
    session.save()
    other.cookies["sessionid"] = session.session_key
    assert other.get(SPACE).status_code == 302


def test_two_erasures_give_two_unique_addresses(client):
    for email in ("a@example.org", "b@example.org"):
        c = Client()
        sign_in_as(c, make_donor(email=email))
        assert c.post(SPACE + "donnees/effacement/", {"confirm": "oui"}).status_code == 200
    assert Donor.objects.filter(email__endswith="@efface.invalid").values("email").distinct().count() == 2


# --- leaks ----------------------------------------------------------------------------------------------------

def test_no_page_shows_another_donors_data_and_their_ids_are_404(client):
    awa = make_donor()
    bob = make_donor(email="bob@example.org", name="Bob Martin", address_line1="9 quai Ouest", city="Brest")
    make_gift(awa)
    bobs = make_gift(bob, amount=7700, frequency="monthly", status="active", stripe_subscription="sub_bob",
                     stripe_customer="cus_bob")
    bobs_once = make_gift(bob, amount=6600)
    sign_in_as(client, awa)
    for url in ("", "adresse/", "preferences/", "donnees/export/", "donnees/effacement/"):
        text = client.get(SPACE + url).content.decode()
        for secret in ("Bob", "bob@example.org", "Brest", "quai Ouest", bobs.reference, bobs_once.reference,
                       "77\u00a0€", str(bobs.pk)):  # (not "77" alone: tokens and dates hold it by chance)
            assert secret not in text, (url, secret)
    for gift in (bobs, bobs_once):
        assert client.get(f"{SPACE}mensuels/{gift.pk}/").status_code == 404
        for action in ("montant/", "pause/", "reprise/", "arret/", "carte/", "carte/enregistrer/"):
            response = client.post(f"{SPACE}mensuels/{gift.pk}/{action}", {"amount": "5", "setup_intent": "seti_x"})
            assert response.status_code == 404, action
            assert "Bob" not in response.content.decode()
    bobs.refresh_from_db()
    assert bobs.amount == 7700 and bobs.status == "active"


@pytest.mark.django_db(transaction=True)
def test_a_link_clicked_many_times_at_once_signs_in_once():
    """Single use under concurrency (run it on PostgreSQL): one atomic UPDATE decides, whatever the timing."""
    import threading

    donor = make_donor(email="race@example.org")
    link = _link(donor)
    statuses, barrier = [], threading.Barrier(8)

    def click():
        client = Client()
        barrier.wait()
        statuses.append(client.post(link + "entrer/").status_code)
        from django.db import connection

        connection.close()

    threads = [threading.Thread(target=click) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [410] * 7, statuses


def test_after_signing_in_the_donor_lands_on_the_page_they_asked_for(client):
    """The failed-payment e-mail links to the gift's page: a signed-out donor gets there after the link."""
    donor = make_donor()
    gift = make_gift(donor, frequency="monthly", status="active", stripe_subscription="sub_a")
    assert client.get(f"{SPACE}mensuels/{gift.pk}/").status_code == 302
    response = client.post(_link(donor) + "entrer/")
    assert response.status_code == 302 and response["Location"] == f"{SPACE}mensuels/{gift.pk}/"
    session = client.session
    session["donor_space_next"] = "https://evil.example/"  # only a path of the space is ever followed
    session.save()
    client.post(SPACE + "deconnexion/")
    assert client.post(_link(donor) + "entrer/")["Location"] == SPACE
