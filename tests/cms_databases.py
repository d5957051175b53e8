"""Databases for the CMS processes the tests start, copied from templates made once per session.

A CMS start used to run three Django processes before its web server (`migrate`, `load_content`,
`ensure_admin`), for each of the seven CMS processes of a run: about 5 s of migrations and 4 s of loading
each on a quiet machine, minutes on a loaded one. Now the session makes each state once, in one process,
and every CMS gets a copy of it:

- `MIGRATED`: every migration applied, no content (for a CMS whose content or media differ from the demo's,
  for instance media on S3, which must go through django-storages);
- `DEMO`: `MIGRATED` plus `load_content content/` and the demo admin account, with its media folder.

A copy is what the commands would have left (the same rows, the same files), so the tests see the same CMS
as before. SQLite databases are copied with SQLite's backup API (a consistent copy of the file), PostgreSQL
ones with `CREATE DATABASE … TEMPLATE …` (the server copies the files; the template has no connection
left once the process that made it has exited). The templates are dropped when the session ends.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REPO = Path(__file__).resolve().parent.parent
CONTENT = REPO / "content"
MIGRATED, DEMO = "migrated", "demo"
SQLITE_NAME = "cms.sqlite3"  # base.py: VDA_VAR_DIR / cms.sqlite3 when DATABASE_URL is not set

# Environment variables a CMS may set that do not change what migrate, load_content and ensure_admin write
# (they are read by the running server only). A CMS that sets any other variable (media on S3, builds off,
# another admin…) loads its content itself, from the MIGRATED copy: a variable nobody listed here costs a
# few seconds, never a wrong database.
RUNTIME_ONLY = frozenset({
    "ALLOWED_HOSTS", "DB_CONN_MAX_AGE", "DJANGO_SECRET_KEY", "DONATE_ALLOWED_ORIGINS", "DONATE_RATE_LIMITS",
    "DONATE_TOTALS_CACHE_SECONDS", "DONATE_TRUST_X_FORWARDED_FOR", "DONOR_SPACE_URL", "EMAIL_BACKEND", "EMAIL_HOST",
    "EMAIL_PORT", "EMAIL_TIMEOUT", "EMAIL_USE_TLS", "MAIL_RETRY_DELAYS", "GRAPHQL_BUILD_MAX_BODY_BYTES",
    "GRAPHQL_INTROSPECTION", "GRAPHQL_LIST_SIZE", "GRAPHQL_MAX_BODY_BYTES", "GRAPHQL_MAX_COST",
    "GRAPHQL_MAX_DEPTH", "GRAPHQL_MAX_DUPLICATE_FIELDS", "GRAPHQL_MAX_FIELDS", "GRAPHQL_RATE_LIMIT", "LOG_LEVEL",
    "NETLIFY_BUILD_HOOK", "PREVIEW_TOKEN_MAX_AGE", "RATE_LIMIT_KEY_PREFIX", "REDIS_URL", "SITE_BASE_URL",
    "SITE_BUILD_API_TOKEN", "SITE_BUILD_API_URL", "SITE_BUILD_CACHE", "SITE_BUILD_MAX_WAIT", "SITE_BUILD_OUT",
    "SITE_BUILD_QUIET_SECONDS", "SITE_DONATE_API", "SITE_MEDIA_URL", "STRIPE_API_BASE",
    "STRIPE_PUBLISHABLE_KEY", "STRIPE_SECRET_KEY", "STRIPE_TIMEOUT_SECONDS", "STRIPE_WEBHOOK_SECRET",
    "TRUSTED_PROXY_HOPS", "WAGTAILADMIN_BASE_URL", "PYTHONUNBUFFERED",
})


def template_for(content: Path, extra_env: dict | None) -> str:
    """Which template a CMS can start from: DEMO when its content and everything it stores are the demo's."""
    if Path(content).resolve() == CONTENT.resolve() and set(extra_env or {}) <= RUNTIME_ONLY:
        return DEMO
    return MIGRATED


def postgres_admin_url() -> str | None:
    """DATABASE_URL when it names a PostgreSQL server (the connection that creates and drops databases)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgres") else None


def postgres_query(sql: str) -> None:
    import psycopg

    with psycopg.connect(postgres_admin_url(), autocommit=True) as conn:
        conn.execute(sql)


def postgres_url(name: str) -> str:
    """DATABASE_URL for the database `name` on the test server."""
    return urlunsplit(urlsplit(postgres_admin_url())._replace(path="/" + name))


def new_postgres_name(prefix: str = "vda_e2e") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@dataclass
class Template:
    kind: str
    workdir: Path  # the VDA_VAR_DIR it was made in: its SQLite file and its media folder
    pg_name: str | None  # its PostgreSQL database, when the tests run on PostgreSQL


_templates: dict[tuple, Template] = {}


def clone(template: Template, workdir: Path, pg_name: str | None) -> None:
    """Give a CMS (its VDA_VAR_DIR `workdir`, its PostgreSQL database `pg_name`) a copy of `template`."""
    if pg_name:
        postgres_query(f'CREATE DATABASE "{pg_name}" TEMPLATE "{template.pg_name}"')
    else:
        source = sqlite3.connect(template.workdir / SQLITE_NAME)
        target = sqlite3.connect(workdir / SQLITE_NAME)
        with target:
            source.backup(target)
        source.close()
        target.close()
    media = template.workdir / "media"
    if media.exists():
        shutil.copytree(media, workdir / "media", dirs_exist_ok=True)


def run_django(env: dict, code: str) -> None:
    """Run management commands in one CMS process (one Django start-up, not one per command)."""
    done = subprocess.run([sys.executable, str(REPO / "cms" / "manage.py"), "shell", "-v", "0", "-c", code],
                          env=env, capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        raise RuntimeError(f"making a CMS database failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")


def load_demo_code(content: Path) -> str:
    """What `load_content` and `ensure_admin` do at a CMS start, as one process's code."""
    return ("from django.core.management import call_command\n"
            f"call_command('load_content', {str(content)!r})\n"
            "call_command('ensure_admin')\n")


def template(kind: str, base_env: dict) -> Template:
    """The session's template of `kind`, made on first use. `base_env` is a CMS's environment without its
    own database, folders and extra variables (CmsServer.template_env)."""
    key = (kind, base_env.get("DEMO_ADMIN_USER"), base_env.get("DEMO_ADMIN_PASSWORD"))
    if key in _templates:
        return _templates[key]
    workdir = Path(tempfile.mkdtemp(prefix=f"vda-template-{kind}-"))
    pg_name = new_postgres_name("vda_template") if postgres_admin_url() else None
    env = dict(base_env, VDA_VAR_DIR=str(workdir), SITE_BUILD_OUT=str(workdir / "public"),
               SITE_BUILD_CACHE=str(workdir / "build-cache"))
    env.pop("DATABASE_URL", None)
    if pg_name:
        env["DATABASE_URL"] = postgres_url(pg_name)
    made = Template(kind, workdir, pg_name)
    try:
        if kind == MIGRATED:
            if pg_name:
                postgres_query(f'CREATE DATABASE "{pg_name}"')
            run_django(env, "from django.core.management import call_command\n"
                            "call_command('migrate', interactive=False, verbosity=0)\n")
        else:
            clone(template(MIGRATED, base_env), workdir, pg_name)
            run_django(env, load_demo_code(CONTENT))
    except BaseException:
        drop(made)
        raise
    _templates[key] = made
    return made


def drop(made: Template) -> None:
    if made.pg_name:
        postgres_query(f'DROP DATABASE IF EXISTS "{made.pg_name}" WITH (FORCE)')
    shutil.rmtree(made.workdir, ignore_errors=True)


def drop_templates() -> None:
    """At the end of the session: the templates' databases and folders go."""
    while _templates:
        drop(_templates.popitem()[1])
