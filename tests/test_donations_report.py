"""Staff see every gift in Wagtail's Reports, filter it, total it, and export it (no personal data), in
French: labels, project titles, local time, and a CSV a French spreadsheet opens as it should. Every
attempt, declined or abandoned ones included, is one filter away."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from cms.donations.models import Donation, Donor, LedgerEntry
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
    tree = factories.make_site()
    factories.make_project(tree, title="Le puits de Kaya", slug="puits")
    donor = Donor.objects.create(email="awa@example.org", name="Awa Diallo")
    when = dt.datetime(2026, 11, 1, 12, tzinfo=dt.timezone.utc)

    def entry(ref, amount, slug, kind="payment", frequency="once", days=0):
        donation = Donation.objects.create(donor=donor, project_slug=slug, amount=abs(amount), currency="EUR",
                                           frequency=frequency, status="succeeded")
        return LedgerEntry.objects.create(donation=donation, kind=kind, amount=amount, currency="EUR",
                                          project_slug=slug, frequency=frequency, donation_kind="gift",
                                          stripe_object=ref, occurred_at=when + dt.timedelta(days=days))
    entry("pi_1", 2500, "puits")
    entry("pi_2", 10000, "ecole", days=3)
    entry("in_1", 1500, "puits", frequency="monthly", days=5)
    entry("re_1", -500, "puits", kind="refund", days=6)


def test_report_lists_filters_and_totals(admin_client, ledger):
    page = admin_client.get("/admin/reports/dons/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "pi_1" in html and "re_1" in html
    assert "135,00\u00a0€" in html  # 25 + 100 + 15 - 5
    only_puits = admin_client.get("/admin/reports/dons/", {"project_slug": "puits"}).content.decode()
    assert "pi_2" not in only_puits and "35,00\u00a0€" in only_puits
    monthly = admin_client.get("/admin/reports/dons/", {"frequency": "monthly"}).content.decode()
    assert "in_1" in monthly and "pi_1" not in monthly
    dated = admin_client.get("/admin/reports/dons/", {"occurred_at_from": "2026-11-03",
                                                      "occurred_at_to": "2026-11-04"}).content.decode()
    assert "pi_2" in dated and "pi_1" not in dated


def test_csv_export_has_every_row_and_no_personal_data(admin_client, ledger):
    response = admin_client.get("/admin/reports/dons/", {"export": "csv"})
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode() if response.streaming else response.content.decode()
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1 + 4
    assert "pi_1" in text and "-5,00" in text
    assert "awa@example.org" not in text and "Awa" not in text


def test_report_speaks_french(admin_client, ledger):
    """Issue 11: no raw codes (`monthly`, `once`, `gift`, `payment`), titles not slugs, no "grand livre"."""
    from bs4 import BeautifulSoup

    html = admin_client.get("/admin/reports/dons/").content.decode()
    table = BeautifulSoup(html, "html.parser").select_one("table.listing")
    cells = [" ".join(td.get_text(" ").split()) for td in table.find_all("td")]
    for code in ("monthly", "once", "gift", "payment", "refund", "sponsorship"):
        assert code not in cells, code
    assert "mensuel" in cells and "une fois" in cells and "don" in cells and "remboursement" in cells
    assert "Le puits de Kaya" in cells and "puits" not in cells
    assert "01/11/2026 13:00" in cells  # 12:00 UTC is 13:00 in Paris in November
    assert "grand livre" not in html


def read_french_csv(response) -> list[dict]:
    """What a French spreadsheet does: UTF-8 with its byte-order mark, `;` columns, decimal comma."""
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    assert raw.startswith(b"\xef\xbb\xbf"), "no UTF-8 BOM: Excel would read the accents as Windows-1252"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_csv_opens_as_a_french_spreadsheet(admin_client, ledger):
    response = admin_client.get("/admin/reports/dons/", {"export": "csv"})
    assert "charset=utf-8" in response["Content-Type"]
    rows = read_french_csv(response)
    assert len(rows) == 4
    assert set(rows[0]) >= {"Date (heure de Paris)", "Mouvement", "Montant", "Devise", "Projet", "Fréquence"}
    by_ref = {row["Objet Stripe"]: row for row in rows}
    assert by_ref["pi_1"]["Montant"] == "25,00" and by_ref["re_1"]["Montant"] == "-5,00"
    assert by_ref["pi_1"]["Date (heure de Paris)"] == "01/11/2026 13:00:00"
    assert by_ref["pi_1"]["Projet"] == "Le puits de Kaya" and by_ref["pi_2"]["Projet"] == "ecole"
    assert by_ref["in_1"]["Fréquence"] == "mensuel" and by_ref["re_1"]["Mouvement"] == "remboursement"
    total = sum(Decimal(row["Montant"].replace(",", ".")) for row in rows)
    assert total == Decimal("135.00")


def test_xlsx_export_still_works(admin_client, ledger):
    from openpyxl import load_workbook

    response = admin_client.get("/admin/reports/dons/", {"export": "xlsx"})
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    sheet = load_workbook(io.BytesIO(raw)).active
    values = list(sheet.values)
    assert len(values) == 1 + 4
    amounts = [row[values[0].index("Montant")] for row in values[1:]]
    assert sorted(float(a) for a in amounts) == [-5.0, 15.0, 25.0, 100.0]


@pytest.fixture
def attempts():
    donor = Donor.objects.create(email="binta@example.org", name="Binta Sow")
    other = Donor.objects.create(email="jean@example.org", name="Jean Martin")
    made = {
        "paid": Donation.objects.create(donor=donor, amount=2500, currency="EUR", status="succeeded"),
        "declined": Donation.objects.create(donor=donor, amount=4000, currency="EUR", status="failed",
                                            failure_message="Votre carte a été refusée."),
        "abandoned": Donation.objects.create(donor=other, amount=1000, currency="EUR", status="pending"),
        "in_progress": Donation.objects.create(donor=other, amount=1200, currency="EUR", status="pending"),
    }
    Donation.objects.filter(pk=made["abandoned"].pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    return made


def attempt_rows(admin_client, **params) -> str:
    response = admin_client.get("/admin/reports/tentatives/", params)
    assert response.status_code == 200
    return response.content.decode()


def test_declined_and_abandoned_attempts_are_one_filter_away(admin_client, attempts):
    default = attempt_rows(admin_client)
    assert "25,00" in default and "40,00" not in default and "10,00" not in default
    declined = attempt_rows(admin_client, outcome="failed")
    assert "40,00" in declined and "refusé" in declined and "Votre carte a été refusée." in declined
    assert "25,00" not in declined
    abandoned = attempt_rows(admin_client, outcome="abandoned")
    assert "10,00" in abandoned and "abandonné" in abandoned and "12,00" not in abandoned
    everything = attempt_rows(admin_client, outcome="all")
    assert all(amount in everything for amount in ("25,00", "40,00", "10,00", "12,00"))


def test_attempts_are_found_by_the_donors_email(admin_client, attempts):
    found = attempt_rows(admin_client, outcome="all", donor="BINTA@example")
    assert "Binta Sow" in found and "Jean Martin" not in found


def test_attempts_need_the_permission_to_view_donations(client, attempts):
    from django.contrib.auth.models import Permission

    editor = User.objects.create_user("editor2", password="x", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get("/admin/reports/tentatives/").status_code in (302, 403)
    assert "binta@example.org" not in client.get("/admin/reports/").content.decode()


def test_report_is_for_staff_with_permission_only(client, ledger):
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get("/admin/reports/dons/").status_code in (302, 403)
