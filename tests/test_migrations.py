"""Models and migrations agree, and no migration of ours depends on one a clean install lacks."""

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import REPO


@pytest.mark.django_db
def test_no_model_change_without_a_migration():
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exc:  # --check exits non-zero when a migration is missing
        pytest.fail(f"models changed without a migration:\n{out.getvalue()}")
        raise exc


def test_migrations_only_depend_on_installed_migrations():
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = [key for key in loader.disk_migrations if Path(loader.disk_migrations[key].__module__.replace(
        ".", "/")).parts[0] in {"core", "multimedia", "projects", "stories"}]
    assert ours
    for key in ours:
        for dependency in loader.disk_migrations[key].dependencies:
            if dependency[1] != "__first__" and not dependency[1].startswith("__"):
                assert dependency in loader.disk_migrations, f"{key} depends on missing {dependency}"
    assert (REPO / "cms" / "core" / "migrations" / "0001_initial.py").exists()
