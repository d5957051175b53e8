"""Issue 10 §4: another web page cannot make its visitors' browsers give.

The donation endpoint is CSRF-exempt (the static site cannot embed a token). Before: the JSON API parsed
any content type, so a `text/plain` POST (which any page may send cross-site without a preflight) created
donations, and the no-JS form took posts from anywhere. Now the JSON API takes only `application/json` (415
otherwise), and every POST is checked by the browser's `Origin` / `Sec-Fetch-Site` (403 when another site
sent it); requests without these headers (old browsers, servers, tests) work as before.
"""

from pathlib import Path

import pytest

from cms.donations.models import Donation, Donor
from tests.fake_gateway import fake_stripe, form_post, gift, post_confirm, post_intent, project  # noqa: F401

pytestmark = pytest.mark.django_db

SITE = "https://www.visiondamour.org"
EVIL = "https://evil.example"


@pytest.fixture(autouse=True)
def origins(settings):
    settings.DONATE_ALLOWED_ORIGINS = [SITE]
    settings.DONATE_RATE_LIMITS = (1000, 1000, 600)


def nothing_written_nor_sent(fake):
    return not Donation.objects.exists() and not Donor.objects.exists() and fake.calls == []


# --- the JSON API: application/json only ------------------------------------------------------------

@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8",
                                          "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""])
def test_a_body_a_page_can_post_cross_site_without_preflight_is_refused(client, fake_stripe, project, content_type):
    response = post_intent(client, gift(), content_type=content_type)
    assert response.status_code == 415, response.content
    assert "application/json" in response.json()["errors"]["__all__"][0]
    assert response.json()["errors"]["__all__"][0].startswith("Le corps de la requête doit être du JSON")
    assert nothing_written_nor_sent(fake_stripe)


def test_application_json_with_a_charset_is_accepted(client, fake_stripe, project):
    assert post_intent(client, content_type="application/json; charset=utf-8").status_code == 201


def test_confirm_takes_only_application_json_too(client, fake_stripe, project):
    donation = post_intent(client).json()
    response = post_confirm(client, donation["donation"], donation["client_secret"].split("_secret")[0],
                            content_type="text/plain")
    assert response.status_code == 415
    assert not any(name == "charge_once" for name, _ in fake_stripe.calls)
    assert Donation.objects.get(pk=donation["donation"]).status == "pending"


# --- the JSON API: browsers' Origin ---------------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": EVIL},
    {"HTTP_ORIGIN": EVIL, "HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_ORIGIN": "null"},  # sandboxed frames send this
    {"HTTP_ORIGIN": "https://www.visiondamour.org.evil.example"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},  # no Origin, but the browser says another site sent it
])
def test_a_post_from_another_site_is_refused(client, fake_stripe, project, headers):
    response = post_intent(client, **headers)
    assert response.status_code == 403, response.content
    assert "autre site" in response.json()["errors"]["__all__"][0]
    assert "Access-Control-Allow-Origin" not in response
    assert nothing_written_nor_sent(fake_stripe)


def test_confirm_from_another_site_is_refused(client, fake_stripe, project):
    donation = post_intent(client).json()
    seti = donation["client_secret"].split("_secret")[0]
    response = post_confirm(client, donation["donation"], seti, HTTP_ORIGIN=EVIL)
    assert response.status_code == 403
    assert Donation.objects.get(pk=donation["donation"]).status == "pending"
    assert post_confirm(client, donation["donation"], seti, HTTP_ORIGIN=SITE).json()["status"] == "succeeded"


@pytest.mark.parametrize("headers", [
    {},  # no Origin: server-to-server, tests, old browsers: as before
    {"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "cross-site"},  # the static site calling the CMS (CORS)
    {"HTTP_ORIGIN": SITE + "/"},
    # the page is on the endpoint's own origin: the CMS's payment page, or the site behind its /donate/ proxy
    {"HTTP_ORIGIN": "http://testserver"},
    {"HTTP_ORIGIN": "http://127.0.0.1:8123", "HTTP_X_FORWARDED_HOST": "127.0.0.1:8123"},
    {"HTTP_ORIGIN": "http://127.0.0.1:8123", "HTTP_SEC_FETCH_SITE": "same-origin"},
])
def test_allowed_and_same_origin_posts_are_taken(client, fake_stripe, project, headers):
    response = post_intent(client, **headers)
    assert response.status_code == 201, response.content
    if headers.get("HTTP_ORIGIN", "").startswith(SITE):
        assert response["Access-Control-Allow-Origin"] == headers["HTTP_ORIGIN"]
    else:
        assert "Access-Control-Allow-Origin" not in response
    assert "Origin" in response["Vary"]


def test_preflight_still_works_for_allowed_origins(client, project):
    ok = client.options("/donate/api/intents/", HTTP_ORIGIN=SITE, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
                        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type")
    assert ok.status_code == 204
    assert ok["Access-Control-Allow-Origin"] == SITE
    assert "content-type" in ok["Access-Control-Allow-Headers"].lower()
    assert "POST" in ok["Access-Control-Allow-Methods"]
    other = client.options("/donate/api/intents/", HTTP_ORIGIN=EVIL, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST")
    assert "Access-Control-Allow-Origin" not in other


def test_totals_stay_readable_from_anywhere(client, db):
    response = client.get("/donate/totals.json", HTTP_ORIGIN=EVIL)
    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Origin" in response["Vary"]


def test_the_site_script_sends_application_json():
    script = (Path(__file__).resolve().parent.parent / "themes/vision/static/js/donate.js").read_text()
    assert "headers: {'Content-Type': 'application/json'}" in script


# --- the no-JavaScript form (/donate/pay/) ----------------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"HTTP_ORIGIN": EVIL},
    {"HTTP_ORIGIN": EVIL, "HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "cross-site"},
    {"HTTP_SEC_FETCH_SITE": "same-site"},  # a sibling subdomain is not the site
    {"HTTP_ORIGIN": "null"},
])
def test_a_form_posted_from_another_site_gets_a_french_403(client, fake_stripe, project, headers):
    response = form_post(client, **headers)
    assert response.status_code == 403
    html = response.content.decode()
    assert '<html lang="fr">' in html and "Demande refusée" in html and "aucun don n’a été enregistré" in html
    assert nothing_written_nor_sent(fake_stripe)


@pytest.mark.parametrize("headers", [
    {},  # old browsers send neither header
    {"HTTP_ORIGIN": SITE, "HTTP_SEC_FETCH_SITE": "cross-site"},  # the static site posting to the CMS
    {"HTTP_ORIGIN": "http://127.0.0.1:8123", "HTTP_SEC_FETCH_SITE": "same-origin",
     "HTTP_X_FORWARDED_HOST": "127.0.0.1:8123"},  # through the site's /donate/ proxy
    {"HTTP_SEC_FETCH_SITE": "same-origin"},
    {"HTTP_SEC_FETCH_SITE": "none"},  # the donor's own action (a bookmark, the address bar)
])
def test_a_form_posted_from_the_site_opens_the_payment_page(client, fake_stripe, project, headers):
    response = form_post(client, **headers)
    assert response.status_code == 200, response.content.decode()[:2000]
    assert "Finaliser mon don" in response.content.decode()
    assert Donation.objects.count() == 1


def test_the_payment_form_itself_is_still_served_to_anyone(client, project):
    assert client.get("/donate/pay/", HTTP_ORIGIN=EVIL, HTTP_SEC_FETCH_SITE="cross-site").status_code == 200
