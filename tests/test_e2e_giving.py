"""Giving in a real browser, on the built static site, through the CDN-like /donate/ proxy, the CMS,
localstripe (its Stripe.js stand-in takes the card) and its signed webhooks back to the ledger."""

import re
import threading
import uuid

import pytest
import requests

from vda_base.money import money
from site_builder.serve import make_server
from tests.conftest import free_port, wait_until

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def site(built_site, cms_server):
    port = free_port()
    server = make_server(built_site.out, port, proxies={"/donate/": cms_server.url})
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()


@pytest.fixture(scope="module")
def project_slug(cms_server):
    return cms_server.shell(
        "from cms.projects.models import ProjectPage\n"
        "print(ProjectPage.objects.live().filter(currency='EUR').exclude(status='completed')"
        ".order_by('title').first().slug)").strip()


def raised(site, slug) -> int:
    return requests.get(f"{site}/donate/totals.json", timeout=10).json()["projects"][slug]["raised"]


def wait_for_raised(site, slug, expected, timeout=15):
    return wait_until(lambda: raised(site, slug) == expected, timeout,
                      f"the total of {slug} never reached {expected}")


PAYMENT_EVENTS = ("payment_intent.succeeded", "payment_intent.payment_failed")


def donation_ids(cms_server, email) -> set[str]:
    return set(cms_server.shell(
        "from cms.donations.models import Donation\n"
        f"print(*Donation.objects.filter(donor__email='{email}').values_list('id', flat=True))").split())


def payment_webhooks_pending(cms_server, donations: set[str]) -> int:
    """How many payment events Stripe has emitted for these donations that the CMS has not processed
    yet. localstripe creates an event with the PaymentIntent, in the request that made it, and delivers
    it a second later; the CMS writes its StripeEvent row in the transaction of any row it records. So 0,
    once the donor has seen the outcome, means every payment webhook has written all it ever will."""
    emitted = []
    for kind in PAYMENT_EVENTS:
        page = requests.get(f"{cms_server.stripe.url}/v1/events", params={"type": kind, "limit": 100},
                            auth=("sk_test_localstripe", ""), timeout=10).json()
        assert not page["has_more"], "more events than one page: raise the limit"
        emitted += [e["id"] for e in page["data"]
                    if (e["data"]["object"].get("metadata") or {}).get("donation") in donations]
    if not emitted:
        return 0
    processed = int(cms_server.shell("from cms.donations.models import StripeEvent\n"
                                     f"print(StripeEvent.objects.filter(id__in={emitted!r}).count())").strip())
    return len(emitted) - processed


def ledger_for(cms_server, email) -> str:
    return cms_server.shell(
        "from cms.donations.models import Donation, LedgerEntry\n"
        f"d = Donation.objects.filter(donor__email='{email}')\n"
        "print(sorted(d.values_list('status', flat=True)), "
        "sorted(LedgerEntry.objects.filter(donation__in=d).values_list('kind', 'amount', 'frequency')))").strip()


def fill_card(form, number):
    mount = form.locator("[data-card-mount]")
    mount.locator("input[placeholder=number]").fill(number)
    mount.locator("input[placeholder=exp_month]").fill("12")
    mount.locator("input[placeholder=exp_year]").fill("30")
    mount.locator("input[placeholder=cvc]").fill("123")
    mount.locator("input[placeholder=postal_code]").fill("75011")


def start_gift(page, site, slug, email, plan=None):
    """Choose the first suggested amount (with its impact label), fill in the donor, open the card step.
    Returns the form and the chosen amount in minor units."""
    page.goto(f"{site}/projets/{slug}/")
    form = page.locator("form[data-donate]").first
    if plan:
        form.locator("label.df-tile--plan", has_text=plan).click()
    tile = form.locator("label.df-tile--amount").first
    amount = int(tile.locator("input[name=amount]").get_attribute("value"))
    tile.click()
    form.locator("[name=name]").fill("Awa Diallo")
    form.locator("[name=email]").fill(email)
    form.locator("[data-submit]").click()
    form.locator("[data-card-mount] input").first.wait_for(timeout=15000)
    return form, amount


def test_one_off_gift_moves_the_progress_bar(site, cms_server, project_slug, page):
    before = raised(site, project_slug)
    email = f"once-{uuid.uuid4().hex[:6]}@example.org"
    form, amount = start_gift(page, site, project_slug, email)
    assert money(amount, "EUR") in form.locator("[data-submit]").inner_text()
    fill_card(form, "4242424242424242")
    with page.expect_navigation(url=re.compile(r"/donner/merci/"), timeout=20000):
        form.locator("[data-submit]").click()
    assert page.locator("body").get_attribute("data-page-type") == "thank_you"
    assert "Merci" in page.locator("h1").inner_text()

    assert wait_for_raised(site, project_slug, before + amount), "the webhook recorded the gift"
    assert ledger_for(cms_server, email) == f"['succeeded'] [('payment', {amount}, 'once')]"
    page.goto(f"{site}/projets/{project_slug}/")
    box = page.locator(f"[data-project='{project_slug}']").first
    page.wait_for_function(f"document.querySelector(\"[data-project='{project_slug}']\").dataset.raised == "
                           f"'{before + amount}'", timeout=10000)
    assert money(before + amount, "EUR") in box.inner_text()


def test_monthly_gift_subscribes_and_records_the_first_month(site, cms_server, project_slug, page):
    email = f"monthly-{uuid.uuid4().hex[:6]}@example.org"
    form, amount = start_gift(page, site, project_slug, email, plan="Chaque mois")
    assert "par mois" in form.locator("[data-submit]").inner_text()
    fill_card(form, "4242424242424242")
    with page.expect_navigation(url=re.compile(r"/donner/merci/"), timeout=20000):
        form.locator("[data-submit]").click()
    wait_until(lambda: "payment" in ledger_for(cms_server, email), 30, "the first month never reached the ledger")
    assert ledger_for(cms_server, email) == f"['active'] [('payment', {amount}, 'monthly')]"


@pytest.mark.parametrize("card, where", [("4000000000000002", "when saved"), ("4000000000000341", "when charged")])
def test_declined_card_shows_a_clear_message_and_records_nothing(site, cms_server, project_slug, page, card, where):
    before = raised(site, project_slug)
    email = f"declined-{uuid.uuid4().hex[:6]}@example.org"
    form, _amount = start_gift(page, site, project_slug, email)
    fill_card(form, card)
    form.locator("[data-submit]").click()
    status = form.locator("[data-status]")
    status.filter(has_text="refusée").wait_for(timeout=15000)
    assert page.url.startswith(f"{site}/projets/")  # still on the page, nothing lost
    assert form.locator("[name=email]").input_value() == email
    donations = donation_ids(cms_server, email)
    assert donations, "the gift was not even opened"
    wait_until(lambda: payment_webhooks_pending(cms_server, donations) == 0, 30,
               "a payment webhook for the declined gift never reached the CMS")
    assert "payment" not in ledger_for(cms_server, email), where
    assert raised(site, project_slug) == before


def test_without_the_page_script_the_cms_payment_page_takes_over(site, cms_server, project_slug, browser):
    """The static page's script blocked (or failed): the form posts to the CMS, whose page takes the card."""
    context = browser.new_context(locale="fr-FR")
    page = context.new_page()
    page.route(re.compile(r"/theme/js/donate\.[0-9a-f]+\.js$"), lambda route: route.abort())
    email = f"nojs-{uuid.uuid4().hex[:6]}@example.org"
    page.goto(f"{site}/projets/{project_slug}/")
    form = page.locator("form[data-donate]").first
    tile = form.locator("label.df-tile--amount").nth(1)
    amount = int(tile.locator("input[name=amount]").get_attribute("value"))
    tile.click()
    form.locator("[name=name]").fill("Awa Diallo")
    form.locator("[name=email]").fill(email)
    with page.expect_navigation(url=re.compile(r"/donate/pay/")):
        form.locator("button[type=submit]").click()
    assert "Finaliser mon don" in page.locator("h1").inner_text()
    pay = page.locator("form[data-donate-pay]")
    pay.locator("[data-card-mount] input").first.wait_for(timeout=15000)
    fill_card(pay, "4242424242424242")
    with page.expect_navigation(url=re.compile(r"/donner/merci/"), timeout=20000):
        pay.locator("[data-submit], button[type=submit]").first.click()
    wait_until(lambda: "payment" in ledger_for(cms_server, email), 30, "the gift never reached the ledger")
    assert ledger_for(cms_server, email) == f"['succeeded'] [('payment', {amount}, 'once')]"
    context.close()


def test_without_javascript_at_all_bad_input_comes_back_with_messages(site, project_slug, browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/projets/{project_slug}/")
    form = page.locator("form[data-donate]").first
    form.locator("[name=name]").fill("Awa")
    form.locator("[name=email]").fill("awa@example.org")
    # no amount chosen (the browser's own checks let it through; "2 €" would be stopped by min=5)
    with page.expect_navigation(url=re.compile(r"/donate/pay/")):
        form.locator("button[type=submit]").click()
    assert "Choisissez ou saisissez un montant." in page.locator("main").inner_text()
    assert page.locator("[name=email]").input_value() == "awa@example.org"  # nothing the donor typed is lost
    context.close()
