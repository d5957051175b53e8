"""A moved or renamed page never 404s: Wagtail's redirects reach the static site (`_redirects`, Netlify's
format) and the local server answers them (site_builder/redirects.py, site_builder/serve.py).

Against a real CMS process: an editor renames a page's slug through Wagtail's own code path (a revision,
published), Wagtail creates the redirect itself, the builder rebuilds incrementally, and the old address
answers 301 to the new one on the local server. Redirects to a draft never reach the site, a redirect never
shadows a page, and a redirect saved or deleted in the CMS asks for a build.
"""

from __future__ import annotations

import json
import threading

import pytest
import requests

from site_builder import serve
from site_builder.build import build
from site_builder.incremental import build_incremental
from tests.conftest import CmsServer

pytestmark = pytest.mark.slow
BASE = "https://www.example.org"


@pytest.fixture(scope="module")
def cms(tmp_path_factory):
    server = CmsServer(tmp_path_factory.mktemp("redirects-cms")).start()
    server.out = server.workdir / "public"
    server.cache = server.workdir / "build-cache"
    build(server.api, server.out, base_url=BASE, cache_dir=server.cache)
    site = serve.make_server(server.out, 0)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    server.site = f"http://127.0.0.1:{site.server_port}"
    yield server
    site.shutdown()
    server.stop()


def shell(cms, code: str) -> dict:
    return json.loads(cms.shell(code).strip().splitlines()[-1])


def rebuild(cms):
    return build_incremental(cms.api, cms.out, base_url=BASE, cache_dir=cms.cache)


def rules(cms) -> list[str]:
    return [line for line in (cms.out / "_redirects").read_text().splitlines() if not line.startswith("#")]


def test_a_renamed_page_answers_301_from_its_old_address(cms):
    before = requests.get(cms.site + "/projets/", timeout=10)
    assert before.status_code == 200
    renamed = shell(cms, """
import json
from cms.projects.models import ProjectPage
page = ProjectPage.objects.live().order_by('pk').first()
old = page.url_path
page.slug = page.slug + '-nouveau-nom'
page.save_revision().publish()
print(json.dumps({'old': old, 'new': ProjectPage.objects.get(pk=page.pk).url_path, 'id': page.pk}))
""")
    old_slug = renamed["old"].rstrip("/").rsplit("/", 1)[1]
    new_slug = renamed["new"].rstrip("/").rsplit("/", 1)[1]
    old_url, new_url = f"/projets/{old_slug}/", f"/projets/{new_slug}/"
    result = rebuild(cms)
    assert result.kind == "incremental"
    assert f"projets/{old_slug}/index.html" in result.deleted
    assert f"/projets/{old_slug} {new_url} 301" in rules(cms)

    for asked in (old_url, old_url.rstrip("/"), old_url + "?utm_source=lettre"):
        answer = requests.get(cms.site + asked, allow_redirects=False, timeout=10)
        assert answer.status_code == 301, asked
        assert answer.headers["Location"] == new_url + ("?utm_source=lettre" if "?" in asked else "")
    followed = requests.get(cms.site + old_url, timeout=10)
    assert followed.status_code == 200 and followed.url == cms.site + new_url
    assert requests.head(cms.site + old_url, allow_redirects=False, timeout=10).status_code == 301
    assert requests.get(cms.site + "/projets/pas-de-telle-page/", timeout=10).status_code == 404


def test_draft_targets_never_appear_and_pages_are_never_shadowed(cms):
    created = shell(cms, """
import json
from wagtail.contrib.redirects.models import Redirect
from wagtail.models import Site
from cms.core.models import StandardPage
site = Site.objects.get(is_default_site=True)
draft = StandardPage.objects.live().order_by('pk').last()
draft.unpublish()
Redirect.objects.create(old_path='/vers-un-brouillon', redirect_page=draft, site=site)
Redirect.objects.create(old_path='/ancienne-campagne', site=site, is_permanent=False,
                        redirect_link='https://exemple.org/campagne 2026?x=1#haut')
Redirect.objects.create(old_path='/projets', site=None, redirect_link='https://exemple.org/')
Redirect.objects.create(old_path='/donate/api/intents', site=site, redirect_link='https://exemple.org/')
print(json.dumps({'draft': draft.url_path}))
""")
    rebuild(cms)
    lines = rules(cms)
    assert "/ancienne-campagne https://exemple.org/campagne%202026?x=1 302" in lines
    assert not [line for line in lines if line.startswith(("/vers-un-brouillon", "/projets ", "/donate/"))]
    draft_slug = created["draft"].rstrip("/").rsplit("/", 1)[1]
    assert draft_slug not in (cms.out / "_redirects").read_text()

    assert requests.get(cms.site + "/vers-un-brouillon/", allow_redirects=False, timeout=10).status_code == 404
    assert requests.get(cms.site + "/projets/", allow_redirects=False, timeout=10).status_code == 200
    campaign = requests.get(cms.site + "/ancienne-campagne", allow_redirects=False, timeout=10)
    assert (campaign.status_code, campaign.headers["Location"]) == (302, "https://exemple.org/campagne%202026?x=1")


def test_a_redirect_saved_or_deleted_asks_for_a_build(cms):
    asked = shell(cms, """
import json
from wagtail.contrib.redirects.models import Redirect
from cms.publishing.models import SiteBuild
SiteBuild.objects.all().delete()
redirect = Redirect.objects.create(old_path='/nouvelle-adresse', redirect_link='https://exemple.org/')
saved = [r for b in SiteBuild.objects.all() for r in b.reasons]
SiteBuild.objects.all().delete()
redirect.delete()
deleted = [r for b in SiteBuild.objects.all() for r in b.reasons]
print(json.dumps({'saved': saved, 'deleted': deleted}))
""")
    assert asked == {"saved": ["Redirection modifiée : /nouvelle-adresse"],
                     "deleted": ["Redirection modifiée : /nouvelle-adresse"]}
