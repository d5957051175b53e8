"""The header's and the footer's links are the editors' (Réglages du site, issue 12 §3), and only public.

- the API: a link to a draft, unpublished, private page (or one below a private page) never comes back, by
  title, path or count, whichever query asks (the generated queries of test_graphql_security included);
  a draft's title never replaces the live one; addresses come back as typed;
- the admin: an editor adds an address and removes a page; a bad address is a French error, not a 500;
  saving asks for a build, enqueued only once the menu items are committed;
- the loader: content/menus.yaml fills both menus, once;
- the builder: `site.nav` / `site.footer_nav` follow the API's menus (pages by their path on this site),
  fall back to the automatic links when there are none, and a menu change changes every page's signature.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cms.core.models import FooterMenuItem, MainMenuItem, SiteSettings
from cms.core.navigation import validate_link_url
from cms.projects.models import ProjectPage
from site_builder.build import make_site
from site_builder.config import BuildConfig
from tests import factories, menu_admin
from tests.test_graphql_security import (introspect, leaked_text, plant_secrets, post, roomy,  # noqa: F401
                                         root_queries, token_headers)

MENUS = ('{ setting(name: "SiteSettings") { ... on SiteSettings { mainMenu { title url path } '
         'footerMenu { title url path } } } }')
VOLUNTEER = "https://www.example.org/benevolat/"


def menus(client, **headers) -> dict:
    status, payload = post(client, MENUS, **headers)
    assert status == 200 and "errors" not in payload, payload
    return payload["data"]["setting"]


def set_menu(relation: str, items: list) -> None:
    for position, item in enumerate(items):
        item.sort_order = position  # as the admin and the loader write them
    settings = SiteSettings.load()
    settings.tagline = settings.tagline or "Ensemble"  # required in the admin's form
    setattr(settings, relation, items)
    settings.save()


# --- the API -----------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_links_to_pages_that_are_not_public_never_reach_the_api(client, roomy):  # noqa: F811
    site = plant_secrets()
    secrets = sorted(site["secret_pages"])
    public_project = ProjectPage.objects.get(slug="puits-public")
    main = [MainMenuItem(page_id=pk) for pk in secrets]  # titles and paths that say DRAFT-SECRET
    main += [MainMenuItem(page_id=pk, label="Lien anodin") for pk in secrets]  # innocent labels: must go too
    main += [MainMenuItem(page=public_project), MainMenuItem(page=site["changed"]),
             MainMenuItem(link_url=VOLUNTEER, label="Devenir bénévole")]
    set_menu("main_menu_items", main)
    set_menu("footer_menu_items", [FooterMenuItem(page_id=pk) for pk in secrets]
             + [FooterMenuItem(page=site["tree"]["projects"], label="Tous nos projets")])

    expected_main = [
        {"title": "Puits public", "url": "http://127.0.0.1:8080/projets/puits-public/", "path": "/projets/puits-public/"},
        # a live page with an unpublished draft: its live title, never the draft's
        {"title": "Histoire publiée", "url": "http://127.0.0.1:8080/histoires/histoire-publiee/",
         "path": "/histoires/histoire-publiee/"},
        {"title": "Devenir bénévole", "url": VOLUNTEER, "path": None},
    ]
    expected_footer = [{"title": "Tous nos projets", "url": "http://127.0.0.1:8080/projets/", "path": "/projets/"}]
    for headers in ({}, token_headers()):  # the builder's token shows no more
        answer = menus(client, **headers)
        assert answer == {"mainMenu": expected_main, "footerMenu": expected_footer}

    schema = introspect(client)
    leaks, tried = [], 0
    for name, query in root_queries(schema, site):
        if name.split(" ")[0] not in ("setting", "settings"):
            continue
        tried += 1
        status, payload = post(client, query, **token_headers())
        assert status == 200 and "data" in payload, (name, payload)
        if text := leaked_text(payload):
            leaks.append(f"{name}: {text}")
    assert tried >= 2 and not leaks, leaks


@pytest.mark.django_db
def test_a_page_leaves_the_menu_when_unpublished_and_comes_back_when_published(client):
    tree = factories.make_site()
    about = factories.make_standard(tree)
    draft = factories.make_project(tree, title="Projet en préparation", slug="en-preparation", publish=False)
    set_menu("main_menu_items", [MainMenuItem(page=about), MainMenuItem(page=draft)])
    assert [link["title"] for link in menus(client)["mainMenu"]] == ["À propos"]
    about.unpublish()
    assert menus(client)["mainMenu"] == []
    draft.save_revision().publish()
    about.save_revision().publish()
    assert [link["path"] for link in menus(client)["mainMenu"]] == ["/a-propos/", "/projets/en-preparation/"]


@pytest.mark.django_db
def test_the_menus_cost_the_same_queries_for_two_links_as_for_twelve(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    tree = factories.make_site()
    pages = [factories.make_standard(tree, title=f"Page {i}", slug=f"page-{i}") for i in range(12)]

    def count(n):
        set_menu("main_menu_items", [MainMenuItem(page=p) for p in pages[:n]])
        menus(client)
        with CaptureQueriesContext(connection) as ctx:
            assert len(menus(client)["mainMenu"]) == n
        return len(ctx.captured_queries)

    assert count(2) == count(12)


# --- what editors may type ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["https://www.example.org/benevolat/", "http://example.org", "/donner/",
                                   "/projets/#carte", "mailto:contact@example.org"])
def test_addresses_editors_may_link_to(value):
    validate_link_url(value)


@pytest.mark.parametrize("value", ["javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/",
                                   "ftp://example.org/", "https://", "www.example.org", "mailto:personne",
                                   "/donner/\"><script>", "/ donner"])
def test_addresses_editors_may_not_link_to(value):
    with pytest.raises(ValidationError) as info:
        validate_link_url(value)
    assert any(word in " ".join(info.value.messages) for word in ("Saisissez", "invalide"))


@pytest.mark.django_db
def test_a_link_is_a_page_or_an_address_with_a_label():
    tree = factories.make_site()
    for item, field in ((MainMenuItem(), "page"), (MainMenuItem(page=tree["home"], link_url="/donner/"), "link_url"),
                        (MainMenuItem(link_url="/donner/"), "label")):
        with pytest.raises(ValidationError) as info:
            item.full_clean(exclude=["site_settings"])
        assert field in info.value.message_dict


# --- the admin ---------------------------------------------------------------------------------------

@pytest.fixture
def editor(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("editrice", "editrice@example.org", "mdp"))
    return client


def settings_page(client):
    response = client.get(menu_admin.SETTINGS_URL, follow=True)
    assert response.status_code == 200
    return response


@pytest.mark.django_db
def test_an_editor_adds_an_address_and_removes_a_page(editor, settings):
    from cms.publishing.models import SiteBuild

    settings.SITE_BUILD_ENABLED = True
    tree = factories.make_site()
    about, transparency = factories.make_standard(tree), factories.make_standard(tree, "Transparence", "transparence")
    contact = factories.make_standard(tree, "Contact", "contact")
    set_menu("main_menu_items", [MainMenuItem(page=p) for p in (about, transparency, contact)])
    SiteBuild.objects.all().delete()

    page = settings_page(editor)
    html = page.content.decode()
    assert "Menu principal" in html and "Pied de page" in html and "Ou adresse" in html  # French admin
    data = menu_admin.settings_form(html)
    menu_admin.remove_page(data, menu_admin.MAIN, about.pk)
    menu_admin.remove_page(data, menu_admin.MAIN, transparency.pk)  # the untouched row must still come first
    menu_admin.add_link(data, menu_admin.MAIN, url=VOLUNTEER, label="Devenir bénévole")
    menu_admin.add_link(data, menu_admin.FOOTER, url="/donner/", label="Faire un don")
    response = editor.post(page.request["PATH_INFO"], data)
    assert response.status_code == 302, menu_admin.form_errors(response.content.decode())

    answer = menus(editor)
    assert [(link["title"], link["url"]) for link in answer["mainMenu"]] == [
        ("Contact", "http://127.0.0.1:8080/contact/"), ("Devenir bénévole", VOLUNTEER)]
    assert answer["footerMenu"] == [{"title": "Faire un don", "url": "/donner/", "path": None}]
    build = SiteBuild.objects.get()
    assert build.full and build.reasons == ["Réglages du site modifiés"]


@pytest.mark.django_db
def test_a_bad_address_is_refused_in_french_and_nothing_is_saved(editor):
    factories.make_site()
    set_menu("main_menu_items", [])
    page = settings_page(editor)
    data = menu_admin.settings_form(page.content.decode())
    menu_admin.add_link(data, menu_admin.MAIN, url="javascript:alert(1)", label="Piège")
    menu_admin.add_link(data, menu_admin.FOOTER, url="https://www.example.org/")  # no label
    response = editor.post(page.request["PATH_INFO"], data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Saisissez une adresse complète" in html and "besoin d&#x27;un libellé" in html
    assert not MainMenuItem.objects.exists() and not FooterMenuItem.objects.exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # leave the migrated rows for the tests after it
def test_the_build_a_menu_change_asks_for_sees_the_new_menu(settings, monkeypatch):
    """post_save comes before modelcluster writes the items: the build must be enqueued after them."""
    from cms.publishing import queue

    from cms.publishing.models import SiteBuild

    SiteSettings.load()  # created before: its creation's own build request is not this test's
    SiteBuild.objects.all().delete()
    settings.SITE_BUILD_ENABLED = True
    seen = []
    monkeypatch.setattr(queue, "_enqueue", lambda: seen.append(
        list(MainMenuItem.objects.values_list("label", flat=True))))
    set_menu("main_menu_items", [MainMenuItem(link_url="/donner/", label="Donner")])
    assert seen == [["Donner"]]


# --- the loader --------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_menus_yaml_fills_both_menus_once(tmp_path):
    from cms.core.content_loader import ContentError
    from cms.core.menu_loader import load_menus
    from tests.conftest import CONTENT

    tree = factories.make_site()
    for slug in ("a-propos", "transparence", "mentions-legales", "contact"):
        factories.make_standard(tree, title=slug, slug=slug)
    for index in (tree["projects"], tree["stories"]):
        index.save_revision().publish()
    assert load_menus(CONTENT, tree["home"]) == 1
    settings = SiteSettings.load()
    assert [i.page.slug for i in settings.main_menu_items.all()] == ["projets", "histoires", "a-propos", "transparence"]
    assert [i.page.slug for i in settings.footer_menu_items.all()] == ["a-propos", "transparence",
                                                                        "mentions-legales", "contact"]
    assert load_menus(CONTENT, tree["home"]) == 0  # unchanged file: the editors' menus stay as they are

    (tmp_path / "menus.yaml").write_text("main:\n  - page: projets\n  - page: nulle-part\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"menus.yaml main\[1\]: no page at 'nulle-part'"):
        load_menus(tmp_path, tree["home"])
    (tmp_path / "menus.yaml").write_text("footer:\n  - url: javascript:alert(1)\n    label: x\n", encoding="utf-8")
    with pytest.raises(ContentError, match=r"menus.yaml footer\[0\]: Saisissez"):
        load_menus(tmp_path, tree["home"])


# --- the builder -------------------------------------------------------------------------------------

def api_pages() -> list[dict]:
    home = {"id": "1", "title": "Accueil", "slug": "accueil", "urlPath": "/accueil/", "contentType": "core.HomePage",
            "intro": "Bienvenue", "body": []}
    index = {"id": "2", "title": "Nos projets", "slug": "projets", "urlPath": "/accueil/projets/",
             "contentType": "projects.ProjectIndexPage", "introOptional": ""}
    standard = [{"id": str(3 + i), "title": title, "slug": slug, "urlPath": f"/accueil/{slug}/",
                 "contentType": "core.StandardPage", "introOptional": "", "body": []}
                for i, (slug, title) in enumerate([("a-propos", "Qui sommes-nous ?"), ("contact", "Contact")])]
    return [home, index, *standard]


def site_for(settings: dict | None):
    config = BuildConfig(api_url="http://cms/graphql/", base_url="https://www.example.org")
    return make_site(api_pages(), {"settings": settings}, config)[0]


EDITED = {"mainMenu": [{"title": "Contact", "url": "http://cms-public.example/contact/", "path": "/contact/"},
                       {"title": "Devenir bénévole", "url": VOLUNTEER, "path": None}],
          "footerMenu": [{"title": "Faire un don", "url": "/donner/", "path": None}]}


def test_the_site_shows_the_editors_menus():
    site = site_for(EDITED).site
    assert site["nav"] == [{"title": "Contact", "url": "/contact/"}, {"title": "Devenir bénévole", "url": VOLUNTEER}]
    assert site["footer_nav"] == [{"title": "Faire un don", "url": "/donner/"}]


@pytest.mark.parametrize("settings", [None, {}, {"mainMenu": [], "footerMenu": []}])
def test_without_menus_the_site_keeps_its_automatic_links(settings):
    site = site_for(settings).site
    assert site["nav"] == [{"title": "Nos projets", "url": "/projets/"}, {"title": "Qui sommes-nous ?", "url": "/a-propos/"}]
    assert site["footer_nav"] == [{"title": "Qui sommes-nous ?", "url": "/a-propos/"},
                                  {"title": "Contact", "url": "/contact/"}]


def test_a_menu_change_changes_every_pages_signature():
    before, after = site_for({}), site_for(EDITED)
    old = {r.output_path: r.signature({}, before.global_stamp()) for r in before.routes}
    new = {r.output_path: r.signature({}, after.global_stamp()) for r in after.routes}
    assert old.keys() == new.keys() and len(old) > 4
    assert all(old[path] != new[path] for path in old)
    assert site_for(EDITED).global_stamp() == after.global_stamp()  # and only a change does


def test_the_pull_asks_for_the_menus():
    from site_builder.queries import SITE_INDEX, SITE_PULL

    for query in (SITE_PULL, SITE_INDEX):
        assert "mainMenu { title url path }" in query and "footerMenu { title url path }" in query
