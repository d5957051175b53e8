"""The built demo site in Chromium: axe finds no WCAG 2.2 A/AA violation, nothing overflows at 320 px,
and no page runs inline code or loads anything from another host."""

import os
from pathlib import Path

import pytest

from site_builder.serve import make_server
from tests.conftest import REPO, free_port

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = REPO / ".tools" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def site_url(built_site):
    import threading

    port = free_port()
    server = make_server(Path(built_site.out), port)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


def sample_urls(built_site):
    """One page of each type, plus a filtered project index."""
    from tests import sitecheck

    pages = sitecheck.load_pages(Path(built_site.out))
    first_of_type = {}
    for url, page in pages.items():
        first_of_type.setdefault(page.page_type, url)
    return sorted(first_of_type.values()) + [next(u for u in pages if u.startswith("/projets/theme/"))]


@pytest.fixture(scope="module")
def axe_source():
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {AXE} is missing (make test installs it with npm)")
        pytest.skip("axe-core is not installed (needs npm)")
    return AXE.read_text()


@pytest.mark.parametrize("width", [320, 1280])
def test_axe_finds_no_violation(built_site, site_url, page, axe_source, width):
    page.set_viewport_size({"width": width, "height": 900})
    failures = []
    for url in sample_urls(built_site):
        page.goto(site_url + url)
        page.add_script_tag(content=axe_source)
        violations = page.evaluate(
            "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
            ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))", AXE_TAGS)
        failures += [f"{url} @{width}px {v}" for v in violations]
        overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        if overflow:
            failures.append(f"{url} @{width}px scrolls sideways")
    assert failures == []


def test_pages_load_nothing_from_elsewhere_and_run_only_our_own_scripts(built_site, site_url, page):
    """Scripts only where they earn their bytes (the donation form, live totals): our own fingerprinted
    files, never inline code (the CSP forbids it), never another host's."""
    requested = []
    page.on("request", lambda r: requested.append(r.url))
    for url in sample_urls(built_site):
        page.goto(site_url + url, wait_until="networkidle")
        page.mouse.wheel(0, 20000)  # bring lazy images in
        page.wait_for_timeout(200)
        scripts = page.evaluate("[...document.scripts].filter(s => s.type !== 'application/ld+json')"
                                ".map(s => s.getAttribute('src') || 'inline')")
        assert all(src.startswith("/theme/js/") for src in scripts), (url, scripts)
    foreign = [u for u in requested if not u.startswith(site_url) and not u.startswith("data:")]
    assert foreign == []
