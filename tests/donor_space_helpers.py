"""Shared by the donor space's tests (tests/test_donor_space*.py): donors with gifts, and signing in the
way a donor does (a link from `sign_in.new_link`, then the button's POST)."""

from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone

from cms.donations.models import Donation, Donor, LedgerEntry
from cms.donors.space import sign_in

SPACE = "/donate/espace/"


def make_donor(email="awa@example.org", name="Awa Diallo", **fields) -> Donor:
    fields = {"address_line1": "3 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "FR"} | fields
    return Donor.objects.create(email=email, name=name, **fields)


def make_gift(donor, *, amount=2500, frequency="once", status="succeeded", paid=True, **fields) -> Donation:
    fields = {"currency": "EUR", "donor_name": donor.name, "address_line1": donor.address_line1,
              "postal_code": donor.postal_code, "city": donor.city, "country": donor.country} | fields
    donation = Donation.objects.create(donor=donor, amount=amount, frequency=frequency, status=status, **fields)
    if paid:
        LedgerEntry.objects.create(donation=donation, kind="payment", amount=donation.total, currency=donation.currency,
                                   frequency=frequency, stripe_object=f"pi_{donation.pk.hex[:20]}",
                                   occurred_at=timezone.now() - timedelta(days=1))
    return donation


def sign_in_as(client, donor) -> None:
    token = sign_in.new_link(donor)
    response = client.post(f"{SPACE}lien/{token}/entrer/")
    assert response.status_code == 302 and response["Location"] == SPACE, response.content[:300]


def link_in(text: str) -> str:
    """The path of the sign-in link in a message's text."""
    found = re.search(r"https?://[^/\s]+(/donate/espace/lien/[A-Za-z0-9_-]+/)", text)
    assert found, text
    return found.group(1)
