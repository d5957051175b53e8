"""The donation endpoint: JSON for the site's script (and later the widget), a server-rendered payment page
for browsers whose page script did not run, Stripe's webhook, and live totals. See API.md."""

from __future__ import annotations

import json
import logging
import time

import stripe
from django.conf import settings
from django.db import transaction
from django.db.models import Subquery
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import conditional_page, require_GET, require_http_methods, require_POST

from site_builder.config import DONATE_URL, THANK_YOU_URL

from . import confirmed, gateway, offline, origins, ratelimit, webhooks
from .forms import DonationRequestForm, company_details, flatten_json
from .ledger import project_totals, site_totals
from .models import Donation, Donor

log = logging.getLogger(__name__)
DECLINED = "Votre carte a été refusée. Aucun montant n'a été prélevé : essayez une autre carte."
STRIPE_DOWN = "Le service de paiement ne répond pas. Réessayez dans quelques instants ; rien n'a été prélevé."
TOO_MANY = "Trop de tentatives de paiement. Réessayez dans quelques minutes."
CROSS_SITE = "Cette demande vient d'un autre site : elle a été refusée, aucun don n'a été enregistré."


def errors(messages: dict, status: int = 400, **headers) -> JsonResponse:
    response = JsonResponse({"errors": messages}, status=status)
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def refuse_cross_site_json(request):
    """A JSON POST is taken only from allowed or same-origin pages (origins.py) and only as
    `application/json`: a content type a page cannot send to another origin without the browser's
    preflight, which only allowed origins pass. `text/plain` or form-encoded bodies (what any page can post
    cross-site without asking) are refused before anything is parsed or counted."""
    if not origins.browser_request_allowed(request):
        return errors({"__all__": [CROSS_SITE]}, status=403)
    if request.content_type != "application/json":
        return errors({"__all__": ["Le corps de la requête doit être du JSON (Content-Type: application/json)."]},
                      status=415)
    return None


def json_api(view):
    """The JSON API's own gate, which is not CORS: POSTs pass `refuse_cross_site_json` (403/415) first. An
    OPTIONS without a preflight's headers answers 204 here; a real preflight is answered before the view by
    the CORS middleware (donations/cors.py), which also adds the CORS headers to every answer."""
    def wrapper(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return HttpResponse(status=204)
        refused = refuse_cross_site_json(request) if request.method == "POST" else None
        return view(request, *args, **kwargs) if refused is None else refused
    wrapper.__name__ = view.__name__
    return csrf_exempt(wrapper)


def donation_urls(donation: Donation) -> dict:
    """The thank-you page is the static site's (its builder places it: site_builder/config.py)."""
    return {"confirm_url": f"/donate/api/donations/{donation.id}/confirm/",
            "thank_you_url": f"{THANK_YOU_URL}?don={donation.id}"}


def start_donation(form: DonationRequestForm) -> Donation:
    """Open the SetupIntent the browser will confirm, then save the donor (first gift only) and the pending
    donation in one transaction. Stripe first: no database lock is held while we wait for it, and the
    idempotency keys (built from the donation id, chosen here) make a retried request reuse the same Stripe
    objects. The name and address go on the donation: anyone can type anyone's e-mail, so a gift must never
    change what is stored for a donor (their receipts' details)."""
    data = form.cleaned_data
    project = data["live_project"]
    donation = Donation(
        project_id=project.pk if project else None, project_slug=project.slug if project else "", kind=data["kind"],
        frequency=data["frequency"], amount=data["amount"], fee=data["fee"], currency=data["currency"],
        wants_receipt=bool(data.get("wants_receipt")), public_wall=bool(data.get("public_wall")),
        wall_name=data.get("wall_name") or "", project_news=bool(data.get("project_news")), source=(data.get("source") or "")[:60], donor_name=data["name"], **company_details(data))
    if data.get("wants_receipt"):
        donation.address_line1, donation.postal_code = data["address_line1"].strip(), data["address_postal_code"].strip()
        donation.city, donation.country = data["address_city"].strip(), data["address_country"]
    donation.donor = Donor(email=data["email"], name=data["name"])  # for the Stripe customer's name and e-mail
    created = gateway.create_setup_intent(donation)
    first_gift = Donor(email=data["email"], name=donation.donor_name, address_line1=donation.address_line1,
                       postal_code=donation.postal_code, city=donation.city, country=donation.country)
    with transaction.atomic():  # two statements: the donor inserted unless known (on conflict do nothing), the donation
        Donor.objects.bulk_create([first_gift], ignore_conflicts=True)
        # The donor's id, whether just inserted or already there, read inside the donation's own INSERT.
        donation.donor_id = Subquery(Donor.objects.filter(email=data["email"]).values("pk")[:1])
        donation.stripe_customer, donation.stripe_setup_intent = created["customer"], created["setup_intent"]
        donation.save(force_insert=True)
    donation.client_secret = created["client_secret"]
    return donation


def too_many(wait: int) -> JsonResponse:
    return errors({"__all__": [TOO_MANY]}, status=429, Retry_After=str(wait))


def intent_payload(donation: Donation) -> dict:
    return {"donation": str(donation.id), "client_secret": donation.client_secret,
            "publishable_key": settings.STRIPE_PUBLISHABLE_KEY, "stripe_js_url": gateway.stripe_js_url(),
            "amount": donation.amount, "fee": donation.fee, "total": donation.total, "currency": donation.currency,
            "frequency": donation.frequency, "kind": donation.kind, **donation_urls(donation)}


def server_timing(view):
    """`Server-Timing: app;dur=…, stripe;dur=…`: our own time apart from Stripe's (benchmarks, monitoring)."""
    def wrapper(request, *args, **kwargs):
        token = gateway.stripe_seconds.set(0.0)
        start = time.perf_counter()
        try:
            response = view(request, *args, **kwargs)
        finally:
            in_stripe = gateway.stripe_seconds.get()
            gateway.stripe_seconds.reset(token)
        total = time.perf_counter() - start
        response["Server-Timing"] = f"app;dur={(total - in_stripe) * 1000:.1f}, stripe;dur={in_stripe * 1000:.1f}"
        return response
    wrapper.__name__ = view.__name__
    return wrapper


NOT_JSON = "Le corps de la requête doit être du JSON."


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_json(body: bytes):
    """Strict JSON: NaN and Infinity (which json.loads takes) are refused, and so is nesting deeper than
    the parser's recursion limit (100,000 `[` raise RecursionError, which is not a ValueError)."""
    try:
        return json.loads(body, parse_constant=_no_constant)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise ValueError("not JSON") from None


def json_body(request, default: bytes = b""):
    """The request's JSON, or the 400/413 answer: bodies over DONATE_MAX_JSON_BYTES (16 KB; a donation
    is well under 1 KB) are refused before they are read or parsed."""
    limit = getattr(settings, "DONATE_MAX_JSON_BYTES", 16 * 1024)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit or len(request.body) > limit:
        return None, errors({"__all__": [f"Requête trop volumineuse ({limit // 1024} Ko au plus)."]}, status=413)
    try:
        return parse_json(request.body or default), None
    except ValueError:
        return None, errors({"__all__": [NOT_JSON]})


@json_api
@server_timing
@require_http_methods(["POST", "OPTIONS"])
def create_intent(request):
    payload, refused = json_body(request)
    if refused:
        return refused
    if not isinstance(payload, dict):
        return errors({"__all__": ["Le corps de la requête doit être un objet JSON."]})
    data, type_errors = flatten_json(payload)
    form = DonationRequestForm(data)
    if type_errors or not form.is_valid():
        messages = {field: [str(m) for m in msgs] for field, msgs in form.errors.items()}
        messages.update(type_errors)
        return errors(messages)
    wait = ratelimit.check_intent(request, form.cleaned_data["email"])  # counted: this one reaches Stripe
    if wait:
        return too_many(wait)
    try:
        donation = start_donation(form)
    except stripe.StripeError as exc:
        log.warning("stripe refused to open a setup intent: %s", exc.__class__.__name__)
        return errors({"__all__": [STRIPE_DOWN]}, status=502)
    return JsonResponse(intent_payload(donation), status=201)


def charge_reaches_stripe(donation: Donation, setup_intent_id: str) -> bool:
    """What `charge` answers without Stripe (already paid, someone else's card) is not a rate-limited attempt."""
    if donation.status in ("succeeded", "active"):
        return False
    return bool(donation.stripe_payment_intent) or setup_intent_id == donation.stripe_setup_intent


def charge(donation: Donation, setup_intent_id: str) -> dict:
    """Charge (one-off) or subscribe (monthly) with the card the browser just saved."""
    if donation.status in ("succeeded", "active"):
        return {"status": "succeeded", "message": "", **donation_urls(donation)}
    if donation.stripe_payment_intent:  # second call after 3-D Secure
        pi = gateway.retrieve_payment_intent(donation.stripe_payment_intent)
        if pi.status == "requires_confirmation":
            pi = gateway.confirm_payment_intent(pi.id)
        return payment_state(donation, pi)
    if setup_intent_id != donation.stripe_setup_intent:
        return {"status": "failed", "message": "Cette carte ne correspond pas à ce don.", "http": 400}
    setup = gateway.retrieve_setup_intent(setup_intent_id)
    if setup.status != "succeeded" or not setup.payment_method:
        return {"status": "failed", "message": "La carte n'a pas été validée.", "http": 400}
    payment_method = setup.payment_method if isinstance(setup.payment_method, str) else setup.payment_method.id
    if donation.frequency == "monthly":
        subscription = gateway.subscribe(donation, payment_method)
        Donation.objects.filter(pk=donation.pk).update(stripe_subscription=subscription.id)
        if subscription.status in ("active", "trialing"):
            Donation.objects.filter(pk=donation.pk, status="pending").update(status="active")
            confirmed.record_first_invoice(donation, subscription)  # in the total before the thank-you page
            return {"status": "succeeded", "message": "", **donation_urls(donation)}
        Donation.objects.filter(pk=donation.pk, status="pending").update(status="failed", failure_message=DECLINED)
        return {"status": "failed", "message": DECLINED}
    pi = gateway.charge_once(donation, payment_method)
    Donation.objects.filter(pk=donation.pk).update(stripe_payment_intent=pi.id)
    return payment_state(donation, pi)


def payment_state(donation: Donation, pi) -> dict:
    if pi.status == "succeeded":
        confirmed.record_payment_intent(donation, pi)  # in the total before the thank-you page (confirmed.py)
        return {"status": "succeeded", "message": "", **donation_urls(donation)}
    if pi.status == "requires_action":
        return {"status": "requires_action", "client_secret": pi.client_secret, "message": ""}
    if pi.status == "processing":
        return {"status": "succeeded", "message": "Paiement en cours de validation.", **donation_urls(donation)}
    Donation.objects.filter(pk=donation.pk, status="pending").update(status="failed", failure_message=DECLINED)
    return {"status": "failed", "message": DECLINED}


@json_api
@require_http_methods(["POST", "OPTIONS"])
def confirm_donation(request, donation_id):
    donation = Donation.objects.filter(pk=donation_id).first()
    if donation is None:
        return errors({"__all__": ["Don introuvable."]}, status=404)
    payload, refused = json_body(request, default=b"{}")
    if refused:
        return refused
    setup_intent = payload.get("setup_intent") if isinstance(payload, dict) else None
    if not isinstance(setup_intent, str) and not donation.stripe_payment_intent:
        return errors({"setup_intent": ["Identifiant de carte manquant."]})
    if charge_reaches_stripe(donation, setup_intent or ""):
        wait = ratelimit.check_confirm(request, donation.pk)
        if wait:
            return too_many(wait)
    try:
        result = charge(donation, setup_intent or "")
    except stripe.CardError:
        Donation.objects.filter(pk=donation.pk, status="pending").update(status="failed", failure_message=DECLINED)
        result = {"status": "failed", "message": DECLINED}
    except stripe.StripeError as exc:
        # The class and Stripe's error code only: Stripe's message can quote what it was sent.
        log.warning("stripe error while charging donation %s: %s %s", donation.pk, exc.__class__.__name__,
                    getattr(exc, "code", "") or "")
        return errors({"__all__": [STRIPE_DOWN]}, status=502)
    status = result.pop("http", 200)
    return JsonResponse(result, status=status)


@csrf_exempt
@require_POST
def stripe_webhook(request):
    """Stripe's signed events (see webhooks.py for what each answer tells Stripe). Bad input of any kind
    (too big, unsigned, unreadable, not shaped like Stripe's) is a 400 or 413 before anything is written;
    only a genuine failure while recording answers 500, so that Stripe sends the event again."""
    limit = getattr(settings, "STRIPE_WEBHOOK_MAX_BYTES", 1024 * 1024)  # Stripe's events are a few KB
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit or len(request.body) > limit:
        return errors({"__all__": ["Événement trop volumineux."]}, status=413)
    try:  # the SDK checks the signature before it parses anything (gateway.webhook_event)
        event = gateway.webhook_event(request.body, request.headers.get("Stripe-Signature", ""))
    except (stripe.SignatureVerificationError, gateway.UnreadableEvent):
        return errors({"__all__": ["Signature invalide, périmée ou charge utile illisible."]})
    try:
        event_id, kind, _ = webhooks.envelope(event)
        outcome = webhooks.process(event)
    except webhooks.Malformed as exc:
        return errors({"__all__": [f"Événement Stripe mal formé : {exc}."]})
    except webhooks.RetryLater as exc:
        log.info("webhook %s postponed: %s", event_id, exc)
        return JsonResponse({"status": "retry"}, status=503)
    except Exception:
        log.exception("webhook %s (%s) failed; Stripe will retry", event_id, kind[:80])
        return JsonResponse({"status": "error"}, status=500)
    return JsonResponse({"status": outcome})


@json_api
@conditional_page  # an ETag: the browser revalidates on every view (no-cache), and a 304 costs nothing
@require_GET
def totals(request):
    from django.core.cache import cache

    data = cache.get("donate-totals")
    if data is None:
        from django.utils import timezone

        projects = project_totals()
        data = {"projects": projects, "totals": site_totals(), "updated": timezone.now().isoformat()}
        cache.set("donate-totals", data, timeout=settings.DONATE_TOTALS_CACHE_SECONDS)
    response = JsonResponse(data)
    # Revalidated on every view (no-cache + ETag): a donor back from the thank-you page sees their gift.
    patch_cache_control(response, public=True, no_cache=True)
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def pay_page(request):
    """Where the static form posts when its script did not run: the same checks, then the card on a
    page of our own (Stripe.js), or the form again with its errors. CSRF-exempt (the static page cannot
    embed a token), so a post another site made the browser send is refused by its Origin / Sec-Fetch-Site."""
    context = {"site_css_url": "/donate/assets/css/site.css", "donate_css_url": "/donate/assets/css/donate.css",
               "donate_js_url": "/donate/assets/js/donate.js", "stripe_js_url": gateway.stripe_js_url(),
               # Seen through the site's /donate/ proxy, the thank-you page is on the same origin.
               "site_url": "" if request.headers.get("X-Forwarded-Host") else settings.SITE_BASE_URL,
               "donate_url": DONATE_URL}  # the static site's giving page (site_builder/config.py)
    if request.method == "POST" and not origins.browser_request_allowed(request):
        return render(request, "donations/forbidden.html", context, status=403)
    from cms.projects.models import ProjectPage
    from vda_base.money import money

    context["projects"] = [{"slug": slug, "title": title} for slug, title in
                           ProjectPage.objects.live().public().exclude(status="completed")
                           .order_by("title").values_list("slug", "title")]
    if request.method == "GET":
        return render(request, "donations/pay.html", {**context, "form": DonationRequestForm()})
    if request.POST.get("payment_method") in offline.METHODS:  # a transfer or a cheque: no Stripe (offline.py)
        return offline.pledge_from_form(request, context)
    form = DonationRequestForm(request.POST)
    if not form.is_valid():
        return render(request, "donations/pay.html", {**context, "form": form}, status=400)
    wait = ratelimit.check_intent(request, form.cleaned_data["email"])  # counted: this one reaches Stripe
    if wait:
        response = render(request, "donations/pay.html", {**context, "form": form, "rate_limited": True},
                          status=429)
        response["Retry-After"] = str(wait)
        return response
    try:
        donation = start_donation(form)
    except stripe.StripeError:
        return render(request, "donations/pay.html", {**context, "form": form, "stripe_down": STRIPE_DOWN},
                      status=502)
    return render(request, "donations/pay.html", {
        **context, **intent_payload(donation), "donation": donation, "donor_email": form.cleaned_data["email"],
        "project_title": form.cleaned_data["live_project"].title if form.cleaned_data["live_project"] else "",
        "amount_text": money(donation.amount, donation.currency), "fee_text": money(donation.fee, donation.currency),
        "total_text": money(donation.total, donation.currency)})



ASSETS = {"css/site.css", "css/donate.css", "css/space.css", "js/donate.js", "img/favicon.svg"}  # space.css: the donor space


@require_GET
def theme_asset(request, path):
    """The few theme files the payment page needs (a fixed list: nothing else under the theme is served)."""
    if path not in ASSETS:
        raise Http404
    from django.views.static import serve

    response = serve(request, path, document_root=settings.THEME_STATIC_DIR)
    patch_cache_control(response, public=True, max_age=300)
    return response
