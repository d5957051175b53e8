"""`load_content` on the real demo content: complete, and a second run changes nothing."""

import pytest
from django.core.management import call_command
from wagtail.models import Locale, Page, Site

from cms.core.models import HomePage
from cms.projects.models import ProjectPage, ProjectUpdate
from cms.stories.models import StoryPage
from tests.conftest import CONTENT

pytestmark = pytest.mark.django_db


def snapshot():
    return sorted((p.pk, p.title, p.latest_revision_id, p.live) for p in Page.objects.all())


def test_loads_everything_and_is_idempotent(capsys):
    call_command("load_content", str(CONTENT))
    assert ProjectPage.objects.live().count() >= 6
    assert StoryPage.objects.live().count() >= 12
    assert Site.objects.get(is_default_site=True).root_page.specific_class is HomePage
    assert {l.language_code for l in Locale.objects.all()} == {"fr", "en"}
    assert not Page.objects.filter(slug="home").exists()  # Wagtail's placeholder page is gone
    placed = ProjectUpdate.objects.exclude(latitude=None)  # the demo's updates with a place (issue 14)
    assert placed.count() >= 10 and all(u.place_name and u.longitude is not None for u in placed)
    before = snapshot()
    capsys.readouterr()
    call_command("load_content", str(CONTENT))
    assert "0 item(s) created or updated" in capsys.readouterr().out
    assert snapshot() == before


def test_a_wrong_folder_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="no site.yaml"):
        call_command("load_content", str(tmp_path))


def test_a_broken_reference_names_the_file_and_loads_nothing(tmp_path):
    import shutil

    from django.core.management.base import CommandError

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    story = sorted((content / "stories").glob("*.yaml"))[0]
    story.write_text(story.read_text(encoding="utf-8") + "\nrelated_projects: [projet-inexistant]\n",
                     encoding="utf-8")
    with pytest.raises(CommandError, match=rf"stories/{story.name}: unknown related project 'projet-inexistant'"):
        call_command("load_content", str(content))
    assert not StoryPage.objects.exists()  # all or nothing: one transaction
