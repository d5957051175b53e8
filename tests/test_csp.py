"""The CMS's own pages send a Content-Security-Policy (config/csp.py): the Wagtail admin, the payment page
and the editor's preview each get theirs, everything else loads nothing; none allows 'unsafe-eval' or a
script from another host. The headers are checked through Django's test client; then headless Chromium
drives the admin (dashboard, page editors with their panels, pickers, choosers and added forms, the image
focal-point editor), the payment page up to a paid gift and a preview, and collects every CSP violation
(securitypolicyviolation events in every frame, and the console's CSP messages): there must be none, so
the policies are exactly what these pages need."""

from __future__ import annotations

import base64
import hashlib
import re
import threading
import tomllib
import uuid
from urllib.parse import urlsplit

import pytest
from django.test import RequestFactory, override_settings

from site_builder.serve import make_server
from tests.conftest import REPO, free_port

UNSAFE = ("'unsafe-eval'", "'wasm-unsafe-eval'", "*", "http:", "https:")


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def parse(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        assert name not in policy, f"{name} twice"
        policy[name] = values
    return policy


def policy_of(response) -> dict[str, list[str]]:
    assert "Content-Security-Policy" in response, f"no CSP on {response.request['PATH_INFO']}"
    return parse(response["Content-Security-Policy"])


def netlify_policy() -> dict[str, list[str]]:
    config = tomllib.loads((REPO / "netlify.toml").read_text())
    header = next(h["values"]["Content-Security-Policy"] for h in config["headers"] if h["for"] == "/*")
    return parse(header)


def assert_no_unsafe_sources(policy: dict, allowed_inline: tuple = ()):
    for directive, values in policy.items():
        assert not set(values) & set(UNSAFE), (directive, values)
        if "'unsafe-inline'" in values:
            assert directive in allowed_inline, f"'unsafe-inline' in {directive}"


# --- the headers ---

@pytest.mark.django_db
def test_the_admin_sends_its_policy(client, admin_client):
    for response in (client.get("/admin/login/"), admin_client.get("/admin/")):
        assert response.status_code == 200
        policy = policy_of(response)
        assert policy["default-src"] == ["'self'"]
        assert policy["script-src"] == ["'self'"]
        assert policy["script-src-elem"] == ["'self'", "'unsafe-inline'"]  # Wagtail's inline widget scripts
        assert policy["script-src-attr"] == ["'unsafe-hashes'", sha256("return;")]
        assert policy["style-src-attr"] == ["'unsafe-hashes'", sha256("border: none;")]
        assert policy["connect-src"] == ["'self'"] and policy["font-src"] == ["'self'"]
        assert policy["img-src"] == ["'self'", "data:", "blob:"]
        assert policy["frame-src"] == ["'self'"] and policy["frame-ancestors"] == ["'self'"]
        assert policy["object-src"] == ["'none'"]
        assert policy["base-uri"] == ["'self'"] and policy["form-action"] == ["'self'"]
        assert_no_unsafe_sources(policy, allowed_inline=("script-src-elem", "style-src-elem"))
        assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_admin_allows_images_from_the_media_bucket(admin_client):
    storages = {"default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
                    "bucket_name": "vda-media", "custom_domain": "media.example.org", "querystring_auth": False}},
                "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
    with override_settings(STORAGES=storages):
        policy = policy_of(admin_client.get("/admin/"))
    assert policy["img-src"] == ["'self'", "data:", "blob:", "https://media.example.org"]


@pytest.mark.django_db
@pytest.mark.parametrize("api_base,script,frame,connect", [
    ("", ["https://js.stripe.com"], ["https://js.stripe.com", "https://hooks.stripe.com"],
     ["https://api.stripe.com"]),
    ("http://127.0.0.1:8420", ["http://127.0.0.1:8420"], ["http://127.0.0.1:8420"], ["http://127.0.0.1:8420"]),
], ids=["stripe", "localstripe"])
def test_the_payment_page_allows_stripe_and_nothing_else(client, settings, api_base, script, frame, connect):
    settings.STRIPE_API_BASE = api_base
    response = client.get("/donate/pay/")
    assert response.status_code == 200
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'", *script]
    assert policy["frame-src"] == frame
    assert policy["connect-src"] == ["'self'", *connect]
    assert policy["style-src"] == ["'self'"] and policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["object-src"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]
    assert_no_unsafe_sources(policy)


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["", "?token=forged&content_type=stories.storypage"])
def test_the_preview_sends_the_public_sites_policy_framed_by_the_admin(client, settings, query):
    from cms.publishing.preview import BANNER_CSS

    settings.STRIPE_API_BASE = ""
    response = client.get("/preview/" + query)
    assert response.status_code in (400, 403)
    expected = netlify_policy()
    expected.pop("upgrade-insecure-requests")  # the demo CMS is plain HTTP; production's proxy redirects
    expected["frame-ancestors"] = ["'self'"]  # the live preview panel frames it
    expected["style-src"].append(sha256(BANNER_CSS))  # the draft banner's own <style>
    assert policy_of(response) == expected


def test_the_preview_banner_has_no_style_attribute_and_its_rules_stay_out_of_the_public_css():
    from cms.publishing.preview import BANNER_CSS, add_markers

    html = add_markers("<html><head></head><body><main>x</main></body></html>")
    assert "style=" not in html
    banner = re.search(r"<div data-preview-marker[^>]*>.*?</div>", html, flags=re.S).group(0)  # as tests strip it
    assert f"<style>{BANNER_CSS}</style>" in banner
    assert "preview-banner" not in (REPO / "themes/vision/static/css/site.css").read_text()


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/graphql/", "/donate/totals.json", "/nulle-part/"])
def test_other_answers_load_nothing(client, path):
    policy = policy_of(client.get(path))
    assert policy["default-src"] == ["'none'"] or path.startswith("/donate/")
    assert "script-src" not in policy or path.startswith("/donate/")
    assert policy["frame-ancestors"] == ["'none'"]


def test_a_wagtail_preview_request_leaves_the_choice_to_the_real_request():
    """Wagtail renders an admin preview through the middleware with a made-up request for the page's
    public URL; that inner pass must not set the policy of a public path on an admin page."""
    from django.http import HttpResponse

    from cms.config.csp import PagePolicyMiddleware

    middleware = PagePolicyMiddleware(lambda request: HttpResponse("x"))
    dummy = RequestFactory().get("/histoires/le-puits/")
    dummy.is_dummy = True
    assert "Content-Security-Policy" not in middleware(dummy)
    real = RequestFactory().get("/admin/pages/3/edit/preview/")
    assert parse(middleware(real)["Content-Security-Policy"])["frame-src"] == ["'self'"]


# --- in Chromium: no violation on the pages, as editors and donors use them ---

COLLECT = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(
  [e.violatedDirective, e.blockedURI, (e.sourceFile || '') + ':' + e.lineNumber]), true);
"""


class Violations:
    """Every CSP violation seen by a page: events in each of its frames, and the console's CSP messages
    (they also cover frames that went away, like a closed modal's)."""

    def __init__(self, page):
        self.page, self.console, self.unprotected = page, [], []
        page.on("console", lambda m: self.console.append(m.text) if "Content Security Policy" in m.text else None)
        page.on("response", self._check_document)

    def _check_document(self, response):
        """Every page of the three kinds (in a tab or a frame, direct or through the proxy) has a policy."""
        if response.request.resource_type == "document" and \
                urlsplit(response.url).path.startswith(("/admin/", "/donate/", "/preview/")) and \
                "content-security-policy" not in response.headers:
            self.unprotected.append(response.url)

    def injected_handler_is_blocked(self) -> bool:
        """The canary: markup injected into the page (what an XSS would do) does not run, and the
        collector sees the refusal (so an empty list means no violation, not a deaf collector)."""
        self.page.evaluate("document.body.insertAdjacentHTML('beforeend',"
                           " '<img src=data:, onerror=\"window.__injected = 1\">')")
        self.page.wait_for_timeout(300)
        ran = self.page.evaluate("window.__injected === 1")
        refused = [v for v in self.collect("canary") if "script-src-attr" in str(v)]
        return not ran and bool(refused)

    def collect(self, where: str) -> list:
        seen = []
        for frame in self.page.frames:
            try:
                seen += [[where, frame.url[:80], *v] for v in frame.evaluate("window.__cspViolations || []")]
            except Exception:  # noqa: BLE001  (a frame navigating away)
                pass
        seen += [[where, "console", text[:300]] for text in self.console]
        self.console.clear()
        return seen


def settle(page, ms=600):
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(ms)


@pytest.fixture
def csp_page(browser):
    context = browser.new_context(locale="fr-FR")
    context.add_init_script(COLLECT)
    page = context.new_page()
    yield page, Violations(page)
    context.close()


def log_in(page, cms):
    page.goto(f"{cms.url}/admin/login/")
    page.fill("input[name=username]", cms.admin_user)
    page.fill("input[name=password]", cms.admin_password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/$"))


@pytest.mark.browser
@pytest.mark.slow
def test_the_admin_works_under_its_policy(cms_server, csp_page):
    page, violations = csp_page
    ids = cms_server.shell(
        "from cms.projects.models import ProjectPage\nfrom cms.stories.models import StoryPage\n"
        "from wagtail.images import get_image_model\n"
        "print(ProjectPage.objects.live().first().pk, StoryPage.objects.live().first().pk,"
        " get_image_model().objects.first().pk)").split()
    project, story, image = ids[-3:]
    found = []
    log_in(page, cms_server)
    settle(page)
    found += violations.collect("dashboard")
    assert page.locator("img[src*='gravatar']").count() == 0

    for path in ("/admin/pages/", f"/admin/images/{image}/", "/admin/images/multiple/add/", "/admin/documents/add/",
                 "/admin/users/", f"/admin/pages/{story}/history/", "/admin/pages/search/?q=eau"):
        page.goto(cms_server.url + path)
        settle(page, 1000)  # the focal-point editor starts after the image loads
        found += violations.collect(path)

    # The story editor: date picker, rich-text link chooser (a modal), then the live preview panel.
    page.goto(f"{cms_server.url}/admin/pages/{story}/edit/")
    settle(page)
    page.locator("#id_date").click()
    page.locator(".xdsoft_datetimepicker:visible").first.wait_for()
    page.keyboard.press("Escape")
    editor = page.locator(".public-DraftEditor-content").first
    editor.click()
    page.keyboard.type("Lien ")
    page.keyboard.press("Shift+ArrowLeft")
    page.locator("button[name='LINK']").first.click(force=True)
    page.locator(".modal:visible .modal-body a").first.wait_for()  # the page chooser, loaded by AJAX
    page.locator(".modal:visible [data-dismiss=modal], .modal:visible button.close").first.click()
    page.locator(".modal:visible").first.wait_for(state="detached")
    page.fill("#id_title", "Un titre vu dans l'aperçu")
    page.locator("[data-side-panel-toggle='preview']").first.click()
    banner = page.frame_locator("#w-preview-iframe").frame_locator("iframe").locator(
        "[data-preview-marker][role=status]")
    banner.wait_for(timeout=120_000)  # the first preview pulls the whole site
    assert banner.evaluate("e => getComputedStyle(e).position") == "sticky", "the theme styles the banner"
    settle(page, 1000)
    found += violations.collect("story editor")

    # The project editor: a new form in each inline panel (their widgets start from copied scripts).
    page.goto(f"{cms_server.url}/admin/pages/{project}/edit/")
    settle(page)
    for button in page.evaluate("Array.from(document.querySelectorAll('[id$=-ADD]')).map(e => e.id)"):
        page.locator(f"#{button}").click(force=True)
        page.wait_for_timeout(300)
    page.locator("input[id^=id_updates-][id$=-date]").last.click()
    page.locator(".xdsoft_datetimepicker:visible").first.wait_for()
    settle(page)
    found += violations.collect("project editor")
    assert found == []
    assert violations.injected_handler_is_blocked()
    assert violations.unprotected == []


@pytest.fixture
def donate_proxy(cms_server, tmp_path):
    """The site's /donate/ proxy in front of the CMS, as Netlify's rewrite (the thank-you page is a 404 here)."""
    port = free_port()
    server = make_server(tmp_path, port, proxies={"/donate/": cms_server.url})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()


@pytest.mark.browser
@pytest.mark.slow
def test_the_payment_page_and_the_preview_work_under_their_policies(cms_server, donate_proxy, csp_page):
    page, violations = csp_page
    found = []
    page.goto(f"{donate_proxy}/donate/pay/")
    settle(page)
    form = page.locator("form[data-donate]")
    form.locator("[name=amount_display]").fill("25")
    form.locator("[name=name]").fill("Awa Diallo")
    form.locator("[name=email]").fill(f"csp-{uuid.uuid4().hex[:6]}@example.org")
    form.locator("[data-submit]").click()  # donate.js: an intent through the API, then the card in the form
    mount = form.locator("[data-card-mount]")
    mount.locator("input").first.wait_for(timeout=15_000)  # Stripe.js (localstripe's) took over the card
    mount.locator("input[placeholder=number]").fill("4242424242424242")
    mount.locator("input[placeholder=exp_month]").fill("12")
    mount.locator("input[placeholder=exp_year]").fill("30")
    mount.locator("input[placeholder=cvc]").fill("123")
    mount.locator("input[placeholder=postal_code]").fill("75011")
    found += violations.collect("payment page")
    with page.expect_navigation(url=re.compile(r"/donner/merci/"), timeout=20_000):
        form.locator("[data-submit]").click()  # confirmCardSetup against the Stripe API, then our confirm
    found += violations.collect("after paying")

    # The page's other state: the form posted without its script (blocked once here), the card on its own.
    blocked = []

    def block_once(route):
        if not blocked:
            blocked.append(route.request.url)
            return route.abort()
        return route.continue_()

    page.route(re.compile(r"/donate/assets/js/donate\.js$"), block_once)
    page.goto(f"{donate_proxy}/donate/pay/")
    settle(page)
    form = page.locator("form[data-donate]")
    form.locator("[name=amount_display]").fill("30")
    form.locator("[name=name]").fill("Awa Diallo")
    form.locator("[name=email]").fill(f"csp-{uuid.uuid4().hex[:6]}@example.org")
    with page.expect_navigation(url=re.compile(r"/donate/pay/")):
        form.locator("[data-submit]").click()
    assert blocked and "Finaliser mon don" in page.locator("h1").inner_text()
    page.locator("form[data-donate-pay] [data-card-mount] input").first.wait_for(timeout=15_000)
    settle(page)
    found += violations.collect("card page")
    assert violations.unprotected == []

    token = cms_server.shell(
        "from cms.stories.models import StoryPage\n"
        "print(StoryPage.objects.live().first().create_page_preview().token)").strip().splitlines()[-1]
    url = f"{cms_server.url}/preview/?token={token}&content_type=stories.storypage"
    response = page.goto(url, timeout=120_000)  # the first preview pulls the whole site (no build yet)
    assert response.status == 200
    assert parse(response.headers["content-security-policy"])["frame-ancestors"] == ["'self'"]
    assert response.headers["x-frame-options"] == "SAMEORIGIN"
    settle(page, 1000)
    banner = page.locator("[data-preview-marker][role=status]")
    assert banner.is_visible()
    assert banner.evaluate("e => getComputedStyle(e).position") == "sticky"
    found += violations.collect("preview")
    assert found == []
    assert violations.injected_handler_is_blocked()
    assert violations.unprotected == []
