"""What one intent creation costs our database, Stripe apart: a fixed, small number of SQL queries; and the
short-lived cache of live projects that makes it so forgets a project as soon as it is unpublished."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cms.donations import gateway, live_projects
from cms.donations.models import Donation, Donor
from tests import factories

pytestmark = pytest.mark.django_db

# Warm: the donor inserted unless known (on conflict do nothing) and the donation inserted (reading the
# donor's id in its own INSERT), in one transaction (whose savepoint and release the test's own transaction adds). Cold: plus the project page and Wagtail's view restrictions.
MAX_QUERIES_WARM = 4
MAX_QUERIES_COLD = 6


@pytest.fixture
def no_stripe(monkeypatch, settings):
    """Stripe makes no SQL queries: its answer is faked so that the count is ours alone."""
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    from django.core.cache import cache

    cache.clear()
    live_projects.clear()
    monkeypatch.setattr(gateway, "create_setup_intent", lambda donation: {
        "customer": "cus_test", "setup_intent": f"seti_{donation.id.hex[:12]}", "client_secret": "seti_secret"})


@pytest.fixture
def project():
    tree = factories.make_site()
    return factories.make_project(tree, title="Puits de Kaya", slug="puits")


def create(client, email, **overrides):
    payload = {"project": "puits", "amount": 2500, "currency": "EUR", "frequency": "once", "name": "Awa Diallo",
               "email": email, **overrides}
    return client.post("/donate/api/intents/", json.dumps(payload), content_type="application/json")


def queries(client, email, **overrides) -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        response = create(client, email, **overrides)
    assert response.status_code == 201, response.content
    return [q["sql"] for q in ctx.captured_queries]


def test_intent_creation_makes_a_fixed_small_number_of_queries(client, no_stripe, project):
    cold = queries(client, "awa1@example.org")
    warm = queries(client, "awa2@example.org")
    again = queries(client, "awa2@example.org", name="Awa Diallo Traoré")  # same donor: not added, not changed
    receipt = queries(client, "awa3@example.org", wants_receipt=True,
                      address={"line1": "1 rue du Puits", "postal_code": "75001", "city": "Paris"})
    assert len(cold) <= MAX_QUERIES_COLD, "\n".join(cold)
    for captured in (warm, again, receipt):
        assert len(captured) <= MAX_QUERIES_WARM, "\n".join(captured)
        assert not any("wagtailcore_page" in sql for sql in captured), "\n".join(captured)
    assert Donor.objects.count() == 3
    donor = Donor.objects.get(email="awa2@example.org")
    assert donor.name == "Awa Diallo"  # the first gift's: a gift never changes a stored donor
    assert sorted(donor.donations.values_list("donor_name", flat=True)) == ["Awa Diallo", "Awa Diallo Traoré"]
    assert set(Donation.objects.filter(donor=donor).values_list("project_id", "project_slug")) == {
        (project.pk, "puits")}
    assert Donor.objects.get(email="awa3@example.org").city == "Paris"
    assert Donation.objects.get(donor__email="awa3@example.org").city == "Paris"
    for captured in (warm, again, receipt):
        assert sum(sql.lstrip().upper().startswith(("INSERT", "UPDATE", "SELECT")) for sql in captured) == 2, \
            "\n".join(captured)


def test_an_unpublished_project_stops_taking_gifts_at_once(client, no_stripe, project):
    assert create(client, "awa@example.org").status_code == 201  # now cached
    project.unpublish()
    response = create(client, "awa@example.org")
    assert response.status_code == 400
    assert "project" in response.json()["errors"]


def test_a_renamed_project_is_found_under_its_new_slug_only(client, no_stripe, project):
    assert create(client, "awa@example.org").status_code == 201
    project.slug = "puits-de-kaya"
    project.save_revision().publish()
    assert create(client, "awa@example.org").status_code == 400
    assert create(client, "awa@example.org", project="puits-de-kaya").status_code == 201


def test_other_processes_forget_within_the_ttl(client, no_stripe, project, monkeypatch):
    """A change made elsewhere (another worker) sends no signal here: the entry expires after TTL_SECONDS."""
    clock = [1000.0]
    monkeypatch.setattr(live_projects.time, "monotonic", lambda: clock[0])
    assert create(client, "awa@example.org").status_code == 201
    type(project).objects.filter(pk=project.pk).update(live=False)  # no signal, as if in another process
    assert create(client, "awa@example.org").status_code == 201  # still cached
    clock[0] += live_projects.TTL_SECONDS + 0.01
    assert create(client, "awa@example.org").status_code == 400
