"""The donor wall (issue 14 §4): opt-in per gift with an optional name typed for the wall, the default name
("Marie D."), staff hiding a name in one click (logged), and the public `donorWall` GraphQL field, which shows
only paid gifts that opted in, not hidden, not refunded, to live public projects or the general fund, and
never an e-mail. Hostile input: a refused wall name is a French 400 and nothing is written; Hypothesis on
the field and on the GraphQL query (no 5xx)."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth.models import Group, User
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from wagtail.models import ModelLogEntry

from cms.donations import wall
from cms.donations.models import Donation, Donor
from tests import factories
from tests.fake_gateway import fake_stripe, gift, post_intent, project  # noqa: F401
from tests.receipt_helpers import donation, donor, pay, refund

pytestmark = pytest.mark.django_db
WALL_QUERY = "{ donorWall { project name day } }"


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)


def graphql_wall(client) -> list[dict]:
    response = client.post("/graphql/", json.dumps({"query": WALL_QUERY}), content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["donorWall"]


def paid_gift(project=None, *, name="Marie Dupont", email=None, public_wall=True, **fields):
    gift_ = donation(donor(email=email, name=name), name=name, public_wall=public_wall,
                     project=project, project_slug=project.slug if project else "", **fields)
    pay(gift_)
    return gift_


# --- opting in, per gift --------------------------------------------------------------------------------

def test_the_form_stores_the_opt_in_and_the_name_typed_for_the_wall(client, fake_stripe, project):
    response = post_intent(client, gift(public_wall=True, wall_name="  La famille   Diallo ", project_news=True))
    assert response.status_code == 201, response.content
    d = Donation.objects.get(pk=response.json()["donation"])
    assert (d.public_wall, d.wall_name, d.project_news) == (True, "La famille Diallo", True)


def test_without_the_box_nothing_is_kept_for_the_wall(client, fake_stripe, project):
    response = post_intent(client, gift(wall_name="Awa"))
    assert response.status_code == 201
    d = Donation.objects.get()
    assert (d.public_wall, d.wall_name, d.project_news) == (False, "", False)


@pytest.mark.parametrize("typed, message", [
    ("awa@example.org", "adresse e-mail"),
    ("voir www.exemple.fr", "lien"),
    ("https://spam.example", "lien"),
    ("monsite.com", "lien"),
    ("Awa\u0000", "Valeur invalide"),  # Django's own null-character check, in French
    ("Awa\u202eK", "caractères invisibles"),
    ("Awa\x07", "caractères invisibles"),
    ("A" * 41, "40 caractères"),
])
def test_a_wall_name_that_could_leak_or_hide_something_is_refused(client, fake_stripe, project, typed, message):
    response = post_intent(client, gift(public_wall=True, wall_name=typed))
    assert response.status_code == 400
    assert message in " ".join(response.json()["errors"]["wall_name"])
    assert not Donation.objects.exists() and not Donor.objects.exists()


@pytest.mark.parametrize("full, shown", [
    ("Marie Dupont", "Marie D."), ("Jean-Pierre de la Fontaine", "Jean-Pierre F."), ("Awa", "Awa"),
    ("  marie   dupont ", "marie D."), ("", wall.ANONYMOUS), ("awa@example.org Diallo", wall.ANONYMOUS),
    ("www.spam.fr Diallo", wall.ANONYMOUS),
])
def test_the_default_name_is_the_first_name_and_an_initial(full, shown):
    assert wall.default_name(full) == shown


# --- what the public wall shows -------------------------------------------------------------------------

def test_graphql_shows_paid_opted_in_names_and_nothing_else(client):
    tree = factories.make_site()
    live = factories.make_project(tree, title="Puits", slug="puits")
    draft = factories.make_project(tree, title="Brouillon", slug="brouillon", publish=False)
    private = factories.make_project(tree, title="Privé", slug="prive")
    factories.make_private(private)
    paid_gift(live, name="Marie Dupont", email="marie.dupont@example.org")
    paid_gift(None, name="Awa Diallo", wall_name="La famille Diallo")  # the general fund
    paid_gift(live, name="Opted Out", public_wall=False)
    paid_gift(live, name="Hidden Name", wall_hidden=True)
    refund(paid_gift(live, name="Refunded Name").entries.get(), 500)  # a partial refund is enough
    for status in ("pending", "failed", "canceled", "pledged"):
        d = donation(donor(name=f"{status} Name"), name=f"{status} Name", public_wall=True, project=live,
                     project_slug="puits")
        Donation.objects.filter(pk=d.pk).update(status=status)
    paid_gift(draft, name="Draft Name")
    paid_gift(private, name="Private Name")
    erased = paid_gift(live, name="Erased Name")
    Donor.objects.filter(pk=erased.donor_id).update(email="efface-1@efface.invalid")

    rows = graphql_wall(client)
    assert {(r["project"], r["name"]) for r in rows} == {("puits", "Marie D."), ("", "La famille Diallo")}
    text = json.dumps(rows)
    for leaked in ("Dupont", "@", "marie.dupont", "Opted", "Hidden", "Refunded", "pending", "failed", "canceled",
                   "pledged", "Draft", "Private", "Erased"):
        assert leaked not in text, leaked
    assert all(len(r["day"]) == 10 for r in rows)


def test_the_wall_is_newest_first_and_bounded_per_project(client):
    tree = factories.make_site()
    live = factories.make_project(tree, title="Puits", slug="puits")
    for n in range(5):
        paid_gift(live, name=f"Nom{n} Xavier")
    paid_gift(None, name="Fonds Yves")
    rows = wall.wall_rows(per_project=3)
    assert [r["name"] for r in rows if r["project"] == "puits"] == ["Nom4 X.", "Nom3 X.", "Nom2 X."]
    assert [r["name"] for r in rows if r["project"] == ""] == ["Fonds Y."]
    assert len(graphql_wall(client)) == 6  # the real bound is PER_PROJECT (200)


# --- the staff hide a name in one click -----------------------------------------------------------------

@pytest.fixture
def desk(client):
    user = User.objects.create_user("caisse", "caisse@example.org", "pw")
    user.groups.add(Group.objects.get(name="Dons"))
    client.force_login(user)
    client.user = user
    return client


def test_the_desk_lists_the_wall_and_hides_a_name_in_one_click(desk):
    tree = factories.make_site()
    live = factories.make_project(tree, title="Puits", slug="puits")
    shown = paid_gift(live, name="Marie Dupont")
    paid_gift(live, name="Not Asked", public_wall=False)
    listing = desk.get("/admin/dons/mur/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Marie D." in html and "Not Asked" not in html and "Masquer" in html

    gift_page = desk.get(f"/admin/dons/{shown.pk}/").content.decode()
    assert "Masquer du mur des donateurs" in gift_page and "affiché" in gift_page
    response = desk.post(f"/admin/dons/{shown.pk}/mur/", {"hide": "1"})
    assert response.status_code == 303
    shown.refresh_from_db()
    assert shown.wall_hidden and shown.wall_hidden_by == desk.user and shown.wall_hidden_at is not None
    assert ModelLogEntry.objects.filter(action="donors.wall_hide", object_id=str(shown.pk), user=desk.user).exists()
    assert graphql_wall(desk) == []
    assert "Afficher" in desk.get("/admin/dons/mur/").content.decode()

    desk.post(f"/admin/dons/{shown.pk}/mur/", {"hide": "0"})
    shown.refresh_from_db()
    assert not shown.wall_hidden and shown.wall_hidden_by is None
    assert ModelLogEntry.objects.filter(action="donors.wall_show", object_id=str(shown.pk)).exists()
    assert [r["name"] for r in graphql_wall(desk)] == ["Marie D."]


def test_hiding_needs_the_desk_and_an_opted_in_gift(client, desk):
    tree = factories.make_site()
    live = factories.make_project(tree, title="Puits", slug="puits")
    not_asked = paid_gift(live, public_wall=False)
    assert desk.post(f"/admin/dons/{not_asked.pk}/mur/", {"hide": "1"}).status_code == 404
    editor = User.objects.create_user("redac", "r@example.org", "pw")
    from django.test import Client

    other = Client()
    other.force_login(editor)
    gift_ = paid_gift(live)
    assert other.post(f"/admin/dons/{gift_.pk}/mur/", {"hide": "1"}).status_code in (302, 403)
    assert other.get("/admin/dons/mur/").status_code in (302, 403)
    gift_.refresh_from_db()
    assert not gift_.wall_hidden
    assert not ModelLogEntry.objects.filter(action__startswith="donors.wall").exists()


# --- hostile input --------------------------------------------------------------------------------------

@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(max_size=60), checked=st.sampled_from([True, False, "on", "", None, 1, [], {}]))
def test_any_wall_name_is_a_clean_answer_and_never_stores_a_contact(client, fake_stripe, project, name, checked):
    response = post_intent(client, gift(public_wall=checked, wall_name=name))
    assert response.status_code in (201, 400), response.content
    if response.status_code == 400:
        assert not Donation.objects.exists() and response.json()["errors"]  # a clear message, nothing written
        return
    d = Donation.objects.get(pk=response.json()["donation"])
    assert "@" not in d.wall_name and "://" not in d.wall_name and len(d.wall_name) <= 40
    assert wall.looks_like_contact(d.wall_name) == ""
    Donation.objects.all().delete()


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["donorWall", "donorWall(project: \"x\")", "donorWall { name }"]),
       junk=st.text(max_size=30))
def test_hostile_wall_queries_never_fail_with_5xx(client, field, junk):
    query = "{ %s { project name day %s } }" % (field, junk.replace("}", ""))
    response = client.post("/graphql/", json.dumps({"query": query}), content_type="application/json")
    assert response.status_code < 500


# --- the site follows ------------------------------------------------------------------------------------

def test_a_name_joining_or_leaving_the_wall_asks_for_a_build_and_others_do_not(django_capture_on_commit_callbacks):
    from cms.publishing.models import SiteBuild

    tree = factories.make_site()
    live = factories.make_project(tree, title="Puits", slug="puits")
    SiteBuild.objects.all().delete()

    def wall_builds():
        return sum(1 for b in SiteBuild.objects.all() for r in b.reasons if r.startswith("Mur des donateurs"))

    with django_capture_on_commit_callbacks(execute=True):
        pay(donation(donor(), project=live, project_slug="puits", public_wall=False))
    assert wall_builds() == 0
    with django_capture_on_commit_callbacks(execute=True):
        entry = pay(donation(donor(), project=live, project_slug="puits", public_wall=True))
    assert wall_builds() == 1
    with django_capture_on_commit_callbacks(execute=True):
        refund(entry, 100)
    assert wall_builds() == 2
