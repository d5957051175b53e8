"""One frozen build configuration (site_builder/config.py), and links that follow the CMS's slugs.

Every build parameter has one default (BuildConfig), each source fills it in one place (the command line,
the CMS's settings, the environment), and what is derived is derived. Templates link the indexes through
`site.urls`, made from where the CMS put them: renaming a page in the CMS never leaves a link to its old
address (checked on plain data, and on a real CMS whose index pages are renamed before a build).
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from site_builder import feeds
from site_builder.build import make_site, render
from site_builder.cli import main as cli_main
from site_builder.config import DEFAULT_CACHE, DEFAULT_THEME, DONATE_URL, THANK_YOU_URL, BuildConfig
from tests import sitecheck

BASE = "https://www.example.org"
API = "http://cms.example.org:8000/graphql/"


# ---- the configuration --------------------------------------------------------------------------------

def test_defaults_and_derived_values():
    config = BuildConfig(api_url=API)
    assert (config.base_url, config.media_url, config.donate_api_base) == ("http://127.0.0.1:8080", None, "")
    assert (config.theme, config.cache_dir, config.workers, config.strict) == (DEFAULT_THEME, DEFAULT_CACHE, None,
                                                                                False)
    assert config.api_origin == "http://cms.example.org:8000"
    assert config.totals_url == "/donate/totals.json"  # the site's own /donate/ proxy
    other = BuildConfig(api_url=API, donate_api_base="https://dons.example.org/")
    assert other.totals_url == "https://dons.example.org/donate/totals.json"
    assert other.donate_endpoints == {"pay_url": "https://dons.example.org/donate/pay/",
                                      "intents_url": "https://dons.example.org/donate/api/intents/",
                                      "donations_url": "https://dons.example.org/donate/api/donations/"}


def test_one_spelling_per_value_so_equal_configs_compare_equal():
    a = BuildConfig(api_url=API, base_url=BASE + "/", donate_api_base="https://dons.example.org/", media_url="",
                    theme=str(DEFAULT_THEME))
    b = BuildConfig(api_url=API, base_url=BASE, donate_api_base="https://dons.example.org", media_url=None)
    assert a == b and a.output_params() == b.output_params()
    assert a.base_url == BASE and a.media_url is None and isinstance(a.theme, Path)


def test_frozen():
    config = BuildConfig(api_url=API)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.base_url = "https://autre.example.org"


def test_output_params_are_what_shapes_the_files():
    """The incremental build compares these with the last build's: a new site address or donation origin
    is a full rebuild; where the cache is, the number of workers, strictness or the token are not."""
    config = BuildConfig(api_url=API, base_url=BASE)
    assert BuildConfig.of(config, workers=1, strict=True, api_token="t", cache_dir="/tmp/x").output_params() == \
        config.output_params()
    for change in ({"base_url": "https://autre.example.org"}, {"donate_api_base": "https://dons.example.org"},
                   {"media_url": "https://media.example.org"}, {"api_url": "http://autre-cms:8000/graphql/"}):
        assert BuildConfig.of(config, **change).output_params() != config.output_params(), change
    assert set(config.output_params()) == {"api_origin", "base_url", "media_url", "theme", "theme_stamp",
                                           "totals_url", "donate_api_base"}


def test_the_token_is_never_printed():
    assert "secret-token" not in repr(BuildConfig(api_url=API, api_token="secret-token"))


def test_environment_fills_what_the_caller_leaves_out():
    env = {"SITE_BASE_URL": "https://env.example.org", "SITE_MEDIA_URL": "https://media.example.org",
           "SITE_DONATE_API": "https://dons.example.org", "SITE_BUILD_API_TOKEN": "env-token"}
    config = BuildConfig.from_environment(API, env)
    assert (config.base_url, config.media_url, config.donate_api_base, config.api_token) == (
        "https://env.example.org", "https://media.example.org", "https://dons.example.org", "env-token")
    explicit = BuildConfig.from_environment(API, env, base_url=BASE, donate_api_base="")
    assert explicit.base_url == BASE and explicit.donate_api_base == ""  # an explicit empty value wins
    assert BuildConfig.from_environment(API, {}) == BuildConfig(api_url=API)


def test_command_line_flags_over_environment(monkeypatch):
    """`python -m site_builder build`: its flags, else the environment, else BuildConfig's defaults."""
    from site_builder import cli

    seen = {}

    def build_incremental(config, out, pages):
        seen["config"] = config
        raise cli.BuildError("stopped before building")

    monkeypatch.setattr(cli, "build_incremental", build_incremental)
    monkeypatch.setenv("SITE_BASE_URL", "https://env.example.org")
    monkeypatch.setenv("SITE_DONATE_API", "https://dons.example.org")
    assert cli_main(["build", "--api", API, "--out", "/tmp/unused", "--donate-api", "", "--workers", "1"]) == 1
    config = seen["config"]
    assert config.base_url == "https://env.example.org" and config.donate_api_base == ""
    assert config.totals_url == "/donate/totals.json" and config.workers == 1 and config.strict is False


def test_cms_settings_make_the_config_in_one_place(settings, tmp_path):
    """The worker, `manage.py update_site` and the preview all build with cms.publishing.runner.build_config."""
    from cms.publishing.runner import build_config

    settings.SITE_BUILD_API_URL, settings.SITE_BASE_URL = API, BASE + "/"
    settings.SITE_MEDIA_URL, settings.SITE_DONATE_API = None, "https://dons.example.org"
    settings.SITE_BUILD_CACHE, settings.SITE_BUILD_API_TOKEN = tmp_path, "cms-token"
    config = build_config()
    assert config == BuildConfig(api_url=API, base_url=BASE, donate_api_base="https://dons.example.org",
                                 cache_dir=tmp_path, api_token="cms-token")
    assert config.totals_url == "https://dons.example.org/donate/totals.json"


# ---- links by role, from the build -------------------------------------------------------------------

def page(page_id, content_type, url_path, **fields):
    return {"id": str(page_id), "title": f"Page {page_id}", "slug": url_path.strip("/").split("/")[-1],
            "urlPath": url_path, "contentType": content_type, "intro": "", **fields}


def plain_site(project_index="/accueil/nos-projets/", story_index="/accueil/recits/", donate_api=""):
    pages = [page(1, "core.HomePage", "/accueil/")]
    if project_index:
        pages.append(page(2, "projects.ProjectIndexPage", project_index))
    if story_index:
        pages.append(page(3, "stories.StoryIndexPage", story_index))
        pages.append(page(4, "stories.StoryPage", story_index + "une-histoire/", date="2026-11-02", tags=[]))
    config = BuildConfig(api_url=API, base_url=BASE, donate_api_base=donate_api)
    return make_site(pages, {}, config)[0]


def rendered_pages(site_data, out: Path) -> dict:
    result = render(site_data, out, workers=1)
    assert result["errors"] == []
    feeds.write_all(site_data, out)
    return sitecheck.load_pages(out)


def links(pages: dict) -> list[str]:
    return [url for p in pages.values() for kind, url in sitecheck.references(p) if kind == "link"]


def test_site_urls_come_from_the_cms_pages():
    data = plain_site()
    assert data.site["urls"] == {"home": "/", "projects": "/nos-projets/", "stories": "/recits/",
                                 "donate": DONATE_URL, "thank_you": THANK_YOU_URL,
                                 "feed": "/feeds/histoires.atom.xml"}
    assert data.site["feed_url"] == data.site["urls"]["feed"]
    assert plain_site(project_index=None, story_index=None).site["urls"]["projects"] is None


def test_renamed_indexes_leave_no_link_to_their_old_address(tmp_path):
    """Indexes where the CMS put them (not /projets/ nor /histoires/): every template links them there."""
    pages = rendered_pages(plain_site(), tmp_path)
    hrefs = links(pages)
    assert [h for h in hrefs if h.startswith(("/projets/", "/histoires/"))] == []
    assert "/nos-projets/" in hrefs and "/recits/" in hrefs
    assert sitecheck.broken_references(tmp_path, pages, BASE) == []
    for url in ("/", "/404.html", THANK_YOU_URL):  # pages that link the indexes by role, not by menu
        page_links = [url for _kind, url in sitecheck.references(pages[url])]
        assert "/nos-projets/" in page_links, url


def test_a_site_without_indexes_links_to_none(tmp_path):
    pages = rendered_pages(plain_site(project_index=None, story_index=None), tmp_path)
    assert sitecheck.broken_references(tmp_path, pages, BASE) == []


def test_giving_scripts_get_the_endpoint_addresses_from_the_page(tmp_path):
    """donate.js and thanks.js write no address: the form and the script tag carry the build's."""
    pages = rendered_pages(plain_site(donate_api="https://dons.example.org"), tmp_path)
    form = pages[DONATE_URL].soup.find("form", attrs={"data-donate": True})
    assert form["action"] == "https://dons.example.org/donate/pay/"
    assert form["data-intents-url"] == "https://dons.example.org/donate/api/intents/"
    script = pages[THANK_YOU_URL].soup.find("script", attrs={"data-donations-url": True})
    assert script["data-donations-url"] == "https://dons.example.org/donate/api/donations/"
    assert script["data-totals-url"] == "https://dons.example.org/donate/totals.json"
    for name in ("donate.js", "thanks.js"):
        code = re.sub(r"/\*.*?\*/", "", (DEFAULT_THEME / "static" / "js" / name).read_text(), flags=re.S)
        code = re.sub(r"(^|\s)//.*", "", code)  # comments may name the paths; code may not
        assert "/donate/" not in code and "/donner/" not in code, name


# ---- a real CMS whose index pages are renamed ---------------------------------------------------------

@pytest.mark.slow
def test_renaming_index_pages_in_the_cms_never_breaks_a_link(tmp_path):
    """The editors rename the projects and stories indexes (new slugs, so every project and story moves
    too): the next build, incremental or full, links only to pages that exist, none to the old addresses."""
    from site_builder.build import build
    from site_builder.incremental import build_incremental
    from tests.conftest import CmsServer

    cms = CmsServer(tmp_path / "cms", extra_env={"SITE_BUILD_ENABLED": "0"})
    cms.workdir.mkdir()
    cms.start()
    try:
        out, cache = tmp_path / "public", tmp_path / "cache"
        build(cms.api, out, base_url=BASE, cache_dir=cache)
        assert (out / "projets" / "index.html").exists()
        cms.shell("""
from cms.projects.models import ProjectIndexPage
from cms.stories.models import StoryIndexPage
for model, slug in ((ProjectIndexPage, "nos-projets"), (StoryIndexPage, "recits")):
    index = model.objects.get()
    index.slug = slug
    index.save_revision().publish()
""")
        result = build_incremental(cms.api, out, base_url=BASE, cache_dir=cache)
        full = tmp_path / "full"
        build(cms.api, full, base_url=BASE, cache_dir=cache)
    finally:
        cms.stop()
    assert result.kind == "incremental" and result.errors == []
    for root in (out, full):
        pages = sitecheck.load_pages(root)
        assert "/nos-projets/" in pages and "/recits/" in pages and "/projets/" not in pages
        assert sitecheck.broken_references(root, pages, BASE) == [], root
        old = [h for h in links(pages) if h.startswith(("/projets/", "/histoires/", BASE + "/projets/",
                                                         BASE + "/histoires/"))]
        assert old == [], root
