"""An editor's loop in a real browser: log into Wagtail, edit a story, publish, rebuild, see it live."""

import re

import pytest

from site_builder.build import build
from site_builder.serve import make_server
from tests.conftest import CmsServer, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def editor_cms(tmp_path_factory):
    """A CMS of its own: this test changes content, which the shared one must not see."""
    server = CmsServer(tmp_path_factory.mktemp("editor-cms")).start()
    yield server
    server.stop()


@pytest.fixture
def static_site(tmp_path):
    import threading

    out = tmp_path / "public"
    out.mkdir()
    port = free_port()
    server = make_server(out, port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield out, f"http://127.0.0.1:{port}"
    server.shutdown()


def test_edit_publish_rebuild_shows_the_change(editor_cms, static_site, page, tmp_path):
    out, site_url = static_site
    story_id = editor_cms.shell(
        "from cms.stories.models import StoryPage; print(StoryPage.objects.live().order_by('-date').first().pk)").strip()
    story_slug = editor_cms.shell(f"from wagtail.models import Page; print(Page.objects.get(pk={story_id}).slug)").strip()

    page.goto(f"{editor_cms.url}/admin/login/")
    page.fill("input[name=username]", editor_cms.admin_user)
    page.fill("input[name=password]", editor_cms.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    page.goto(f"{editor_cms.url}/admin/pages/{story_id}/edit/")
    new_title = "Un titre changé depuis l'éditeur"
    page.fill("#id_title", new_title)
    page.locator("footer [data-w-dropdown-target='toggle'], footer .w-dropdown__toggle").first.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/"))
    assert page.locator(".messages .success, .messages li.success").first.is_visible()

    build(editor_cms.api, out, base_url=site_url, cache_dir=tmp_path / "cache")
    page.goto(f"{site_url}/histoires/{story_slug}/")
    assert page.locator("h1").first.inner_text().strip() == new_title
    assert page.locator("body").get_attribute("data-page-type") == "story"
    page.screenshot(path=str(tmp_path / "story-after-publish.png"), full_page=False)
    page.goto(f"{site_url}/histoires/")
    assert new_title in page.locator("main").inner_text()
