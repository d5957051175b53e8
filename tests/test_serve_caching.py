"""The local server (site_builder.serve) tells browsers what the CDN tells them: pages must be revalidated
on every visit, fingerprinted assets never. Without it Chromium reused a story page it had fetched seconds
before the editor published, and the visitor saw the old title (a flaky e2e failure in CI)."""

from __future__ import annotations

import os
import threading
import time
import tomllib
import urllib.error
import urllib.request
from email.utils import formatdate
from fnmatch import fnmatch
from pathlib import Path

import pytest

from site_builder.serve import make_server
from tests.conftest import free_port

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def site(tmp_path):
    (tmp_path / "histoires" / "garoua").mkdir(parents=True)
    (tmp_path / "theme").mkdir()
    (tmp_path / "media" / "images").mkdir(parents=True)
    (tmp_path / "histoires" / "garoua" / "index.html").write_text("<h1>Ancien titre</h1>", encoding="utf-8")
    (tmp_path / "theme" / "site.abc123.css").write_text("body{}", encoding="utf-8")
    (tmp_path / "media" / "images" / "a.fill-10x10.jpg").write_bytes(b"\xff\xd8")
    port = free_port()
    server = make_server(tmp_path, port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield tmp_path, f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def netlify_cache_control(path: str) -> str:
    """The Cache-Control netlify.toml sets for `path` (pages: the rule for /*.html, as Netlify serves
    /x/ from /x/index.html)."""
    rules = tomllib.loads((REPO / "netlify.toml").read_text())["headers"]
    looked_up = path + "index.html" if path.endswith("/") else path
    values = [rule["values"]["Cache-Control"] for rule in rules
              if "Cache-Control" in rule["values"] and fnmatch(looked_up, rule["for"])]
    assert values, f"netlify.toml sets no Cache-Control for {path}"
    return values[-1]


@pytest.mark.parametrize("path", ["/histoires/garoua/", "/theme/site.abc123.css", "/media/images/a.fill-10x10.jpg"])
def test_each_file_gets_the_cache_control_of_netlify_toml(site, path):
    _, origin = site
    for method in ("GET", "HEAD"):
        with urllib.request.urlopen(urllib.request.Request(origin + path, method=method)) as response:
            assert response.status == 200
            assert response.headers["Cache-Control"] == netlify_cache_control(path), (method, path)


def test_a_republished_page_is_sent_again_to_a_browser_that_has_the_old_one(site):
    root, origin = site
    page = root / "histoires" / "garoua" / "index.html"
    with urllib.request.urlopen(origin + "/histoires/garoua/") as response:
        assert "must-revalidate" in response.headers["Cache-Control"]
        last_modified = response.headers["Last-Modified"]
    # unchanged: the browser's conditional request is answered 304
    with pytest.raises(urllib.error.HTTPError) as not_modified:
        urllib.request.urlopen(urllib.request.Request(origin + "/histoires/garoua/",
                                                      headers={"If-Modified-Since": last_modified}))
    assert not_modified.value.code == 304
    # republished (a later mtime, as a build writes it): the new page comes back
    page.write_text("<h1>Nouveau titre</h1>", encoding="utf-8")
    later = time.time() + 5
    os.utime(page, (later, later))
    request = urllib.request.Request(origin + "/histoires/garoua/", headers={"If-Modified-Since": last_modified})
    with urllib.request.urlopen(request) as response:
        assert response.status == 200 and response.read() == "<h1>Nouveau titre</h1>".encode()
    assert formatdate(later, usegmt=True) != last_modified
