"""A gift made in a company's name (issue 13 §2: its tax receipt is a Cerfa 16216 with the company's name,
legal form and SIREN): the API takes the three fields, checks the SIREN, and refuses a half-given company
with French messages and nothing written."""

import pytest

from cms.donations.models import Donation, Donor
from tests.fake_gateway import fake_stripe, gift, post_intent, project  # noqa: F401

pytestmark = pytest.mark.django_db
HOME = {"line1": "3 rue des Lilas", "postal_code": "75011", "city": "Paris", "country": "FR"}


@pytest.fixture(autouse=True)
def generous_limits(settings):
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)


def test_a_company_gift_keeps_its_name_legal_form_and_siren(client, fake_stripe, project):
    response = post_intent(client, gift(wants_receipt=True, address=HOME, company_name="  Boulangerie   Martin ",
                                        company_legal_form="SARL", company_siren="732 829 320"))
    assert response.status_code == 201
    donation = Donation.objects.get(pk=response.json()["donation"])
    assert (donation.donor_company, donation.company_legal_form, donation.company_siren) == (
        "Boulangerie Martin", "SARL", "732829320")


def test_a_person_gives_without_them(client, fake_stripe, project):
    response = post_intent(client, gift())
    assert response.status_code == 201
    assert Donation.objects.get().donor_company == ""


@pytest.mark.parametrize("fields, field, message", [
    ({"company_name": "ACME", "company_legal_form": "SAS", "company_siren": "732829321"}, "company_siren",
     "Le numéro SIREN doit compter 9 chiffres et être valide."),
    ({"company_name": "ACME", "company_siren": "732829320"}, "company_legal_form", "forme juridique"),
    ({"company_siren": "732829320", "company_legal_form": "SAS"}, "company_name", "dénomination"),
    ({"company_name": "ACME", "company_legal_form": "SAS", "company_siren": "7" * 21}, "company_siren", "trop long"),
])
def test_a_half_given_company_is_refused_in_french(client, fake_stripe, project, fields, field, message):
    response = post_intent(client, gift(**fields))
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert message in " ".join(errors[field])
    assert not Donation.objects.exists() and not Donor.objects.exists()
