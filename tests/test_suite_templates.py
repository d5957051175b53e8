"""The CMS templates of the test suite (tests/cms_databases.py): a copy is a complete, independent CMS.

Every live-server test trusts a copy to be what `migrate`, `load_content` and `ensure_admin` would have left;
these tests check that on the database the suite runs on (SQLite, or PostgreSQL with DATABASE_URL)."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests import cms_databases
from tests.conftest import CmsServer

pytestmark = pytest.mark.slow

CHECK = """
import json
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from wagtail.images import get_image_model
from wagtail.models import Page, Site
from cms.core.models import HomePage
from cms.projects.models import ProjectPage
from cms.stories.models import StoryPage

executor = MigrationExecutor(connection)
unapplied = executor.migration_plan(executor.loader.graph.leaf_nodes())
images = get_image_model().objects.all()
print(json.dumps({
    "unapplied": [str(migration) for migration, _ in unapplied],
    "projects": ProjectPage.objects.live().count(),
    "stories": StoryPage.objects.live().count(),
    "site_root_is_home": isinstance(Site.objects.get(is_default_site=True).root_page.specific, HomePage),
    "admin": bool(authenticate(username="admin", password="test-admin-password")),
    "images": images.count(),
    "missing_image_files": [i.file.name for i in images if not i.file.storage.exists(i.file.name)],
}))
"""


def copy_of(kind: str, workdir) -> CmsServer:
    server = CmsServer(workdir, start_from=kind)
    cms_databases.clone(cms_databases.template(kind, server.template_env()), workdir, server._pg_db)
    return server


def folder(tmp_path, name: str):
    (tmp_path / name).mkdir()
    return tmp_path / name


def state(server: CmsServer) -> dict:
    return json.loads(server.shell(CHECK).strip().splitlines()[-1])


def test_a_copy_of_the_demo_template_is_a_migrated_cms_with_the_demo_content(tmp_path):
    server = copy_of(cms_databases.DEMO, tmp_path)
    try:
        found = state(server)
    finally:
        server.stop()
    assert found["unapplied"] == []
    assert found["projects"] >= 6 and found["stories"] >= 12  # content/ (test_builder_demo counts the same)
    assert found["site_root_is_home"] and found["admin"]
    assert found["images"] >= 30 and found["missing_image_files"] == []  # the media folder came with it


def test_a_copy_of_the_migrated_template_is_migrated_and_empty(tmp_path):
    server = copy_of(cms_databases.MIGRATED, tmp_path)
    try:
        found = state(server)
    finally:
        server.stop()
    assert found["unapplied"] == []
    assert (found["projects"], found["stories"], found["images"], found["admin"]) == (0, 0, 0, False)


def count_pages_titled(server: CmsServer, title: str) -> int:
    sql = "SELECT count(*) FROM wagtailcore_page WHERE title = %s"
    if server._pg_db:
        import psycopg

        with psycopg.connect(server.env["DATABASE_URL"]) as conn:
            return conn.execute(sql, (title,)).fetchone()[0]
    with sqlite3.connect(server.workdir / cms_databases.SQLITE_NAME) as conn:
        return conn.execute(sql.replace("%s", "?"), (title,)).fetchone()[0]


def rename_home(server: CmsServer, title: str) -> None:
    sql = "UPDATE wagtailcore_page SET title = %s WHERE depth = 2"
    if server._pg_db:
        import psycopg

        with psycopg.connect(server.env["DATABASE_URL"]) as conn:
            conn.execute(sql, (title,))
        return
    with sqlite3.connect(server.workdir / cms_databases.SQLITE_NAME) as conn:
        conn.execute(sql.replace("%s", "?"), (title,))


def test_copies_are_independent_of_each_other_and_of_the_template(tmp_path):
    first = copy_of(cms_databases.DEMO, folder(tmp_path, "first"))
    second = copy_of(cms_databases.DEMO, folder(tmp_path, "second"))
    try:
        rename_home(first, "Changé dans une copie")
        assert count_pages_titled(first, "Changé dans une copie") == 1
        assert count_pages_titled(second, "Changé dans une copie") == 0
        third = copy_of(cms_databases.DEMO, folder(tmp_path, "third"))
        try:
            assert count_pages_titled(third, "Changé dans une copie") == 0  # the template did not change
        finally:
            third.stop()
    finally:
        first.stop()
        second.stop()


@pytest.mark.parametrize("content, extra_env, expected", [
    (cms_databases.CONTENT, None, cms_databases.DEMO),
    (cms_databases.CONTENT, {"SITE_BASE_URL": "https://www.example.org"}, cms_databases.DEMO),
    (cms_databases.CONTENT, {"AWS_STORAGE_BUCKET_NAME": "b"}, cms_databases.MIGRATED),  # media via storages
    (cms_databases.CONTENT, {"SITE_BUILD_ENABLED": "0"}, cms_databases.MIGRATED),  # load queues no build
    (cms_databases.CONTENT, {"SOMETHING_NEW": "1"}, cms_databases.MIGRATED),  # unknown: loaded, to be safe
    (cms_databases.REPO / "tests", None, cms_databases.MIGRATED),  # other content
])
def test_which_template_a_cms_starts_from(content, extra_env, expected):
    assert cms_databases.template_for(content, extra_env) == expected

