"""The funder report of a grant (issue 14 §1): for the grant's period only, money raised for the project
(gifts and grants), approved spending per budget line, the disbursements, the updates and their photos;
the same figures in the CSV; nothing outside the period, nothing unapproved, no donor's name; staff only."""

from __future__ import annotations

import csv
import datetime as dt
import html as html_lib
import io
import re

import pytest
from django.utils import timezone

from cms.projects.models import ProjectUpdate
from cms.transparency import workflow
from tests import factories
from tests.transparency_helpers import anne, approved, bruno, draft, give, grant, project, tree  # noqa: F401

pytestmark = pytest.mark.django_db


def at(day: str):
    return timezone.make_aware(dt.datetime.fromisoformat(day + "T12:00:00"))


@pytest.fixture
def period(project, anne, bruno):
    """A grant for March-April 2026, with money and spending inside and outside its period."""
    g = grant(project, amount=300_000, funder="Fondation Hydro", start_date=dt.date(2026, 3, 1),
              end_date=dt.date(2026, 4, 30), received_on=dt.date(2026, 3, 5), reporting_due=dt.date(2026, 6, 30))
    grant(project, amount=999_000, funder="Autre bailleur", received_on=dt.date(2026, 8, 1))  # outside
    give(project, 12_345, when=at("2026-03-10"))
    give(project, 5_000, when=at("2026-04-30"))
    give(project, 77_700, when=at("2026-05-02"))  # outside
    approved(project, anne, bruno, amount=100_000, line="Forage", date=dt.date(2026, 3, 15),
             description="Foreuse louée")
    pump = draft(project, anne, amount=25_050, line="Pompe", date=dt.date(2026, 4, 1), description="Pompe")
    pump.proof_images.add(factories.make_image(title="Pompe posée", alt="La pompe posée sur le forage"))
    workflow.submit(pump, anne)
    workflow.approve(pump, bruno)
    approved(project, anne, bruno, amount=40_000, line="Forage", date=dt.date(2026, 6, 1),
             description="Hors période")
    pending = draft(project, anne, amount=66_600, line="Pompe", date=dt.date(2026, 4, 2), description="En attente")
    workflow.submit(pending, anne)
    photo = factories.make_image(title="Le forage en mars")
    inside = ProjectUpdate(page=project, date=dt.date(2026, 3, 20), title="Le forage commence",
                           text="<p>La foreuse est arrivée.</p>")
    inside.photos = [{"type": "image", "value": {"image": photo.pk, "caption": "", "credit": ""}}]
    inside.save()
    ProjectUpdate(page=project, date=dt.date(2026, 7, 1), title="Nouvelle hors période", text="<p>x</p>").save()
    return g


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html_lib.unescape(response.content.decode())).split())


def test_html_report_figures_for_the_period(client, period, anne):
    client.force_login(anne)
    response = client.get(f"/admin/transparence/subventions/{period.pk}/rapport/")
    assert response.status_code == 200
    page = text(response)
    assert "Fondation Hydro" in page and "01/03/2026 au 30/04/2026" in page
    assert "Dons 173,45 €" in page  # 123,45 + 50,00
    assert "Subventions reçues 3 000,00 €" in page
    assert "Total 3 173,45 €" in page
    assert "Forage 30 000,00 € 1 000,00 €" in page and "Pompe 10 000,00 € 250,50 €" in page
    assert "Total 1 250,50 €" in page
    assert "Foreuse louée" in page and "Hors période" not in page and "En attente" not in page
    assert "Le forage commence" in page and "Nouvelle hors période" not in page
    assert 'alt="Une photo de test"' in response.content.decode()  # the update's photo
    assert "Photos des dépenses" in page and 'alt="La pompe posée sur le forage"' in response.content.decode()
    for outside in ("777,00", "9 990,00", "400,00 €", "666,00"):
        assert outside not in page, outside


def test_csv_report_has_the_same_figures(client, period, anne):
    client.force_login(anne)
    response = client.get(f"/admin/transparence/subventions/{period.pk}/rapport.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["rubrique", "projet", "libellé", "prévu", "montant", "devise"]
    table = {(r[0], r[2]): r for r in rows[1:]}
    assert table[("collecté", "dons")][4] == "173,45"
    assert table[("collecté", "subventions reçues")][4] == "3000,00"
    assert table[("collecté", "total")][4] == "3173,45"
    assert table[("dépensé", "Forage")][3:5] == ["30000,00", "1000,00"]
    assert table[("dépensé", "Pompe")][3:5] == ["10000,00", "250,50"]
    assert table[("dépensé", "total")][4] == "1250,50"
    spent_rows = [r for r in rows if r[0].startswith("dépense ")]
    assert [r[4] for r in spent_rows] == ["1000,00", "250,50"]
    assert any(r[0] == "nouvelle 20/03/2026" and r[5] == "1 photo(s)" for r in rows)


def test_a_general_fund_grant_reports_every_project(client, tree, project, anne, bruno):
    other = factories.make_project(tree, title="École de Dori", slug="ecole")
    approved(other, anne, bruno, amount=1_000, line="Pompe", date=dt.date(2026, 5, 5))
    g = grant(None, amount=50_000, funder="Ville amie")
    client.force_login(anne)
    page = text(client.get(f"/admin/transparence/subventions/{g.pk}/rapport/"))
    assert "fonds général" in page and "École de Dori Pompe" in page and "Subventions reçues 500,00 €" in page


def test_the_report_is_for_staff_only(client, period, django_user_model):
    assert client.get(f"/admin/transparence/subventions/{period.pk}/rapport/").status_code == 302  # to login
    editor = django_user_model.objects.create_user("redac", "redac@example.org", "pw")
    from django.contrib.auth.models import Group

    editor.groups.add(Group.objects.get(name="Editors"))
    client.force_login(editor)
    for suffix in ("rapport/", "rapport.csv"):
        response = client.get(f"/admin/transparence/subventions/{period.pk}/{suffix}")
        assert response.status_code in (302, 403) and b"Fondation Hydro" not in response.content


@pytest.mark.parametrize("pk", ["0", "999999", "abc", "1%00", "-1"])
def test_unknown_grants_are_404(client, anne, pk):
    client.force_login(anne)
    assert client.get(f"/admin/transparence/subventions/{pk}/rapport/").status_code == 404
