"""A project update's place (issue 14 §2): the model's rules, the admin's messages, what the API shows.

The rules: both coordinates or neither, latitude in [-90, 90], longitude in [-180, 180], and a point has a
name (the map's text list says it). The API shows the place of live, public pages only: a draft's place,
an unpublished project's and a private one's never come back. The admin's edit form refuses hostile values
with a message and writes nothing (Hypothesis), and never answers 5xx. The spending summary block is a
standard page's block, in the API as `SpendingSummaryBlock { heading showProjects }`.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from cms.core.content_loader import _place
from cms.core.content_streams import ContentError
from cms.projects.models import ProjectPage, ProjectUpdate
from site_builder.queries import SITE_PULL
from tests import factories
from tests.admin_form import edit_form_data

pytestmark = pytest.mark.django_db


def post(client, query):
    from django.conf import settings

    response = client.post("/graphql/", json.dumps({"query": query, "variables": {}}),
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {settings.SITE_BUILD_API_TOKEN}")
    return response.status_code, response.json()


@pytest.fixture
def tree():
    return factories.make_site()


def update(**fields):
    return ProjectUpdate(date=dt.date(2026, 4, 21), title="L'eau jaillit", text="<p>À 85 m.</p>", **fields)


@pytest.mark.parametrize("fields, field_in_error", [
    ({"latitude": Decimal("14.07")}, "longitude"),
    ({"longitude": Decimal("-15.62"), "place_name": "Ndiobène"}, "latitude"),
    ({"latitude": Decimal("14.07"), "longitude": Decimal("-15.62")}, "place_name"),
    ({"latitude": Decimal("91"), "longitude": Decimal("0"), "place_name": "Nulle part"}, "latitude"),
    ({"latitude": Decimal("0"), "longitude": Decimal("-180.5"), "place_name": "Nulle part"}, "longitude"),
])
def test_a_place_is_both_coordinates_in_range_and_named(tree, fields, field_in_error):
    project = factories.make_project(tree)
    with pytest.raises(ValidationError) as caught:
        update(page=project, **fields).full_clean(exclude=["page", "sort_order"])
    assert field_in_error in caught.value.message_dict


def test_a_named_point_or_no_place_is_valid(tree):
    project = factories.make_project(tree)
    update(page=project).full_clean(exclude=["page", "sort_order"])
    update(page=project, place_name="École de Sabou").full_clean(exclude=["page", "sort_order"])  # a name alone
    update(page=project, place_name="Forage", latitude=Decimal("14.0712"),
           longitude=Decimal("-15.6193")).full_clean(exclude=["page", "sort_order"])


def test_the_content_loader_applies_the_same_rules():
    assert _place({"place": "Forage", "latitude": 14.07, "longitude": -15.62}, "x") == {
        "place_name": "Forage", "latitude": Decimal("14.070000"), "longitude": Decimal("-15.620000")}
    assert _place({}, "x") == {"place_name": "", "latitude": None, "longitude": None}
    for bad in ({"place": "A", "latitude": 14}, {"latitude": 14, "longitude": 2}, {"place": "A", "latitude": 95,
                                                                                   "longitude": 2}):
        with pytest.raises(ContentError):
            _place(bad, "projects/x.yaml")


def with_place(project, name, lat, lon, publish=True):
    project = ProjectPage.objects.get(pk=project.pk)
    project.updates = [update(place_name=name, latitude=lat, longitude=lon)]
    revision = project.save_revision()
    if publish:
        revision.publish()
    return project


def test_the_api_shows_live_places_and_never_a_drafts(client, tree):
    live = with_place(factories.make_project(tree, slug="live"), "Forage de Ndiobène", Decimal("14.0712"),
                      Decimal("-15.6193"))
    with_place(live, "DRAFT-SECRET lieu", Decimal("1"), Decimal("2"), publish=False)  # a draft on a live page
    hidden = with_place(factories.make_project(tree, slug="cache"), "PRIVATE-SECRET", Decimal("3"), Decimal("4"))
    factories.make_private(hidden)
    never = factories.make_project(tree, slug="brouillon", publish=False)
    with_place(never, "UNPUBLISHED-SECRET", Decimal("5"), Decimal("6"), publish=False)
    status, payload = post(client, SITE_PULL)
    assert status == 200 and "errors" not in payload, payload
    pages = {p["slug"]: p for p in payload["data"]["sitePages"]}
    assert [(u["placeName"], u["latitude"], u["longitude"], u["disbursements"]) for u in pages["live"]["updates"]] \
        == [("Forage de Ndiobène", 14.0712, -15.6193, [])]
    text = json.dumps(payload)
    assert "SECRET" not in text and "brouillon" not in pages and "cache" not in pages


def test_the_transparency_block_is_in_the_api(client, tree):
    page = factories.make_standard(tree, title="Transparence", slug="transparence")
    page.body = [{"type": "spending_summary", "value": {"heading": "Bilan des dépenses", "show_projects": False}}]
    page.save_revision().publish()
    status, payload = post(client, SITE_PULL)
    assert status == 200 and "errors" not in payload, payload
    body = next(p for p in payload["data"]["sitePages"] if p["slug"] == "transparence")["body"]
    assert [(b["field"], b["heading"], b["showProjects"]) for b in body] == [
        ("spending_summary", "Bilan des dépenses", False)]


# ---- the admin's edit form, with hostile coordinates --------------------------------------------------

@pytest.fixture
def editor_client(client, django_user_model):
    admin = django_user_model.objects.create_superuser("chief", "chief@example.org", "pw-chief-1234")
    client.force_login(admin)
    return client


def edit_form(client, project):
    response = client.get(f"/admin/pages/{project.pk}/edit/")
    assert response.status_code == 200
    return edit_form_data(response.content.decode(), ProjectPage.objects.get(pk=project.pk))


def post_update(client, project, data, lat, lon, name):
    data = dict(data)
    data.update({"updates-TOTAL_FORMS": ["1"], "updates-INITIAL_FORMS": ["0"], "updates-0-date": ["2026-04-21"],
                 "updates-0-title": ["Un lieu"], "updates-0-text": [json.dumps({"blocks": [{"key": "a", "text": "x",
                 "type": "unstyled", "depth": 0, "inlineStyleRanges": [], "entityRanges": []}], "entityMap": {}})],
                 "updates-0-photos-count": ["0"], "updates-0-place_name": [name],
                 "updates-0-latitude": [lat], "updates-0-longitude": [lon], "updates-0-ORDER": ["1"],
                 "updates-0-id": [""], "updates-0-DELETE": [""], "action-publish": ["action-publish"]})
    return client.post(f"/admin/pages/{project.pk}/edit/", data)


def test_the_admin_says_what_is_wrong_and_keeps_nothing(editor_client, tree):
    project = factories.make_project(tree)
    data = edit_form(editor_client, project)
    response = post_update(editor_client, project, data, "14.07", "", "Forage")
    assert response.status_code == 200  # the form again, with its message
    assert "Indiquez la latitude et la longitude, ou aucune des deux." in response.content.decode()
    assert not ProjectUpdate.objects.filter(page=project).exists()
    assert project.revisions.count() == 1  # the factory's publish only
    response = post_update(editor_client, project, data, "14.07", "-15.62", "Forage")
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(ProjectUpdate.objects.filter(page=project).values_list("place_name", "latitude")) == [
        ("Forage", Decimal("14.070000"))]


coordinate = st.one_of(st.text(max_size=12), st.floats(allow_nan=True, allow_infinity=True).map(str),
                       st.integers(-10**6, 10**6).map(str), st.sampled_from(["", "1e400", "-0", "90.0000001", "١٢"]))


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(lat=coordinate, lon=coordinate, name=st.text(max_size=200))
def test_hostile_coordinates_never_5xx_and_refused_ones_write_nothing(editor_client, tree, lat, lon, name):
    project = ProjectPage.objects.filter(slug="hostile").first() or factories.make_project(tree, slug="hostile")
    ProjectUpdate.objects.filter(page=project).delete()
    revisions = project.revisions.count()
    response = post_update(editor_client, project, edit_form(editor_client, project), lat, lon, name)
    assert response.status_code < 500
    saved = list(ProjectUpdate.objects.filter(page=project))
    if response.status_code != 302:  # refused: no update row, no revision
        assert saved == [] and project.revisions.count() == revisions
    for u in saved:  # what was accepted follows the rules
        assert (u.latitude is None) == (u.longitude is None)
        if u.latitude is not None:
            assert -90 <= u.latitude <= 90 and -180 <= u.longitude <= 180 and u.place_name.strip()
