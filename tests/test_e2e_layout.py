"""Every page type of the built demo site, in Chromium at 320, 360 and 1280 px: nothing is wider than the
viewport, no word is broken inside itself, the menu is reachable on a phone, and the page reads right
("Le projet" once, no line of the story's byline starting with its separator).

Why in a browser: overflow and word breaks depend on fonts, widths and the cascade; only layout knows.
"""

import threading
from pathlib import Path

import pytest

from site_builder.serve import make_server
from tests.conftest import free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = [320, 360, 1280]

# Returns a list of human-readable problems for the page as laid out now.
# - overflow: the document scrolls sideways, or an element's box passes the viewport's right (or left)
#   edge, unless an ancestor clips or scrolls it by design (overflow-x other than visible), or the
#   element is visually hidden (clip / 1 px boxes); and a box that scrolls by design (overflow-x auto,
#   the budget table's wrapper, the old phone menu) must not need to: its content fits its width.
# - broken word: a word (a run of non-space characters between spaces or hyphens) whose Range has client
#   rects on two lines: the browser broke it inside itself (overflow-wrap, word-break or hyphens).
LAYOUT_PROBLEMS_JS = r"""
() => {
  const problems = [];
  const root = document.documentElement;
  const vw = root.clientWidth;
  if (root.scrollWidth > vw) problems.push(`document is ${root.scrollWidth}px wide for ${vw}px`);
  const clipsOrScrolls = (el) => {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const ox = getComputedStyle(a).overflowX;
      if (ox !== 'visible') return true;
    }
    return false;
  };
  const hidden = (el) => el.closest('.visually-hidden, [hidden], script, style, template, noscript, option, title, head');
  const describe = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    const parent = el.parentElement && el.parentElement.closest('[class]');
    return (parent ? parent.className.split(' ')[0] + ' > ' : '') + s;
  };
  for (const el of document.body.querySelectorAll('*')) {
    if (hidden(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > vw + 0.5 || r.left < -0.5) {
      if (clipsOrScrolls(el)) continue;
      if (getComputedStyle(el).position === 'absolute' && r.bottom < 0) continue;  // skip link, off-screen until focused
      problems.push(`${describe(el)} spans ${Math.round(r.left)}..${Math.round(r.right)}px of ${vw}px`);
      if (problems.length > 15) break;
    }
  }
  // A box that scrolls by design (the budget table's wrapper) is only a safety net: its content must fit.
  for (const el of document.body.querySelectorAll('*')) {
    const ox = getComputedStyle(el).overflowX;
    if ((ox === 'auto' || ox === 'scroll') && el.scrollWidth > el.clientWidth + 1 && !hidden(el))
      problems.push(`${describe(el)} scrolls sideways (${el.scrollWidth}px in ${el.clientWidth}px)`);
  }
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  let broken = 0;
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    if (!parent || hidden(parent)) continue;
    const text = node.data;
    const re = /[^\s\-\u2010\u2011\u2013\u2014\/]+/g;
    let m;
    while ((m = re.exec(text)) !== null) {
      if (m[0].length < 2) continue;
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const rects = [...range.getClientRects()].filter((q) => q.width > 0.5 && q.height > 0.5);
      if (rects.length < 2) continue;
      const tops = rects.map((q) => q.top);
      const lineHeight = Math.min(...rects.map((q) => q.height));
      if (Math.max(...tops) - Math.min(...tops) > lineHeight / 2) {
        problems.push(`word "${m[0]}" broken across lines in ${describe(parent)}`);
        if (++broken > 10) return problems;
      }
    }
  }
  return problems;
}
"""


@pytest.fixture(scope="module")
def site_url(built_site):
    port = free_port()
    server = make_server(Path(built_site.out), port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def page_urls(root: Path) -> list[str]:
    """Every page type: home, project index (and one filtered index), every project page (active,
    planned and completed), the story index, every story (those with galleries included), every
    standard page, /donner/, the thank-you page and the 404 page."""
    from tests import sitecheck

    pages = sitecheck.load_pages(root)
    urls = []
    for url, page in pages.items():
        kind = page.page_type
        if kind == "project_index" and url != "/projets/" and not url.startswith("/projets/statut/completed"):
            continue
        if kind == "story_index" and url != "/histoires/":
            continue
        if kind:
            urls.append(url)
    return sorted(urls)


def test_the_sample_covers_every_page_type(built_site):
    from tests import sitecheck

    pages = sitecheck.load_pages(Path(built_site.out))
    kinds = {pages[u].page_type for u in page_urls(Path(built_site.out))}
    assert kinds >= {"home", "project_index", "project", "story_index", "story", "standard", "donate",
                     "thank_you", "404"}
    statuses = {pages[u].soup.select_one(".page-head .status")["class"][1]
                for u in page_urls(Path(built_site.out)) if pages[u].page_type == "project"}
    assert "status--completed" in statuses and "status--active" in statuses
    assert any(pages[u].soup.select(".gallery") for u in page_urls(Path(built_site.out))
               if pages[u].page_type == "story")


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_the_viewport_and_no_word_breaks(built_site, site_url, page, width):
    page.set_viewport_size({"width": width, "height": 800})
    failures = []
    for url in page_urls(Path(built_site.out)):
        page.goto(site_url + url, wait_until="load")
        failures += [f"{url} @{width}px: {p}" for p in page.evaluate(LAYOUT_PROBLEMS_JS)]
    assert failures == []


@pytest.mark.parametrize("width", [320, 360])
def test_every_menu_item_is_visible_on_a_phone(built_site, site_url, page, width):
    """Without scrolling the menu sideways or opening anything hidden: each item's whole box lies inside
    the viewport and inside every box that clips it, and it can be clicked (is the top element there)."""
    from tests import sitecheck

    expected = [a.get_text(strip=True) for a in
                sitecheck.load_pages(Path(built_site.out))["/"].soup.select(".site-nav a")]
    assert "Transparence financière" in expected or any("Transparence" in t for t in expected)
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(site_url + "/projets/")
    links = page.locator(".site-nav a")
    assert links.count() == len(expected)
    for i in range(links.count()):
        link = links.nth(i)
        assert link.is_visible(), expected[i]
        visible = link.evaluate("""(el) => {
          const r = el.getBoundingClientRect();
          if (r.left < 0 || r.right > document.documentElement.clientWidth || r.width === 0) return false;
          for (let a = el.parentElement; a; a = a.parentElement) {
            const c = a.getBoundingClientRect(), ox = getComputedStyle(a).overflowX;
            if (ox !== 'visible' && (r.left < c.left - 0.5 || r.right > c.right + 0.5)) return false;
          }
          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
          return hit === el || el.contains(hit);
        }""")
        assert visible, f"{expected[i]!r} is not fully visible at {width}px"
        assert link.evaluate("(el) => el.scrollWidth <= el.clientWidth + 1"), f"{expected[i]!r} is truncated"
    link = links.filter(has_text="Transparence")
    link.first.click()
    assert page.url.rstrip("/").endswith("/transparence")


@pytest.mark.parametrize("width", [960, 1280, 1440])
def test_the_desktop_menu_sits_between_the_brand_and_the_donate_button(built_site, site_url, page, width):
    """On a desktop the menu items sit between the brand and "Faire un don", never over either (a wrapped
    menu looked broken at 1280 px when the phone menu learnt to wrap; a menu kept on one row at 960 px ran
    over the site's name). From 1280 px the demo's menu is one row; at 960 px it may take two."""
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(site_url + "/projets/")
    layout = page.evaluate("""() => {
      const items = [...document.querySelectorAll('.site-nav li')].map(li => li.getBoundingClientRect());
      const brand = document.querySelector('.site-header .brand').getBoundingClientRect();
      const donate = document.querySelector('.site-header a[href*="donner"]').getBoundingClientRect();
      return {rows: new Set(items.map(r => Math.round(r.top))).size, items: items.length,
              navLeft: Math.min(...items.map(r => r.left)), navRight: Math.max(...items.map(r => r.right)),
              brandRight: brand.right, donateLeft: donate.left};
    }""")
    assert layout["items"] >= 4, layout
    assert layout["brandRight"] <= layout["navLeft"] and layout["navRight"] <= layout["donateLeft"], layout
    assert layout["rows"] == 1 if width >= 1280 else layout["rows"] <= 2, layout


def test_a_completed_projects_status_badge_is_readable(built_site, site_url, page):
    """The "Réalisé" badge on a completed project's page: light text on the green, not on white."""
    page.goto(site_url + "/projets/reconstruction-jacmel/")
    colours = page.locator(".page-head .status--completed").evaluate(
        "(el) => [getComputedStyle(el).color, getComputedStyle(el).backgroundColor]")
    assert colours[0] != colours[1] and colours[1] not in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)"), colours


def test_a_project_page_has_one_le_projet_heading(built_site):
    from tests import sitecheck

    for url, p in sitecheck.load_pages(Path(built_site.out)).items():
        if p.page_type != "project":
            continue
        headings = [h.get_text(" ", strip=True) for h in p.soup.select("main h2, main h3")]
        assert headings.count("Le projet") <= 1, (url, headings)
        assert len(headings) == len(set(headings)), (url, headings)


@pytest.mark.parametrize("width", [320, 360, 1280])
def test_no_line_of_a_story_byline_starts_with_its_separator(built_site, site_url, page, width):
    """The date and the author are separated by a "·": when the line wraps, the separator stays on the
    first line's end or is not shown, never at the start of the second line."""
    from tests import sitecheck

    stories = [u for u, p in sitecheck.load_pages(Path(built_site.out)).items() if p.page_type == "story"]
    page.set_viewport_size({"width": width, "height": 800})
    for url in stories:
        page.goto(site_url + url)
        meta = page.locator(".story__meta")
        lines = meta.evaluate("""(el) => {
          // the text of each visual line, pseudo-elements included (their boxes sit with their element)
          const items = [];
          for (const child of el.children) {
            const before = getComputedStyle(child, '::before').content;
            const r = child.getClientRects();
            if (!r.length) continue;
            const text = (before && before !== 'none' && before !== 'normal' ? before.replace(/^"|"$/g, '') : '') + child.textContent;
            items.push({top: Math.round(r[0].top), text: text.trim()});
          }
          const lines = {};
          for (const it of items) (lines[it.top] = lines[it.top] || []).push(it.text);
          return Object.keys(lines).sort((a, b) => a - b).map((k) => lines[k].join(' '));
        }""")
        assert lines, url
        for line in lines:
            assert not line.startswith("·"), (url, width, lines)
