"""What asks for a build, and how requests are coalesced (cms/publishing): signals, the queue, the task.

The task is run against a real HTTP peer: a local server standing in for Netlify's build hook records each
POST, so "ten requests make one build" is counted where it matters, at the receiving end.
"""

from __future__ import annotations

import datetime as dt
import http.server
import threading
import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cms.publishing.models import SiteBuild
from cms.publishing.queue import request_build, suppressed
from cms.publishing.tasks import run_site_build
from tests import factories


@pytest.fixture
def tree(db):
    return factories.make_site()


def queued():
    return SiteBuild.objects.filter(status=SiteBuild.QUEUED)


class Hook:
    """A local HTTP server that records POSTs, as Netlify's build hook would receive them."""

    def __init__(self, status: int = 200):
        self.calls: list[str] = []
        hook = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                hook.calls.append(self.path)
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/build_hooks/abc"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def titles(self) -> list[str]:
        return [parse_qs(urlsplit(p).query)["trigger_title"][0] for p in self.calls]

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def hook(settings):
    server = Hook()
    settings.NETLIFY_BUILD_HOOK = server.url
    settings.SITE_BUILD_QUIET_SECONDS = 0
    yield server
    server.stop()


# ---- coalescing -------------------------------------------------------------------------------------------

def test_requests_join_the_waiting_build(db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        for i in range(10):
            request_build(f"Publication {i}", [i + 1])
    build = queued().get()
    assert build.requests == 10
    assert build.page_ids == list(range(1, 11))
    assert build.reasons[0] == "Publication 0" and build.reasons[-1] == "Publication 9"
    assert len(callbacks) == 1  # one task enqueued, not ten


def test_a_request_during_a_running_build_makes_one_more(db):
    first = request_build("Publication A", [1])
    SiteBuild.objects.filter(pk=first.pk).update(status=SiteBuild.RUNNING)
    second = request_build("Publication B", [2])
    third = request_build("Publication C", [3])
    assert second.pk != first.pk and third.pk == second.pk
    assert queued().count() == 1 and SiteBuild.objects.count() == 2


def test_the_database_allows_one_queued_build_only(db):
    SiteBuild.objects.create(reasons=["a"])
    with pytest.raises(IntegrityError), transaction.atomic():
        SiteBuild.objects.create(reasons=["b"])


def test_full_is_sticky_and_reasons_are_capped(db):
    request_build("page", [1])
    request_build("rebuild", full=True)
    for i in range(80):
        request_build(f"r{i}")
    build = queued().get()
    assert build.full is True
    assert len(build.reasons) == 50 and build.reasons[-1] == "r79"


def test_suppressed_and_disabled_queue_nothing(db, settings):
    with suppressed():
        assert request_build("load_content") is None
    settings.SITE_BUILD_ENABLED = False
    assert request_build("off") is None
    assert SiteBuild.objects.count() == 0


# ---- what asks for a build --------------------------------------------------------------------------------

def test_publish_unpublish_move_delete_each_ask_for_a_build(tree):
    SiteBuild.objects.all().delete()
    story = factories.make_story(tree, title="Le puits de Kaya")
    build = queued().get()
    assert story.pk in build.page_ids and "Publication de « Le puits de Kaya »" in build.reasons

    SiteBuild.objects.all().delete()
    story.unpublish()
    assert "Dépublication de « Le puits de Kaya »" in queued().get().reasons

    SiteBuild.objects.all().delete()
    other = factories.make_story(tree, title="Ailleurs")
    SiteBuild.objects.all().delete()
    other.move(tree["projects"], pos="last-child")
    assert "Déplacement de « Ailleurs »" in queued().get().reasons

    SiteBuild.objects.all().delete()
    other.refresh_from_db()
    other.delete()
    assert "Suppression de « Ailleurs »" in queued().get().reasons


def test_an_image_change_names_the_pages_that_use_it(tree):
    image = factories.make_image(title="Forage")
    unused = factories.make_image(title="Inutilisée")
    story = factories.make_story(tree, title="Avec image", image=image)
    factories.make_story(tree, title="Sans cette image")
    SiteBuild.objects.all().delete()

    unused.description = "Texte alternatif corrigé"
    unused.save()
    assert SiteBuild.objects.count() == 0  # nothing shows it: nothing to rebuild

    image.description = "Un forage au village"
    image.save()
    build = queued().get()
    assert build.page_ids == [story.pk]
    assert build.reasons == [f"Image modifié(e) : « {image} » (1 page)"]


def test_a_snippet_change_names_the_projects_that_use_it(tree):
    project = factories.make_project(tree, title="Puits")
    SiteBuild.objects.all().delete()
    theme = tree["theme"]
    theme.color = "#2A7F62"
    theme.save()
    assert project.pk in queued().get().page_ids


def test_site_settings_ask_for_a_full_build(tree):
    from cms.core.models import SiteSettings

    SiteBuild.objects.all().delete()
    settings_obj = SiteSettings.load()
    settings_obj.tagline = "Une nouvelle devise"
    settings_obj.save()
    assert queued().get().full is True


def test_scheduled_go_live_and_expiry_ask_for_builds(tree):
    story = factories.make_story(tree, title="Programmée", publish=False)
    revision = story.save_revision()
    revision.approved_go_live_at = timezone.now() - dt.timedelta(minutes=1)
    revision.save(update_fields=["approved_go_live_at"])
    SiteBuild.objects.all().delete()
    call_command("publish_scheduled", verbosity=0)
    story.refresh_from_db()
    assert story.live
    assert "Publication de « Programmée »" in queued().get().reasons

    SiteBuild.objects.all().delete()
    type(story).objects.filter(pk=story.pk).update(expire_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("publish_scheduled", verbosity=0)
    story.refresh_from_db()
    assert not story.live and story.expired
    assert "Dépublication de « Programmée »" in queued().get().reasons


# ---- the task ---------------------------------------------------------------------------------------------

def test_ten_requests_make_one_call_of_the_hook(db, hook):
    for i in range(10):
        request_build(f"Publication {i}", [i])
    assert run_site_build.call() is not None
    assert run_site_build.call() is None  # the other queued tasks find nothing left to do
    assert hook.titles() == ["Publication 0 (+ 9 autres)"]
    build = SiteBuild.objects.get()
    assert (build.status, build.kind, build.requests) == ("succeeded", "netlify", 10)
    assert build.duration_seconds is not None and build.finished_at >= build.started_at


def test_a_failing_hook_is_recorded_not_raised(db, settings):
    server = Hook(status=500)
    settings.NETLIFY_BUILD_HOOK, settings.SITE_BUILD_QUIET_SECONDS = server.url, 0
    try:
        request_build("Publication")
        run_site_build.call()
    finally:
        server.stop()
    build = SiteBuild.objects.get()
    assert build.status == "failed"
    assert build.errors == ["the Netlify build hook answered HTTP 500"]


def test_an_unreachable_api_fails_the_build_with_a_clear_message(db, settings, tmp_path):
    settings.SITE_BUILD_QUIET_SECONDS = 0
    settings.SITE_BUILD_API_URL = "http://127.0.0.1:9/graphql/"  # nothing listens on the discard port
    settings.SITE_BUILD_OUT, settings.SITE_BUILD_CACHE = tmp_path / "public", tmp_path / "cache"
    request_build("Publication")
    run_site_build.call()
    build = SiteBuild.objects.get()
    assert build.status == "failed"
    assert "cannot reach the CMS API at http://127.0.0.1:9/graphql/" in build.errors[0]
    assert not (tmp_path / "public").exists()


def test_a_lone_publish_starts_building_at_once(db, hook, settings):
    """No fixed quiet period: nothing queued, nothing running, so the build starts now (it waited for the
    quiet period, 2 s here; the margin is for a machine under load)."""
    settings.SITE_BUILD_QUIET_SECONDS = 2
    request_build("Publication")
    started = time.perf_counter()
    run_site_build.call()
    build = SiteBuild.objects.get()
    assert time.perf_counter() - started < 1.0
    assert (build.started_at - build.requested_at).total_seconds() < 1.0
    assert len(hook.calls) == 1


class SlowHook(Hook):
    """A hook that takes as long as an incremental build to answer, so requests arrive while it runs."""

    def __init__(self, seconds: float):
        super().__init__()
        handler, self.seconds = self.server.RequestHandlerClass, seconds

        class Slow(handler):
            def do_POST(inner):
                time.sleep(seconds)
                handler.do_POST(inner)

        self.server.RequestHandlerClass = Slow


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # like the other transactional tests: leave the migrated rows for them
def test_a_burst_makes_at_most_two_builds_and_the_first_starts_at_once(settings):
    """Ten publishes 50 ms apart, a worker taking builds as they come: the first starts at once, the others
    join the one queued build (while the first runs, then while requests keep arriving): two builds. The
    quiet period is 1 s so that a loaded machine, slowing each request, does not split the burst."""
    hook = SlowHook(0.2)
    settings.NETLIFY_BUILD_HOOK = hook.url
    settings.SITE_BUILD_QUIET_SECONDS, settings.SITE_BUILD_MAX_WAIT = 1.0, 20
    editors_done = threading.Event()

    def worker():
        while not editors_done.is_set() or queued().exists():
            if run_site_build.call() is None:
                time.sleep(0.01)
        connection.close()  # this thread's own connection, or the test database cannot be dropped

    thread = threading.Thread(target=worker)
    thread.start()
    try:
        for i in range(10):
            request_build(f"Publication {i}")
            time.sleep(0.05)
    finally:
        editors_done.set()
        thread.join(timeout=30)
        hook.stop()
    builds = list(SiteBuild.objects.order_by("id"))
    timing = [(b.requests, b.requested_at.time(), b.last_requested_at.time(), b.started_at.time()) for b in builds]
    assert len(hook.calls) == len(builds) == 2, timing
    assert sum(b.requests for b in builds) == 10 and builds[-1].reasons[-1] == "Publication 9"
    assert (builds[0].started_at - builds[0].requested_at).total_seconds() < 0.5, timing  # was >= 1 s
    assert all(b.status == "succeeded" for b in builds)


def test_a_worker_start_marks_cut_off_builds_as_failed(db):
    from cms.publishing.management.commands.publishing_worker import abandon_interrupted_builds

    cut_off = SiteBuild.objects.create(reasons=["Publication"], status=SiteBuild.RUNNING)
    waiting = request_build("Publication suivante")
    abandon_interrupted_builds()
    cut_off.refresh_from_db()
    waiting.refresh_from_db()
    assert cut_off.status == "failed" and "interrompue" in cut_off.errors[0]
    assert waiting.status == "queued"  # still to be run


# ---- the admin panel ----------------------------------------------------------------------------------------

def test_the_panel_lists_builds_and_only_administrators_rebuild_everything(db, client, django_user_model):
    from django.contrib.auth.models import Group, Permission

    failed = SiteBuild.objects.create(reasons=["Publication de « Kaya »"], status=SiteBuild.FAILED,
                                      errors=["page « Kaya » (/projets/kaya/): TemplateError: boom"])
    editor = django_user_model.objects.create_user("redaction", password="x")
    editors = Group.objects.create(name="Rédaction")
    editors.permissions.add(Permission.objects.get(codename="access_admin"))
    editor.groups.add(editors)
    client.force_login(editor)
    panel = client.get("/admin/publication/")
    assert panel.status_code == 200
    text = panel.content.decode()
    assert "Publication de « Kaya »" in text and "TemplateError: boom" in text
    assert f'data-build="{failed.pk}" data-status="failed"' in text
    assert "data-rebuild-form" not in text  # the button is for administrators
    denied = client.post("/admin/publication/tout-reconstruire/")  # Wagtail answers a refusal with a redirect home
    assert denied.status_code in (302, 403) and getattr(denied, "url", "") != "/admin/publication/"
    assert not queued().exists()

    admin = django_user_model.objects.create_superuser("admin", password="x")
    client.force_login(admin)
    assert "data-rebuild-form" in client.get("/admin/publication/").content.decode()
    response = client.post("/admin/publication/tout-reconstruire/")
    assert response.status_code == 302 and response.url == "/admin/publication/"
    build = queued().get()
    assert build.full and build.requested_by == admin
    assert build.reasons == ["Reconstruction complète demandée par admin"]
