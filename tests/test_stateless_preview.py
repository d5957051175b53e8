"""The CMS is stateless: a preview rendered by one web process is fully served by any other.

Behind a load balancer the preview page and the theme files and media it links are separate requests that
may reach different processes. Two CMS processes run on one database (and one media storage: the local
disk, or an S3 bucket on moto's server); neither has ever run a build, and the second has build folders of
its own (another machine). Every preview of every page type is opened through the first, and every
stylesheet, script, icon and image it loads is fetched from the second: each answers 200, or redirects to
the bucket, which answers 200.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import requests

from tests.conftest import CmsServer
from tests.s3_server import moto_s3  # noqa: F401  (the fixture)

PAGE_TYPES = ("core.HomePage", "core.StandardPage", "projects.ProjectIndexPage", "projects.ProjectPage",
              "stories.StoryIndexPage", "stories.StoryPage")
TOKENS = """
from wagtail.models import Page
import json
out = {}
for ct in %r:
    app, model = ct.split(".")
    page = Page.objects.live().filter(content_type__app_label=app, content_type__model=model.lower()) \\
        .order_by("pk").first().specific
    out[ct] = {"token": page.create_page_preview().token, "content_type": page.get_content_type_str()}
print(json.dumps(out))
""" % (PAGE_TYPES,)


class Loads(HTMLParser):
    """What a browser loads for the page: <link href> (stylesheets, icons…), <script src>, <img src>,
    and every srcset candidate of <img> and <source>. Navigation links (<a href>) are not loads."""

    def __init__(self):
        super().__init__()
        self.urls: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("href"):
            self.urls.append((f"link rel={attrs.get('rel')}", attrs["href"]))
        if tag == "script" and attrs.get("src"):
            self.urls.append(("script", attrs["src"]))
        if tag == "img" and attrs.get("src"):
            self.urls.append(("img", attrs["src"]))
        if tag in ("img", "source") and attrs.get("srcset"):
            for candidate in attrs["srcset"].split(","):
                if candidate.strip():
                    self.urls.append((f"{tag} srcset", candidate.split()[0]))


def loads(html: str) -> list[tuple[str, str]]:
    parser = Loads()
    parser.feed(html)
    return parser.urls


def previews(first: CmsServer) -> dict[str, str]:
    tokens = json.loads(first.shell(TOKENS).strip().splitlines()[-1])
    pages = {}
    for page_type, item in tokens.items():
        response = requests.get(f"{first.url}/preview/", params={"token": item["token"],
                                "content_type": item["content_type"]}, timeout=300)
        assert response.status_code == 200, (page_type, response.status_code, response.text[:300])
        pages[page_type] = response.text
    return pages


def check_served_by(other: CmsServer, pages: dict[str, str], s3_endpoint: str | None = None):
    """Every load of every page, from `other`: theme files and media 200, S3 media through a redirect."""
    failures, checked, media = [], set(), 0
    for page_type, html in pages.items():
        found = loads(html)
        assert any(u.startswith("/theme/") and u.endswith(".css") for _, u in found), page_type
        for what, url in found:
            if what.startswith("link rel=") and any(r in what for r in ("canonical", "alternate")):
                continue  # the page's public address and its feed: links to the static site, not loads
            absolute = urljoin(other.url + "/", url)
            if absolute in checked:
                continue
            checked.add(absolute)
            if urlsplit(absolute).netloc != urlsplit(other.url).netloc and not (
                    s3_endpoint and absolute.startswith(s3_endpoint)):
                failures.append(f"{page_type}: {what} {url} is on another host")
                continue
            response = requests.get(absolute, timeout=30)
            if response.status_code != 200:
                failures.append(f"{page_type}: {what} {url} -> {response.status_code}")
            if "/media/" in url or (s3_endpoint and absolute.startswith(s3_endpoint)):
                media += 1
                if s3_endpoint and url.startswith("/media/"):
                    # no copy of the bucket on the CMS: a redirect to the object itself
                    if not (response.history and response.url.startswith(s3_endpoint)):
                        failures.append(f"{page_type}: {url} was not redirected to S3 ({response.url})")
    assert not failures, "\n".join(failures)
    assert media >= 10, f"only {media} media files were loaded by the previews"
    return checked


@pytest.fixture(scope="module")
def local_pair(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cms-stateless")
    first = CmsServer(workdir).start()
    other_dir = tmp_path_factory.mktemp("cms-stateless-other")
    # another machine: build folders of its own (never built), the same database and media folder
    second = first.second_process(SITE_BUILD_OUT=str(other_dir / "public"),
                                  SITE_BUILD_CACHE=str(other_dir / "build-cache"))
    yield first, second
    second.stop()
    first.stop()


@pytest.fixture(scope="module")
def s3_pair(moto_s3, tmp_path_factory):  # noqa: F811
    bucket = moto_s3.create_bucket()
    workdir = tmp_path_factory.mktemp("cms-stateless-s3")
    first = CmsServer(workdir, extra_env=moto_s3.env(bucket)).start()
    other_dir = tmp_path_factory.mktemp("cms-stateless-s3-other")
    second = first.second_process(SITE_BUILD_OUT=str(other_dir / "public"),
                                  SITE_BUILD_CACHE=str(other_dir / "build-cache"),
                                  MEDIA_ROOT=str(other_dir / "media"))  # no local copy of any medium
    yield first, second, bucket
    second.stop()
    first.stop()


@pytest.mark.slow
def test_a_preview_from_one_process_loads_everything_from_another_on_local_disk(local_pair):
    first, second = local_pair
    pages = previews(first)
    assert set(pages) == set(PAGE_TYPES)
    checked = check_served_by(second, pages)
    assert any("/media/" in u for u in checked)
    # and the other way round: nothing depends on which process rendered the preview
    check_served_by(first, previews(second))


@pytest.mark.slow
def test_a_preview_from_one_process_loads_everything_from_another_on_s3(s3_pair, moto_s3):  # noqa: F811
    first, second, bucket = s3_pair
    pages = previews(first)
    checked = check_served_by(second, pages, moto_s3.endpoint)
    assert any(f"/media/{bucket}/" in u for u in checked)
    check_served_by(first, previews(second), moto_s3.endpoint)
    # still no open redirect: a path that is no object of the bucket is a plain 404
    assert requests.get(f"{second.url}/media/{bucket}/nowhere.jpg", timeout=10,
                        allow_redirects=False).status_code == 404
    assert requests.get(f"{second.url}/media/elsewhere/x.jpg", timeout=10,
                        allow_redirects=False).status_code == 404
