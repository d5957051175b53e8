"""The CMS only edits pages: its own address leads to the admin, a page path to the page on the public site,
anything else to a plain 404, and never to Wagtail rendering a page template that does not exist (500)."""

import pytest
from django.test import override_settings
from wagtail.contrib.redirects.models import Redirect

from tests import factories

pytestmark = pytest.mark.django_db
SITE = "https://www.example.org"


@pytest.fixture
def tree():
    tree = factories.make_site()
    tree["story"] = factories.make_story(tree, title="Une histoire", slug="une-histoire")
    return tree


def test_the_cms_root_leads_to_the_admin(client, tree):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/admin/"


@override_settings(SITE_BASE_URL=SITE)
def test_a_page_path_leads_to_the_same_page_on_the_public_site(client, tree):
    for path in ("/histoires/une-histoire/", "/histoires/", "/projets/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == SITE + path
    assert client.get("/histoires/une-histoire/?utm_source=lettre")["Location"] == \
        SITE + "/histoires/une-histoire/?utm_source=lettre"
    # Without the trailing slash, as a hand-typed address often is.
    assert client.get("/histoires/une-histoire")["Location"] == SITE + "/histoires/une-histoire/"


@pytest.mark.parametrize("path", ["/histoires/personne/", "/favicon.ico", "/wp-login.php", "/a%00b/",
                                  "/histoires/une-histoire/suite/"])
def test_an_unknown_path_is_a_plain_404(client, tree, path):
    response = client.get(path)
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page introuvable" in html and "TemplateDoesNotExist" not in html


def test_a_draft_or_private_page_is_not_sent_to_the_site(client, tree):
    factories.make_story(tree, slug="brouillon", publish=False)
    factories.make_private(factories.make_story(tree, slug="privee"))
    assert client.get("/histoires/brouillon/").status_code == 404
    assert client.get("/histoires/privee/").status_code == 404


@override_settings(SITE_BASE_URL=SITE)
def test_an_editors_redirect_still_works(client, tree):
    """wagtail.contrib.redirects acts on 404 responses: the catch-all must answer 404 for paths it ignores."""
    Redirect.objects.create(old_path="/ancienne-histoire", redirect_page=tree["story"])
    Redirect.objects.create(old_path="/don", redirect_link="https://dons.example.org/", is_permanent=False)
    response = client.get("/ancienne-histoire/")
    assert response.status_code == 301
    assert response["Location"] == SITE + "/histoires/une-histoire/"
    assert client.get("/don/")["Location"] == "https://dons.example.org/"


def test_the_cms_own_routes_still_answer(client, tree):
    assert client.get("/admin").status_code == 301  # APPEND_SLASH still sends /admin to /admin/
    assert client.get("/admin").headers["Location"] == "/admin/"
    assert client.get("/admin/login/").status_code == 200
    assert client.post("/graphql/", {"query": "{ __typename }"}, content_type="application/json").status_code == 200
    assert client.get("/donate/totals.json").status_code == 200
    assert client.get("/preview/").status_code in (400, 403)  # no token: the preview's own message
