"""The donor space in headless Chromium, through the site's own /donate/ proxy (site_builder/serve.py, as the
CDN does): a monthly donor asks for a link, receives it on the real SMTP server, opens it, presses the
button, lowers their monthly gift, types a new card (Stripe.js, confirmCardSetup), then stops the gift;
the webhook (localstripe's, signed) records the end.

This module runs its own localstripe, behind test_donor_space_monthly.py's adapter (localstripe lacks the
`proration_behavior` the amount change sends), and its own CMS process whose mail goes to the SMTP server
and whose SITE_BASE_URL is the proxy, so that the e-mailed link is the site's. The adapter also stands in
for the subscription's `default_payment_method`, which localstripe lacks."""

from __future__ import annotations

import re
import types
import uuid

import pytest
import requests

from tests import cms_databases
from tests.conftest import CmsServer, LocalStripe, free_port, wait_until
from tests.donor_space_helpers import link_in
from tests.smtp_server import text_of
from tests.test_donor_space_monthly import SubscriptionExtrasStripe
from tests.test_e2e_giving import fill_card

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def space_site(tmp_path_factory, smtp_server):
    import threading

    from site_builder.serve import make_server

    stripe_server = LocalStripe()
    adapter = SubscriptionExtrasStripe(stripe_server.url)
    site_port = free_port()
    site = f"http://127.0.0.1:{site_port}"
    facade = types.SimpleNamespace(url=adapter.url, register_webhook=stripe_server.register_webhook)
    cms = CmsServer(tmp_path_factory.mktemp("space-cms"), stripe=facade, start_from=cms_databases.DEMO,
                    extra_env={**smtp_server.env, "SITE_BASE_URL": site}).start()
    cms.start_worker()  # e-mails (the sign-in link) are sent by the worker
    empty = tmp_path_factory.mktemp("space-site")
    proxy = make_server(empty, site_port, proxies={"/donate/": cms.url})
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    yield types.SimpleNamespace(url=site, cms=cms, stripe=stripe_server)
    proxy.shutdown()
    cms.stop()
    adapter.stop()
    stripe_server.stop()


def subscribe_in_cms(cms, email: str, amount: int) -> tuple[str, str]:
    """A monthly gift as the giving form leaves it (donor, SetupIntent confirmed with a card, subscription)."""
    out = cms.shell(
        "from cms.donations import gateway\n"
        "from cms.donations.models import Donation, Donor\n"
        f"donor = Donor.objects.create(email='{email}', name='Awa Diallo', city='Paris')\n"
        f"d = Donation.objects.create(donor=donor, amount={amount}, currency='EUR', frequency='monthly', "
        "status='active', donor_name='Awa Diallo')\n"
        "opened = gateway.create_setup_intent(d)\n"
        "c = gateway.client()\n"
        "pm = c.v1.payment_methods.create({'type': 'card', 'card': {'number': '4242424242424242', "
        "'exp_month': 12, 'exp_year': 2030, 'cvc': '123'}})\n"
        "c.v1.setup_intents.confirm(opened['setup_intent'], {'payment_method': pm.id})\n"
        "d.stripe_customer = opened['customer']\n"
        "sub = gateway.subscribe(d, pm.id)\n"
        "d.stripe_subscription = sub.id\n"
        "d.save()\n"
        "print(d.pk, sub.id)")
    donation_id, subscription = out.split()
    return donation_id, subscription


def status_of(cms, donation_id) -> str:
    return cms.shell("from cms.donations.models import Donation\n"
                     f"print(Donation.objects.get(pk='{donation_id}').status)").strip()


def test_sign_in_from_the_mail_then_lower_and_stop_a_monthly_gift(space_site, smtp_server, page):
    site, cms = space_site.url, space_site.cms
    email = f"space-{uuid.uuid4().hex[:6]}@example.org"
    donation_id, subscription = subscribe_in_cms(cms, email, 2000)

    page.goto(f"{site}/donate/espace/")
    assert page.url.endswith("/donate/espace/connexion/")
    page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    assert "Vérifiez vos e-mails" in page.locator("h1").inner_text()
    message = smtp_server.wait_for(to=email, subject="lien de connexion", timeout=180)  # meets the worker starting up
    text = text_of(message)
    assert f"{site}/donate/espace/lien/" in text  # the site's own domain
    link = link_in(text)

    page.goto(site + link)
    assert "Entrer dans mon espace donateur" in page.locator("h1").inner_text()
    page.click("[data-sign-in]")
    page.wait_for_url(f"{site}/donate/espace/")
    body = page.locator("main").inner_text()
    assert "Don mensuel" in body and "20\u00a0€ par mois" in body

    page.click("text=Gérer ce don mensuel")
    page.fill("input[name=amount]", "5")
    page.click("text=Enregistrer le nouveau montant")
    page.wait_for_url(re.compile(r"\?ok=montant$"))
    assert "5\u00a0€ par mois" in page.locator("[data-amount]").inner_text()
    sub = requests.get(f"{space_site.stripe.url}/v1/subscriptions/{subscription}", auth=("sk_test_x", ""),
                       timeout=10).json()
    assert sub["items"]["data"][0]["quantity"] == 500

    # a new card, typed into (localstripe's) Stripe.js and confirmed in the page with confirmCardSetup
    page.click("text=Saisir une nouvelle carte")
    form = page.locator("form[data-card-update]")
    form.locator("[data-card-mount] input").first.wait_for(timeout=15000)
    fill_card(form, "5555555555554444")
    page.click("[data-submit]")
    page.wait_for_url(re.compile(r"\?ok=carte$"), timeout=20000)
    assert "se terminant par 4444" in page.locator("main").inner_text()

    page.click("[data-cancel-link]")
    page.click("[data-confirm-cancel]")
    assert "est arrêté" in page.locator("[data-canceled]").inner_text()
    wait_until(lambda: status_of(cms, donation_id) == "canceled", 30, "the webhook never recorded the end")
    page.goto(f"{site}/donate/espace/")
    assert "arrêté" in page.locator("main").inner_text()
    page.click("text=Se déconnecter")
    assert "Vous êtes déconnecté" in page.locator("h1").inner_text()
    page.goto(f"{site}/donate/espace/")
    assert page.url.endswith("/donate/espace/connexion/")
    # the link served once
    page.goto(site + link)
    assert "Ce lien a déjà servi" in page.locator("h1").inner_text()
