"""The menus from the admin to the built site, against a real CMS process (issue 12 §3).

One CMS of its own (these tests change its menus and unpublish a page), the demo content without its gift
history (menus do not need it, and it is the slow part of a load). In order: the demo's menus are today's
links; an editor adds an address and a page and removes a page in Réglages du site over HTTP, as the admin's
form posts it, and the next incremental build rewrites every page with the new header and footer; the
header still fits a phone and a desktop in Chromium; an unpublished page leaves the API and the site.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
from pathlib import Path

import pytest
import requests

from site_builder.build import build
from site_builder.incremental import build_incremental
from site_builder.serve import make_server
from tests import menu_admin
from tests.conftest import CONTENT, CmsServer, free_port

pytestmark = pytest.mark.slow

BASE = "https://www.example.org"
VOLUNTEER = "https://www.example.org/benevolat/"
DEMO_MAIN = ["Nos projets", "Histoires", "Qui sommes-nous ?", "Transparence financière"]
DEMO_FOOTER = ["Qui sommes-nous ?", "Transparence financière", "Mentions légales", "Nous contacter"]
EDITED_MAIN = ["Nos projets", "Histoires", "Qui sommes-nous ?", "Devenir bénévole", "Nous contacter"]
EDITED_FOOTER = DEMO_FOOTER + ["Faire un don"]
SCREENSHOTS = Path("/tmp/menus-header-screenshots")  # for a person to open; tmp_path holds them too
NAV = re.compile(r'<nav class="site-nav".*?</nav>', re.S)
FOOTER_NAV = re.compile(r'<nav class="site-footer__nav".*?</nav>', re.S)
LINK = re.compile(r'<a href="([^"]*)"[^>]*>([^<]*)</a>')


@pytest.fixture(scope="module")
def cms(tmp_path_factory):
    content = tmp_path_factory.mktemp("menus-content") / "content"
    shutil.copytree(CONTENT, content)
    (content / "gifts.yaml").unlink()
    server = CmsServer(tmp_path_factory.mktemp("menus-cms"), content=content,
                       extra_env={"SITE_BASE_URL": BASE}).start()
    server.out, server.cache = server.workdir / "public", server.workdir / "build-cache"
    yield server
    server.stop()


def links(html: str, pattern: re.Pattern) -> list[tuple[str, str]]:
    match = pattern.search(html)
    return [(href, title.replace("&#39;", "'")) for href, title in LINK.findall(match.group(0))] if match else []


def html_pages(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in out.rglob("*.html")}


def api_menus(cms) -> dict:
    query = '{ setting(name: "SiteSettings") { ... on SiteSettings { mainMenu { title path url } footerMenu { title path url } } } }'
    response = requests.post(cms.api, json={"query": query}, timeout=30)  # anonymous, as anyone may ask
    assert response.status_code == 200 and "errors" not in response.json(), response.text[:500]
    return response.json()["data"]["setting"]


def page_id(cms, slug: str) -> int:
    return json.loads(cms.shell(f"from wagtail.models import Page; print(Page.objects.get(slug={slug!r}).pk)")
                      .strip().splitlines()[-1])


def admin_session(cms) -> requests.Session:
    session = requests.Session()
    session.get(f"{cms.url}/admin/login/", timeout=60).raise_for_status()
    response = session.post(f"{cms.url}/admin/login/", allow_redirects=False, timeout=60, data={
        "username": cms.admin_user, "password": cms.admin_password,
        "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert response.status_code == 302, "admin login failed"
    return session


def test_the_demo_menus_are_the_links_of_before(cms):
    build(cms.api, cms.out, base_url=BASE, cache_dir=cms.cache)
    pages = html_pages(cms.out)
    for name in ("index.html", "projets/index.html", "a-propos/index.html", "404.html"):
        assert [t for _, t in links(pages[name], NAV)] == DEMO_MAIN, name
        assert [t for _, t in links(pages[name], FOOTER_NAV)] == DEMO_FOOTER, name
    assert links(pages["index.html"], NAV)[0] == ("/projets/", "Nos projets")  # a path: any --base-url works


def test_an_editor_changes_the_menus_and_every_page_shows_it(cms):
    session = admin_session(cms)
    form = session.get(f"{cms.url}{menu_admin.SETTINGS_URL}", timeout=60)
    form.raise_for_status()
    data = menu_admin.settings_form(form.text)
    menu_admin.remove_page(data, menu_admin.MAIN, page_id(cms, "transparence"))
    menu_admin.add_link(data, menu_admin.MAIN, url=VOLUNTEER, label="Devenir bénévole")
    menu_admin.add_link(data, menu_admin.MAIN, page_id=page_id(cms, "contact"))
    menu_admin.add_link(data, menu_admin.FOOTER, url="/donner/", label="Faire un don")
    data["csrfmiddlewaretoken"] = [session.cookies["csrftoken"]]
    response = session.post(form.url, data=data, allow_redirects=False, timeout=60,
                            headers={"Referer": form.url})
    assert response.status_code == 302, menu_admin.form_errors(response.text)

    queued = json.loads(cms.shell("import json; from cms.publishing.models import SiteBuild; "
                                  "b = SiteBuild.objects.filter(status=SiteBuild.QUEUED).get(); "
                                  "print(json.dumps([b.full, b.reasons]))").strip().splitlines()[-1])
    assert queued[0] and queued[1][-1] == "Réglages du site modifiés"  # (load_content's build waits too: no worker)
    assert [link["title"] for link in api_menus(cms)["mainMenu"]] == EDITED_MAIN

    before = html_pages(cms.out)
    result = build_incremental(cms.api, cms.out, base_url=BASE, cache_dir=cms.cache)
    assert result.kind == "incremental"
    after = html_pages(cms.out)
    assert after.keys() == before.keys()
    assert {name for name in after if after[name] != before[name]} == set(after)  # every page: the global stamp
    for name, html in after.items():
        assert [t for _, t in links(html, NAV)] == EDITED_MAIN, name
        assert [t for _, t in links(html, FOOTER_NAV)] == EDITED_FOOTER, name
    nav = dict((t, href) for href, t in links(after["index.html"], NAV))
    assert nav["Devenir bénévole"] == VOLUNTEER and nav["Nous contacter"] == "/contact/"
    assert 'href="/contact/" aria-current="page"' in NAV.search(after["contact/index.html"]).group(0)


@pytest.mark.browser
@pytest.mark.parametrize("width", [360, 960, 1280])
def test_the_edited_header_fits_a_phone_and_a_desktop(cms, page, width, tmp_path):
    server = make_server(cms.out, free_port())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.set_viewport_size({"width": width, "height": 800})
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/projets/")
        header = page.locator("header.site-header")
        SCREENSHOTS.mkdir(exist_ok=True)
        for folder in (tmp_path, SCREENSHOTS):
            header.screenshot(path=str(folder / f"header-{width}.png"))
        problems = page.evaluate("""() => {
          const vw = document.documentElement.clientWidth, out = [];
          if (document.documentElement.scrollWidth > vw) out.push(`page ${document.documentElement.scrollWidth}px wide`);
          for (const el of document.querySelectorAll('header.site-header a')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) out.push(`${el.textContent} hidden`);
            else if (r.left < 0 || r.right > vw + 0.5) out.push(`${el.textContent} at ${r.left}..${r.right} of ${vw}`);
          }
          for (const el of document.querySelectorAll('.site-nav a')) {
            const r = el.getBoundingClientRect();
            if (r.height > 0 && r.height < 44) out.push(`${el.textContent} ${r.height}px tall (< 44 px to tap)`);
          }
          const boxes = [...document.querySelectorAll('header.site-header a')].map(a => [a, a.getBoundingClientRect()]);
          for (const [i, [a, r]] of boxes.entries()) for (const [b, q] of boxes.slice(i + 1)) {
            if (r.left < q.right - 0.5 && q.left < r.right - 0.5 && r.top < q.bottom - 0.5 && q.top < r.bottom - 0.5)
              out.push(`${a.textContent} over ${b.textContent}`);
          }
          const lines = new Set([...document.querySelectorAll('.site-nav a')].map(a => Math.round(a.getBoundingClientRect().top)));
          return {out, navLines: lines.size, headerHeight: document.querySelector('header.site-header').getBoundingClientRect().height};
        }""")
        assert problems["out"] == [], problems
        assert problems["navLines"] <= (3 if width < 600 else 2), problems  # five long links wrap, never overlap
        assert page.locator(".site-nav a", has_text="Devenir bénévole").is_visible()
    finally:
        server.shutdown()
        server.server_close()


def test_an_unpublished_page_leaves_the_api_and_the_site(cms):
    cms.shell("from wagtail.models import Page; Page.objects.get(slug='a-propos').specific.unpublish()")
    menus = api_menus(cms)
    shown = json.dumps(menus, ensure_ascii=False)
    assert "Qui sommes-nous" not in shown and "a-propos" not in shown
    assert [link["title"] for link in menus["mainMenu"]] == [t for t in EDITED_MAIN if t != "Qui sommes-nous ?"]

    build_incremental(cms.api, cms.out, base_url=BASE, cache_dir=cms.cache)
    pages = html_pages(cms.out)
    assert "a-propos/index.html" not in pages
    for name, html in pages.items():
        assert "Qui sommes-nous" not in NAV.search(html).group(0) + FOOTER_NAV.search(html).group(0), name
        assert 'href="/a-propos/"' not in html, name
