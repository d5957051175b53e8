"""Issue 10 §4: a gift never changes a stored donor's details.

Before: a gift upserted the donor by e-mail and overwrote their name and postal address (what their tax
receipts show): anyone who typed someone's e-mail replaced that person's stored name and address with their
own. Now the Donor row is written by the first gift only (insert … on conflict do nothing) and every
Donation keeps the name and address given with it.
"""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from cms.donations.models import Donation, Donor
from tests.fake_gateway import fake_stripe, form_post, gift, post_intent, project  # noqa: F401

pytestmark = pytest.mark.django_db

HOME = {"line1": "3 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "FR"}
OTHER = {"line1": "1 impasse du Faux", "postal_code": "13001", "city": "Marseille", "country": "FR"}


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)


def test_a_second_senders_gift_does_not_overwrite_the_stored_donor(client, fake_stripe, project):
    first = post_intent(client, gift(name="Awa Diallo", wants_receipt=True, address=HOME))
    second = post_intent(client, gift(name="Quelqu'un d'autre", email=" AWA@example.org ", wants_receipt=True,
                                      address=OTHER))
    assert first.status_code == second.status_code == 201
    donor = Donor.objects.get()
    assert (donor.email, donor.name, donor.address_line1, donor.postal_code, donor.city, donor.country) == (
        "awa@example.org", "Awa Diallo", "3 rue des Lilas", "75011", "Paris", "FR")
    one, two = (Donation.objects.get(pk=r.json()["donation"]) for r in (first, second))
    assert one.donor == two.donor == donor
    assert (one.donor_name, one.address_line1, one.postal_code, one.city, one.country) == (
        "Awa Diallo", "3 rue des Lilas", "75011", "Paris", "FR")
    assert (two.donor_name, two.address_line1, two.postal_code, two.city, two.country) == (
        "Quelqu'un d'autre", "1 impasse du Faux", "13001", "Marseille", "FR")


def test_a_gift_without_receipt_keeps_no_address_and_changes_nothing(client, fake_stripe, project):
    post_intent(client, gift(wants_receipt=True, address=HOME))
    response = post_intent(client, gift(name="Awa D."))
    donation = Donation.objects.get(pk=response.json()["donation"])
    assert (donation.donor_name, donation.address_line1, donation.city) == ("Awa D.", "", "")
    assert Donor.objects.get().city == "Paris" and Donor.objects.get().name == "Awa Diallo"


def test_the_no_javascript_form_never_overwrites_either(client, fake_stripe, project):
    post_intent(client, gift(wants_receipt=True, address=HOME))
    page = form_post(client, {"project": "puits", "amount": "2500", "frequency": "once", "name": "Mallory",
                              "email": "awa@example.org", "wants_receipt": "on", "address_line1": "1 impasse du Faux",
                              "address_postal_code": "13001", "address_city": "Marseille"})
    assert page.status_code == 200
    html = page.content.decode()
    # the payment page (and Stripe's billing details) carry the name given with this gift
    assert re.search(r'data-name="Mallory"\s+data-email="awa@example.org"', html)
    assert "Awa Diallo" not in html and "Lilas" not in html  # nothing stored about the donor is shown
    donor = Donor.objects.get()
    assert (donor.name, donor.city) == ("Awa Diallo", "Paris")
    latest = Donation.objects.order_by("-created_at").first()
    assert (latest.donor_name, latest.city) == ("Mallory", "Marseille")


def test_stripe_gets_the_name_given_with_the_gift(client, fake_stripe, project):
    post_intent(client, gift(name="Awa Diallo"))
    post_intent(client, gift(name="Awa Diallo Traoré"))
    names = [details["name"] for name, details in fake_stripe.calls if name == "setup_intent"]
    assert names == ["Awa Diallo", "Awa Diallo Traoré"]


def test_the_donor_row_is_inserted_on_conflict_do_nothing(client, fake_stripe, project):
    from django.test.utils import CaptureQueriesContext

    post_intent(client)
    with CaptureQueriesContext(connection) as ctx:
        assert post_intent(client, gift(name="Autre nom")).status_code == 201
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert len(writes) == 2, writes
    assert "donations_donor" in writes[0] and ("ON CONFLICT DO NOTHING" in writes[0].upper()
                                               or "INSERT OR IGNORE" in writes[0].upper())
    assert writes[1].startswith('INSERT INTO "donations_donation"')
    assert not any(sql.lstrip().upper().startswith("UPDATE") for sql in writes)


def test_str_of_donors_and_donations_holds_no_personal_data(client, fake_stripe, project):
    post_intent(client, gift(name="Awa Diallo", wants_receipt=True, address=HOME))
    donor, donation = Donor.objects.get(), Donation.objects.get()
    for text in (str(donor), repr(donor), str(donation), repr(donation)):
        for secret in ("Awa", "Diallo", "awa@example.org", "Lilas", "75011", "Paris"):
            assert secret not in text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # like the other transactional tests
def test_the_migration_copies_each_donors_details_onto_their_past_gifts():
    """Gifts made before the change get their donor's row as it stands; only gifts with a receipt get the
    address (the others never gave one)."""
    executor = MigrationExecutor(connection)
    executor.migrate([("donations", "0001_initial")])
    old = executor.loader.project_state([("donations", "0001_initial")]).apps
    OldDonor, OldDonation = old.get_model("donations", "Donor"), old.get_model("donations", "Donation")
    donor = OldDonor.objects.create(email="awa@example.org", name="Awa Diallo", address_line1="3 rue des Lilas",
                                    postal_code="75011", city="Paris", country="FR")
    with_receipt = OldDonation.objects.create(donor=donor, amount=2500, currency="EUR", wants_receipt=True)
    without = OldDonation.objects.create(donor=donor, amount=1000, currency="EUR")
    anonymous = OldDonation.objects.create(amount=500, currency="EUR")
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
        copied = {d.pk: (d.donor_name, d.address_line1, d.postal_code, d.city, d.country)
                  for d in Donation.objects.all()}
        assert copied[with_receipt.pk] == ("Awa Diallo", "3 rue des Lilas", "75011", "Paris", "FR")
        assert copied[without.pk] == ("Awa Diallo", "", "", "", "")
        assert copied[anonymous.pk] == ("", "", "", "", "")
    finally:
        Donation.objects.all().delete()
        Donor.objects.all().delete()
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_attempts_listing_names_each_gift_as_it_was_given(admin_client, fake_stripe, project):
    """Staff answering a donor see, for each gift, the name given with it, and find it by that name."""
    post_intent(client=admin_client, payload=gift(name="Awa Diallo"))
    post_intent(client=admin_client, payload=gift(name="Awa Traoré"))
    page = admin_client.get("/admin/reports/tentatives/", {"outcome": "all"}).content.decode()
    assert "Awa Diallo &lt;awa@example.org&gt;" in page and "Awa Traoré &lt;awa@example.org&gt;" in page
    found = admin_client.get("/admin/reports/tentatives/", {"outcome": "all", "donor": "traoré"}).content.decode()
    assert "Awa Traoré" in found and "Awa Diallo &lt;" not in found
