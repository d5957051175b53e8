"""The builder against odd content: hostile titles stay text, a broken page is named and skipped while
the rest is built, and a failed build leaves the previous site untouched."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from django.core.files.storage import default_storage

from site_builder.build import build
from tests import factories, sitecheck
from tests.conftest import REPO

# serialized_rollback: the flush between tests would drop the rows migrations create (root page, locale)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)
HOSTILE = '<script>alert("x")</script> & </title><img src=x onerror=alert(1)>'


@pytest.fixture
def tree():
    return factories.make_site()


def test_hostile_title_is_escaped_everywhere(live_server, tree, tmp_path):
    image = factories.make_image(alt=HOSTILE)
    project = factories.make_project(tree, title=HOSTILE, slug="hostile-project", image=image)
    factories.make_story(tree, title=HOSTILE, slug="hostile-story", project=project, image=image)
    result = build(f"{live_server.url}/graphql/", tmp_path / "out", base_url="https://www.example.org",
                   cache_dir=tmp_path / "cache")
    assert result.errors == []
    out = tmp_path / "out"
    checked = 0
    for path in out.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        assert '<script>alert("x")</script>' not in html, path
        assert "<img src=x onerror" not in html, path
        if "hostile" in str(path) or path.name == "index.html" and path.parent == out:
            checked += 1
    assert checked >= 2
    story = (out / "histoires" / "hostile-story" / "index.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;" in story  # shown as text
    for script in sitecheck.load_pages(out)["/histoires/hostile-story/"].soup.find_all(
            "script", type="application/ld+json"):
        data = json.loads(script.string)  # still valid JSON, and the title survives intact as data
        assert "</script>" not in script.string
        assert HOSTILE in json.dumps(data, ensure_ascii=False) or "headline" not in data
    feed = ET.parse(out / "feeds" / "histoires.atom.xml").getroot()  # parses: escaped as XML
    titles = [e.text for e in feed.iter("{http://www.w3.org/2005/Atom}title")]
    assert HOSTILE in titles


def test_a_broken_page_is_reported_by_name_and_the_rest_is_built(live_server, tree, tmp_path):
    good = factories.make_story(tree, title="Une histoire saine", slug="saine")
    broken_image = factories.make_image(title="Perdue")
    factories.make_story(tree, title="Histoire à l'image perdue", slug="perdue", image=broken_image)
    factories.make_story(tree, title="Histoire vide", slug="vide").body = []
    default_storage.delete(broken_image.file.name)  # the original vanished from storage

    result = build(f"{live_server.url}/graphql/", tmp_path / "out", base_url="https://www.example.org",
                   cache_dir=tmp_path / "cache")
    out = tmp_path / "out"
    assert (out / "histoires" / good.slug / "index.html").exists()
    assert (out / "histoires" / "perdue" / "index.html").exists()  # built, without the lost image
    assert any("Histoire à l'image perdue" in w for w in result.warnings), result.warnings
    assert sitecheck.broken_references(out, sitecheck.load_pages(out), "https://www.example.org") == []


def test_failed_build_leaves_the_previous_site_intact(live_server, tree, tmp_path):
    factories.make_story(tree, title="Première", slug="premiere")
    out = tmp_path / "out"
    build(f"{live_server.url}/graphql/", out, cache_dir=tmp_path / "cache")
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    cli = subprocess.run([sys.executable, "-m", "site_builder", "build", "--api", "http://127.0.0.1:9/graphql/",
                          "--out", str(out)], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 1
    assert "previous site is unchanged" in cli.stderr and "cannot reach the CMS API" in cli.stderr

    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")], "no staging folder left behind"


def test_strict_build_refuses_to_publish_with_warnings(live_server, tree, tmp_path):
    image = factories.make_image()
    factories.make_story(tree, title="Image perdue", slug="perdue", image=image)
    default_storage.delete(image.file.name)
    out = tmp_path / "out"
    cli = subprocess.run([sys.executable, "-m", "site_builder", "build", "--api", f"{live_server.url}/graphql/",
                          "--out", str(out), "--strict"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert cli.returncode == 1, cli.stderr
    assert "Image perdue" in cli.stderr
    assert not out.exists()


def test_media_url_mode_links_images_instead_of_copying_them(live_server, tree, tmp_path):
    factories.make_story(tree, title="Avec image", slug="avec-image")
    out = tmp_path / "out"
    result = build(f"{live_server.url}/graphql/", out, media_url="https://media.example.org/",
                   cache_dir=tmp_path / "cache")
    assert result.media_files == 0 and not (out / "media").exists()
    img = sitecheck.load_pages(out)["/histoires/avec-image/"].soup.find("img")
    assert img["src"].startswith("https://media.example.org/media/images/")
    assert all(c.strip().startswith("https://media.example.org/") for c in img["srcset"].split(","))


def test_the_build_bakes_in_the_money_raised(live_server, tree, tmp_path):
    import datetime as dt

    from cms.donations.models import LedgerEntry

    factories.make_project(tree, title="Puits", slug="puits")
    LedgerEntry.objects.create(kind="payment", amount=1_000_000, currency="EUR", project_slug="puits",
                               stripe_object="pi_baked", occurred_at=dt.datetime.now(dt.timezone.utc))
    build(f"{live_server.url}/graphql/", tmp_path / "out", cache_dir=tmp_path / "cache")
    page = sitecheck.load_pages(tmp_path / "out")["/projets/puits/"]
    box = page.soup.find(attrs={"data-project": "puits"})
    assert box["data-raised"] == "1000000"
    assert "10\u202f000\u00a0€" in box.get_text()  # 10 000 € of a 40 000 € goal, before any script runs
