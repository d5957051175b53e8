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


def our_apps():
    """Every installed app whose code lives under cms/: a new app is covered without editing this list."""
    from django.apps import apps

    cms = (REPO / "cms").resolve()
    return [a for a in apps.get_app_configs() if Path(a.path).resolve().is_relative_to(cms)]


def test_every_app_of_ours_with_models_has_its_migrations():
    from django.db.migrations.loader import MigrationLoader

    ours = our_apps()
    labels = {a.label for a in ours}
    assert {"core", "multimedia", "projects", "stories", "donations", "publishing"} <= labels, labels
    loader = MigrationLoader(None, ignore_no_migrations=True)
    for app in ours:
        names = {name for label, name in loader.disk_migrations if label == app.label}
        if not list(app.get_models()) and not names:
            continue  # an app without models (api) needs no migrations
        assert app.label in loader.migrated_apps, f"{app.label} has models but no migrations"
        assert any(name.startswith("0001_") for name in names), f"{app.label} has no 0001 migration: {names}"


def test_migrations_only_depend_on_installed_migrations():
    from django.db.migrations.loader import MigrationLoader

    labels = {a.label for a in our_apps()}
    loader = MigrationLoader(None, ignore_no_migrations=True)
    ours = [key for key in loader.disk_migrations if key[0] in labels]
    assert {key[0] for key in ours} >= {"core", "multimedia", "projects", "stories", "donations", "publishing"}
    for key in ours:
        for dependency in loader.disk_migrations[key].dependencies:
            if dependency[1] != "__first__" and not dependency[1].startswith("__"):
                assert dependency in loader.disk_migrations, f"{key} depends on missing {dependency}"
