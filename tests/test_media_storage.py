"""Media on S3 through django-storages + boto3, against moto's server (a real S3 endpoint over HTTP on
127.0.0.1): originals and the site's renditions are objects in the bucket, made once and reused, with
absolute URLs (endpoint or custom domain) in the API; the builder copies them into the site, or links them."""

from __future__ import annotations

import io
import json
import re
from unittest import mock
from urllib.parse import unquote, urlsplit

import pytest
import requests
from django.core.cache import caches
from PIL import Image as PILImage
from wagtail.images import get_image_model
from wagtail.images.models import Filter

from cms.multimedia.models import CustomRendition
from site_builder.build import BuildError, build, fetch_media
from site_builder.normalize import MediaMap
from site_builder.queries import SITE_PULL
from tests import factories, sitecheck
from tests.conftest import CmsServer
from tests.s3_server import moto_s3  # noqa: F401  (the fixture)

BASE = "https://www.example.org"
SITE_WIDTHS = [("jpeg", 400), ("jpeg", 800), ("jpeg", 1200), ("webp", 400), ("webp", 800), ("webp", 1200)]


def use_bucket(settings, moto_s3, **options) -> str:  # noqa: F811
    bucket = moto_s3.create_bucket()
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "storages.backends.s3.S3Storage",
                                                          "OPTIONS": moto_s3.storage_options(bucket, **options)}}
    caches["default"].clear()  # Wagtail's rendition cache: nothing from another test's storage
    return bucket


@pytest.fixture
def bucket(settings, moto_s3):  # noqa: F811
    return use_bucket(settings, moto_s3)


def decoded(data: bytes) -> PILImage.Image:
    image = PILImage.open(io.BytesIO(data))
    image.load()
    return image


# --- in process: Wagtail's models on django-storages ---

@pytest.mark.django_db
def test_original_and_site_renditions_are_objects_in_the_bucket(moto_s3, bucket):  # noqa: F811
    image = factories.make_image(size=(1600, 1000))
    assert list(moto_s3.objects(bucket)) == [image.file.name]
    assert image.file.name.startswith("original_images/")
    assert decoded(moto_s3.read(bucket, image.file.name)).size == (1600, 1000)

    renditions = image.site_renditions()
    assert sorted((r["format"], r["width"]) for r in renditions) == SITE_WIDTHS
    objects = moto_s3.objects(bucket)
    assert len(objects) == 1 + 6
    prefix = f"{moto_s3.endpoint}/{bucket}/"
    for r in renditions:
        assert r["url"].startswith(prefix + "images/"), r["url"]  # absolute: the endpoint's, path style
        key = unquote(r["url"][len(prefix):])
        assert key in objects
        picture = decoded(moto_s3.read(bucket, key))
        assert picture.format == r["format"].upper()
        assert picture.size == (r["width"], r["height"]) == (r["width"], r["width"] * 1000 // 1600)


@pytest.mark.django_db
def test_renditions_are_made_once_then_reused_from_the_database(moto_s3, bucket):  # noqa: F811
    image = factories.make_image(size=(1600, 1000))
    first = image.site_renditions()
    objects = moto_s3.objects(bucket)
    assert CustomRendition.objects.filter(image=image).count() == 6

    caches["default"].clear()  # as a new CMS process (or another one behind the load balancer) would be
    fresh = get_image_model().objects.get(pk=image.pk)
    with mock.patch.object(Filter, "run", side_effect=AssertionError("a rendition was generated again")):
        again = fresh.site_renditions()
        prefetched = get_image_model().objects.prefetch_related("renditions").get(pk=image.pk).site_renditions()
    assert again == prefetched == first
    assert moto_s3.objects(bucket) == objects  # no new object, none rewritten
    assert CustomRendition.objects.filter(image=image).count() == 6


@pytest.mark.django_db
def test_the_api_gives_custom_domain_urls_under_the_location(client, settings, moto_s3):  # noqa: F811
    bucket = use_bucket(settings, moto_s3, custom_domain="media.example.org", location="cms")
    tree = factories.make_site()
    factories.make_project(tree, title="Puits de Kaya", slug="puits")
    response = client.post("/graphql/", json.dumps({"query": SITE_PULL}), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {settings.SITE_BUILD_API_TOKEN}")  # the builder's pull
    payload = response.json()
    assert "errors" not in payload, payload
    hero = next(p for p in payload["data"]["sitePages"] if p["slug"] == "puits")["heroImage"]
    assert sorted((r["format"], r["width"]) for r in hero["siteRenditions"]) == SITE_WIDTHS
    objects = moto_s3.objects(bucket)
    for r in hero["siteRenditions"]:
        assert r["url"].startswith("https://media.example.org/cms/images/"), r["url"]
        assert "cms/" + unquote(r["url"][len("https://media.example.org/cms/"):]) in objects
    assert all(key.startswith("cms/") for key in objects)


def test_a_media_path_is_decoded_on_disk_and_stays_inside_media(moto_s3, tmp_path):  # noqa: F811
    """A key with spaces or accents is percent-encoded in its URL: the copied file has the real name (what a
    web server looks for), the page links the encoded URL; no URL writes outside /media/."""
    bucket = moto_s3.create_bucket()
    moto_s3.client.put_object(Bucket=bucket, Key="documents/rapport d'activité 2025.pdf", Body=b"%PDF-1.7 ok")
    moto_s3.client.put_object(Bucket=bucket, Key="etc/passwd", Body=b"not a secret")
    media = MediaMap(api_origin="http://127.0.0.1:1")
    url = f"{moto_s3.endpoint}/{bucket}/documents/rapport%20d%27activit%C3%A9%202025.pdf"
    link = media(url)
    assert link == f"/media/{bucket}/documents/rapport%20d%27activit%C3%A9%202025.pdf"
    sneaky = media(f"{moto_s3.endpoint}/{bucket}/../{bucket}/etc/../../{bucket}/etc/passwd")
    assert sneaky == f"/media/{bucket}/etc/passwd"
    assert fetch_media(media.wanted, tmp_path / "out", tmp_path / "cache") == 2
    assert (tmp_path / "out" / "media" / bucket / "documents" / "rapport d'activité 2025.pdf").read_bytes() == \
        b"%PDF-1.7 ok"
    assert sorted(p.relative_to(tmp_path / "out").as_posix() for p in (tmp_path / "out").rglob("*") if p.is_file()) \
        == [f"media/{bucket}/documents/rapport d'activité 2025.pdf", f"media/{bucket}/etc/passwd"]


def test_a_private_bucket_fails_the_build_with_the_reason(moto_s3, tmp_path):  # noqa: F811
    bucket = moto_s3.create_bucket(public=False)
    moto_s3.client.put_object(Bucket=bucket, Key="images/photo.jpg", Body=b"...")
    media = MediaMap(api_origin="http://127.0.0.1:1")
    media(f"{moto_s3.endpoint}/{bucket}/images/photo.jpg")
    with pytest.raises(BuildError, match=r"media could not be fetched: .*/images/photo.jpg: HTTP 403"):
        fetch_media(media.wanted, tmp_path / "out", tmp_path / "cache")


# --- end to end: a CMS process with its media on S3, the builder as in production ---

@pytest.fixture(scope="module")
def s3_cms(moto_s3, tmp_path_factory):  # noqa: F811
    bucket = moto_s3.create_bucket()
    server = CmsServer(tmp_path_factory.mktemp("cms-s3"), extra_env=moto_s3.env(bucket))
    server.start()  # load_content uploads the demo images and the report through django-storages
    yield server, bucket
    server.stop()


def media_references(pages, s3_prefix: str) -> set[str]:
    """Every media URL the pages link or load: copied ones (/media/…) and ones on the bucket's host."""
    return {url for page in pages.values() for _, url in sitecheck.references(page)
            if url.startswith(("/media/", s3_prefix))}


def rendition_count(server) -> int:
    return int(server.shell("from cms.multimedia.models import CustomRendition; "
                            "print(CustomRendition.objects.count())").strip())


@pytest.mark.slow
def test_the_demo_media_are_in_the_bucket_not_on_disk(s3_cms, moto_s3):  # noqa: F811
    server, bucket = s3_cms
    keys = set(moto_s3.objects(bucket))
    assert sum(k.startswith("original_images/") for k in keys) >= 30
    assert any(k.startswith("documents/") and k.endswith(".pdf") for k in keys)
    assert not (server.workdir / "media").exists() or not any((server.workdir / "media").rglob("*.jpg"))
    # base.py's options: the right type (browsers never sniff HTML out of a photo) and cached for a year
    # (names are never reused).
    head = moto_s3.client.head_object(Bucket=bucket, Key=next(k for k in keys if k.endswith(".jpg")))
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


@pytest.mark.slow
def test_the_build_copies_s3_media_into_the_site(s3_cms, moto_s3, tmp_path):  # noqa: F811
    server, bucket = s3_cms
    result = build(server.api, tmp_path / "public", base_url=BASE, cache_dir=tmp_path / "cache")
    assert result.errors == [] and result.warnings == []
    pages = sitecheck.load_pages(result.out)
    assert sitecheck.broken_references(result.out, pages, BASE) == []
    assert sitecheck.third_party_loads(pages, BASE) == []  # nothing is loaded from the bucket's host

    local = sorted(u for u in media_references(pages, moto_s3.endpoint) if u.startswith("/media/"))
    assert any(u.endswith(".webp") for u in local) and any(u.endswith(".pdf") for u in local)
    assert not [u for u in media_references(pages, moto_s3.endpoint) if u.startswith(moto_s3.endpoint)]
    objects = moto_s3.objects(bucket)
    for url in local:
        path = unquote(urlsplit(url).path)
        assert path.startswith(f"/media/{bucket}/"), url
        key = path[len(f"/media/{bucket}/"):]
        assert key in objects, url
        assert (result.out / path.lstrip("/")).read_bytes() == moto_s3.read(bucket, key), url
    assert result.media_files >= len(local)

    # A second build makes and uploads nothing (renditions live in the database and the bucket), and
    # downloads nothing (the build cache holds every file).
    renditions = rendition_count(server)
    cached = {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "media").rglob("*") if p.is_file()}
    assert len(cached) >= len(local)
    again = build(server.api, tmp_path / "public-2", base_url=BASE, cache_dir=tmp_path / "cache")
    assert again.errors == [] and again.warnings == []
    assert moto_s3.objects(bucket) == objects
    assert rendition_count(server) == renditions
    assert {p: p.stat().st_mtime_ns for p in (tmp_path / "cache" / "media").rglob("*") if p.is_file()} == cached
    assert sorted(u for u in media_references(sitecheck.load_pages(again.out), moto_s3.endpoint) if u.startswith("/media/")) == local


@pytest.mark.slow
def test_with_a_media_url_the_site_links_the_s3_urls(s3_cms, moto_s3, tmp_path):  # noqa: F811
    server, bucket = s3_cms
    result = build(server.api, tmp_path / "public", base_url=BASE, media_url="https://cdn.example.org",
                   cache_dir=tmp_path / "cache")
    assert result.errors == [] and result.warnings == []
    assert result.media_files == 0 and not (result.out / "media").exists()
    pages = sitecheck.load_pages(result.out)
    linked = media_references(pages, moto_s3.endpoint)
    assert linked and not [u for u in linked if u.startswith("/media/")]
    prefix = f"{moto_s3.endpoint}/{bucket}/"
    objects = moto_s3.objects(bucket)
    s3_urls = [u for u in linked if u.startswith(prefix)]
    assert any(u.endswith(".webp") for u in s3_urls) and any(u.endswith(".pdf") for u in s3_urls)
    for url in s3_urls:
        assert unquote(urlsplit(url).path)[len(f"/{bucket}/"):] in objects, url


@pytest.mark.slow
def test_a_preview_shows_s3_media_through_the_cms(s3_cms, moto_s3, tmp_path):  # noqa: F811
    """The preview links the /media/ paths the built site copies S3 files to; the CMS redirects exactly those."""
    server, bucket = s3_cms
    token = server.shell("from cms.stories.models import StoryPage\n"
                         "page = StoryPage.objects.live().order_by('pk').first()\n"
                         "print(page.create_page_preview().token)").strip().splitlines()[-1]
    html = requests.get(f"{server.url}/preview/", params={"token": token, "content_type": "stories.storypage"},
                        timeout=30).text
    sources = sorted(set(re.findall(r'src="(/media/[^"]+)"', html)))
    assert sources and all(f"/media/{bucket}/" in s for s in sources)
    for path in sources[:3]:
        response = requests.get(server.url + path, timeout=10)  # follows the redirect to moto's S3
        assert response.status_code == 200 and response.history and response.history[0].status_code == 302
        assert response.url.startswith(moto_s3.endpoint)
        decoded(response.content)  # a real image
    assert requests.get(f"{server.url}/media/{bucket}/nowhere.jpg", timeout=10,
                        allow_redirects=False).status_code == 404  # only what a preview showed
