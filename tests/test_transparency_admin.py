"""The menu "Transparence" of the admin with logged-in staff: the listing (search, filters, the over-spend
flag), a draft recorded through the form, the four-eyes steps as a second person would click them, and
every refusal: the recorder approving their own entry, an approved entry edited or deleted (GET and POST),
an editor outside "Finances". Hypothesis posts hostile forms: never a 5xx, nothing written when refused."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from django.contrib.auth.models import Group, User
from django.contrib.messages import get_messages
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from cms.transparency import workflow
from cms.transparency.models import Disbursement, Grant
from tests.transparency_helpers import anne, approved, bruno, draft, give, project, tree  # noqa: F401

pytestmark = pytest.mark.django_db

BASE = "/admin/transparence/depenses/"


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html_lib.unescape(response.content.decode())).split())


def flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def as_user(client, user):
    client.force_login(user)
    return client


def form_data(page, **overrides):
    data = {"project": str(page.pk), "date": "2026-06-01", "amount": "125050", "budget_line_label": "Forage",
            "description": "Pompe solaire et 40 m de tuyau"}
    data.update(overrides)
    return data


def test_menu_listing_search_and_filters(client, project, anne, bruno):
    give(project, 100)
    flagged = approved(project, anne, bruno, amount=5_000, description="Forage profond")
    draft(project, anne, description="Tuyaux de cuivre", line="Pompe")
    as_user(client, bruno)
    menu = html_lib.unescape(client.get("/admin/").content.decode())  # the menu is JSON in an attribute
    assert "/admin/transparence/depenses/" in menu and "/admin/transparence/subventions/" in menu
    listing = client.get(BASE)
    assert listing.status_code == 200
    assert "⚠ Dépassement" in text(listing) and "50,00 €" in text(listing)
    other = Disbursement.objects.exclude(pk=flagged.pk).get()
    one, two = f"Dépense n° {flagged.pk} ·", f"Dépense n° {other.pk} ·"
    found = text(client.get(BASE, {"q": "cuivre"}))
    assert one not in found and two in found
    only_flagged = text(client.get(BASE, {"overspent": "true"}))
    assert one in only_flagged and two not in only_flagged
    drafts = text(client.get(BASE, {"status": "draft"}))
    assert one not in drafts and two in drafts


def test_a_draft_recorded_through_the_form(client, project, anne):
    as_user(client, anne)
    response = client.post(BASE + "new/", form_data(project))
    assert response.status_code == 302, text(response)[:3000]
    d = Disbursement.objects.get()
    assert (d.recorded_by, d.currency, d.amount, d.status) == (anne, "EUR", 125050, "draft")
    page = text(client.get(f"{BASE}inspect/{d.pk}/"))
    assert "1 250,50 €" in page and "Soumettre" in page and "Approuver" not in page


@pytest.mark.parametrize("overrides", [
    {"amount": "0"}, {"amount": "-5"}, {"amount": "12,5"}, {"amount": "1" * 30}, {"budget_line_label": "Inconnue"},
    {"budget_line_label": ""}, {"project": "999999"}, {"date": "2026-13-45"}, {"description": ""},
])
def test_bad_forms_write_nothing(client, project, anne, overrides):
    as_user(client, anne)
    response = client.post(BASE + "new/", form_data(project, **overrides))
    assert response.status_code == 200  # the form again, with its errors
    assert Disbursement.objects.count() == 0


def test_four_eyes_through_the_admin(client, project, anne, bruno):
    give(project, 1_000_000)
    d = draft(project, anne)
    as_user(client, anne)
    assert client.post(f"{BASE}{d.pk}/soumettre/").status_code == 303
    assert Disbursement.objects.get(pk=d.pk).status == "submitted"
    page = text(client.get(f"{BASE}inspect/{d.pk}/"))
    assert "Quatre yeux" in page
    refused = client.post(f"{BASE}{d.pk}/approuver/")
    assert refused.status_code == 409 and "Quatre yeux" in text(refused)
    assert Disbursement.objects.get(pk=d.pk).status == "submitted"
    as_user(client, bruno)
    assert "Approuver" in text(client.get(f"{BASE}inspect/{d.pk}/"))
    done = client.post(f"{BASE}{d.pk}/approuver/")
    assert done.status_code == 303 and "approuvée" in " ".join(flash(done))
    d.refresh_from_db()
    assert d.status == "approved" and d.approved_by == bruno and not d.overspent


def test_the_approver_is_warned_of_an_overspend(client, project, anne, bruno):
    give(project, 10_000)
    d = draft(project, anne, amount=20_000)
    workflow.submit(d, anne)
    as_user(client, bruno)
    confirm = text(client.get(f"{BASE}{d.pk}/approuver/"))
    assert "Attention" in confirm and "200,00 €" in confirm and "100,00 €" in confirm
    done = client.post(f"{BASE}{d.pk}/approuver/")
    assert any("signalée" in m for m in flash(done))
    assert Disbursement.objects.get(pk=d.pk).overspent is True


def test_editing_my_draft_after_someone_else_makes_me_the_recorder(client, project, anne, bruno):
    d = draft(project, anne)
    as_user(client, bruno)
    response = client.post(f"{BASE}edit/{d.pk}/", form_data(project, description="Corrigé par Bruno"))
    assert response.status_code == 302, text(response)[:2000]
    d.refresh_from_db()
    assert d.recorded_by == bruno and d.description == "Corrigé par Bruno"
    workflow.submit(d, bruno)
    with pytest.raises(workflow.Refused):
        workflow.approve(d, bruno)


def test_an_approved_disbursement_cannot_be_edited_or_deleted_in_the_admin(client, project, anne, bruno):
    d = approved(project, anne, bruno)
    as_user(client, bruno)
    for url in (f"{BASE}edit/{d.pk}/", f"{BASE}delete/{d.pk}/"):
        got = client.get(url)
        assert got.status_code == 302 and any("contre-écriture" in m for m in flash(got))
        posted = client.post(url, form_data(project, description="Réécrit", amount="1"))
        assert posted.status_code == 302
    fresh = Disbursement.objects.get(pk=d.pk)
    assert fresh.description == "Pompe solaire et tuyaux" and fresh.amount == 50_000
    page = text(client.get(f"{BASE}inspect/{d.pk}/"))
    assert "Modifier le brouillon" not in page and "Annuler par une contre-écriture" in page


def test_the_reversal_action(client, project, anne, bruno):
    d = approved(project, anne, bruno)
    as_user(client, bruno)
    assert client.get(f"{BASE}{d.pk}/contre-ecriture/").status_code == 200
    done = client.post(f"{BASE}{d.pk}/contre-ecriture/", {"reason": "Facture en double"})
    assert done.status_code == 303
    reversal = Disbursement.objects.get(reverses=d)
    assert reversal.amount == -50_000 and reversal.status == "draft" and reversal.recorded_by == bruno
    edit = client.post(f"{BASE}edit/{reversal.pk}/", form_data(project, amount="1"))
    assert edit.status_code == 302 and any("contre-écriture" in m for m in flash(edit))
    assert Disbursement.objects.get(pk=reversal.pk).amount == -50_000
    again = client.post(f"{BASE}{d.pk}/contre-ecriture/", {"reason": "x"})
    assert again.status_code == 409 and Disbursement.objects.count() == 2
    client.post(f"{BASE}{reversal.pk}/soumettre/")
    assert client.post(f"{BASE}{reversal.pk}/approuver/").status_code == 409  # bruno recorded it
    as_user(client, anne)
    assert client.post(f"{BASE}{reversal.pk}/approuver/").status_code == 303
    assert workflow.spent_for(project) == 0


def test_an_editor_outside_finances_sees_nothing_and_can_do_nothing(client, project, anne, bruno):
    d = draft(project, anne)
    workflow.submit(d, anne)
    editor = User.objects.create_user("redac", "redac@example.org", "pw")
    editor.groups.add(Group.objects.get(name="Editors"))
    as_user(client, editor)
    assert "/admin/transparence/" not in html_lib.unescape(client.get("/admin/").content.decode())
    assert client.get(BASE).status_code in (302, 403)
    assert client.post(f"{BASE}{d.pk}/approuver/").status_code in (302, 403)
    assert client.post(f"{BASE}{d.pk}/contre-ecriture/", {"reason": ""}).status_code in (302, 403)
    assert client.post(BASE + "new/", form_data(project)).status_code in (302, 403)
    assert Disbursement.objects.get(pk=d.pk).status == "submitted" and Disbursement.objects.count() == 1
    assert client.get("/admin/transparence/subventions/").status_code in (302, 403)


def test_a_grant_recorded_through_the_form(client, project, anne):
    as_user(client, anne)
    response = client.post("/admin/transparence/subventions/new/", {
        "funder": "Fondation de l'Eau", "amount": "1000000", "currency": "EUR", "project": str(project.pk),
        "start_date": "2026-01-01", "end_date": "2026-12-31", "reporting_due": "2027-01-31",
        "received_on": "2026-02-01", "notes": ""})
    assert response.status_code == 302, text(response)[:3000]
    g = Grant.objects.get()
    assert (g.amount, g.project, g.recorded_by) == (1_000_000, project, anne)
    bad = client.post("/admin/transparence/subventions/new/", {
        "funder": "X", "amount": "5", "currency": "XOF", "project": str(project.pk), "start_date": "2026-05-01",
        "end_date": "2026-01-01", "received_on": "2026-02-01"})
    assert bad.status_code == 200 and Grant.objects.count() == 1


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({}, optional={
    "project": st.one_of(st.text(max_size=12), st.integers(-5, 10**12).map(str)),
    "date": st.text(max_size=20), "amount": st.one_of(st.text(max_size=25), st.integers().map(str)),
    "budget_line_label": st.text(max_size=200), "description": st.text(max_size=300),
    "proof_documents": st.text(max_size=8), "proof_images": st.text(max_size=8), "reason": st.text(max_size=600),
}), step=st.sampled_from(["new/", "edit/{pk}/", "{pk}/approuver/", "{pk}/contre-ecriture/", "{pk}/soumettre/",
                          "{pk}/brouillon/", "delete/{pk}/"]))
def test_hostile_posts_never_5xx_and_never_break_four_eyes(client, project, anne, bruno, data, step):
    if not Disbursement.objects.filter(status="approved").exists():
        approved(project, anne, bruno)
    target = Disbursement.objects.filter(status="approved").first()
    before = list(Disbursement.objects.order_by("pk").values_list("pk", "status", "amount", "description"))
    clean = {k: v.replace("\x00", "") for k, v in data.items()}
    as_user(client, anne)  # recorded the approved one
    response = client.post(BASE + step.format(pk=target.pk), clean)
    assert response.status_code < 500
    after = list(Disbursement.objects.order_by("pk").values_list("pk", "status", "amount", "description"))
    assert [row for row in after if row[0] == target.pk] == [row for row in before if row[0] == target.pk]
    assert not Disbursement.objects.filter(status="approved", approved_by=anne, recorded_by=anne).exists()


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.fixed_dictionaries({}, optional={
    "funder": st.text(max_size=250), "amount": st.one_of(st.text(max_size=25), st.integers().map(str)),
    "currency": st.sampled_from(["EUR", "XOF", "eur", "", "ZZZ", "€"]),
    "project": st.one_of(st.text(max_size=10), st.integers(-3, 10**15).map(str)),
    "start_date": st.text(max_size=12), "end_date": st.dates().map(str), "received_on": st.text(max_size=12),
    "reporting_due": st.text(max_size=12), "notes": st.text(max_size=100),
}))
def test_hostile_grant_forms_never_5xx_and_write_only_valid_grants(client, project, anne, data):
    as_user(client, anne)
    before = Grant.objects.count()
    clean = {k: v.replace("\x00", "") for k, v in data.items()}
    response = client.post("/admin/transparence/subventions/new/", clean)
    assert response.status_code < 500
    if response.status_code == 302:
        g = Grant.objects.latest("pk")
        assert g.amount > 0 and g.end_date >= g.start_date and g.recorded_by == anne
        assert g.project is None or g.currency == g.project.currency
    else:
        assert Grant.objects.count() == before


def test_a_project_with_spending_cannot_be_deleted_from_the_page_tree(admin_client, project, anne):
    from wagtail.models import ReferenceIndex

    from cms.projects.models import ProjectPage

    draft(project, anne)
    assert ReferenceIndex.get_references_to(project).group_by_source_object().is_protected
    assert admin_client.get(f"/admin/pages/{project.pk}/delete/").status_code == 200
    response = admin_client.post(f"/admin/pages/{project.pk}/delete/")
    assert response.status_code in (302, 403)
    assert ProjectPage.objects.filter(pk=project.pk).exists()
