"""Giving without a card, and the public state of one gift.

Stripe's card entry needs JavaScript, whatever we do. So a donor without it gets, on the same form, what
works without JavaScript: a bank transfer (the NGO's IBAN) or a cheque by post, each with the gift's own
short reference ("VDA-7K2M9Q", `Donation.reference`) to write on the transfer's label or the cheque's back.
Such a gift is recorded at once as `pledged` (promised, payment method `transfer` or `cheque`), with the
name and address typed, and writes no ledger row: the money has not arrived. It counts once the staff
receive it and match it (the donor desk, cms/donors/desk/); the pages say so, and promise no e-mail (none is sent).

Ways in:
- `POST /donate/pay/` with `payment_method=transfer|cheque` (the static form without JavaScript, or the
  CMS's own form): `views.pay_page` hands it to `pledge_from_form`; a form with errors comes back with every
  typed value; a valid one is redirected (303) to its instructions page;
- `POST /donate/donations/<id>/pledge/`: the card step without JavaScript (the card cannot be typed) turns
  its pending card gift into a pledge: nothing typed is asked again;
- `GET /donate/pledges/<id>/`: the instructions (IBAN, BIC, holder, amount, reference; or payee, address);
- `GET /donate/api/donations/<id>/`: what the thank-you page shows (API.md): amount, project, once or
  monthly, status, reference. No name, e-mail or address: the id (a random UUID, in the donor's own
  thank-you link) is the only key, and it is rate-limited per client.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Subquery
from django.http import Http404, HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from cms.core.ratelimit import allow, client_key, peek
from site_builder.config import DONATE_URL
from vda_base.money import money

from . import origins
from .forms import DonationRequestForm, company_details
from .models import Donation, Donor, LedgerEntry

log = logging.getLogger(__name__)

METHODS = ("transfer", "cheque")
NO_MONTHLY_CHEQUE = ("Un don mensuel ne se fait pas par chèque : choisissez le virement (un virement permanent "
                     "chaque mois) ou un don en une fois.")
BAD_METHOD = "Choisissez le virement ou le chèque."
TOO_MANY = "Trop de dons enregistrés depuis cette connexion. Réessayez dans quelques minutes."
STATUS_RATE = "60 per 60 seconds"  # DONATE_STATUS_RATE_LIMIT: a thank-you page reads it once or twice


def page_context(request) -> dict:
    """What every CMS giving page needs (the same as views.pay_page's): the theme's files, and the site's
    address ("" when seen through the site's own /donate/ proxy: same origin)."""
    from .gateway import stripe_js_url

    return {"site_css_url": "/donate/assets/css/site.css", "donate_css_url": "/donate/assets/css/donate.css",
            "donate_js_url": "/donate/assets/js/donate.js", "stripe_js_url": stripe_js_url(),
            "site_url": "" if request.headers.get("X-Forwarded-Host") else settings.SITE_BASE_URL,
            "donate_url": DONATE_URL}  # the static site's giving page (site_builder/config.py)


def offline_details() -> dict:
    """The NGO's bank details and postal address, as staff typed them in the site settings (core)."""
    from cms.core.models import SiteSettings

    s = SiteSettings.load()
    return {"holder": s.bank_holder, "iban": s.bank_iban, "bic": s.bank_bic, "payable_to": s.cheque_payable_to,
            "address_lines": [line.strip() for line in s.postal_address.splitlines() if line.strip()],
            "demo": s.offline_details_are_demo}


def _rates() -> tuple[str, str]:
    per_client, per_donor, window = settings.DONATE_RATE_LIMITS
    return f"{per_client} per {window} seconds", f"{per_donor} per {window} seconds"


def check_pledge(request, email: str) -> int:
    """A pledge writes rows (no Stripe): limited like intents, per client address and per e-mail, with
    counters of its own, so a script cannot fill the database. 0 to go ahead, else seconds to wait."""
    per_client, per_donor = _rates()
    checks = (("donate-pledge-ip", client_key(request), per_client),
              ("donate-pledge-email", email.strip().lower(), per_donor))
    wait = max(peek(*check) for check in checks)
    return wait or max(allow(*check) for check in checks)


def method_error(method: str, frequency: str) -> str:
    if method not in METHODS:
        return BAD_METHOD
    if method == "cheque" and frequency == "monthly":
        return NO_MONTHLY_CHEQUE
    return ""


def record_pledge(form: DonationRequestForm, method: str) -> Donation:
    """The donor (first gift only, as for a card gift: a gift never changes a stored donor) and the pledged
    donation, in one transaction. No fee: there are no card fees on a transfer or a cheque. A reference
    already taken (about one chance in a billion) is drawn again."""
    data = form.cleaned_data
    project = data["live_project"]
    for attempt in range(5):
        donation = Donation(
            project_id=project.pk if project else None, project_slug=project.slug if project else "",
            kind=data["kind"], frequency=data["frequency"], amount=data["amount"], fee=0, currency=data["currency"],
            wants_receipt=bool(data.get("wants_receipt")), public_wall=bool(data.get("public_wall")),
            wall_name=data.get("wall_name") or "", project_news=bool(data.get("project_news")),
            source=(data.get("source") or "")[:60], donor_name=data["name"], status="pledged",
            payment_method=method, **company_details(data))
        if data.get("wants_receipt"):
            donation.address_line1, donation.postal_code = (data["address_line1"].strip(),
                                                            data["address_postal_code"].strip())
            donation.city, donation.country = data["address_city"].strip(), data["address_country"]
        first_gift = Donor(email=data["email"], name=donation.donor_name, address_line1=donation.address_line1,
                           postal_code=donation.postal_code, city=donation.city, country=donation.country)
        try:
            with transaction.atomic():
                Donor.objects.bulk_create([first_gift], ignore_conflicts=True)
                donation.donor_id = Subquery(Donor.objects.filter(email=data["email"]).values("pk")[:1])
                donation.save(force_insert=True)
        except IntegrityError:
            if attempt == 4 or not Donation.objects.filter(reference=donation.reference).exists():
                raise
            continue
        return donation
    raise AssertionError("unreachable")


def pledge_url(donation: Donation) -> str:
    return f"/donate/pledges/{donation.id}/"


def pledge_from_form(request, context: dict):
    """A transfer or cheque chosen on the form (views.pay_page hands such posts here, after its origin
    check). Errors: the same form again, every typed value kept. Valid: recorded, then redirected (303, so
    a reload shows the instructions again and records nothing twice)."""
    form = DonationRequestForm(request.POST)
    method = request.POST.get("payment_method", "")
    valid = form.is_valid()
    if valid:
        problem = method_error(method, form.cleaned_data["frequency"])
        if problem:
            form.add_error(None, problem)
            valid = False
    if not valid:
        return render(request, "donations/pay.html", {**context, "form": form, "payment_method": method},
                      status=400)
    wait = check_pledge(request, form.cleaned_data["email"])
    if wait:
        response = render(request, "donations/pay.html", {**context, "form": form, "payment_method": method,
                                                          "rate_limited": True}, status=429)
        response["Retry-After"] = str(wait)
        return response
    donation = record_pledge(form, method)
    return HttpResponseRedirect(pledge_url(donation), status=303)


@csrf_exempt
@require_POST
def convert_to_pledge(request, donation_id):
    """The card step's way out when the card cannot be typed (no JavaScript): the gift it opened (still
    pending, never charged) becomes a transfer or cheque pledge, with what the donor already typed. Only a
    pending card gift with no payment or subscription at Stripe can change: anything else is a 404 (the
    id grants no more than that)."""
    context = page_context(request)
    if not origins.browser_request_allowed(request):
        return render(request, "donations/forbidden.html", context, status=403)
    method = request.POST.get("payment_method", "")
    donation = Donation.objects.filter(pk=donation_id, status="pending", payment_method="card",
                                       stripe_payment_intent="", stripe_subscription="").first()
    if donation is None:
        raise Http404
    problem = method_error(method, donation.frequency)
    if problem:  # the page offers only what fits this gift: a forged or stale post
        return HttpResponseBadRequest(problem, content_type="text/plain; charset=utf-8")
    wait = check_pledge(request, donation.donor.email if donation.donor_id else str(donation.pk))
    if wait:
        response = render(request, "donations/pay.html", {**context, "form": DonationRequestForm(),
                                                          "rate_limited": True}, status=429)
        response["Retry-After"] = str(wait)
        return response
    Donation.objects.filter(pk=donation.pk, status="pending", stripe_payment_intent="",
                            stripe_subscription="").update(status="pledged", payment_method=method, fee=0)
    return HttpResponseRedirect(pledge_url(donation), status=303)


def describe(donation: Donation) -> dict:
    """A gift's public face: nothing that names or reaches the donor."""
    project = donation.project
    parts = project.get_url_parts() if project is not None else None
    return {
        "donation": str(donation.id), "reference": donation.reference, "status": donation.status,
        "payment_method": donation.payment_method, "amount": donation.amount, "fee": donation.fee,
        "total": donation.total, "currency": donation.currency, "frequency": donation.frequency,
        "kind": donation.kind,
        "project": {"slug": project.slug, "title": project.title, "url": parts[2] if parts else ""}
        if project is not None else None,
        # In the project's total already (a payment row in the ledger): what the thank-you page may claim.
        "counted": LedgerEntry.objects.filter(donation=donation, kind="payment").exists(),
    }


def projects_index_path() -> str:
    """The path of the live projects index on the public site (whatever editors named it), else the home page."""
    from cms.projects.models import ProjectIndexPage

    index = ProjectIndexPage.objects.live().public().first()
    parts = index.get_url_parts() if index is not None else None
    return parts[2] if parts else "/"


@require_GET
def pledge_page(request, donation_id):
    """What to do now: the transfer's or the cheque's details, the amount and the reference."""
    donation = (Donation.objects.select_related("project").filter(pk=donation_id, payment_method__in=METHODS)
                .first())
    if donation is None:
        raise Http404
    info = describe(donation)
    response = render(request, "donations/pledge.html", {
        **page_context(request), "donation": donation, "gift": info, "bank": offline_details(),
        "amount_text": money(donation.amount, donation.currency), "monthly": donation.frequency == "monthly",
        "cheque": donation.payment_method == "cheque", "projects_path": projects_index_path()})
    patch_cache_control(response, private=True, no_cache=True)
    return response


@require_GET
def donation_status(request, donation_id):
    """GET /donate/api/donations/<id>/: the thank-you page's summary (see API.md). 404 for an unknown id;
    429 past DONATE_STATUS_RATE_LIMIT per client (so ids cannot be tried in bulk, were they guessable)."""
    from .views import errors  # CORS headers: django-cors-headers on /donate/api/ (donations/cors.py)

    wait = allow("donate-status-ip", client_key(request), getattr(settings, "DONATE_STATUS_RATE_LIMIT", STATUS_RATE))
    if wait:
        return errors({"__all__": ["Trop de demandes. Réessayez dans quelques instants."]}, status=429,
                      Retry_After=str(wait))
    donation = Donation.objects.select_related("project").filter(pk=donation_id).first()
    if donation is None:
        return errors({"__all__": ["Don introuvable."]}, status=404)
    response = JsonResponse(describe(donation))
    patch_cache_control(response, private=True, no_store=True)  # it changes (pending → paid) and is one donor's
    return response


# Included by donations/urls.py (under /donate/).
urlpatterns = [
    path("api/donations/<uuid:donation_id>/", donation_status, name="donation_status"),
    path("donations/<uuid:donation_id>/pledge/", convert_to_pledge, name="convert_to_pledge"),
    path("pledges/<uuid:donation_id>/", pledge_page, name="pledge"),
]
