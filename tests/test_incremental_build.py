"""Incremental builds and the preview, against a real CMS process (the builder talks to it over HTTP).

One CMS of its own (these tests change content), its site built once in full; each test changes something
through the CMS's own code paths (revisions, publish, unpublish, move) and checks which files changed.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import requests

from site_builder.build import build
from site_builder.incremental import build_incremental
from tests.conftest import CmsServer

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def cms(tmp_path_factory):
    # the preview renders with the CMS's own build settings: the same public address as these builds
    server = CmsServer(tmp_path_factory.mktemp("incremental-cms"),
                       extra_env={"SITE_BASE_URL": "https://www.example.org"}).start()
    server.out = server.workdir / "public"
    server.cache = server.workdir / "build-cache"
    build(server.api, server.out, base_url="https://www.example.org", cache_dir=server.cache)
    yield server
    server.stop()


def update(cms, **kwargs):
    return build_incremental(cms.api, cms.out, base_url="https://www.example.org", cache_dir=cms.cache, **kwargs)


def snapshot(out: Path) -> dict[str, tuple[int, int]]:
    """Every file's inode and modification time: a rewritten file changes one of them."""
    files = {}
    for folder, _dirs, names in os.walk(out):
        for name in names:
            path = Path(folder) / name
            stat = path.stat()
            files[path.relative_to(out).as_posix()] = (stat.st_ino, stat.st_mtime_ns)
    return files


def shell(cms, code: str) -> dict:
    """Run code in the CMS (it must print one JSON line) and return what it printed."""
    return json.loads(cms.shell(code).strip().splitlines()[-1])


STORY = "from cms.stories.models import StoryPage\nstory = StoryPage.objects.live().order_by('-date', 'pk')[{n}]\n"


def test_nothing_changed_writes_nothing(cms):
    before = snapshot(cms.out)
    result = update(cms)
    assert result.kind == "incremental"
    assert result.written == [] and result.deleted == []
    assert snapshot(cms.out) == before


def test_republishing_a_story_rewrites_its_page_its_index_and_the_feed_only(cms):
    story = shell(cms, STORY.format(n=5) + """
story.title = "Un titre republié"
story.save_revision().publish()
import json; print(json.dumps({"url": story.url_path, "slug": story.slug}))""")
    before = snapshot(cms.out)
    result = update(cms)
    path = f"histoires/{story['slug']}/index.html"
    assert path in result.written
    assert "Un titre republié" in (cms.out / path).read_text()
    assert "feeds/histoires.atom.xml" in result.written
    index_pages = [p for p in result.written if p.startswith("histoires/") and p != path]
    assert index_pages and all(re.fullmatch(r"histoires/(page/\d+/)?index\.html", p) for p in index_pages)
    assert len(result.written) < 30
    after = snapshot(cms.out)
    untouched = [p for p in before if p not in result.written]
    assert [p for p in untouched if after.get(p) != before[p]] == []  # nothing else was rewritten
    assert any(p.startswith("projets/") for p in untouched)


def test_incremental_output_equals_a_full_build(cms, tmp_path):
    shell(cms, """
from cms.projects.models import ProjectPage
project = ProjectPage.objects.live().order_by('pk').first()
project.title = project.title + " (nouvelle étape)"
project.save_revision().publish()
print('{}')""")
    update(cms)
    full = tmp_path / "full"
    build(cms.api, full, base_url="https://www.example.org", cache_dir=tmp_path / "cache")
    incremental, complete = snapshot(cms.out), snapshot(full)
    assert sorted(incremental) == sorted(complete)
    different = [p for p in complete if p.endswith((".html", ".xml", ".css"))
                 and (full / p).read_bytes() != (cms.out / p).read_bytes()]
    assert different == []


def test_unpublishing_removes_the_page_from_indexes_sitemap_and_feed(cms):
    story = shell(cms, STORY.format(n=0) + """
story.unpublish()
import json; print(json.dumps({"slug": story.slug, "title": story.title}))""")
    result = update(cms)
    path = f"histoires/{story['slug']}/index.html"
    assert path in result.deleted
    assert not (cms.out / path).exists()
    assert not (cms.out / "histoires" / story["slug"]).exists()  # its folder too
    assert f"/histoires/{story['slug']}/" not in (cms.out / "sitemap.xml").read_text()
    assert story["title"] not in (cms.out / "feeds" / "histoires.atom.xml").read_text()
    listed = "".join(p.read_text() for p in (cms.out / "histoires").rglob("index.html"))
    assert f"/histoires/{story['slug']}/" not in listed
    assert f"/histoires/{story['slug']}/" not in (cms.out / "index.html").read_text()


def test_moving_a_page_moves_its_file(cms):
    moved = shell(cms, """
from cms.core.models import StandardPage
from wagtail.models import Page
page = StandardPage.objects.live().order_by('pk').last()
old = page.url_path
target = Page.objects.get(url_path__endswith='/projets/').specific
page.move(target, pos='last-child')
page.refresh_from_db()
import json; print(json.dumps({"slug": page.slug}))""")
    result = update(cms)
    assert f"{moved['slug']}/index.html" in result.deleted
    assert (cms.out / "projets" / moved["slug"] / "index.html").exists()


def test_named_pages_are_pulled_again_without_a_new_version(cms):
    """An image's alt text changed: no page revision, but the CMS names the pages that show it."""
    changed = shell(cms, STORY.format(n=2) + """
image = story.hero_image
image.description = "Une description toute neuve"
image.save()
import json; print(json.dumps({"id": story.pk, "slug": story.slug}))""")
    update(cms)  # the page's version did not change: the builder cannot know by itself
    assert "Une description toute neuve" not in (cms.out / f"histoires/{changed['slug']}/index.html").read_text()
    result = update(cms, pages=[changed["id"]])
    assert f"histoires/{changed['slug']}/index.html" in result.written
    assert "Une description toute neuve" in (cms.out / f"histoires/{changed['slug']}/index.html").read_text()


# ---- preview -------------------------------------------------------------------------------------------

PREVIEW = """
from wagtail.models import Page
import json
out = {}
for ct in ("core.HomePage", "core.StandardPage", "projects.ProjectIndexPage", "projects.ProjectPage",
           "stories.StoryIndexPage", "stories.StoryPage"):
    app, model = ct.split(".")
    page = Page.objects.live().filter(content_type__app_label=app, content_type__model=model.lower()) \\
        .order_by("pk").first().specific
    out[ct] = {"token": page.create_page_preview().token, "content_type": page.get_content_type_str(),
               "url": page.url_path}
print(json.dumps(out))
"""


def strip_markers(html: str) -> str:
    html = re.sub(r'<meta name="robots" content="noindex, nofollow" data-preview-marker>', "", html)
    return re.sub(r"<div data-preview-marker[^>]*>.*?</div>", "", html, count=1, flags=re.S)


def preview(cms, token: str, content_type: str) -> requests.Response:
    return requests.get(f"{cms.url}/preview/", params={"token": token, "content_type": content_type}, timeout=30)


def built_file(cms, url_path: str) -> Path:
    relative = re.sub(r"^/[^/]+/", "", url_path)  # Wagtail's tree path below the site root
    return cms.out / relative / "index.html"


def test_the_preview_of_every_page_type_is_the_published_page(cms):
    update(cms)
    tokens = shell(cms, PREVIEW)
    assert len(tokens) == 6
    for content_type, item in tokens.items():
        response = preview(cms, item["token"], item["content_type"])
        assert response.status_code == 200, (content_type, response.text[:300])
        assert "data-preview-marker" in response.text
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
        assert strip_markers(response.text) == built_file(cms, item["url"]).read_text(), content_type


def test_a_draft_previews_as_it_will_be_published(cms):
    update(cms)
    draft = shell(cms, STORY.format(n=3) + """
story.title = "Un brouillon pas encore publié"
story.intro = "Une introduction réécrite."
revision = story.save_revision()
page = revision.as_object()
import json; print(json.dumps({"token": page.create_page_preview().token, "content_type": page.get_content_type_str(),
                               "id": story.pk, "url": story.url_path}))""")
    response = preview(cms, draft["token"], draft["content_type"])
    assert response.status_code == 200
    assert "Un brouillon pas encore publié" in response.text and "Une introduction réécrite." in response.text
    published = built_file(cms, draft["url"])
    assert "Un brouillon pas encore publié" not in published.read_text()  # the site does not show drafts

    shell(cms, f"""
from cms.stories.models import StoryPage
StoryPage.objects.get(pk={draft['id']}).get_latest_revision().publish()
print('{{}}')""")
    update(cms)
    assert strip_markers(response.text) == published.read_text()


def test_preview_theme_files_are_served_by_the_cms(cms):
    tokens = shell(cms, PREVIEW)
    item = tokens["stories.StoryPage"]
    html = preview(cms, item["token"], item["content_type"]).text
    stylesheets = re.findall(r'href="(/theme/css/[^"]+\.css)"', html)
    assert stylesheets
    for href in stylesheets:
        response = requests.get(cms.url + href, timeout=10)
        assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/css")
    assert requests.get(cms.url + "/theme/../../cms.log", timeout=10).status_code == 404


def test_a_preview_needs_a_valid_fresh_token(cms):
    stale = shell(cms, """
import json, time
from django.core import signing
from cms.stories.models import StoryPage
page = StoryPage.objects.live().first()
preview = page.create_page_preview()
class Old(signing.TimestampSigner):
    def timestamp(self):
        return signing.b62_encode(int(time.time()) - 7200)
token = Old(salt="headlesspreview.token").sign(f"id={page.pk}")
preview.token = token
preview.save()
print(json.dumps({"token": token, "content_type": page.get_content_type_str(),
                  "good": page.create_page_preview().token}))""")
    missing = requests.get(f"{cms.url}/preview/", timeout=10)
    assert missing.status_code == 400 and "jeton" in missing.text
    expired = preview(cms, stale["token"], stale["content_type"])
    assert expired.status_code == 410 and "expiré" in expired.text
    forged = preview(cms, stale["good"][:-3] + "xyz", stale["content_type"])
    assert forged.status_code == 403 and "invalide" in forged.text
    # the GraphQL API refuses the stale token as well: no draft without a fresh token
    api = requests.post(cms.api, json={"query": 'query($t: String!) { page(token: $t) { title } }',
                                       "variables": {"t": stale["token"]}}, timeout=10).json()
    assert not (api.get("data") or {}).get("page")
    assert preview(cms, stale["good"], stale["content_type"]).status_code == 200


WALL_GIFT = """
import json
from cms.donations.models import Donation, Donor, LedgerEntry
from cms.projects.models import ProjectPage
from django.utils import timezone
project = ProjectPage.objects.live().filter(status="active").order_by("pk").first()
donor = Donor.objects.create(email="zelie.mur@example.org", name="Zélie Martin")
gift = Donation.objects.create(donor=donor, project=project, project_slug=project.slug, amount=3000, currency="EUR",
                               donor_name="Zélie Martin", status="succeeded", public_wall=True)
print(json.dumps({"id": str(gift.pk), "url": project.url_path, "slug": project.slug}))
"""


def test_a_name_on_the_donor_wall_rewrites_its_project_page_and_the_wall_page_only(cms):
    gift = shell(cms, WALL_GIFT)
    project_path = next(p for p in snapshot(cms.out) if p.endswith(f"/{gift['slug']}/index.html"))
    result = update(cms)
    assert sorted(p for p in result.written if p.endswith(".html")) == sorted([project_path, "donateurs/index.html"])
    assert "Zélie M." in (cms.out / project_path).read_text()
    assert "Zélie M." in (cms.out / "donateurs" / "index.html").read_text()
    page = (cms.out / project_path).read_text()
    assert "Martin" not in page.split("Ils soutiennent ce projet", 1)[1].split("</section>", 1)[0]
    assert "zelie.mur" not in page
    shell(cms, f"""
from cms.donations.models import Donation
Donation.objects.filter(pk="{gift['id']}").update(wall_hidden=True)
print('{{}}')""")
    result = update(cms)
    assert project_path in result.written and "donateurs/index.html" in result.written
    assert "Zélie M." not in (cms.out / project_path).read_text()
    assert "Zélie M." not in (cms.out / "donateurs" / "index.html").read_text()
