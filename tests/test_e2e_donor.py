"""Issue 11, donors, in headless Chromium on the built site through the demo server's /donate/ proxy.

Without JavaScript (`java_script_enabled=False`): the form says before anything is typed that the card
needs JavaScript, a bank transfer is recorded as a pledge with its reference and leads to the IBAN, a form
with an error keeps everything typed, and the card step's button cannot be used. With JavaScript
(localstripe's Stripe.js stand-in): the thank-you page says the amount, the project, once or monthly and
the reference, the total read right after (and the project page reloaded at once) includes the gift, and
once the real webhook has come too, the ledger has one row for the payment.
Screenshots at 360 px go to /tmp/shots/donor-*.png (looked at by hand).
"""

import re
import uuid
from pathlib import Path

import pytest

from vda_base.money import money
from tests.conftest import wait_until
from tests.test_e2e_giving import fill_card, ledger_for, project_slug, raised, site, start_gift  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SHOTS = Path("/tmp/shots")
PHONE = {"width": 360, "height": 780}
REFERENCE = re.compile(r"VDA-[2-9A-HJKMNP-Z]{6}")


def shot(page, name, element=None):
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = str(SHOTS / f"donor-{name}.png")
    element.screenshot(path=path) if element is not None else page.screenshot(path=path, full_page=True)


@pytest.fixture
def nojs(browser):
    context = browser.new_context(locale="fr-FR", java_script_enabled=False, viewport=PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(locale="fr-FR", viewport=PHONE)
    yield context.new_page()
    context.close()


def donation_row(cms_server, email) -> str:
    return cms_server.shell(
        "from cms.donations.models import Donation\n"
        f"d = Donation.objects.get(donor__email='{email}')\n"
        "print(d.status, d.payment_method, d.reference, d.amount, d.fee, d.donor_name, d.city, sep='|')").strip()


def fill_no_js(form, email, amount_index=1, *, skip=()):
    tile = form.locator("label.df-tile--amount").nth(amount_index)
    amount = int(tile.locator("input[name=amount]").get_attribute("value"))
    tile.click()
    values = {"name": "Awa Diallo", "email": email, "address_line1": "3 rue des Lilas",
              "address_postal_code": "75011", "address_city": "Paris"}
    for name, value in values.items():
        if name not in skip:
            form.locator(f"[name={name}]").fill(value)
    form.locator("[name=wants_receipt]").check()
    form.locator("[name=address_country]").select_option("BE")
    return amount


def test_without_javascript_a_transfer_is_pledged_and_shows_the_iban(site, cms_server, project_slug, nojs):
    page = nojs
    page.goto(f"{site}/projets/{project_slug}/")
    form = page.locator("form[data-donate]").first
    notice = form.locator(".df-notice")
    assert notice.is_visible() and "paiement par carte est impossible" in notice.inner_text()
    assert notice.bounding_box()["y"] < form.locator("[name=name]").bounding_box()["y"]  # said before typing
    assert form.locator("[data-card-slot]").is_hidden()
    email = f"virement-{uuid.uuid4().hex[:6]}@example.org"
    amount = fill_no_js(form, email)
    method = form.locator("input[name=payment_method][value=transfer]")
    assert method.is_checked()
    shot(page, "nojs-form", form)
    with page.expect_navigation(url=re.compile(r"/donate/pledges/[0-9a-f-]{36}/$")):
        form.locator("button[type=submit]").click()
    assert page.url.startswith(site)  # still on the site's origin (the proxy)
    text = page.locator("main").inner_text()
    assert "Votre don est promis" in text
    assert "FR76 3000 6000 0112 3456 7890 189" in text and "DEMOFRPPXXX" in text and money(amount, "EUR") in text
    reference = REFERENCE.search(text).group(0)
    assert "dès que nous aurons reçu votre virement" in text and "Site de démonstration" in text
    shot(page, "transfer")
    assert donation_row(cms_server, email) == f"pledged|transfer|{reference}|{amount}|0|Awa Diallo|Paris"
    assert "payment" not in ledger_for(cms_server, email)  # nothing counted before the money arrives


def test_without_javascript_an_error_keeps_everything_typed(site, cms_server, project_slug, nojs):
    """An error only the server sees (a receipt asked without a street: the browser's own checks stop a
    missing e-mail before it is sent, keeping the page as typed): every other value comes back."""
    page = nojs
    page.goto(f"{site}/projets/{project_slug}/")
    form = page.locator("form[data-donate]").first
    email = f"oubli-{uuid.uuid4().hex[:6]}@example.org"
    amount = fill_no_js(form, email, skip=("address_line1",))
    form.locator("input[name=payment_method][value=cheque]").check()
    with page.expect_navigation(url=re.compile(r"/donate/pay/")):
        form.locator("button[type=submit]").click()
    assert "L'adresse est nécessaire pour le reçu fiscal." in page.locator("main").inner_text()
    again = page.locator("form#don-form")
    kept = {name: again.locator(f"[name={name}]").input_value() for name in (
        "name", "email", "amount_display", "address_postal_code", "address_city", "address_country", "project")}
    assert kept == {"name": "Awa Diallo", "email": email, "amount_display": str(amount // 100),
                    "address_postal_code": "75011", "address_city": "Paris", "address_country": "BE",
                    "project": project_slug}
    assert again.locator("[name=wants_receipt]").is_checked()
    assert again.locator("input[name=payment_method][value=cheque]").is_checked()
    assert again.locator("input[name=plan][value=once]").is_checked()
    assert page.locator(".df-notice").is_visible()  # the no-JS notice is still there
    again.locator("[name=address_line1]").fill("3 rue des Lilas")  # corrected on the same page
    with page.expect_navigation(url=re.compile(r"/donate/pledges/")):
        again.locator("button[type=submit]").click()
    assert "Envoyez votre chèque" in page.locator("main").inner_text()
    assert donation_row(cms_server, email).startswith("pledged|cheque|VDA-")


def test_without_javascript_the_card_button_cannot_be_used(site, cms_server, project_slug, nojs):
    """Someone picks the card anyway on the CMS form: the card step's button is disabled, and the same gift
    can go by transfer from there, nothing typed again."""
    page = nojs
    page.goto(f"{site}/donate/pay/")
    form = page.locator("form#don-form")
    assert "la carte bancaire ne peut pas être saisie" in page.locator(".df-notice").inner_text()
    form.locator("[name=project]").select_option(project_slug)
    form.locator("[name=amount_display]").fill("30")
    form.locator("[name=name]").fill("Awa Diallo")
    email = f"carte-{uuid.uuid4().hex[:6]}@example.org"
    form.locator("[name=email]").fill(email)
    form.locator("input[name=payment_method][value=card]").check()
    with page.expect_navigation(url=re.compile(r"/donate/pay/")):
        form.locator("button[type=submit]").click()
    pay = page.locator("form[data-donate-pay]")
    assert pay.locator("[data-submit]").is_disabled()
    assert "JavaScript" in page.locator("main").inner_text()
    with page.expect_navigation(url=re.compile(r"/donate/pledges/")):
        page.get_by_role("button", name="Donner par virement bancaire").click()
    assert donation_row(cms_server, email).startswith("pledged|transfer|VDA-")


def webhook_events(cms_server, kind) -> int:
    return int(cms_server.shell("from cms.donations.models import StripeEvent\n"
                                f"print(StripeEvent.objects.filter(type='{kind}').count())").strip())


def give_with_card(page, site, project_slug, email, plan=None):
    form, amount = start_gift(page, site, project_slug, email, plan=plan)
    fill_card(form, "4242424242424242")
    with page.expect_navigation(url=re.compile(r"/donner/merci/\?don="), timeout=20000):
        form.locator("[data-submit]").click()
    page.locator("[data-gift]").wait_for(state="visible", timeout=10000)  # shown once thanks.js has filled it
    assert REFERENCE.fullmatch(page.locator("[data-gift-field=reference]").inner_text())
    return amount


def test_with_javascript_the_thank_you_page_says_what_was_given_and_the_total_has_it(
        site, cms_server, project_slug, phone):
    page = phone
    page.goto(f"{site}/projets/{project_slug}/")
    title = page.locator("h1").first.inner_text().strip()
    before, events = raised(site, project_slug), webhook_events(cms_server, "payment_intent.succeeded")
    email = f"merci-{uuid.uuid4().hex[:6]}@example.org"
    amount = give_with_card(page, site, project_slug, email)
    gift = page.locator("[data-gift]").inner_text()
    assert money(amount, "EUR") in gift and title in gift and "Une fois" in gift
    reference = REFERENCE.search(gift).group(0)
    lead = page.locator("[data-gift-lead]").inner_text()
    assert f"Votre don de {money(amount, 'EUR')} pour « {title} », en une fois".replace("\u00a0", " ") in \
        lead.replace("\u00a0", " ")
    page.locator("[data-gift-total]").filter(has_text=money(before + amount, "EUR")).wait_for(timeout=5000)
    shot(page, "thanks")
    assert raised(site, project_slug) == before + amount  # right after: no waiting for the webhook
    page.goto(f"{site}/projets/{project_slug}/")  # the project page at once
    page.wait_for_function(f"document.querySelector(\"[data-project='{project_slug}']\").dataset.raised == "
                           f"'{before + amount}'", timeout=5000)
    # its StripeEvent row commits with whatever the webhook writes: once counted, the ledger is final
    wait_until(lambda: webhook_events(cms_server, "payment_intent.succeeded") != events, 30,
               "the payment_intent.succeeded webhook never reached the CMS")
    assert webhook_events(cms_server, "payment_intent.succeeded") == events + 1, "the webhook came too"
    assert ledger_for(cms_server, email) == f"['succeeded'] [('payment', {amount}, 'once')]"  # one row
    assert raised(site, project_slug) == before + amount
    assert reference in donation_row(cms_server, email)


def test_with_javascript_a_monthly_gift_is_confirmed_as_monthly(site, cms_server, project_slug, phone):
    page = phone
    before, events = raised(site, project_slug), webhook_events(cms_server, "invoice.payment_succeeded")
    email = f"mensuel-{uuid.uuid4().hex[:6]}@example.org"
    amount = give_with_card(page, site, project_slug, email, plan="Chaque mois")
    lead = page.locator("[data-gift-lead]").inner_text().replace("\u00a0", " ")
    assert f"Votre don mensuel de {money(amount, 'EUR')}".replace("\u00a0", " ") in lead
    assert "prélevé chaque mois" in lead
    assert "Mensuel" in page.locator("[data-gift]").inner_text()
    shot(page, "thanks-monthly")
    assert raised(site, project_slug) == before + amount
    wait_until(lambda: webhook_events(cms_server, "invoice.payment_succeeded") != events, 30,
               "the invoice.payment_succeeded webhook never reached the CMS")
    assert webhook_events(cms_server, "invoice.payment_succeeded") == events + 1
    assert ledger_for(cms_server, email) == f"['active'] [('payment', {amount}, 'monthly')]"


def test_without_javascript_the_thank_you_page_is_generic_and_true(site, nojs):
    nojs.goto(f"{site}/donner/merci/?don={uuid.uuid4()}")
    text = nojs.locator("main").inner_text()
    assert "figure déjà" not in text and "s’affiche ici lorsque JavaScript est activé" in text
    assert nojs.locator("[data-gift]").is_hidden()


def company_row(cms_server, email) -> str:
    return cms_server.shell(
        "from cms.donations.models import Donation\n"
        f"d = Donation.objects.get(donor__email='{email}')\n"
        "print(d.wants_receipt, d.donor_company, d.company_legal_form, d.company_siren, d.city, sep='|')").strip()


def test_with_javascript_a_company_gives_with_its_siren_for_a_cerfa_16216(site, cms_server, project_slug, phone):
    """The form's "au nom d'une entreprise" part reaches the gift (the receipt is then a Cerfa 16216); a SIREN
    whose check digit is wrong is refused in French before any card is asked for, and nothing is recorded."""
    page = phone
    email = f"societe-{uuid.uuid4().hex[:6]}@example.org"
    page.goto(f"{site}/projets/{project_slug}/")
    form = page.locator("form[data-donate]").first
    form.locator("label.df-tile--amount").first.click()
    form.locator("[name=name]").fill("Awa Diallo")
    form.locator("[name=email]").fill(email)
    form.locator("[name=wants_receipt]").check()
    for name, value in {"address_line1": "3 rue des Lilas", "address_postal_code": "75011",
                        "address_city": "Paris"}.items():
        form.locator(f"[name={name}]").fill(value)
    form.locator("[data-company] summary").click()
    form.locator("[name=company_name]").fill("Boulangerie Diallo")
    form.locator("[name=company_legal_form]").fill("SARL")
    form.locator("[name=company_siren]").fill("123 456 788")  # check digit wrong (Luhn)
    form.locator("[data-submit]").click()
    error = form.locator("[data-error=company_siren]")
    error.filter(has_text="SIREN").wait_for(timeout=10000)
    assert "9 chiffres" in error.inner_text()
    assert cms_server.shell("from cms.donations.models import Donation\n"
                            f"print(Donation.objects.filter(donor__email='{email}').count())").strip() == "0"
    shot(page, "company-siren-error", form.locator("[data-address]"))
    form.locator("[name=company_siren]").fill("732 829 320")  # a valid SIREN
    form.locator("[data-submit]").click()
    form.locator("[data-card-mount] input").first.wait_for(timeout=15000)
    assert company_row(cms_server, email) == "True|Boulangerie Diallo|SARL|732829320|Paris"
