"""Benchmark: the builder's full pull and build on a site of N projects and M stories.

    python bench/build_scale.py --projects 1000 --stories 9000 --json

Creates a fresh database (a new SQLite file, or a new PostgreSQL database when DATABASE_URL points at a
server), fills it with pages that carry images (a shared pool, renditions made beforehand), serves it with
the CMS over HTTP, then runs `python -m site_builder build` as its own process. Prints one JSON line:
pages, sql_queries (of the full pull, counted in-process), api_seconds, build_seconds, peak_rss_mb
(builder and its render workers), cms_peak_rss_mb, and the builder's own breakdown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "cms")]


def setup_env(workdir: Path) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="config.settings.test", VDA_VAR_DIR=str(workdir),
               WAGTAILSEARCH_AUTO_UPDATE="0",
               MEDIA_ROOT=str(workdir / "media"), WAGTAILADMIN_BASE_URL="http://127.0.0.1")
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith("postgres"):
        import psycopg

        name = f"vda_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(database_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        env["DATABASE_URL"] = urlunsplit(urlsplit(database_url)._replace(path="/" + name))
        env["_BENCH_PG_DROP"] = name
    else:
        env.pop("DATABASE_URL", None)
    return env


def populate(projects: int, stories: int, images: int) -> None:
    """Runs inside the bench process with Django set up on the fresh database."""
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    from django.db import transaction

    from tests import factories

    factories.FAST_PUBLISH = True
    with transaction.atomic():
        tree = factories.make_site()
        pool = [factories.make_image(size=(1600, 1000)) for _ in range(images)]
        for image in pool:
            image.site_renditions()  # renditions exist before the measured pull, as on a live site
        made = []
        for i in range(projects):
            made.append(factories.make_project(tree, title=f"Projet {i}", slug=f"projet-{i}",
                                               image=pool[i % len(pool)]))
        for i in range(stories):
            factories.make_story(tree, title=f"Histoire {i}", slug=f"histoire-{i}", image=pool[i % len(pool)],
                                 project=made[i % len(made)] if made else None)


def count_pull_queries() -> tuple[int, float]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from site_builder.queries import SITE_PULL

    client = Client()
    with CaptureQueriesContext(connection) as ctx:
        t = time.perf_counter()
        response = client.post("/graphql/", json.dumps({"query": SITE_PULL}), content_type="application/json",
                               HTTP_AUTHORIZATION=f"Bearer {settings.SITE_BUILD_API_TOKEN}")  # bulk fields
        seconds = time.perf_counter() - t
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries), seconds


def vm_hwm_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--stories", type=int, default=900)
    parser.add_argument("--images", type=int, default=20, help="size of the shared image pool")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from tests.conftest import free_port, wait_for

    workdir = Path(tempfile.mkdtemp(prefix="vda-bench-"))
    env = setup_env(workdir)
    os.environ.update(env)
    server = None
    try:
        t = time.perf_counter()
        populate(args.projects, args.stories, args.images)
        setup_seconds = time.perf_counter() - t
        sql_queries, inprocess_seconds = count_pull_queries()

        port = free_port()
        server = subprocess.Popen([sys.executable, str(REPO / "cms" / "manage.py"), "runserver",
                                   f"127.0.0.1:{port}", "--noreload", "--insecure"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for(f"http://127.0.0.1:{port}/graphql/", timeout=120)
        out = workdir / "public"
        t = time.perf_counter()
        builder = subprocess.run([sys.executable, "-m", "site_builder", "build", "--api",
                                  f"http://127.0.0.1:{port}/graphql/", "--out", str(out), "--json"],
                                 cwd=REPO, env=env, capture_output=True, text=True)
        build_seconds = time.perf_counter() - t
        if builder.returncode != 0:
            print(builder.stderr, file=sys.stderr)
            return 1
        summary = json.loads(builder.stdout.strip().splitlines()[-1])
        result = {
            "bench": "build_scale",
            "projects": args.projects, "stories": args.stories,
            "pages": summary["pages"],
            "sql_queries": sql_queries,
            "api_seconds": summary["api_seconds"],
            "build_seconds": round(build_seconds, 2),
            "render_seconds": summary["render_seconds"],
            "media_seconds": summary["media_seconds"],
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1),
            "cms_peak_rss_mb": round(vm_hwm_mb(server.pid), 1),
            "setup_seconds": round(setup_seconds, 1),
            "database": "postgresql" if env.get("DATABASE_URL") else "sqlite",
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        print(json.dumps(result) if args.json else json.dumps(result, indent=2))
        return 0
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        if env.get("_BENCH_PG_DROP"):
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(os.environ.get("_BENCH_ADMIN_URL") or
                                 urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path="/postgres")),
                                 autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{env["_BENCH_PG_DROP"]}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
