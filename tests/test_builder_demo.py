"""The builder on the demo content, through a real CMS process: every page type, no broken link or image,
a valid feed and sitemap, images done right, nothing loaded from another host."""

import json
import xml.etree.ElementTree as ET

import pytest

from tests import sitecheck

pytestmark = pytest.mark.slow
BASE = "https://www.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(scope="module")
def site(built_site):
    return built_site.out, sitecheck.load_pages(built_site.out)


def test_build_is_clean(built_site):
    assert built_site.errors == []
    assert built_site.warnings == []
    assert built_site.pages > 30


def test_every_page_type_is_present(site):
    _, pages = site
    types = {p.page_type for p in pages.values()}
    assert types == {"home", "project_index", "project", "story_index", "story", "standard", "donate",
                     "thank_you", "404"}
    assert pages["/"].page_type == "home"
    assert sum(p.page_type == "project" for p in pages.values()) >= 6
    assert sum(p.page_type == "story" for p in pages.values()) >= 12


def test_no_broken_internal_link_or_image(site):
    root, pages = site
    assert sitecheck.broken_references(root, pages, BASE) == []


def test_nothing_is_loaded_from_another_host(site):
    _, pages = site
    assert sitecheck.third_party_loads(pages, BASE) == []


def test_images_have_dimensions_srcset_and_lazy_loading(site):
    _, pages = site
    project = next(p for p in pages.values() if p.page_type == "project")
    images = project.soup.find_all("img")
    assert images, "a project page shows images"
    for img in images:
        assert img.get("alt"), img
        assert img.get("width") and img.get("height"), img
        if img.get("srcset"):
            assert img.get("sizes"), img
    assert images[0].get("loading") != "lazy", "the hero above the fold loads at once"
    assert all(img.get("loading") == "lazy" for img in images[1:])
    assert project.soup.find("source", type="image/webp") is not None


def test_feed_is_valid_atom_with_every_story(site):
    root, pages = site
    feed = ET.parse(root / "feeds" / "histoires.atom.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    story_urls = {p.url for p in pages.values() if p.page_type == "story"}
    assert len(entries) == min(20, len(story_urls))
    for entry in entries:
        link = entry.find(f"{ATOM}link").get("href")
        assert link.startswith(BASE) and link[len(BASE):] in story_urls
        assert entry.find(f"{ATOM}title").text


def test_sitemap_lists_every_page_and_only_real_ones(site):
    root, pages = site
    urls = [loc.text for loc in ET.parse(root / "sitemap.xml").getroot().iter(f"{SITEMAP}loc")]
    assert len(urls) == len(set(urls))
    paths = {u[len(BASE):] for u in urls}
    assert paths == {url for url, p in pages.items() if p.page_type not in ("404", "thank_you")}
    assert (root / "robots.txt").read_text().strip().endswith(f"Sitemap: {BASE}/sitemap.xml")


def test_sharing_meta_and_structured_data(site):
    _, pages = site
    for page in pages.values():
        if page.page_type in ("404", "thank_you"):
            continue
        soup = page.soup
        assert soup.find("html").get("lang") == "fr"
        assert soup.find("meta", property="og:title").get("content")
        assert soup.find("meta", attrs={"name": "twitter:card"})
        canonical = soup.find("link", rel="canonical").get("href")
        assert canonical == BASE + page.url
        for script in soup.find_all("script", type="application/ld+json"):
            json.loads(script.string)  # valid JSON


def test_css_budget_per_page(site):
    """Every page loads under 30 KB of CSS, the donation form's included."""
    root, pages = site
    heaviest = 0
    for page in pages.values():
        links = [l["href"] for l in page.soup.find_all("link", rel="stylesheet")]
        heaviest = max(heaviest, sum((root / href.lstrip("/")).stat().st_size for href in links))
    assert 0 < heaviest < 30 * 1024, heaviest


def test_project_filters_work_without_javascript(site):
    _, pages = site
    index = pages["/projets/"]
    filter_links = [a["href"] for a in index.soup.select("a[href^='/projets/theme/']")]
    assert filter_links
    filtered = pages[filter_links[0]]
    assert filtered.page_type == "project_index"
    cards = filtered.soup.select("[data-theme]")
    theme = filter_links[0].rstrip("/").rsplit("/", 1)[-1]
    assert cards and all(c["data-theme"] == theme for c in cards)


def test_story_pagination(site):
    _, pages = site
    index = pages["/histoires/"]
    assert index.page_type == "story_index"
    nav = index.soup.find("nav", attrs={"aria-label": "Pagination"})
    stories = [p for p in pages.values() if p.page_type == "story"]
    if len(stories) > 12:
        assert nav is not None and "/histoires/page/2/" in pages


def test_money_is_formatted_the_french_way(site):
    _, pages = site
    text = pages["/projets/"].soup.get_text()
    assert "\u00a0€" in text


def test_theme_colours_chosen_in_the_cms_reach_the_site(site, cms_server):
    root, pages = site
    colours = dict(line.split("|") for line in cms_server.shell(
        "from projects.models import ProjectTheme\n"
        "for t in ProjectTheme.objects.all(): print(f'{t.slug}|{t.color}')").split())
    sheet_href = pages["/"].soup.find("link", href=lambda h: h and "project-themes" in h)["href"]
    css = (root / sheet_href.lstrip("/")).read_text()
    used = {c["data-theme"] for c in pages["/projets/"].soup.select("[data-theme]")}
    assert used
    for slug in used:
        assert f".theme--{slug} .badge__dot {{ background: {colours[slug]}; }}" in css


def test_donation_form_proposes_the_editors_amounts_with_their_impact(site):
    _, pages = site
    form = pages["/projets/ecole-de-koudougou/"].soup.find("form", attrs={"data-donate": True})
    assert form is not None and form["action"].endswith("/donate/pay/")
    tiles = [t.get_text(" ", strip=True) for t in form.select("label.df-tile--amount")]
    assert any("25" in t and "un kit scolaire" in t for t in tiles), tiles
    assert form.find("input", attrs={"name": "project"})["value"] == "ecole-de-koudougou"
    for page in pages.values():  # every project and story page carries a form (a completed project takes no gift)
        if page.page_type in ("project", "story") and not page.soup.select_one(".page-head .status--completed"):
            assert page.soup.find("form", attrs={"data-donate": True}), page.url
