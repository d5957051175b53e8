"""Deploying to Netlify through its API by file digests (site_builder/netlify_deploy.py), against a local
stand-in of the two calls it makes (tests/netlify_standin.py: a real HTTP server on 127.0.0.1 that keeps the
site's files by digest, as Netlify does, and records what it received).

The last tests run the publishing worker's own code (cms.publishing.runner.run_build) against a real CMS: a
publish rebuilds incrementally and uploads only the files whose bytes changed; Netlify's refusals, errors and
silences are recorded on the SiteBuild, and the next build puts the site right.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest

from site_builder.netlify_deploy import DeployError, NetlifyTarget, deploy
from tests.netlify_standin import NetlifyStandIn


@pytest.fixture
def netlify():
    standin = NetlifyStandIn()
    yield standin
    standin.stop()


def target_for(standin: NetlifyStandIn, **kwargs) -> NetlifyTarget:
    return NetlifyTarget(token=standin.token, site_id=standin.site_id, api_url=standin.url,
                         config_file=kwargs.pop("config_file", None), **kwargs)


def make_site(folder: Path) -> Path:
    files = {"index.html": "<h1>Accueil</h1>", "projets/index.html": "<h1>Projets</h1>",
             "projets/puits/index.html": "<h1>Puits</h1>", "theme/site.abc.css": "body{}",
             "copie/index.html": "<h1>Projets</h1>",  # same bytes as projets/index.html: one digest, two paths
             "_redirects": "/ancien /projets/puits/ 301\n", "media/images/photo à la une.jpg": "jpeg"}
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    (folder / ".public.old-1").mkdir()  # a hidden leftover is not part of the site
    (folder / ".public.old-1" / "index.html").write_text("old")
    return folder


def test_first_deploy_uploads_every_file_then_only_what_changed(netlify, tmp_path):
    site = make_site(tmp_path / "public")
    cache = tmp_path / "digests.json"
    first = deploy(site, target_for(netlify), title="Publication de « Puits »", digest_cache=cache)
    assert netlify.live().id == first.deploy_id
    assert set(netlify.live().files) == {"/index.html", "/projets/index.html", "/projets/puits/index.html",
                                         "/theme/site.abc.css", "/copie/index.html", "/_redirects",
                                         "/media/images/photo à la une.jpg"}
    assert netlify.content("/_redirects") == b"/ancien /projets/puits/ 301\n"
    assert netlify.content("/media/images/photo à la une.jpg") == b"jpeg"
    assert netlify.deploys[0].title == "Publication de « Puits »"
    assert set(netlify.authorizations) == {f"Bearer {netlify.token}"}

    again = deploy(site, target_for(netlify), digest_cache=cache)
    assert again.uploaded == [] and netlify.deploys[-1].uploaded == []
    assert netlify.live().id == again.deploy_id

    page = site / "projets" / "puits" / "index.html"
    tmp = page.with_suffix(".tmp")
    tmp.write_text("<h1>Puits (mis à jour)</h1>", encoding="utf-8")
    os.replace(tmp, page)  # as a build moves a changed file in
    third = deploy(site, target_for(netlify), digest_cache=cache)
    assert third.uploaded == ["/projets/puits/index.html"]
    assert netlify.deploys[-1].uploaded == ["/projets/puits/index.html"]
    assert netlify.content("/projets/puits/index.html") == "<h1>Puits (mis à jour)</h1>".encode()
    assert netlify.content("/index.html") == b"<h1>Accueil</h1>"  # the others stay, by digest


def test_netlify_toml_goes_with_the_files(netlify, tmp_path):
    site = make_site(tmp_path / "public")
    toml = Path(__file__).resolve().parent.parent / "netlify.toml"
    deploy(site, target_for(netlify, config_file=toml))
    assert netlify.content("/netlify.toml") == toml.read_bytes()


def test_a_refused_token_is_a_clear_error_and_changes_nothing(netlify, tmp_path):
    site = make_site(tmp_path / "public")
    bad = NetlifyTarget(token="wrong", site_id=netlify.site_id, api_url=netlify.url, config_file=None)
    with pytest.raises(DeployError, match="jeton.*HTTP 401"):
        deploy(site, bad)
    assert netlify.deploys == [] and netlify.live() is None


def test_server_errors_fail_the_deploy_and_the_next_one_completes_it(netlify, tmp_path):
    site = make_site(tmp_path / "public")
    netlify.fail_next("PUT", 503, count=100)  # every attempt of every upload
    with pytest.raises(DeployError, match="HTTP 503"):
        deploy(site, target_for(netlify))
    netlify.failures["PUT"].clear()
    assert netlify.live() is None  # Netlify never published the half-uploaded deploy
    missing = {sha for sha in netlify.deploys[0].files.values() if sha not in netlify.store}
    assert missing
    retry = deploy(site, target_for(netlify))
    assert netlify.live().id == retry.deploy_id
    assert {hashlib.sha1((site / p.lstrip("/")).read_bytes()).hexdigest() for p in retry.uploaded} == missing


def test_a_passing_server_error_is_tried_again(netlify, tmp_path):
    site = make_site(tmp_path / "public")
    netlify.fail_next("POST", 502)
    result = deploy(site, target_for(netlify))
    assert netlify.live().id == result.deploy_id


def test_a_silent_netlify_times_out(netlify, tmp_path):
    site = make_site(tmp_path / "public")
    netlify.delay = 1.0
    with pytest.raises(DeployError, match="injoignable.*Timeout"):
        deploy(site, target_for(netlify, timeout=0.2))


def test_an_answer_without_deploy_id_is_an_error(tmp_path):
    import http.server
    import threading

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"[]")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(DeployError, match="sans identifiant"):
            deploy(make_site(tmp_path / "public"), NetlifyTarget(token="t", site_id="s", config_file=None,
                                                                  api_url=f"http://127.0.0.1:{server.server_port}"))
    finally:
        server.shutdown()


# ---- the publishing worker --------------------------------------------------------------------------------

def digests_of(folder: Path) -> dict[str, str]:
    return {"/" + p.relative_to(folder).as_posix(): hashlib.sha1(p.read_bytes()).hexdigest()
            for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")}


@pytest.fixture(scope="module")
def deploy_cms(tmp_path_factory):
    from tests.conftest import CmsServer

    server = CmsServer(tmp_path_factory.mktemp("netlify-cms")).start()
    yield server
    server.stop()


@pytest.fixture
def worker_settings(settings, deploy_cms, netlify, tmp_path):
    settings.SITE_BUILD_API_URL = deploy_cms.api
    settings.SITE_BUILD_OUT, settings.SITE_BUILD_CACHE = tmp_path / "public", tmp_path / "cache"
    settings.SITE_BASE_URL = "https://www.example.org"
    settings.NETLIFY_BUILD_HOOK = "http://127.0.0.1:9/never-called"  # the API deploy takes precedence
    settings.NETLIFY_AUTH_TOKEN, settings.NETLIFY_SITE_ID = netlify.token, netlify.site_id
    settings.NETLIFY_API_URL = netlify.url
    return settings


def run(page_ids=(), full=False):
    from cms.publishing.models import SiteBuild
    from cms.publishing.runner import run_build

    build = SiteBuild.objects.create(reasons=["Publication de test"], page_ids=list(page_ids), full=full,
                                     status=SiteBuild.RUNNING)
    return run_build(build)


@pytest.mark.slow
@pytest.mark.django_db
def test_a_publish_uploads_only_the_files_it_changed(worker_settings, deploy_cms, netlify):
    first = run(full=True)
    assert (first.status, first.kind, first.errors) == ("succeeded", "full", [])
    out = worker_settings.SITE_BUILD_OUT
    before = digests_of(out)
    assert set(netlify.live().files) == set(before) | {"/netlify.toml"}
    assert "/_redirects" in before and "/histoires/index.html" in before

    story = json.loads(deploy_cms.shell(
        "import json\nfrom cms.stories.models import StoryPage\n"
        "s = StoryPage.objects.live().order_by('pk')[1]\ns.intro = 'Une introduction revue pour Netlify.'\n"
        "s.save_revision().publish()\nprint(json.dumps({'id': s.pk, 'url': s.url_path}))").strip().splitlines()[-1])
    second = run(page_ids=[story["id"]])
    assert (second.status, second.kind) == ("succeeded", "incremental")
    after = digests_of(out)
    changed = {path for path, sha in after.items() if before.get(path) != sha}
    page = "/histoires/" + story["url"].rstrip("/").rsplit("/", 1)[1] + "/index.html"
    assert page in changed and len(changed) < 10
    assert sorted(netlify.deploys[-1].uploaded) == sorted(changed)
    assert (first.deploy_id, second.deploy_id) == (netlify.deploys[-2].id, netlify.deploys[-1].id)
    assert first.deploy_id != second.deploy_id
    assert netlify.content(page) == (out / page.lstrip("/")).read_bytes()


@pytest.mark.slow
@pytest.mark.django_db
def test_netlify_failures_are_recorded_and_the_next_build_retries(worker_settings, netlify):
    netlify.fail_next("POST", 401, count=1)  # e.g. a revoked token
    failed = run(full=True)
    assert failed.status == "failed" and failed.kind == "full" and failed.deploy_id == ""
    assert "jeton" in failed.errors[0] and "HTTP 401" in failed.errors[0]
    assert failed.pages_written > 0  # the build itself went through: only the deploy is missing
    netlify.fail_next("PUT", 500, count=100)
    failed = run()
    assert failed.status == "failed" and "HTTP 500" in failed.errors[0]
    netlify.failures["PUT"].clear()
    retried = run()  # nothing changed in the CMS: the deploy alone catches up
    assert retried.status == "succeeded" and retried.files_written == 0
    assert set(netlify.live().files) == set(digests_of(worker_settings.SITE_BUILD_OUT)) | {"/netlify.toml"}
