"""The editorial loop in a real browser (issue 5): an editor changes a story in Wagtail, sees the unsaved draft
in the preview panel rendered by the static site's own theme, publishes, and the publishing worker's
incremental build puts the change on the live static site, where the admin's "Publication du site" panel
reports it.

Everything runs for real: a CMS process of its own (its content changes must not reach the shared one), the
initial full build, `manage.py publishing_worker` in a subprocess, the built folder served over HTTP, and
Wagtail's editor driven through headless Chromium.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import expect

from site_builder.serve import make_server
from tests.conftest import CmsServer, free_port, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]

NEW_TITLE = "Aperçu puis publication : un titre tout neuf"
FIRST_INTRO = "Un premier chapeau, tapé avant d'ouvrir l'aperçu."
NEW_INTRO = "Un chapeau réécrit dans l'éditeur, visible dans l'aperçu avant d'être publié."
PAPER = "rgb(251, 247, 242)"  # --paper in themes/vision/static/css/site.css: the body's background
SCREENSHOT_FOR_THE_LEAD = "/tmp/preview-screenshot.png"


@pytest.fixture(scope="module")
def loop_cms(tmp_path_factory):
    """A CMS of its own, its site built once, and its publishing worker running."""
    server = CmsServer(tmp_path_factory.mktemp("loop-cms")).start()
    try:
        server.manage("build_site", "--now", "--full")
        server.start_worker("--interval", "0.2")
        yield server
    finally:
        server.stop()  # the worker too


@pytest.fixture(scope="module")
def live_site(loop_cms):
    """The folder the worker builds into, served as the CDN would."""
    port = free_port()
    server = make_server(loop_cms.workdir / "public", port)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


def get(url: str, **params) -> tuple[int, str]:
    """Status and text, read as UTF-8 (the static server, like a plain file server, names no charset)."""
    answer = requests.get(url, params=params or None, timeout=30)
    return answer.status_code, answer.content.decode("utf-8")


def h1_of(page_html: str) -> str | None:
    match = re.search(r"<h1[^>]*>(.*?)</h1>", page_html, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip() if match else None


def strip_markers(page_html: str) -> str:
    page_html = page_html.replace('<meta name="robots" content="noindex, nofollow" data-preview-marker>', "")
    return re.sub(r"<div data-preview-marker[^>]*>.*?</div>", "", page_html, count=1, flags=re.S)


def foreign_requests(urls: list[str]) -> list[str]:
    return [u for u in urls if urlsplit(u).scheme in ("http", "https", "ws", "wss")
            and urlsplit(u).hostname != "127.0.0.1"]


def site_look(page) -> dict:
    """What the theme's stylesheet does to the page, and where that stylesheet came from."""
    return page.evaluate("""() => {
        const sheets = [...document.styleSheets].filter(s => s.href && new URL(s.href).pathname.startsWith('/theme/'));
        const h1 = document.querySelector('h1');
        return {
            themeSheets: sheets.map(s => ({href: s.href, rules: s.cssRules.length})),
            background: getComputedStyle(document.body).backgroundColor,
            bodyFont: getComputedStyle(document.body).fontFamily,
            h1Font: h1 ? getComputedStyle(h1).fontFamily : null,
        };
    }""")


def test_preview_the_unsaved_draft_then_publish_it(loop_cms, live_site, page, tmp_path):
    cms = loop_cms
    story = json.loads(cms.shell(
        "import json; from cms.stories.models import StoryPage; s = StoryPage.objects.live().order_by('-date').first(); "
        "print(json.dumps({'id': s.pk, 'slug': s.slug, 'title': s.title, 'intro': s.intro}))"))
    old_title = story["title"]
    assert old_title != NEW_TITLE
    story_url = f"{live_site}/histoires/{story['slug']}/"
    status, text = get(story_url)
    assert status == 200 and h1_of(text) == old_title, "the initial build is missing"

    # -- the editor logs in and changes the story without saving it -------------------------------------------
    page.goto(f"{cms.url}/admin/login/")
    page.fill("input[name=username]", cms.admin_user)
    page.fill("input[name=password]", cms.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))

    # Wagtail 8 autosaves the form as a draft revision every 500 ms (WAGTAIL_AUTOSAVE_INTERVAL). To show that
    # the preview renders the form itself and not something saved, the editor's autosave requests are held
    # back until the preview has been checked; the database then still holds the old story.
    autosaves: list[str] = []

    def hold_autosave(route):
        if route.request.method == "POST" and route.request.resource_type in ("fetch", "xhr"):
            autosaves.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    edit_url = re.compile(rf"/admin/pages/{story['id']}/edit/(\?.*)?$")
    page.route(edit_url, hold_autosave)
    # The editor notes what the form held ~2 s after loading (w-unsaved's initial form data, announced by a
    # w-unsaved:watch-edits event): edit after that, as a person would.
    page.add_init_script("document.addEventListener('w-unsaved:watch-edits', () => { window.formWatched = true; });")
    page.goto(f"{cms.url}/admin/pages/{story['id']}/edit/")
    page.wait_for_function("() => window.formWatched === true")  # a function, not a string: no eval under the CSP
    page.fill("#id_title", NEW_TITLE)
    page.fill("#id_intro", FIRST_INTRO)
    assert page.input_value("#id_slug") == story["slug"], "editing a published page's title must keep its slug"

    # -- the preview side panel, as the editor opens it ----------------------------------------------------------
    editor_requests: list[str] = []
    page.on("request", lambda request: editor_requests.append(request.url))
    page.click("[data-side-panel-toggle='preview']")
    expect(page.locator("[data-side-panel='preview']")).to_be_visible()
    panel = page.frame_locator("#w-preview-iframe").frame_locator("iframe")
    expect(panel.locator("h1")).to_have_text(NEW_TITLE, timeout=30_000)
    expect(panel.locator("[data-preview-marker][role=status]")).to_contain_text("Aperçu du brouillon")
    expect(panel.locator("body")).to_have_attribute("data-page-type", "story")
    expect(panel.locator(".lead")).to_have_text(FIRST_INTRO)

    # the panel follows the form: a change made while it is open shows up, still without saving
    page.fill("#id_intro", NEW_INTRO)
    expect(panel.locator(".lead")).to_have_text(NEW_INTRO, timeout=15_000)
    expect(panel.locator("h1")).to_have_text(NEW_TITLE)
    page.screenshot(path=str(tmp_path / "editor-with-preview-panel.png"))

    # the panel's frame shows Wagtail's preview view, whose own frame is the site's /preview/?token=…
    outer = page.locator("#w-preview-iframe").element_handle().content_frame()
    preview_url = outer.locator("iframe").element_handle().content_frame().url
    assert urlsplit(preview_url).path == "/preview/", preview_url
    assert urlsplit(preview_url).netloc == urlsplit(cms.url).netloc, preview_url
    query = parse_qs(urlsplit(preview_url).query)
    token, content_type = query["token"][0], query["content_type"][0]
    assert content_type == "stories.storypage"
    assert not foreign_requests(editor_requests), f"the editor or its preview asked another host: " \
                                                  f"{foreign_requests(editor_requests)}"
    assert any(urlsplit(u).path.startswith("/theme/") for u in editor_requests), \
        "the panel's preview loaded no theme file from the CMS"

    # the draft came from the form: nothing was saved, neither the page nor a revision
    saved = json.loads(cms.shell(
        f"import json; from wagtail.models import Page; p = Page.objects.get(pk={story['id']}).specific; "
        "r = p.get_latest_revision_as_object(); "
        "print(json.dumps({'title': p.title, 'revision_title': r.title, 'draft': p.has_unpublished_changes}))"))
    assert saved == {"title": old_title, "revision_title": old_title, "draft": False}, \
        f"the draft reached the database before publishing: {saved} (held autosaves: {autosaves})"
    page.unroute(edit_url, hold_autosave)  # from here on the editor works as usual

    # -- the preview on its own: markers, the site's look, nothing from elsewhere -------------------------------
    preview_page = page.context.new_page()
    preview_requests: list[str] = []
    preview_page.on("request", lambda request: preview_requests.append(request.url))
    response = preview_page.goto(preview_url)
    assert response.status == 200
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    assert "no-store" in response.headers["cache-control"]
    preview_page.wait_for_load_state("load")
    expect(preview_page.locator("h1")).to_have_text(NEW_TITLE)
    expect(preview_page.locator(".lead")).to_have_text(NEW_INTRO)
    banner = preview_page.locator("[data-preview-marker][role=status]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Aperçu du brouillon")
    assert preview_page.locator("meta[name=robots][data-preview-marker]").get_attribute("content") == \
        "noindex, nofollow"
    assert preview_page.locator("body").get_attribute("data-page-type") == "story"
    look = site_look(preview_page)
    assert look["themeSheets"] and all(s["rules"] > 0 for s in look["themeSheets"]), look
    assert all(urlsplit(s["href"]).netloc == urlsplit(cms.url).netloc for s in look["themeSheets"]), look
    assert look["background"] == PAPER, f"the theme's stylesheet is not applied: {look}"
    assert not foreign_requests(preview_requests), f"the preview asked another host: " \
                                                   f"{foreign_requests(preview_requests)}"
    preview_page.screenshot(path=str(tmp_path / "preview.png"), full_page=False)
    shutil.copyfile(tmp_path / "preview.png", SCREENSHOT_FOR_THE_LEAD)
    previewed_html = get(preview_url)[1]

    # -- nothing is published yet ------------------------------------------------------------------------------
    live_page = page.context.new_page()
    live_page.goto(story_url)
    expect(live_page.locator("h1")).to_have_text(old_title)
    assert live_page.locator("[data-preview-marker]").count() == 0
    live_look = site_look(live_page)
    assert (live_look["background"], live_look["bodyFont"], live_look["h1Font"]) == \
        (look["background"], look["bodyFont"], look["h1Font"]), "the preview does not look like the site"
    live_page.screenshot(path=str(tmp_path / "live-before-publish.png"), full_page=False)
    assert NEW_TITLE not in html.unescape(get(f"{live_site}/histoires/")[1])

    # -- a preview link without its token, or with a forged one, shows nothing ---------------------------------
    signed_value, _, signature = token.rpartition(":")
    other_page = re.sub(r"^id=\d+", f"id={int(story['id']) + 1}", token)
    refused = {
        "no token": ({"content_type": content_type}, 400),
        "empty token": ({"content_type": content_type, "token": ""}, 400),
        "made-up token": ({"content_type": content_type, "token": "id=1:forged:forged"}, 403),
        "bad signature": ({"content_type": content_type,
                           "token": f"{signed_value}:{signature[:-2]}{'AA' if signature[-2:] != 'AA' else 'BB'}"},
                          403),
        "signature of another page": ({"content_type": content_type, "token": other_page}, 403),
    }
    assert other_page != token
    for name, (params, status) in refused.items():
        got, text = get(f"{cms.url}/preview/", **params)
        assert got == status, (name, got, text[:300])
        assert not [t for t in (NEW_TITLE, FIRST_INTRO, NEW_INTRO) if t in html.unescape(text)], name
        assert "data-preview-marker" not in text, name
    refused_in_browser = preview_page.goto(f"{cms.url}/preview/?content_type={content_type}&token=forged")
    assert refused_in_browser.status == 403
    expect(preview_page.locator("body")).not_to_contain_text(NEW_TITLE)
    assert preview_page.locator("h1").count() == 0

    # -- publish from the editor ---------------------------------------------------------------------------------
    page.locator("footer [data-w-dropdown-target='toggle'], footer .w-dropdown__toggle").first.click()
    page.locator("button[name=action-publish]").click()
    page.wait_for_url(re.compile(r"/admin/pages/\d+/$"))
    expect(page.locator(".messages .success, .messages li.success").first).to_be_visible()

    def published_html():
        status, text = get(story_url)
        return text if status == 200 and h1_of(text) == NEW_TITLE else None

    wait_until(published_html, 20, f"the live story page never showed the new title (worker log: "
                                    f"{cms.worker_log_path}, CMS log: {cms.workdir / 'cms.log'})")
    live_page.goto(story_url)
    expect(live_page.locator("h1")).to_have_text(NEW_TITLE)
    expect(live_page.locator(".lead")).to_have_text(NEW_INTRO)
    assert live_page.locator("[data-preview-marker]").count() == 0
    live_page.screenshot(path=str(tmp_path / "live-after-publish.png"), full_page=False)
    # what the editor previewed is what got published, byte for byte, the draft markers aside
    published_file = (cms.workdir / "public" / "histoires" / story["slug"] / "index.html").read_text()
    assert strip_markers(previewed_html) == published_file, "the preview differs from the published page"

    live_page.goto(f"{live_site}/histoires/")
    expect(live_page.locator("main")).to_contain_text(NEW_TITLE)
    assert old_title not in live_page.locator("main").inner_text()

    # -- the admin's "Publication du site" panel reports the build --------------------------------------------
    def succeeded_row():
        page.goto(f"{cms.url}/admin/publication/")
        rows = page.locator("table[data-builds] tr[data-status]").filter(has_text=NEW_TITLE)
        return rows.count() and rows.first.get_attribute("data-status") == "succeeded" and rows.first

    row = wait_until(succeeded_row, 20, "no succeeded build mentioning the story in /admin/publication/")
    assert f"Publication de « {NEW_TITLE} »" in row.inner_text()
    assert cms.admin_user in row.inner_text()
    assert "partielle" in row.inner_text(), row.inner_text()
    assert page.locator("table[data-builds] tr[data-status=failed]").count() == 0
