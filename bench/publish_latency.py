"""Benchmark: publish-to-live on a site of N pages (issue 5).

    python bench/publish_latency.py --pages 10000 --json

Starts what it needs: a fresh database (a new SQLite file, or a new PostgreSQL database when DATABASE_URL
points at a server), N pages with images (10 % projects, 90 % stories, as bench/build_scale.py makes them),
the CMS under gunicorn (the production WSGI setup), a full build into a temporary folder
(`manage.py build_site --now --full`: `full_build_seconds`), then `manage.py publishing_worker` with the same
SITE_BUILD_* environment. Once the worker is idle, it publishes one story with a new title as an editor's
publish does (`page.save_revision().publish()`, in this process, on the same database and settings), starting
the clock right before `publish()`, and polls that story's output file until it shows the new title:
`publish_to_live_seconds`. The build's own figures (`files_written`, `pages_written`, `duration_seconds`) come
from its SiteBuild row.

The first publish after the worker starts is reported apart (`cold_*`): that worker has never built, so it
loads the last build's state from disk. Then `--runs` publishes of different stories (first, middle, last of
the story list…) are measured, one at a time, each after the worker is idle again; the JSON gives their median
and max and, per run, where the time went: `publish_call` (the publish() call itself, search indexing
included), `queue` (request to start of the build: the worker waking up — PostgreSQL's NOTIFY, or its
short poll on SQLite — and claiming the build; a lone publish has no quiet period), `build` (the SiteBuild's duration, which ends after the builder saves its state) and
`build_to_live` (start of the build to the file seen here), the files written, and the
builder's own timings (api, model, render, swap, state save) and its `model_step` ("patched": only the routes
the change touches, site_builder/changed_routes.py; "every route"), which the worker writes to a log for this
benchmark (the worker is `manage.py publishing_worker` started through a small wrapper that records
`BuildResult.timings`; nothing else differs).

Then `--admin-runs` publishes (default: as many as `--runs`, other stories) go the editor's way: logged into
the admin over HTTP (session and CSRF cookies), GET the story's edit page, POST its form with `action-publish`
(tests/admin_form.py rebuilds the StreamField inputs the admin's JavaScript posts), the clock starting right
before the POST and stopping when the story's file shows the new title: `admin_publish_to_live_seconds`.
`admin_post_seconds` is the POST itself (the editor's click until the response), `admin_redirect_get_seconds`
the page the browser loads next (fetched while the site builds), `admin_get_edit_seconds` the edit page; in
these runs `publish_call_seconds` is the POST too. `--admin-project-runs` does the same for projects, whose
form is the heaviest (`admin_project_*`). The CMS under gunicorn indexes what it saves
(WAGTAILSEARCH_AUTO_UPDATE=1), on a search index filled beforehand (`update_index`), as a real site's is.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "bench")]

from build_scale import populate, setup_env  # noqa: E402  (fresh database; N pages with images)

# `manage.py <command>` plus a record of every build's BuildResult.timings (one JSON line per build).
MANAGE_WITH_TIMINGS = """
import json, os, sys, time
sys.path[:0] = [{repo!r}]
import django
django.setup()
import site_builder.build as full, site_builder.incremental as inc

def recorded(function):
    def wrapper(*args, **kwargs):
        result = function(*args, **kwargs)
        with open(os.environ["BENCH_TIMINGS_LOG"], "a") as fh:
            fh.write(json.dumps({{"at": time.time(), "kind": result.kind, "files_written": result.files_written,
                                 "full_reason": getattr(result, "full_reason", ""),
                                 "model_step": getattr(result, "model_step", ""),
                                 "written": result.written if len(result.written) <= 50 else len(result.written),
                                 **{{k: round(v, 4) for k, v in result.timings.items()}}}}) + "\\n")
        return result
    return wrapper

full.build = recorded(full.build)
inc.build_incremental = recorded(inc.build_incremental)
from django.core.management import execute_from_command_line
execute_from_command_line(["manage.py", *sys.argv[1:]])
"""


def manage_command(*args: str) -> list[str]:
    code = MANAGE_WITH_TIMINGS.format(repo=str(REPO))
    return [sys.executable, "-c", code, *args]


def read_timings(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_idle(timeout: float = 600) -> None:
    """No queued or running site build, no build task waiting or running."""
    from django.db import connections
    from django_tasks_db.compat import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    from cms.publishing.models import SiteBuild

    deadline = time.time() + timeout
    while time.time() < deadline:
        busy = (SiteBuild.objects.filter(status__in=[SiteBuild.QUEUED, SiteBuild.RUNNING]).exists() or
                DBTaskResult.objects.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists())
        connections.close_all()
        if not busy:
            return
        time.sleep(0.1)
    raise RuntimeError(f"the publishing worker was still busy after {timeout} s")


def story_file(out: Path, slug: str) -> Path:
    found = [p for p in out.rglob("index.html") if p.parent.name == slug]
    if len(found) != 1:
        raise RuntimeError(f"expected one output file for story {slug!r}, found {found}")
    return found[0]


def publish_in_process(page, new_title: str) -> float:
    """As an editor's publish does it in Python: `save_revision().publish()`; the clock covers `publish()`."""
    page.title = new_title
    revision = page.save_revision()
    start = time.perf_counter()
    revision.publish()
    return start


class AdminEditor:
    """An editor in the admin, over HTTP against the running CMS: logged in once (session and CSRF cookies),
    then for each publish GET the edit page and POST its form with `action-publish`, as the browser does
    (tests/admin_form.py rebuilds the StreamField inputs the admin's JavaScript would post)."""

    def __init__(self, base_url: str, username: str, password: str):
        import requests

        self.base, self.session = base_url.rstrip("/"), requests.Session()
        self.session.get(f"{self.base}/admin/login/", timeout=60).raise_for_status()
        response = self.session.post(f"{self.base}/admin/login/", timeout=60, allow_redirects=False, data={
            "username": username, "password": password, "csrfmiddlewaretoken": self.session.cookies["csrftoken"]})
        if response.status_code != 302:
            raise RuntimeError(f"admin login failed: HTTP {response.status_code}")
        self.last: dict = {}

    def __call__(self, page, new_title: str) -> float:
        from tests.admin_form import edit_form_data

        edit_url = f"{self.base}/admin/pages/{page.pk}/edit/"
        t = time.perf_counter()
        form = self.session.get(edit_url, timeout=120)
        form.raise_for_status()
        get_seconds = time.perf_counter() - t
        data = edit_form_data(form.text, page)
        data.update(title=[new_title], **{"action-publish": ["action-publish"]})
        start = time.perf_counter()
        response = self.session.post(edit_url, data=data, timeout=120, allow_redirects=False,
                                     headers={"Referer": edit_url})
        post_seconds = time.perf_counter() - start
        if response.status_code != 302:
            raise RuntimeError(f"the publish POST answered {response.status_code}, not a redirect:\n"
                               f"{response.text[:2000]}")
        self.last = {"admin_get_edit_seconds": round(get_seconds, 3), "admin_post_seconds": round(post_seconds, 3)}
        # What the browser loads next (the page listing with "Page publiée"), while the site builds.
        location = response.headers["Location"]
        self._next = threading.Thread(target=self._load_next, args=(
            self.base + location if location.startswith("/") else location,), daemon=True)
        self._next.start()
        return start

    def _load_next(self, url: str) -> None:
        t = time.perf_counter()
        self.session.get(url, timeout=120).raise_for_status()
        self.last["admin_redirect_get_seconds"] = round(time.perf_counter() - t, 3)

    def finish(self) -> None:
        self._next.join(timeout=120)


def publish_once(slug: str, out: Path, worker: subprocess.Popen, timings_log: Path, timeout: float,
                 publish=publish_in_process) -> dict:
    """Publish a new title for the story `slug` with `publish(page, title)` (which returns the perf_counter()
    at which its clock starts); return how long until the story's file shows it, and the build's rows."""
    from django.db import connections

    from cms.publishing.models import SiteBuild
    from wagtail.models import Page

    wait_idle()
    target = story_file(out, slug)
    last_build = SiteBuild.objects.order_by("-id").values_list("id", flat=True).first() or 0
    logged_before = len(read_timings(timings_log))
    page = Page.objects.get(slug=slug).specific  # a story (histoire-N) or a project (projet-N)
    marker = f"Titre publié {uuid.uuid4().hex[:10]}"

    start_wall, before = time.time(), time.perf_counter()
    start = publish(page, f"{page.title} — {marker}")
    start_wall += start - before
    publish_call = time.perf_counter() - start
    seen = None
    while time.perf_counter() - start < timeout:
        try:
            if marker in target.read_text(encoding="utf-8"):
                seen = time.perf_counter() - start
                break
        except FileNotFoundError:
            pass
        if worker.poll() is not None:
            raise RuntimeError(f"the publishing worker exited with code {worker.returncode}")
        time.sleep(0.005)
    if seen is None:
        raise RuntimeError(f"{target} did not show the new title within {timeout} s")
    getattr(publish, "finish", lambda: None)()

    deadline = time.time() + 60
    while True:  # the row is saved right after the files are moved in
        builds = list(SiteBuild.objects.filter(id__gt=last_build).order_by("id"))
        connections.close_all()
        if builds and all(b.status in (SiteBuild.SUCCEEDED, SiteBuild.FAILED) for b in builds):
            break
        if time.time() > deadline:
            raise RuntimeError(f"site builds after #{last_build} did not finish: {builds}")
        time.sleep(0.05)
    if len(builds) != 1 or builds[0].status != SiteBuild.SUCCEEDED:
        raise RuntimeError(f"expected one successful build, got {[(b.pk, b.status, b.errors) for b in builds]}")
    build = builds[0]
    logged = read_timings(timings_log)[logged_before:]
    builder = logged[-1] if logged else {}
    return {
        "story": slug,
        "publish_to_live_seconds": round(seen, 3),
        "publish_call_seconds": round(publish_call, 3),
        **getattr(publish, "last", {}),
        "queue_seconds": round(build.started_at.timestamp() - start_wall - publish_call, 3),
        "build_seconds": build.duration_seconds,
        "build_to_live_seconds": round(start_wall + seen - build.started_at.timestamp(), 3),
        "kind": build.kind,
        "files_written": build.files_written,
        "pages_written": build.pages_written,
        "files_deleted": build.files_deleted,
        "builder": {k: v for k, v in builder.items() if k not in ("at", "files_written")},
    }


def admin_summary(runs: list[dict]) -> dict:
    """The admin-request publishes: clock from before the POST to the file changing, and the POST itself."""
    if not runs:
        return {}

    def median(key):
        return round(statistics.median(r[key] for r in runs), 3)

    return {
        "admin_publish_to_live_seconds": median("publish_to_live_seconds"),
        "admin_publish_to_live_max_seconds": max(r["publish_to_live_seconds"] for r in runs),
        "admin_post_seconds": median("admin_post_seconds"),
        "admin_post_max_seconds": max(r["admin_post_seconds"] for r in runs),
        "admin_redirect_get_seconds": median("admin_redirect_get_seconds"),
        "admin_get_edit_seconds": median("admin_get_edit_seconds"),
        "admin_runs": runs,
    }


def drop_pg(env: dict) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    admin = urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{env["_BENCH_PG_DROP"]}" WITH (FORCE)')


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=1000, help="CMS pages: 10 %% projects, 90 %% stories")
    parser.add_argument("--runs", type=int, default=5, help="measured publishes (different stories)")
    parser.add_argument("--admin-runs", type=int, default=None,
                        help="measured publishes through the admin's HTTP request (default: --runs; 0: none)")
    parser.add_argument("--admin-project-runs", type=int, default=3,
                        help="the same for project pages (the heaviest edit form); 0: none")
    parser.add_argument("--images", type=int, default=20, help="size of the shared image pool")
    parser.add_argument("--quiet-seconds", type=float, default=None,
                        help="SITE_BUILD_QUIET_SECONDS for the worker (default: the settings' 0.3; bursts only)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument("--timeout", type=float, default=120, help="seconds to wait for one publish to be live")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (logs) and print its path")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.conftest import free_port, wait_for

    projects = max(1, args.pages // 10)
    stories = args.pages - projects
    workdir = Path(tempfile.mkdtemp(prefix="vda-bench-publish-"))
    env = setup_env(workdir)
    port = free_port()
    out, cache, timings_log = workdir / "public", workdir / "build-cache", workdir / "builder-timings.jsonl"
    env.update(SITE_BUILD_OUT=str(out), SITE_BUILD_CACHE=str(cache), LOG_LEVEL="ERROR", PYTHONUNBUFFERED="1",
               SITE_BUILD_API_URL=f"http://127.0.0.1:{port}/graphql/", BENCH_TIMINGS_LOG=str(timings_log))
    env.pop("NETLIFY_BUILD_HOOK", None)
    if args.quiet_seconds is not None:
        env["SITE_BUILD_QUIET_SECONDS"] = str(args.quiet_seconds)
    os.environ.update(env)
    server = worker = None
    logs = []
    try:
        t = time.perf_counter()
        populate(projects, stories, args.images)
        from django.core.management import call_command

        call_command("update_index", verbosity=0)  # a real site's search index holds every page
        setup_seconds = time.perf_counter() - t

        from django.conf import settings
        from django.db import connections

        from cms.publishing.models import SiteBuild

        SiteBuild.objects.all().delete()  # nothing the fixtures may have asked for
        connections.close_all()

        # The CMS indexes what editors save, as in the demo and production (populate skipped it to go faster).
        server_env = dict(env, WAGTAILSEARCH_AUTO_UPDATE="1")
        server_log = open(workdir / "gunicorn.log", "w")
        logs.append(server_log)
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "cms.config.wsgi", "--chdir", str(REPO),
             "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--threads", str(args.threads),
             "--worker-class", "gthread", "--timeout", "900", "--log-level", "error"],
            env=server_env, stdout=server_log, stderr=subprocess.STDOUT)
        wait_for(f"http://127.0.0.1:{port}/donate/totals.json", timeout=120)

        load_full = os.getloadavg()[0]
        t = time.perf_counter()
        full = subprocess.run(manage_command("build_site", "--now", "--full"), env=env, cwd=REPO,
                              capture_output=True, text=True)
        full_wall = time.perf_counter() - t
        if full.returncode != 0:
            print(full.stdout, full.stderr, file=sys.stderr)
            return 1
        full_row = SiteBuild.objects.get(full=True)
        full_timings = read_timings(timings_log)[-1]
        connections.close_all()

        worker_log = open(workdir / "worker.log", "w")
        logs.append(worker_log)
        worker = subprocess.Popen(manage_command("publishing_worker"), env=env, cwd=REPO,
                                  stdout=worker_log, stderr=subprocess.STDOUT)

        # An editor's publish updates the search index too (populate skipped it to go faster).
        settings.WAGTAILSEARCH_BACKENDS["default"]["AUTO_UPDATE"] = True

        load_before = os.getloadavg()[0]
        step = max(1, stories // max(1, args.runs - 1))
        chosen = [min(stories - 1, i * step) for i in range(args.runs)]
        cold_story = stories // 3 + 1 if stories > 3 else 0
        cold = publish_once(f"histoire-{cold_story}", out, worker, timings_log, args.timeout)
        runs = [publish_once(f"histoire-{i}", out, worker, timings_log, args.timeout)
                for i in dict.fromkeys(chosen)]

        # The editor's click: the admin's edit form posted over HTTP to gunicorn, other stories than above.
        admin_count = args.runs if args.admin_runs is None else args.admin_runs
        admin_runs, admin_project_runs = [], []
        if admin_count or args.admin_project_runs:
            from django.contrib.auth import get_user_model

            get_user_model().objects.create_superuser("bench-editor", "bench@example.org", "bench-password")
            connections.close_all()
            editor = AdminEditor(f"http://127.0.0.1:{port}", "bench-editor", "bench-password")
            step_admin = max(1, stories // max(1, admin_count))
            admin_chosen = [min(stories - 1, i * step_admin + step_admin // 2) for i in range(admin_count)]
            admin_runs = [publish_once(f"histoire-{i}", out, worker, timings_log, args.timeout, publish=editor)
                          for i in dict.fromkeys(admin_chosen) if admin_count and i not in chosen and i != cold_story]
            # Projects: the heaviest form (inline key figures, budget lines, updates, gallery, partners).
            step_project = max(1, projects // max(1, args.admin_project_runs))
            admin_project_runs = [
                publish_once(f"projet-{i}", out, worker, timings_log, args.timeout, publish=editor)
                for i in dict.fromkeys(min(projects - 1, k * step_project) for k in range(args.admin_project_runs))]

        latencies = [r["publish_to_live_seconds"] for r in runs]
        site_files = sum(1 for p in out.rglob("*") if p.is_file())

        def median(key):
            return round(statistics.median(r[key] for r in runs), 3)

        result = {
            "bench": "publish_latency",
            "pages": args.pages, "projects": projects, "stories": stories,
            "site_files": site_files,
            "publish_to_live_seconds": round(statistics.median(latencies), 3),
            "publish_to_live_max_seconds": round(max(latencies), 3),
            "files_written": max(r["files_written"] for r in runs),
            "pages_written": max(r["pages_written"] for r in runs),
            "build_seconds": median("build_seconds"),
            "build_max_seconds": max(r["build_seconds"] for r in runs),
            "queue_seconds": median("queue_seconds"),
            "publish_call_seconds": median("publish_call_seconds"),
            "quiet_seconds": settings.SITE_BUILD_QUIET_SECONDS if args.quiet_seconds is None else args.quiet_seconds,
            "worker_wakeup": "LISTEN/NOTIFY" if env.get("_BENCH_PG_DROP") else "poll every 0.02 s",
            "full_build_seconds": full_row.duration_seconds,
            "full_build_wall_seconds": round(full_wall, 2),
            "full_build_files": full_row.files_written,
            "full_build_timings": {k: v for k, v in full_timings.items() if k.endswith("_seconds")},
            "cold_publish_to_live_seconds": cold["publish_to_live_seconds"],
            "cold_build_seconds": cold["build_seconds"],
            "cold_files_written": cold["files_written"],
            "runs": runs,
            **admin_summary(admin_runs),
            **{k.replace("admin_", "admin_project_", 1): v for k, v in admin_summary(admin_project_runs).items()},
            "setup_seconds": round(setup_seconds, 1),
            "database": "postgresql" if env.get("_BENCH_PG_DROP") else "sqlite",
            "server": f"gunicorn {args.workers} workers x {args.threads} threads",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
            # other work on the machine skews every figure: the 1-minute load before and after the publishes
            "load_average": {"full_build": round(load_full, 2), "publishes": round(load_before, 2),
                             "end": round(os.getloadavg()[0], 2)},
        }
        if args.keep:
            result["workdir"] = str(workdir)
        print(json.dumps(result, ensure_ascii=False) if args.json else json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    finally:
        stop(worker)
        stop(server)
        for fh in logs:
            fh.close()
        if env.get("_BENCH_PG_DROP"):
            drop_pg(env)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
