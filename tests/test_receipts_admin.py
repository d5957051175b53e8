"""The staff's "Reçus fiscaux" in the admin: the yearly figures of article 222 bis, the CSV of receipts, each
PDF; all behind `receipts.view_receipt` (an editor without it gets 403 and sees no donor), and hostile
receipt ids never make a 500."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from django.contrib.auth.models import Group, Permission
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from cms.receipts import service
from cms.receipts.models import Receipt
from tests.receipt_helpers import donation, donor, pay, refund

pytestmark = pytest.mark.django_db
YEAR = timezone.localtime().year


@pytest.fixture
def receipts():
    """50 € (valid), 100 € refunded 30 € (cancelled, a 70 € replacement, one cancellation), and a donor
    whose name would be a spreadsheet formula."""
    first = service.receipt_for_payment(pay(donation(donor(), amount=5000, name="Awa Diallo")))
    payment = pay(donation(donor(), amount=10000, name="Ben Ali"))
    second = service.receipt_for_payment(payment)
    service.cancel_for_refund(refund(payment, 3000))
    third = service.receipt_for_payment(pay(donation(donor(), amount=100, name="=HYPERLINK(\"x\")")))
    return first, second, third


def editor(client, *, with_permission: bool):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("editrice", "editrice@example.org", "x", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="access_admin"))
    if with_permission:
        user.groups.add(Group.objects.get(name="Dons"))  # the desk's group (donations/0006, receipts/0003)
    client.force_login(user)
    return client


def test_figures_for_the_tax_office(admin_client, receipts):
    html = admin_client.get("/admin/recus-fiscaux/").content.decode()
    assert "article 222 bis" in html and "Reçus fiscaux" in html
    # 50 € + the 70 € replacement are valid; the 100 € original is cancelled
    assert f'<tr data-year="{YEAR}"><td>{YEAR}</td><td data-valid>3</td><td data-total>121,00\u00a0€</td>' in html
    response = admin_client.get("/admin/recus-fiscaux/declaration.csv")
    body = b"".join(response.streaming_content).decode()
    assert response["Content-Type"].startswith("text/csv") and body.startswith("\ufeffAnnée;Reçus valides;")
    assert f"\r\n{YEAR};3;121,00;1;1\r\n" in body


def test_csv_of_every_receipt_french_and_formula_safe(admin_client, receipts):
    response = admin_client.get("/admin/recus-fiscaux/recus.csv")
    body = b"".join(response.streaming_content).decode()
    lines = body.strip().split("\r\n")
    assert lines[0].startswith("\ufeffNuméro;Année;Document;")
    assert len(lines) == 1 + Receipt.objects.count() == 1 + 5
    assert any(line.startswith(f"{YEAR}-000002;{YEAR};reçu;") and ";annulé;" in line and ";100,00;EUR;" in line
               for line in lines)
    assert any(f";{YEAR}-000002;" in line and ";annulation;" in line for line in lines)
    assert "'=HYPERLINK" in body and not re.search(r';"?=', body)  # never a formula


def test_staff_download_a_pdf(admin_client, receipts):
    response = admin_client.get(f"/admin/recus-fiscaux/{receipts[0].pk}/pdf/")
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]
    assert f"recu-fiscal-{receipts[0].number}.pdf" in response["Content-Disposition"]
    missing = admin_client.get("/admin/recus-fiscaux/00000000-0000-0000-0000-000000000000/pdf/")
    assert missing.status_code == 404 and "existe pas" in missing.content.decode()


def test_an_editor_without_the_permission_sees_no_receipt(client, receipts):
    client = editor(client, with_permission=False)
    assert "/admin/recus-fiscaux/" not in client.get("/admin/").content.decode()  # no menu item
    for url in ("/admin/recus-fiscaux/", "/admin/recus-fiscaux/recus.csv", "/admin/recus-fiscaux/declaration.csv",
                f"/admin/recus-fiscaux/{receipts[0].pk}/pdf/"):
        response = client.get(url)
        body = response.content.decode(errors="replace") if not response.streaming else ""
        assert response.status_code == 403, url
        assert "Diallo" not in body and receipts[0].number not in body and "%PDF" not in body


def test_the_dons_group_opens_them(client, receipts):
    client = editor(client, with_permission=True)
    assert "/admin/recus-fiscaux/" in client.get("/admin/").content.decode()  # the menu item
    assert client.get("/admin/recus-fiscaux/").status_code == 200
    assert client.get(f"/admin/recus-fiscaux/{receipts[0].pk}/pdf/").status_code == 200


def test_anonymous_visitors_are_sent_to_the_login(client, receipts):
    response = client.get(f"/admin/recus-fiscaux/{receipts[0].pk}/pdf/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=80), st.sampled_from(["", "..", "%00", "0" * 32, "1" * 36, "../../etc/passwd",
                                                        "2026-000001", "\x00", "\ud800"])))
def test_hostile_receipt_ids_never_fail(admin_client, receipts, value):
    before = Receipt.objects.count()
    quoted = urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")
    response = admin_client.get(f"/admin/recus-fiscaux/{quoted}/pdf/")
    assert response.status_code in (404, 301, 302), (value, response.status_code)
    assert Receipt.objects.count() == before


def test_staff_edit_the_organisation_details_in_the_settings(admin_client):
    from cms.receipts.models import ReceiptSettings

    page = admin_client.get("/admin/settings/receipts/receiptsettings/", follow=True)
    assert page.status_code == 200
    html = page.content.decode()
    for label in ("nom de l&#x27;organisme", "objet", "catégorie", "n° RNA ou SIREN", "nom du signataire",
                  "qualité du signataire", "image de la signature"):
        assert label.lower() in html.lower(), label
    assert ReceiptSettings.load().category == "Association loi 1901 reconnue d'intérêt général"
