"""A completed project ("Réalisé") takes no gift: the donation endpoint refuses it in French (JSON API and
the no-JavaScript form alike, as soon as the project is marked completed), and its built page shows what
was raised and what it became, with no form and links to projects under way instead."""

import json
import re
from pathlib import Path

import pytest

from cms.donations import live_projects
from cms.donations.models import Donation, Donor
from tests import factories

REFUSED = "Ce projet n'existe pas ou n'accepte plus de dons."


@pytest.fixture
def projects(db, settings):
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)
    from django.core.cache import cache

    cache.clear()
    live_projects.clear()
    tree = factories.make_site()
    done = factories.make_project(tree, title="École de Sabou", slug="ecole")
    done.status, done.end_date = "completed", "2025-06-30"
    done.save_revision().publish()
    return {"open": factories.make_project(tree, title="Puits de Kaya", slug="puits"), "done": done}


def gift(**overrides):
    data = {"project": "ecole", "amount": 2500, "currency": "EUR", "frequency": "once", "name": "Awa Diallo",
            "email": "awa@example.org"}
    data.update(overrides)
    return data


def test_live_projects_returns_only_projects_that_take_gifts(projects):
    assert live_projects.get("puits").slug == "puits"
    assert live_projects.get("ecole") is None


@pytest.mark.parametrize("frequency,kind", [("once", "gift"), ("monthly", "gift"), ("monthly", "sponsorship")])
def test_the_api_refuses_a_gift_to_a_completed_project(client, projects, frequency, kind):
    response = client.post("/donate/api/intents/", json.dumps(gift(frequency=frequency, kind=kind)),
                           content_type="application/json")
    assert response.status_code == 400, response.content
    assert REFUSED in response.json()["errors"]["project"]
    assert not Donation.objects.exists() and not Donor.objects.exists()


def test_the_no_javascript_form_refuses_it_too(client, projects):
    response = client.post("/donate/pay/", gift(), HTTP_ORIGIN="http://testserver", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 400
    assert "n&#x27;accepte plus de dons" in response.content.decode() or REFUSED in response.content.decode()
    assert not Donation.objects.exists()


def test_a_project_marked_completed_stops_taking_gifts_at_once(projects):
    """The few seconds' cache of live_projects is dropped when the page is published as completed."""
    page = projects["open"]
    assert live_projects.get("puits") is not None  # now cached
    page.status, page.end_date = "completed", "2025-06-30"
    page.save_revision().publish()
    assert live_projects.get("puits") is None


# ---- the built demo site ------------------------------------------------------------------------------

def built_pages(built_site):
    from tests import sitecheck

    return sitecheck.load_pages(Path(built_site.out))


@pytest.mark.slow
def test_a_completed_project_page_has_no_form_and_offers_projects_under_way(built_site):
    pages = built_pages(built_site)
    completed = {u: p for u, p in pages.items() if p.page_type == "project"
                 and p.soup.select_one(".page-head .status--completed")}
    assert len(completed) >= 2
    for url, page in completed.items():
        main = page.soup.select_one("main")
        text = main.get_text(" ", strip=True)
        assert not main.select("form"), url
        assert not page.soup.select("script[src*='donate']"), url
        flat = text.replace("\u202f", " ").replace("\xa0", " ")
        assert "Soutenir ce projet" not in flat and not re.search(r"(?:^|\s)0 € collectés", flat), url
        assert "collectés en ligne" in text, url  # what was raised (the demo's gifts fund it fully)
        if page.soup.select(".update"):
            assert main.select_one("#updates-title").get_text(strip=True) == "Ce que le projet est devenu"
        links = [a["href"] for a in main.select("#en-cours .card__link")]
        assert 1 <= len(links) <= 3, url
        for href in links:
            target = pages[href]
            assert target.soup.select_one(".page-head .status--active"), href  # under way
            assert target.soup.select_one("main form[data-donate]"), href  # and taking gifts
    # nowhere on the site does a form offer a completed project
    slugs = {u.strip("/").split("/")[-1] for u in completed}
    for url, page in pages.items():
        offered = {i.get("value") for i in page.soup.select("form[data-donate] [name=project]")}
        offered |= {o.get("value") for o in page.soup.select("form[data-donate] select[name=project] option")}
        assert not (offered & slugs), (url, offered & slugs)
