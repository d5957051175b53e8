"""Every page URL the admin shows leads to the page on the public site, never to the CMS.

The CMS has no page templates: a link to `:8000/histoires/x/` answered 500 TemplateDoesNotExist. This renders
what an editor sees for a published story, as an administrator (the page listing with its "Voir la page
publiée" links, the edit view and its status side panel, the history, the admin search, the page chooser,
the message after publishing), collects every URL in it that is not the admin's own, and checks that each
one is the public site's (SITE_BASE_URL) at the path the builder writes that page to.
"""

import json
import re
from html import unescape
from urllib.parse import urlsplit

import pytest
from django.test import override_settings

from site_builder.normalize import site_path
from tests import factories
from tests.admin_form import edit_form_data

pytestmark = pytest.mark.django_db
SITE = "https://www.example.org"
CMS = "http://cms.example.org"
# CMS routes that are not pages: the admin, its static files, media, documents, the preview, the API.
CMS_ROUTES = ("/admin/", "/static/", "/media/", "/documents/", "/preview/", "/theme/", "/graphql/", "/donate/")
URL_ATTRIBUTE = re.compile(r'\s(?:href|action|data-[\w-]*url[\w-]*)="([^"]*)"', re.IGNORECASE)


def urls_in(text: str) -> set[str]:
    found = {unescape(u) for u in URL_ATTRIBUTE.findall(text)}
    found |= set(re.findall(r'"url":\s*"([^"]*)"', text))  # the choosers' JSON
    return {u for u in found if u and not u.startswith(("#", "mailto:", "tel:", "javascript:", "data:"))}


def page_urls(text: str) -> set[str]:
    """The URLs in `text` that are not the admin's own or another non-page CMS route."""
    out = set()
    for url in urls_in(text):
        parts = urlsplit(url)
        on_cms = not parts.netloc or f"{parts.scheme}://{parts.netloc}" == CMS
        if on_cms and (parts.path.startswith(CMS_ROUTES) or not parts.path.startswith("/")):
            continue  # the admin's own links, assets, relative links inside the admin
        if parts.netloc and not on_cms and f"{parts.scheme}://{parts.netloc}" != SITE:
            continue  # elsewhere (Wagtail's documentation, a partner's site…)
        out.add(url)
    return out


@pytest.fixture
def editor(client, django_user_model):
    user = django_user_model.objects.create_superuser("editrice", "editrice@example.org", "mot-de-passe")
    client.force_login(user)
    return client


@pytest.fixture
def tree():
    tree = factories.make_site()
    tree["project"] = factories.make_project(tree, title="Un puits à Kaya", slug="puits-kaya")
    tree["story"] = factories.make_story(tree, title="L'eau est arrivée", slug="eau-arrivee", project=tree["project"])
    tree["standard"] = factories.make_standard(tree)
    return tree


def expected_urls(tree) -> dict[str, str]:
    """Each page's address on the public site: the builder's own path for it, on SITE_BASE_URL."""
    root = tree["home"].url_path
    pages = [tree[k] for k in ("home", "projects", "stories", "project", "story", "standard")]
    return {SITE + site_path(p.url_path, root): p for p in pages}


@override_settings(SITE_BASE_URL=SITE, WAGTAILADMIN_BASE_URL=CMS)
def test_every_page_url_the_admin_shows_is_on_the_public_site(editor, tree):
    story, expected = tree["story"], expected_urls(tree)
    screens = {
        "page listing": f"/admin/pages/{tree['stories'].pk}/",
        "home listing": f"/admin/pages/{tree['home'].pk}/",
        "edit view and status panel": f"/admin/pages/{story.pk}/edit/",
        "project edit view": f"/admin/pages/{tree['project'].pk}/edit/",
        "history": f"/admin/pages/{story.pk}/history/",
        "search results": "/admin/pages/search/?q=eau",
        "page chooser": f"/admin/choose-page/{tree['stories'].pk}/",
        "chosen page": f"/admin/choose-page/chosen-multiple/?id={story.pk}&id={tree['project'].pk}",
        "dashboard": "/admin/",
    }
    seen: dict[str, set[str]] = {}
    for name, path in screens.items():
        response = editor.get(path)
        assert response.status_code == 200, (name, response.status_code)
        seen[name] = page_urls(response.content.decode())

    # Publishing from the edit form: the "Visualiser la version publiée" button of the message that follows.
    edit_url = f"/admin/pages/{story.pk}/edit/"
    data = edit_form_data(editor.get(edit_url).content.decode(), story)
    data.update(title=["L'eau est arrivée à Kaya"], **{"action-publish": ["action-publish"]})
    response = editor.post(edit_url, data, follow=True)
    assert response.status_code == 200
    seen["after publishing"] = page_urls(response.content.decode())

    every = set().union(*seen.values())
    problems = {u: [n for n, urls in seen.items() if u in urls] for u in every if u not in expected}
    assert not problems, f"page URLs that are not the page on the public site: {problems}"
    # Not vacuous: the links editors reported are there, on the public site.
    story_url = SITE + "/histoires/eau-arrivee/"
    for name in ("page listing", "edit view and status panel", "after publishing", "chosen page", "search results"):
        assert story_url in seen[name], (name, seen[name])
    assert SITE + "/projets/puits-kaya/" in seen["project edit view"]


@override_settings(SITE_BASE_URL=SITE)
def test_page_url_fields_name_the_public_site(tree):
    story = tree["story"]
    assert story.url == story.full_url == story.get_url() == SITE + "/histoires/eau-arrivee/"
    assert tree["home"].url == SITE + "/"
    assert story.get_url_parts()[1:] == (SITE, "/histoires/eau-arrivee/")
    assert story.get_site().root_page_id == tree["home"].pk


@override_settings(SITE_BASE_URL=SITE)
def test_the_cms_sends_each_admin_link_to_the_same_place(client, tree):
    """An old link to a page on the CMS (bookmarks, e-mails sent before this fix) is redirected, not a 500."""
    for url, page in expected_urls(tree).items():
        path = urlsplit(url).path
        if path == "/":
            continue  # the CMS's own address is the admin's (test_cms_root.py)
        response = client.get(path)
        assert response.status_code == 302 and response["Location"] == url, (path, response.status_code)


@override_settings(SITE_BASE_URL=SITE)
def test_the_api_url_field_is_the_public_address(client, tree):
    query = '{ page(slug: "eau-arrivee") { url urlPath } }'
    data = json.loads(client.post("/graphql/", {"query": query}, content_type="application/json").content)
    assert data["data"]["page"] == {"url": SITE + "/histoires/eau-arrivee/", "urlPath": "/accueil/histoires/eau-arrivee/"}


@override_settings(SITE_BASE_URL=SITE, SITE_BUILD_OUT="/nonexistent-build", SITE_BUILD_API_URL="http://cms.example.org/graphql/")
def test_links_inside_the_preview_of_a_published_page_lead_to_the_page(editor, tree):
    """The preview is served by the CMS, so its site links (`/histoires/`) are on the CMS: each one answers
    with a redirect to the same page on the public site (or is a CMS route: theme files, media), never 500."""
    story = tree["story"]
    response = editor.get(f"/preview/?content_type={story.get_content_type_str()}"
                          f"&token={story.create_page_preview().token}")
    assert response.status_code == 200, response.content.decode()[:500]
    links = {u for u in urls_in(response.content.decode()) if u.startswith("/") and not u.startswith("//")}
    followed = {}
    for link in sorted(links):
        answer = editor.get(link)
        followed[link] = answer.status_code
        assert answer.status_code < 500, (link, answer.status_code)
        if link == "/":
            assert answer["Location"] == "/admin/"  # the CMS's own address is the editors' (test_cms_root.py)
        elif answer.status_code == 302 and not link.startswith(CMS_ROUTES):
            assert answer["Location"] == SITE + link, (link, answer["Location"])
    page_links = [link for link, status in followed.items()
                  if status == 302 and link != "/" and not link.startswith(CMS_ROUTES)]
    assert "/histoires/" in page_links and "/projets/puits-kaya/" in page_links, followed
