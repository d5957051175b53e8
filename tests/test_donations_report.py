"""Staff see every gift in Wagtail's Reports, filter it, total it, and export it (no personal data)."""

import datetime as dt

import pytest
from django.contrib.auth.models import User

from donations.models import Donation, Donor, LedgerEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger():
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
    assert "pi_1" in text and "-500" in text
    assert "awa@example.org" not in text and "Awa" not in text


def test_report_is_for_staff_with_permission_only(client, ledger):
    editor = User.objects.create_user("editor", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    assert client.get("/admin/reports/dons/").status_code in (302, 403)
