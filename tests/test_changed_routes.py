"""The patched model step (site_builder/changed_routes.py) against make_site on every page, on plain data.

Each test starts from a built site (routes, signatures and the normalisation cache kept as a build keeps
them), changes pages as a publish would, and compares the patch with what make_site makes from scratch
(fresh cache, fresh copies): every file's signature, and the context of every route the patch made again.
A change the patch cannot vouch for must give None (the caller then makes every route).
"""

from __future__ import annotations

import copy

import pytest

from site_builder import changed_routes
from site_builder.build import make_site, route_signatures
from site_builder.config import BuildConfig
from site_builder.incremental import remember_routes
from site_builder.site import STORIES_PER_PAGE, NormalizationCache
from site_builder.state import BuildState, content_stamp

CONFIG = BuildConfig(api_url="http://cms.test/graphql/", base_url="https://www.example.org")
RULES = [{"currency": "EUR", "minAmount": 500, "maxAmount": 1000000, "feeRateBp": 150, "feeFixed": 25,
          "suggestions": [2000, 5000]}]


def image(image_id: int) -> dict:
    return {"id": str(image_id), "alt": f"Photo {image_id}", "credit": "", "width": 1200, "height": 800,
            "siteRenditions": [{"url": f"http://cms.test/media/images/p{image_id}.{w}.jpg", "width": w,
                                "height": w * 2 // 3, "format": "jpeg"} for w in (400, 800, 1200)]}


def page(page_id, content_type, url_path, **fields):
    return {"id": str(page_id), "title": f"Page {page_id}", "slug": url_path.strip("/").split("/")[-1],
            "urlPath": url_path, "contentType": content_type, "seoTitle": "", "searchDescription": "",
            "lastPublishedAt": "2026-11-01T10:00:00+00:00", **fields}


def project(page_id, status="active", featured=False, theme="eau", **fields):
    return page(page_id, "projects.ProjectPage", f"/accueil/projets/projet-{page_id}/", summary=f"Résumé {page_id}",
                heroImage=image(page_id), theme={"name": theme.capitalize(), "slug": theme, "color": "#2A7F62"},
                country="BF", countryName="Burkina Faso", region="", latitude=None, longitude=None,
                status=status, statusLabel=status, startDate="2026-01-01", endDate=None, goalAmount=100000,
                currency="EUR", beneficiaries=100 + page_id, featured=featured, keyFigures=[],
                suggestedAmounts=[], budgetLines=[{"label": "Forage", "amount": 60000}], body=[],
                galleryImages=[], partners=[], updates=[], **fields)


def story(page_id, day, related=(), body=()):
    return page(page_id, "stories.StoryPage", f"/accueil/histoires/histoire-{page_id}/",
                date=f"2026-10-{day:02d}", author="Awa", intro=f"Intro {page_id}", heroImage=image(500 + page_id),
                body=list(body), relatedProjects=[{"id": str(r)} for r in related], tags=[{"name": "Eau"}])


def cta(project_id):
    return {"blockType": "CallToGiveBlock", "field": "cta", "id": f"cta-{project_id}", "text": "Soutenez",
            "buttonLabel": "Je donne", "project": {"id": str(project_id)}}


def the_site() -> list[dict]:
    pages = [page(1, "core.HomePage", "/accueil/", intro="Bienvenue", heroImage=image(1), body=[]),
             page(2, "projects.ProjectIndexPage", "/accueil/projets/", introOptional="Nos projets"),
             project(10, featured=True), project(11), project(12, status="completed"),
             project(13, status="planned", theme="ecole"),
             page(3, "stories.StoryIndexPage", "/accueil/histoires/", introOptional=""),
             page(4, "core.StandardPage", "/accueil/a-propos/", introOptional="Qui sommes-nous", body=[]),
             page(5, "core.StandardPage", "/accueil/mentions/", introOptional="", body=[cta(11)])]
    count = 2 * STORIES_PER_PAGE + 5
    pages += [story(100 + k, 1 + k % 28, related=[10 + k % 4], body=[cta(11)] if k % 5 == 0 else [])
              for k in range(count)]
    return pages


def globals_(raised=0):
    return {"donationRules": RULES, "donationTotals": [{"slug": "projet-10", "raised": raised, "currency": "EUR",
                                                        "donors": raised // 1000}],
            "siteTotals": {"raised": raised, "currency": "EUR", "donors": raised // 1000},
            "siteSettings": [{"siteName": "Vision d'Amour", "hostname": "localhost"}],
            "settings": {"tagline": "Agir ensemble", "contactEmail": "contact@example.org", "transparencyNote": ""}}


def built(pages=None, globals_now=None) -> BuildState:
    """A state as a build leaves it: pages, stamps, cache, signatures and the routes it made."""
    pages = copy.deepcopy(pages or the_site())
    state = BuildState(params=CONFIG.output_params(), globals=globals_now or globals_())
    for raw in pages:
        state.raw[raw["id"]], state.stamps[raw["id"]] = raw, content_stamp(raw)
    state.order = [raw["id"] for raw in pages]
    site_data, _media = make_site(state.pages(), state.globals, CONFIG, stamps=state.stamps, cache=state.cache)
    state.signatures = route_signatures(site_data, state.stamps, CONFIG, set())
    remember_routes(state, site_data)
    return state


def publish(state: BuildState, *changes: tuple[str, dict], globals_now=None):
    """Patch the state with pages changed as `(id, {field: value})`, as an incremental build does; returns
    the patch (None: cannot vouch) and what make_site makes from scratch."""
    raw, stamps = dict(state.raw), dict(state.stamps)
    for page_id, fields in changes:
        new = copy.deepcopy(state.raw[page_id])
        new.pop("url", None)  # as the API gives it: make_site adds the site URL
        if "intro" in new and new["contentType"] in ("core.StandardPage",):
            new["introOptional"] = new.pop("intro")
        new.update(fields)
        raw[page_id], stamps[page_id] = new, content_stamp(new)
    new_globals = globals_now or state.globals
    oracle_pages = [copy.deepcopy(raw[i]) for i in state.order]
    patched = changed_routes.patch(state, raw, stamps, state.order, new_globals, CONFIG)
    oracle, _media = make_site(oracle_pages, new_globals, CONFIG, stamps=stamps, cache=NormalizationCache())
    oracle_signatures = route_signatures(oracle, stamps, CONFIG, set())
    if patched is not None:  # what _incremental does once the build succeeded
        state.raw, state.stamps, state.globals, state.signatures = raw, stamps, new_globals, patched.signatures
        changed_routes.commit(state, patched)
    return patched, oracle, oracle_signatures


def assert_same(patched, oracle, oracle_signatures):
    assert patched is not None, "the patch could not vouch for a change it should handle"
    assert patched.signatures == oracle_signatures
    routes = patched.site_data.routes
    assert [r.output_path for r in routes] == [r.output_path for r in oracle.routes]
    by_path = {r.output_path: r for r in oracle.routes}
    for route in patched.remade:
        expected = by_path[route.output_path]
        assert route.context == expected.context, route.url
        assert (route.lastmod, sorted(map(str, route.deps))) == (expected.lastmod, sorted(map(str, expected.deps)))
    assert patched.site_data.stories == oracle.stories  # the feed
    assert patched.site_data.site == oracle.site


def remade_urls(patched) -> set[str]:
    return {r.url for r in patched.remade}


def test_a_story_title_remakes_its_page_and_the_lists_that_show_it():
    state = built()
    newest, before = state.order[-1], dict(state.signatures)
    patched, oracle, signatures = publish(state, (newest, {"title": "Le puits de Kaya"}))
    assert_same(patched, oracle, signatures)
    changed = {r.url for r in patched.remade if patched.signatures[r.output_path] != before[r.output_path]}
    assert f"/histoires/histoire-{newest}/" in remade_urls(patched)
    assert len(patched.remade) <= 4  # its page, its index page, perhaps the home page
    assert f"/histoires/histoire-{newest}/" in changed and any(u.startswith("/histoires/") for u in changed - {
        f"/histoires/histoire-{newest}/"})  # its page and its index page will be rendered again


def test_a_story_citing_projects_is_remade_with_their_cards():
    state = built()
    patched, oracle, signatures = publish(state, ("100", {"intro": "Une intro réécrite", "body": [cta(10), cta(13)]}))
    assert_same(patched, oracle, signatures)
    story_route = next(r for r in patched.remade if r.url == "/histoires/histoire-100/")
    assert [b["project"]["id"] for b in story_route.context["page"]["body"]] == ["10", "13"]


def test_a_project_change_remakes_the_pages_that_show_it():
    state = built()
    patched, oracle, signatures = publish(state, ("11", {"summary": "Un nouveau résumé", "body": [cta(10)]}))
    assert_same(patched, oracle, signatures)
    urls = remade_urls(patched)
    assert "/projets/projet-11/" in urls and "/projets/" in urls and "/donner/" in urls
    assert "/projets/projet-12/" in urls  # completed: it suggests project 11 among those under way
    assert "/mentions/" in urls  # its call-to-give block shows project 11's card


def test_two_publishes_in_a_row_stay_equal_to_a_full_model():
    state = built()
    assert_same(*publish(state, ("104", {"body": [cta(13)]})))
    # story 104 now cites project 13: a change to 13 must reach it through the updated dependents
    patched, oracle, signatures = publish(state, ("13", {"summary": "Planifié pour 2027"}))
    assert_same(patched, oracle, signatures)
    assert "/histoires/histoire-104/" in remade_urls(patched)
    assert_same(*publish(state, ("4", {"body": [cta(12)]}), ("110", {"title": "Deux à la fois"})))


def test_money_raised_reaches_the_cards_the_patch_remakes():
    state = built()
    patched, oracle, signatures = publish(state, ("10", {"summary": "Presque financé"}), globals_now=globals_(75000))
    assert_same(patched, oracle, signatures)
    index = next(r for r in patched.remade if r.url == "/projets/")
    assert {p["id"]: p["raised"] for p in index.context["projects"]}["10"] == 75000


def test_nothing_changed_remakes_nothing():
    state = built()
    patched, oracle, signatures = publish(state)
    assert_same(patched, oracle, signatures)
    assert patched.remade == []


@pytest.mark.parametrize("page_id, fields", [
    ("105", {"date": "2025-01-01"}),  # moves between index pages
    ("11", {"status": "completed"}),  # leaves the giving form, the filters, the projects under way
    ("11", {"featured": True}),  # joins the home page
    ("11", {"title": "Nouveau nom"}),  # named in the giving form of every page
    ("11", {"theme": {"name": "École", "slug": "ecole", "color": "#123456"}}),
    ("4", {"title": "À propos de nous"}),  # in the menus
    ("1", {"intro": "Bienvenue à tous"}),  # the home page: every page's description and image
    ("3", {"introOptional": "Nos histoires"}),
    ("100", {"urlPath": "/accueil/histoires/ailleurs/"}),  # moved
])
def test_structural_changes_make_every_route(page_id, fields):
    state = built()
    patched, oracle, _signatures = publish(state, (page_id, fields))
    assert patched is None


def test_a_home_page_that_embeds_a_changed_project_makes_every_route():
    pages = the_site()
    pages[0]["body"] = [cta(11)]
    state = built(pages)
    patched, _oracle, _signatures = publish(state, ("11", {"summary": "Autre résumé"}))
    assert patched is None


def test_site_wide_values_make_every_route():
    state = built()
    other = dict(globals_(), settings={"tagline": "Autrement", "contactEmail": "", "transparencyNote": ""})
    patched, _oracle, _signatures = publish(state, ("100", {"title": "x"}), globals_now=other)
    assert patched is None


def wall_globals(*rows):
    return dict(globals_(), donorWall=[{"project": slug, "name": name, "day": "2026-11-30"} for slug, name in rows])


def test_a_new_name_on_the_donor_wall_remakes_its_project_page_and_the_wall_page_only():
    state = built(globals_now=wall_globals(("projet-11", "Awa K.")))
    before = dict(state.signatures)
    patched, oracle, signatures = publish(state, globals_now=wall_globals(("projet-10", "Marie D."),
                                                                          ("projet-11", "Awa K.")))
    assert_same(patched, oracle, signatures)
    dirty = {r.url for r in patched.remade if patched.signatures[r.output_path] != before[r.output_path]}
    assert dirty == {"/projets/projet-10/", "/donateurs/"}
    page = next(r for r in patched.remade if r.url == "/projets/projet-10/")
    assert page.context["wall"] == [{"name": "Marie D.", "day": "2026-11-30"}]
    # a name hidden: its project page and the wall page again, nothing else
    patched, oracle, signatures = publish(state, globals_now=wall_globals(("projet-11", "Awa K.")))
    assert_same(patched, oracle, signatures)
    assert {r.url for r in patched.remade} == {"/projets/projet-10/", "/donateurs/"}
