"""Issue 11, donors: giving without JavaScript, and a thank-you page that tells the truth.

- A bank transfer or a cheque chosen on the form is recorded at once as a pledge ("pledged", its payment
  method, a unique short reference, the name and address typed), with no Stripe call and no ledger row,
  and leads to a page that says exactly what to do and what happens next.
- A form with errors comes back with every value typed; the card step without JavaScript has a disabled
  button and the same two ways out.
- `GET /donate/api/donations/<id>/` answers the thank-you page with nothing personal.
- `/donate/totals.json` is revalidated (no-cache + ETag), so a donor's next look includes their gift.
- No CMS page or API message promises an e-mail, a receipt by e-mail, a donor wall or news.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.template.loader import render_to_string

from cms.donations import ledger, offline
from cms.donations.models import REFERENCE_ALPHABET, Donation, Donor, LedgerEntry
from tests.conftest import REPO
from tests.fake_gateway import fake_stripe, form_post, gift, post_intent, project  # noqa: F401
from tests.test_site_promises import check as promise_problems, visible_text

pytestmark = pytest.mark.django_db

REFERENCE = re.compile(rf"VDA-[{REFERENCE_ALPHABET}]{{6}}")
TYPED = {"project": "puits", "plan": "once", "amount_display": "42", "cover_fees": "on", "name": "Awa Diallo",
         "email": "awa@example.org", "wants_receipt": "on", "address_line1": "3 rue des Lilas",
         "address_postal_code": "75011", "address_city": "Paris", "address_country": "BE", "source": "project-page"}


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)


def pledge(client, **overrides):
    return client.post("/donate/pay/", {**TYPED, "payment_method": "transfer", **overrides})


def fields(html: str) -> dict:
    """What the re-rendered form holds: text values, checked boxes and radios, selected options."""
    soup = BeautifulSoup(html, "html.parser")
    form = soup.find("form", id="don-form")
    found = {}
    for tag in form.find_all("input"):
        kind = tag.get("type", "text")
        if kind in ("checkbox", "radio"):
            if tag.has_attr("checked"):
                found[tag["name"]] = tag.get("value", "on")
        elif tag.get("name"):
            found[tag["name"]] = tag.get("value", "")
    for select in form.find_all("select"):
        chosen = select.find("option", selected=True)
        found[select["name"]] = chosen["value"] if chosen else ""
    return found


# --- the pledge ---------------------------------------------------------------------------------------

def test_a_transfer_is_recorded_as_pledged_with_a_reference_and_no_stripe_call(client, fake_stripe, project):
    response = pledge(client)
    assert response.status_code == 303, response.content[:500]
    donation = Donation.objects.get()
    assert response["Location"] == f"/donate/pledges/{donation.id}/"  # relative: stays on the site's origin
    assert (donation.status, donation.payment_method, donation.amount, donation.fee) == ("pledged", "transfer",
                                                                                         4200, 0)
    assert REFERENCE.fullmatch(donation.reference)
    assert (donation.donor_name, donation.address_line1, donation.postal_code, donation.city, donation.country) \
        == ("Awa Diallo", "3 rue des Lilas", "75011", "Paris", "BE")
    assert Donor.objects.get().email == "awa@example.org"
    assert fake_stripe.calls == [] and not LedgerEntry.objects.exists()  # no card, no money yet

    page = client.get(response["Location"])
    assert page.status_code == 200
    text = visible_text(page.content.decode())
    for expected in ("FR76 3000 6000 0112 3456 7890 189", "DEMOFRPPXXX", "Vision d'Amour (compte de démonstration)",
                     "42 €", donation.reference, "Puits de Kaya", "dès que nous aurons reçu votre virement",
                     "Quand l’équipe enregistre votre virement, vous recevez un e-mail de remerciement, avec votre reçu "
                     "fiscal en PDF si votre adresse postale est complète", "montre votre don une fois le paiement reçu",
                     "Site de démonstration"):
        assert expected in text, expected
    assert "Awa" not in text and "awa@" not in text  # the page is reached by id alone: nothing personal
    assert promise_problems(text, "pledge page") == []
    soup = BeautifulSoup(page.content.decode(), "html.parser")
    assert soup.select_one('a[href$="/donate/espace/"]') is not None  # the donor space, linked


def test_a_cheque_says_payee_address_and_reference_on_the_back(client, fake_stripe, project):
    response = pledge(client, payment_method="cheque", wants_receipt="")
    donation = Donation.objects.get()
    assert donation.payment_method == "cheque" and donation.address_line1 == ""  # no receipt: no address kept
    text = visible_text(client.get(response["Location"]).content.decode())
    for expected in ("À l’ordre de Vision d'Amour", "Au dos du chèque " + donation.reference,
                     "12 rue de la Démonstration", "75011 Paris", "42 €"):
        assert expected in text, expected
    # no receipt asked: the thank-you is promised, the receipt is not
    assert "Quand l’équipe enregistre votre chèque, vous recevez un e-mail de remerciement." in text
    assert "reçu fiscal en PDF" not in text


def test_the_site_settings_give_the_bank_details(client, fake_stripe, project):
    from cms.core.models import SiteSettings

    settings = SiteSettings.load()
    settings.bank_iban, settings.bank_bic = "FR14 2004 1010 0505 0001 3M02 606", "PSSTFRPPPAR"
    settings.postal_address = "Vision d'Amour\n1 place du Don\n69001 Lyon"
    settings.save()
    text = visible_text(client.get(pledge(client)["Location"]).content.decode())
    assert "FR14 2004 1010 0505 0001 3M02 606" in text and "PSSTFRPPPAR" in text
    assert "Site de démonstration" not in text  # real details: no demo warning


def test_a_monthly_transfer_is_a_standing_order_and_a_monthly_cheque_is_refused(client, fake_stripe, project):
    monthly = pledge(client, plan="monthly")
    assert monthly.status_code == 303
    text = visible_text(client.get(monthly["Location"]).content.decode())
    assert "virement permanent mensuel" in text and "par mois" in text
    # each transfer is thanked when recorded; the receipt is the yearly summary, not a PDF per month
    assert "puis un autre à chaque virement reçu" in text and "reçu fiscal récapitulatif, établi en janvier" in text
    assert "reçu fiscal en PDF" not in text
    refused = pledge(client, plan="monthly", payment_method="cheque", email="b@example.org")
    assert refused.status_code == 400
    assert "Un don mensuel ne se fait pas par chèque" in refused.content.decode()
    assert Donation.objects.count() == 1


def test_references_are_unique_and_a_collision_is_drawn_again(client, fake_stripe, project, monkeypatch):
    pledge(client)
    taken = Donation.objects.get().reference
    draws = iter([taken, "VDA-ZZZZZZ"])
    monkeypatch.setattr(Donation._meta.get_field("reference"), "_get_default", lambda: next(draws))
    assert pledge(client, email="b@example.org").status_code == 303
    assert sorted(Donation.objects.values_list("reference", flat=True)) == sorted([taken, "VDA-ZZZZZZ"])


# --- nothing typed is lost --------------------------------------------------------------------------------

@pytest.mark.parametrize("method", ["transfer", "cheque", "card"])
def test_a_form_with_an_error_comes_back_with_every_typed_value(client, fake_stripe, project, method):
    response = pledge(client, email="", payment_method=method)
    assert response.status_code == 400
    html = response.content.decode()
    assert "Indiquez votre adresse e-mail." in html
    kept = fields(html)
    expected = {**{k: v for k, v in TYPED.items() if k != "email"}, "email": "", "payment_method": method}
    assert {k: kept.get(k) for k in expected} == expected
    assert not Donation.objects.exists() and fake_stripe.calls == []


def test_the_forms_say_before_typing_that_the_card_needs_javascript(client, fake_stripe, project):
    soup = BeautifulSoup(client.get("/donate/pay/").content.decode(), "html.parser")
    notice = soup.find("noscript")
    assert notice is not None and "la carte bancaire ne peut pas être saisie" in notice.get_text()
    assert soup.find("form", id="don-form").find_all("input")[0].sourceline > notice.sourceline
    theme = (REPO / "themes/vision/templates/donation_form.html").read_text(encoding="utf-8")
    assert theme.index("<noscript><p class=\"df-status df-notice\">") < theme.index('name="name"')
    assert 'name="payment_method" value="transfer" checked' in theme  # inside <noscript>: no-JS default


def test_the_card_step_without_javascript_has_a_disabled_button_and_ways_out(fake_stripe, project):
    donation = Donation.objects.create(project=project, project_slug="puits", amount=2500, currency="EUR")
    html = render_to_string("donations/pay.html", {
        **offline.page_context(type("R", (), {"headers": {}})()), "donation": donation, "client_secret": "seti_x",
        "amount_text": "25 €", "total_text": "25 €", "confirm_url": "/c/", "thank_you_url": "/t/"})
    soup = BeautifulSoup(html, "html.parser")
    button = soup.find("button", attrs={"data-submit": True})
    assert button.has_attr("disabled"), "the card button must not be usable until donate.js enables it"
    ways = soup.find("form", action=f"/donate/donations/{donation.id}/pledge/")
    assert {b["value"] for b in ways.find_all("button")} == {"transfer", "cheque"}
    assert "donate.js" in html and "btn.disabled = false" in (
        REPO / "themes/vision/static/js/donate.js").read_text(encoding="utf-8")


def test_the_card_step_turns_its_gift_into_a_pledge(client, fake_stripe, project):
    donation = Donation.objects.create(project=project, project_slug="puits", amount=2500, fee=63, currency="EUR",
                                       donor_name="Awa Diallo", stripe_setup_intent="seti_x")
    url = f"/donate/donations/{donation.id}/pledge/"
    assert client.post(url, {"payment_method": "transfer"}, HTTP_ORIGIN="https://evil.example").status_code == 403
    response = client.post(url, {"payment_method": "transfer"})
    assert response.status_code == 303 and response["Location"] == f"/donate/pledges/{donation.id}/"
    donation.refresh_from_db()
    assert (donation.status, donation.payment_method, donation.fee, donation.donor_name) == (
        "pledged", "transfer", 0, "Awa Diallo")
    assert client.post(url, {"payment_method": "cheque"}).status_code == 404  # only a pending card gift
    paid = Donation.objects.create(amount=2500, currency="EUR", status="succeeded", stripe_payment_intent="pi_x")
    assert client.post(f"/donate/donations/{paid.id}/pledge/", {"payment_method": "transfer"}).status_code == 404
    assert Donation.objects.get(pk=paid.pk).status == "succeeded"
    monthly = Donation.objects.create(amount=2000, currency="EUR", frequency="monthly")
    assert client.post(f"/donate/donations/{monthly.id}/pledge/", {"payment_method": "cheque"}).status_code == 400
    assert Donation.objects.get(pk=monthly.pk).status == "pending"


# --- the public summary -------------------------------------------------------------------------------------

def test_the_public_summary_has_nothing_personal(client, fake_stripe, project):
    pledge(client, name="Zéphyrine Secrète", email="zephyrine@example.org")
    donation = Donation.objects.get()
    response = client.get(f"/donate/api/donations/{donation.id}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"donation", "reference", "status", "payment_method", "amount", "fee", "total", "currency",
                         "frequency", "kind", "project", "counted"}
    assert body["project"] == {"slug": "puits", "title": "Puits de Kaya", "url": "/projets/puits/"}
    assert (body["status"], body["reference"], body["amount"], body["counted"]) == (
        "pledged", donation.reference, 4200, False)
    text = response.content.decode()
    for secret in ("Zéphyrine", "Secr", "zephyrine", "Lilas", "75011", "Paris"):
        assert secret not in text


def test_the_public_summary_is_404_for_unknown_and_malformed_ids(client, project):
    unknown = client.get(f"/donate/api/donations/{uuid.uuid4()}/")
    assert unknown.status_code == 404 and unknown.json() == {"errors": {"__all__": ["Don introuvable."]}}
    for bad in ("1", "not-a-uuid", "00000000-0000-0000-0000-00000000000g", "..%2F..%2Fetc"):
        assert client.get(f"/donate/api/donations/{bad}/").status_code == 404


def test_the_public_summary_is_rate_limited_per_client(client, project, settings):
    settings.DONATE_STATUS_RATE_LIMIT = "3 per 60 seconds"
    codes = [client.get(f"/donate/api/donations/{uuid.uuid4()}/").status_code for _ in range(4)]
    assert codes == [404, 404, 404, 429]


def test_counted_once_the_ledger_has_the_payment(client, project, django_capture_on_commit_callbacks):
    donation = Donation.objects.create(project=project, project_slug="puits", amount=2500, currency="EUR",
                                       status="succeeded")
    with django_capture_on_commit_callbacks(execute=True):
        ledger.record_payment(donation=donation, stripe_object="pi_counted", amount=2500, currency="EUR",
                              occurred=None)
    assert client.get(f"/donate/api/donations/{donation.id}/").json()["counted"] is True


# --- fresh totals ---------------------------------------------------------------------------------------------

def test_totals_are_revalidated_with_an_etag_and_change_with_a_gift(client, project,
                                                                    django_capture_on_commit_callbacks):
    first = client.get("/donate/totals.json")
    assert "no-cache" in first["Cache-Control"] and "max-age=30" not in first["Cache-Control"]
    etag = first["ETag"]
    assert client.get("/donate/totals.json", HTTP_IF_NONE_MATCH=etag).status_code == 304  # cheap revalidation
    donation = Donation.objects.create(project=project, project_slug="puits", amount=2500, currency="EUR")
    with django_capture_on_commit_callbacks(execute=True):
        ledger.record_payment(donation=donation, stripe_object="pi_fresh", amount=2500, currency="EUR",
                              occurred=None)
    after = client.get("/donate/totals.json", HTTP_IF_NONE_MATCH=etag)
    assert after.status_code == 200 and after.json()["projects"]["puits"]["raised"] == 2500
    totals_js = (REPO / "themes/vision/static/js/totals.js").read_text(encoding="utf-8")
    assert "cache: 'no-cache'" in totals_js


# --- the staff's listing ---------------------------------------------------------------------------------------

def test_pledges_are_listed_for_staff_filterable_and_found_by_reference(admin_client, fake_stripe, project):
    pledge(admin_client)
    post_intent(client=admin_client, payload=gift(name="Awa Carte"))
    Donation.objects.filter(donor_name="Awa Carte").update(status="succeeded")
    reference = Donation.objects.get(status="pledged").reference
    page = admin_client.get("/admin/reports/tentatives/").content.decode()
    assert "promis, virement attendu" in page and reference in page  # listed by default
    transfers = admin_client.get("/admin/reports/tentatives/", {"payment_method": "transfer"}).content.decode()
    assert reference in transfers and "Awa Carte" not in transfers
    pledged = admin_client.get("/admin/reports/tentatives/", {"outcome": "pledged"}).content.decode()
    assert reference in pledged and "Awa Carte" not in pledged
    typed = reference.removeprefix("VDA-").lower()  # as a bank may print a transfer's label
    found = admin_client.get("/admin/reports/tentatives/", {"donor": typed}).content.decode()
    assert reference in found and "Awa Carte" not in found


# --- honest promises on the CMS's own pages and in the API's messages -----------------------------------------

def test_no_cms_page_or_api_message_makes_a_broken_promise():
    problems = []
    for path in sorted((REPO / "cms" / "donations" / "templates").rglob("*.html")):
        text = " ".join(path.read_text(encoding="utf-8").replace("&nbsp;", " ").split())
        problems += promise_problems(text, str(path.relative_to(REPO)))
    for path in sorted((REPO / "cms" / "donations").glob("*.py")) + [REPO / "themes/vision/static/js/thanks.js",
                                                                      REPO / "themes/vision/static/js/donate.js"]:
        strings = re.findall(r"\"([^\"\n]{12,})\"|'([^'\n]{12,})'", path.read_text(encoding="utf-8"))
        text = " ".join(a or b for a, b in strings)
        problems += promise_problems(text, str(path.relative_to(REPO)))
        assert not re.search(r"(recevrez|envoy\w*)[^.]{0,40}e-mail", text, re.I), path
    assert problems == []


# --- the migration ---------------------------------------------------------------------------------------------

@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_migration_gives_past_gifts_unique_references():
    executor = MigrationExecutor(connection)
    executor.migrate([("donations", "0002_donation_donor_details")])
    old = executor.loader.project_state([("donations", "0002_donation_donor_details")]).apps
    OldDonation = old.get_model("donations", "Donation")
    for amount in (500, 1000, 2500):
        OldDonation.objects.create(amount=amount, currency="EUR", status="succeeded")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        rows = list(Donation.objects.values_list("reference", "payment_method"))
        assert len(rows) == 3 and len({r for r, _ in rows}) == 3
        assert all(REFERENCE.fullmatch(r) and m == "card" for r, m in rows)
    finally:
        Donation.objects.all().delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_a_general_fund_pledge_links_the_projects_index_where_editors_put_it(client, fake_stripe, project):
    from cms.projects.models import ProjectIndexPage

    index = ProjectIndexPage.objects.get()
    index.slug = "nos-actions"
    index.save_revision().publish()
    response = pledge(client, project="")
    assert response.status_code == 303, response.content[:500]
    back = BeautifulSoup(client.get(response["Location"]).content, "html.parser").select_one(".pay__back a")
    assert back.get_text(strip=True) == "Voir nos projets"
    assert back["href"].endswith("/nos-actions/") and "/projets/" not in back["href"]
