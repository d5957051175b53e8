"""A donor's whole journey in headless Chromium, on the built static site behind its /donate/ proxy (as the
CDN serves it), with every real part: the CMS process, localstripe's Stripe.js and signed webhooks, the
publishing worker (`manage.py publishing_worker`, a process of its own) sending the e-mails to the real SMTP
server on 127.0.0.1.

1. A one-off gift with a tax receipt (full address) through the site's donation form: the thank-you e-mail
   arrives with the receipt's PDF attached, read back with pypdf (number, amount in figures and words, name).
2. A monthly gift through the same form, same e-mail address.
3. The donor asks for the donor space's link, opens it from the e-mail, signs in with the button,
   downloads the receipt (the same bytes as the attachment), lowers the monthly gift then stops it: the
   webhook records the end and the "end of monthly gift" e-mail arrives.
4. The donor space at 360 px: a screenshot (kept under the test's tmp folder and printed), no sideways
   scroll, and axe (WCAG 2.2 A/AA) on each of its pages.

Its own localstripe behind test_donor_space_monthly.py's adapter (localstripe lacks the subscription's
`proration_behavior`, `pause_collection` and `default_payment_method`), its own CMS whose SITE_BASE_URL is
the proxy (so the e-mailed links are the site's), and the site built from that CMS."""

from __future__ import annotations

import re
import threading
import types
import uuid

import pytest
import requests

from tests import cms_databases
from tests.conftest import CmsServer, LocalStripe, free_port, wait_until
from tests.donor_space_helpers import link_in
from tests.smtp_server import attachments_of, text_of
from tests.test_donor_space_monthly import SubscriptionExtrasStripe
from tests.test_e2e_accessibility import AXE, AXE_TAGS
from tests.test_e2e_giving import fill_card

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def journey(tmp_path_factory, smtp_server):
    from site_builder.build import build
    from site_builder.serve import make_server

    stripe_server = LocalStripe()
    adapter = SubscriptionExtrasStripe(stripe_server.url)
    site_port = free_port()
    site = f"http://127.0.0.1:{site_port}"
    facade = types.SimpleNamespace(url=adapter.url, register_webhook=stripe_server.register_webhook)
    workdir = tmp_path_factory.mktemp("journey-cms")
    cms = CmsServer(workdir, stripe=facade, start_from=cms_databases.DEMO,
                    extra_env={**smtp_server.env, "SITE_BASE_URL": site}).start()
    worker = cms.start_worker()  # sends the e-mails, as in production
    out = tmp_path_factory.mktemp("journey-site") / "public"
    build(cms.api, out, base_url=site, cache_dir=out.parent / "cache")
    proxy = make_server(out, site_port, proxies={"/donate/": cms.url})
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    yield types.SimpleNamespace(url=site, cms=cms, stripe=stripe_server, worker=worker,
                                shots=tmp_path_factory.mktemp("journey-shots"))
    proxy.shutdown()
    cms.stop()  # the worker too
    adapter.stop()
    stripe_server.stop()


def shell_lines(cms, code: str) -> list[str]:
    return cms.shell(code).strip().splitlines()


def open_project(cms) -> str:
    return shell_lines(cms, "from cms.projects.models import ProjectPage\n"
                            "print(ProjectPage.objects.live().filter(currency='EUR').exclude(status='completed')"
                            ".order_by('title').first().slug)")[-1]


def payments_of(cms, email) -> list[str]:
    return shell_lines(cms, "from cms.donations.models import LedgerEntry\n"
                            f"for e in LedgerEntry.objects.filter(donation__donor__email='{email}', kind='payment')"
                            ".order_by('occurred_at'):\n"
                            "    print(e.frequency, e.amount, e.donation_id)")


def status_of(cms, donation_id) -> str:
    return shell_lines(cms, "from cms.donations.models import Donation\n"
                            f"print(Donation.objects.get(pk='{donation_id}').status)")[-1]


def give(page, site, slug, email, *, plan=None, receipt=False):
    """The project page's form, first suggested amount, Visa test card; lands on the thank-you page."""
    page.goto(f"{site}/projets/{slug}/")
    form = page.locator("form[data-donate]").first
    if plan:
        form.locator("label.df-tile--plan", has_text=plan).click()
    form.locator("label.df-tile--amount").first.click()
    form.locator("[name=name]").fill("Awa Diallo")
    form.locator("[name=email]").fill(email)
    if receipt:
        form.locator("[name=wants_receipt]").check()
        form.locator("[name=address_line1]").fill("3 rue des Lilas")
        form.locator("[name=address_postal_code]").fill("75011")
        form.locator("[name=address_city]").fill("Paris")
        form.locator("[name=address_country]").select_option("FR")
    form.locator("[data-submit]").click()
    form.locator("[data-card-mount] input").first.wait_for(timeout=15000)
    fill_card(form, "4242424242424242")
    with page.expect_navigation(url=re.compile(r"/donner/merci/"), timeout=30000):
        form.locator("[data-submit]").click()
    assert "Merci" in page.locator("h1").inner_text()


def axe_violations(page, axe_source: str) -> list[str]:
    page.add_script_tag(content=axe_source)
    return page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))", AXE_TAGS)


def test_give_receive_the_receipt_then_manage_the_monthly_gift_in_the_donor_space(journey, smtp_server, page,
                                                                                  browser):
    from cms.receipts.words import amount_in_words
    from tests.receipt_helpers import pdf_text
    from vda_base.money import money

    site, cms = journey.url, journey.cms
    email = f"journey-{uuid.uuid4().hex[:6]}@example.org"
    slug = open_project(cms)

    # 1. a one-off gift with a receipt: the thank-you e-mail brings the PDF
    give(page, site, slug, email, receipt=True)
    thanks = page.locator("main").inner_text()
    assert "il est joint en PDF à cet e-mail" in thanks.replace("\xa0", " ")
    assert page.locator('a[href="/donate/espace/"]').count() >= 1
    message = smtp_server.wait_for(to=email, subject="Merci pour votre don", timeout=180)  # the worker's start
    [(once, amount, once_id)] = [line.split() for line in payments_of(cms, email)]
    amount = int(amount)
    assert once == "once"
    assert money(amount, "EUR") in str(message["Subject"])
    files = attachments_of(message)
    [(filename, attached)] = files.items()
    number = re.fullmatch(r"recu-fiscal-(.+)\.pdf", filename).group(1)
    assert attached.startswith(b"%PDF")
    text = pdf_text(attached)
    assert number in text and "Awa Diallo" in text and "3 rue des Lilas" in text and "75011" in text
    figures = money(amount, "EUR", always_decimals=True).replace("\xa0", " ").replace("\u202f", " ")
    assert f"Montant : {figures}" in text  # "30,00 €"
    assert f"Somme en toutes lettres : {amount_in_words(amount, 'EUR')}" in text
    assert "Nom et prénom : Awa Diallo" in text
    assert number in text_of(message)  # the message says which receipt is attached

    # 2. a monthly gift, same donor
    give(page, site, slug, email, plan="Chaque mois")
    wait_until(lambda: len(payments_of(cms, email)) == 2, 60, "the first month never reached the ledger")
    monthly_id = payments_of(cms, email)[1].split()[2]
    monthly_amount = int(payments_of(cms, email)[1].split()[1])
    smtp_server.wait_for(to=email, subject="Votre mensualité", timeout=60)

    # 3. the donor space: ask for the link, open it from the e-mail, sign in with the button
    page.goto(f"{site}/donate/espace/")
    assert page.url.endswith("/donate/espace/connexion/")
    page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    assert "Vérifiez vos e-mails" in page.locator("h1").inner_text()
    sign_in = smtp_server.wait_for(to=email, subject="lien de connexion", timeout=60)
    link = link_in(text_of(sign_in))
    assert f"{site}{link}" in text_of(sign_in)  # on the site's own domain
    page.goto(site + link)
    assert "Entrer dans mon espace donateur" in page.locator("h1").inner_text()
    page.click("[data-sign-in]")
    page.wait_for_url(f"{site}/donate/espace/")
    body = page.locator("main").inner_text()
    assert money(monthly_amount, "EUR") + " par mois" in body and f"Reçu n°\u00a0{number}" in body

    # the receipt, downloaded: the very bytes that were attached
    with page.expect_download() as download_info:
        page.click("a[href^='/donate/espace/recus/']")
    downloaded = download_info.value
    assert open(downloaded.path(), "rb").read() == attached

    # the donor space at 360 px: screenshot, nothing scrolls sideways, axe on each page (CSP bypassed for
    # axe's injected script only, in a context holding the same session)
    axe_source = AXE.read_text() if AXE.exists() else None
    checked = browser.new_context(locale="fr-FR", bypass_csp=True, storage_state=page.context.storage_state(),
                                  viewport={"width": 360, "height": 800})
    narrow = checked.new_page()
    failures = []
    space_pages = ["/donate/espace/", f"/donate/espace/mensuels/{monthly_id}/",
                   f"/donate/espace/mensuels/{monthly_id}/arret/", "/donate/espace/adresse/",
                   "/donate/espace/preferences/", "/donate/espace/donnees/effacement/"]
    for path in space_pages:
        response = narrow.goto(site + path)
        assert response.status == 200, (path, response.status)
        if narrow.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
            failures.append(f"{path} scrolls sideways at 360 px")
        if axe_source:
            failures += [f"{path} {v}" for v in axe_violations(narrow, axe_source)]
    narrow.goto(site + "/donate/espace/")
    # the gift cards use the width: aligned with the title, not indented as a bulleted list
    title_x, card_x = narrow.evaluate("[document.querySelector('main h1').getBoundingClientRect().left, "
                                      "document.querySelector('.space-gift').getBoundingClientRect().left]")
    assert abs(card_x - title_x) <= 2, (title_x, card_x)
    listed = narrow.locator("main").inner_text()
    assert "(particulier (" not in listed and re.search(r"\b1 [a-zé]+ 20\d\d", listed) is None  # "1er"
    shot = journey.shots / "donor-space-360.png"
    narrow.screenshot(path=str(shot), full_page=True)
    print(f"donor space at 360 px: {shot}")
    checked.close()
    assert failures == []
    assert shot.stat().st_size > 10_000

    # lower the monthly gift, then stop it
    page.click("text=Gérer ce don mensuel")
    page.fill("input[name=amount]", "5")
    page.click("text=Enregistrer le nouveau montant")
    page.wait_for_url(re.compile(r"\?ok=montant$"))
    assert "5\u00a0€ par mois" in page.locator("[data-amount]").inner_text()
    subscription = shell_lines(cms, "from cms.donations.models import Donation\n"
                                    f"print(Donation.objects.get(pk='{monthly_id}').stripe_subscription)")[-1]
    sub = requests.get(f"{journey.stripe.url}/v1/subscriptions/{subscription}", auth=("sk_test_x", ""),
                       timeout=10).json()
    assert sub["items"]["data"][0]["quantity"] == 500

    page.click("[data-cancel-link]")
    page.click("[data-confirm-cancel]")
    assert "est arrêté" in page.locator("[data-canceled]").inner_text()
    wait_until(lambda: status_of(cms, monthly_id) == "canceled", 30, "the webhook never recorded the end")
    ended = smtp_server.wait_for(to=email, subject="Votre don mensuel est arrêté", timeout=60)
    assert "Awa Diallo" in text_of(ended)
    assert status_of(cms, once_id) == "succeeded"  # the one-off gift is untouched
    page.goto(f"{site}/donate/espace/")
    assert "arrêté" in page.locator("main").inner_text()
    # every message went to this donor only, and none to anyone else from this journey
    assert all(email in str(m["To"]) for m in smtp_server.find(to=email))
    assert journey.worker.poll() is None, "the worker exited"
