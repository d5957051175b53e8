"""Benchmark: the builder's full pull and build on a site of N projects and M stories.

    python bench/build_scale.py --projects 1000 --stories 9000 --json

Creates a fresh database (a new SQLite file, or a new PostgreSQL database when DATABASE_URL points at a
server), fills it with pages that carry images (a shared pool, renditions made beforehand), serves it with
the CMS over HTTP, then runs `python -m site_builder build` as its own process. Prints one JSON line:
pages, sql_queries (of the full pull, counted in-process), api_seconds, build_seconds, peak_rss_mb
(builder and its render workers), cms_peak_rss_mb, and the builder's own breakdown.

In the same run it times plain Pelican 4.12 on as many markdown articles as the build wrote pages (the
anchor, `--anchor`, default ../shared/bench/anchor_pelican.py beside the repository) and prints
`ratio` = build_seconds / anchor_seconds: the machine is shared, so only ratios measured in one run compare.
`--no-anchor` skips it.
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
sys.path[:0] = [str(REPO)]


def setup_env(workdir: Path) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="cms.config.settings.test", VDA_VAR_DIR=str(workdir),
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


def start_cms(repo: Path, port: int, env: dict, kind: str) -> subprocess.Popen:
    if kind == "runserver":
        command = [sys.executable, str(repo / "cms" / "manage.py"), "runserver", f"127.0.0.1:{port}", "--noreload",
                   "--insecure"]
    else:
        command = [str(Path(sys.executable).parent / "gunicorn"), "cms.config.wsgi", "--chdir", str(repo),
                   "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4", "--worker-class", "gthread",
                   "--timeout", "900", "--graceful-timeout", "5", "--log-level", "error"]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def process_tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live children (gunicorn's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    except (OSError, IndexError, ValueError):
        return 0.0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split():
            total += process_tree_cpu_seconds(int(child))
    return total


def process_tree_peak_mb(pid: int) -> float:
    """The largest peak resident size among a process and its children (gunicorn's workers)."""
    peaks = [vm_hwm_mb(pid)]
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split():
            peaks.append(process_tree_peak_mb(int(child)))
    return max(peaks)


def run_anchor(script: Path, articles: int) -> dict:
    """Plain Pelican on `articles` markdown articles (its own venv, its own process): the yardstick."""
    env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH")}
    done = subprocess.run(["python3", str(script), "--articles", str(articles), "--json"], env=env,
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"anchor benchmark failed: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--projects", type=int, default=100)
    parser.add_argument("--stories", type=int, default=900)
    parser.add_argument("--images", type=int, default=20, help="size of the shared image pool")
    parser.add_argument("--anchor", type=Path, default=REPO.parent / "shared" / "bench" / "anchor_pelican.py",
                        help="plain Pelican's benchmark, run on as many articles as pages written")
    parser.add_argument("--no-anchor", action="store_true", help="do not time plain Pelican")
    parser.add_argument("--keep-output", type=Path, default=None,
                        help="copy the built site here (to diff two versions of the builder)")
    parser.add_argument("--server", choices=("gunicorn", "runserver"), default="gunicorn",
                        help="how the CMS is served: gunicorn (2 workers x 4 threads, as in production) or runserver")
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="run the CMS and the builder from this checkout (e.g. the previous commit's)")
    parser.add_argument("--reuse", type=Path, default=None,
                        help="keep the SQLite site in this folder and reuse it on the next run (skips the set-up)")
    parser.add_argument("--no-query-count", action="store_true", help="skip the in-process pull that counts SQL")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    if not args.no_anchor and not args.anchor.exists():
        parser.error(f"anchor benchmark not found: {args.anchor} (pass --anchor PATH or --no-anchor)")
    from tests.conftest import free_port, wait_for

    reuse = args.reuse is not None and (args.reuse / "cms.sqlite3").exists() and not os.environ.get(
        "DATABASE_URL", "").startswith("postgres")
    workdir = args.reuse or Path(tempfile.mkdtemp(prefix="vda-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="vda-bench-out-"))
    env = setup_env(workdir)
    env["PYTHONPATH"] = str(args.repo)  # the CMS and the builder import that checkout (the venv's is /work/main)
    os.environ.update(env)
    server = None
    try:
        t = time.perf_counter()
        if reuse:
            import django

            django.setup()
        else:
            populate(args.projects, args.stories, args.images)
        setup_seconds = time.perf_counter() - t
        sql_queries, inprocess_seconds = (None, None) if args.no_query_count else count_pull_queries()

        port = free_port()
        server = start_cms(args.repo, port, env, args.server)
        wait_for(f"http://127.0.0.1:{port}/graphql/", timeout=120)
        out = scratch / "public"
        cms_cpu = process_tree_cpu_seconds(server.pid)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        builder = subprocess.run([sys.executable, "-m", "site_builder", "build", "--full", "--api",
                                  f"http://127.0.0.1:{port}/graphql/", "--out", str(out), "--json"],
                                 cwd=args.repo, env=env, capture_output=True, text=True)
        build_seconds = time.perf_counter() - t
        # CPU, which a shared machine blurs less than wall-clock time: the builder with its render workers
        # (reaped by it, so counted in its children's usage) and the CMS's processes during the build
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        builder_cpu = (after.ru_utime - children.ru_utime) + (after.ru_stime - children.ru_stime)
        cms_cpu = process_tree_cpu_seconds(server.pid) - cms_cpu
        builder_peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # before the CMS is reaped
        cms_peak = process_tree_peak_mb(server.pid)
        if builder.returncode != 0:
            print(builder.stderr, file=sys.stderr)
            return 1
        summary = json.loads(builder.stdout.strip().splitlines()[-1])
        stop(server)  # the anchor gets the machine the build had
        server = None
        if args.keep_output:
            shutil.rmtree(args.keep_output, ignore_errors=True)
            shutil.copytree(out, args.keep_output, symlinks=True)
        anchor = None if args.no_anchor else run_anchor(args.anchor, summary["pages"])
        result = {
            "bench": "build_scale",
            "projects": args.projects, "stories": args.stories,
            "pages": summary["pages"],
            "sql_queries": sql_queries,
            "api_seconds": summary["api_seconds"],
            "build_seconds": round(build_seconds, 2),
            "anchor_seconds": anchor["build_seconds"] if anchor else None,
            "ratio": round(build_seconds / anchor["build_seconds"], 3) if anchor else None,
            "builder_cpu_seconds": round(builder_cpu, 2), "cms_cpu_seconds": round(cms_cpu, 2),
            "model_seconds": summary["model_seconds"],
            "render_seconds": summary["render_seconds"],
            "media_seconds": summary["media_seconds"],
            "peak_rss_mb": round(builder_peak, 1),
            "cms_peak_rss_mb": round(cms_peak, 1),
            "anchor_peak_rss_mb": anchor["peak_rss_mb"] if anchor else None,
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "setup_seconds": round(setup_seconds, 1),
            "database": "postgresql" if env.get("DATABASE_URL") else "sqlite",
            "cms_server": args.server, "code": str(args.repo),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        }
        print(json.dumps(result) if args.json else json.dumps(result, indent=2))
        return 0
    finally:
        if server:
            stop(server)
        if env.get("_BENCH_PG_DROP"):
            import psycopg
            from django.db import connections

            connections.close_all()
            with psycopg.connect(os.environ.get("_BENCH_ADMIN_URL") or
                                 urlunsplit(urlsplit(env["DATABASE_URL"])._replace(path="/postgres")),
                                 autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{env["_BENCH_PG_DROP"]}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)
        if args.reuse is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
