"""One monthly gift of the signed-in donor, managed through Stripe (cms/donations/gateway.py).

- the amount: the subscription's quantity (a Plan of one minor unit, ARCHITECTURE.md), no proration; the
  `Donation` row then says the new amount (the webhook records each payment as Stripe charges it);
- the card: a SetupIntent confirmed in the page by Stripe.js (`confirmCardSetup`, as the giving form does),
  then its card becomes the subscription's default payment method. The only step that needs JavaScript;
- pause and resume: Stripe's `pause_collection` (shown from Stripe, which is the truth of it);
- stop: `gateway.cancel_subscription` after a confirmation page. The view records nothing: the webhook
  `customer.subscription.deleted` marks the gift stopped (webhooks.on_subscription_deleted).

Every view finds the gift among `request.donor`'s monthly gifts: another donor's id is a 404, and nothing is
sent to Stripe. A stopped gift answers 409 to every action. Stripe unreachable: a French 502."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

import stripe
from django import forms
from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cms.core.ratelimit import allow
from cms.donations import gateway, rules
from cms.donations.forms import AMOUNT_TEXT, SPACES
from cms.donations.models import Donation
from vda_base.money import minor_units, money

from .session import donor_required
from .views import context, day_fr, project_title

log = logging.getLogger(__name__)

STRIPE_DOWN = "Le service de paiement ne répond pas. Réessayez dans quelques minutes."
STOPPED = "Ce don mensuel est arrêté : il ne peut plus être modifié."
CARD_NOT_CONFIRMED = "La nouvelle carte n’a pas été validée. Recommencez la saisie de la carte."
BAD_AMOUNT = "Saisissez un montant en chiffres, par exemple 25 ou 25,50."
CARD_RATE = "10 per 3600 seconds"  # new-card attempts per donor: no card testing from the space


def _gift(request, donation_id) -> Donation:
    try:
        return Donation.objects.select_related("project").get(pk=donation_id, donor=request.donor,
                                                              frequency="monthly")
    except Donation.DoesNotExist:
        raise Http404 from None


def _manageable(donation: Donation) -> bool:
    return donation.status == "active" and bool(donation.stripe_subscription)


def _stripe_state(donation: Donation) -> dict:
    """What Stripe says of the subscription: paused or not, its card. {} when Stripe cannot be reached."""
    try:
        subscription = gateway.retrieve_subscription(donation.stripe_subscription).to_dict()
    except stripe.StripeError as exc:
        log.warning("stripe error reading the subscription of donation %s: %s", donation.pk, exc.__class__.__name__)
        return {"unreachable": True}
    state = {"paused": bool(subscription.get("pause_collection")), "status": subscription.get("status", "")}
    pm = subscription.get("default_payment_method")
    pm_id = pm.get("id") if isinstance(pm, dict) else pm
    if pm_id:
        try:
            card = gateway.retrieve_payment_method(pm_id).to_dict().get("card") or {}
            brand = (card.get("brand") or "carte").capitalize()
            state["card"] = f"{brand} se terminant par {card.get('last4', '????')}"
        except stripe.StripeError:
            pass
    return state


def _page(request, donation, *, status=200, **extra):
    state = _stripe_state(donation) if _manageable(donation) else {}
    return render(request, "donors/space/monthly.html", context(
        request, gift=donation, project=project_title(donation), amount=money(donation.total, donation.currency),
        since=day_fr(donation.created_at),
        manageable=_manageable(donation), stripe=state, amount_form=extra.pop("amount_form", None) or AmountForm(
            currency=donation.currency), **extra), status=status)


def _refused(request, donation, message, status):
    return _page(request, donation, status=status, error=message)


class AmountForm(forms.Form):
    amount = forms.CharField(label="Nouveau montant mensuel", max_length=20,
                             error_messages={"required": "Indiquez le nouveau montant.", "max_length": BAD_AMOUNT})

    def __init__(self, *args, currency="EUR", **kwargs):
        super().__init__(*args, **kwargs)
        self.currency = currency

    def clean_amount(self):
        text = self.cleaned_data["amount"].translate(SPACES).replace(",", ".").rstrip("€").strip()
        if not AMOUNT_TEXT.fullmatch(text):
            raise forms.ValidationError(BAD_AMOUNT)
        try:
            minor = Decimal(text).scaleb(minor_units(self.currency))
            if minor != minor.to_integral_value() or minor <= 0:
                raise ValueError(text)
        except (ArithmeticError, ValueError):
            raise forms.ValidationError("Saisissez un montant valide, par exemple 25 ou 25,50.") from None
        low, high = rules.limits(self.currency)
        if minor < low:
            raise forms.ValidationError(f"Le montant minimum est de {money(low, self.currency)}.")
        if minor > high:
            raise forms.ValidationError(f"Le montant maximum en ligne est de {money(high, self.currency)}.")
        return int(minor)


@require_GET
@donor_required
def monthly_page(request, donation_id: uuid.UUID):
    donation = _gift(request, donation_id)
    return _page(request, donation, notice=request.GET.get("ok", "")[:20])


@require_POST
@donor_required
def change_amount(request, donation_id: uuid.UUID):
    donation = _gift(request, donation_id)
    form = AmountForm(request.POST, currency=donation.currency)
    if not form.is_valid():
        return _page(request, donation, status=400, amount_form=form)
    if not _manageable(donation):
        return _refused(request, donation, STOPPED, 409)
    amount = form.cleaned_data["amount"]
    donation.amount, donation.fee = amount, 0
    try:
        gateway.change_subscription_amount(donation.stripe_subscription, amount, gateway.metadata(donation))
    except stripe.StripeError as exc:
        log.warning("stripe error changing the amount of donation %s: %s", donation.pk, exc.__class__.__name__)
        donation.refresh_from_db()
        return _refused(request, donation, STRIPE_DOWN, 502)
    with transaction.atomic():
        Donation.objects.filter(pk=donation.pk).update(amount=amount, fee=0)
    return redirect(f"/donate/espace/mensuels/{donation.pk}/?ok=montant")


def _pause_or_resume(request, donation_id, call, notice):
    donation = _gift(request, donation_id)
    if not _manageable(donation):
        return _refused(request, donation, STOPPED, 409)
    try:
        call(donation.stripe_subscription)
    except stripe.StripeError as exc:
        log.warning("stripe error (%s) on donation %s: %s", notice, donation.pk, exc.__class__.__name__)
        return _refused(request, donation, STRIPE_DOWN, 502)
    return redirect(f"/donate/espace/mensuels/{donation.pk}/?ok={notice}")


@require_POST
@donor_required
def pause(request, donation_id: uuid.UUID):
    return _pause_or_resume(request, donation_id, gateway.pause_subscription, "pause")


@require_POST
@donor_required
def resume(request, donation_id: uuid.UUID):
    return _pause_or_resume(request, donation_id, gateway.resume_subscription, "reprise")


@require_http_methods(["GET", "POST"])
@donor_required
def cancel(request, donation_id: uuid.UUID):
    """GET: the confirmation; POST: the cancellation at Stripe. The webhook records the end."""
    donation = _gift(request, donation_id)
    if not _manageable(donation):
        return _refused(request, donation, STOPPED, 409)
    if request.method == "GET":
        return render(request, "donors/space/cancel.html", context(
            request, gift=donation, project=project_title(donation), amount=money(donation.total, donation.currency)))
    try:
        gateway.cancel_subscription(donation.stripe_subscription)
    except stripe.InvalidRequestError as exc:
        if getattr(exc, "http_status", None) != 404:  # 404: gone at Stripe already, its webhook is on its way
            log.warning("stripe refused cancelling donation %s: %s", donation.pk, getattr(exc, "code", "") or "")
            return _refused(request, donation, STRIPE_DOWN, 502)
    except stripe.StripeError as exc:
        log.warning("stripe error cancelling donation %s: %s", donation.pk, exc.__class__.__name__)
        return _refused(request, donation, STRIPE_DOWN, 502)
    return render(request, "donors/space/canceled.html", context(
        request, gift=donation, project=project_title(donation), amount=money(donation.total, donation.currency)))


@require_POST
@donor_required
def card(request, donation_id: uuid.UUID):
    """A SetupIntent for a new card, and the page where Stripe.js confirms it."""
    donation = _gift(request, donation_id)
    if not _manageable(donation) or not donation.stripe_customer:
        return _refused(request, donation, STOPPED, 409)
    if allow("donor-card", str(request.donor.pk), CARD_RATE):
        return _refused(request, donation, "Trop de changements de carte. Réessayez plus tard.", 429)
    try:
        setup = gateway.create_card_setup(donation.stripe_customer, str(donation.pk))
    except stripe.StripeError as exc:
        log.warning("stripe error opening a card setup for donation %s: %s", donation.pk, exc.__class__.__name__)
        return _refused(request, donation, STRIPE_DOWN, 502)
    return render(request, "donors/space/card.html", context(
        request, gift=donation, project=project_title(donation), setup=setup,
        publishable_key=settings.STRIPE_PUBLISHABLE_KEY))


@require_POST
@donor_required
def save_card(request, donation_id: uuid.UUID):
    """The SetupIntent the page confirmed: it must be this gift's, at this gift's customer, and succeeded."""
    donation = _gift(request, donation_id)
    if not _manageable(donation) or not donation.stripe_customer:
        return _refused(request, donation, STOPPED, 409)
    setup_id = request.POST.get("setup_intent", "")
    if not (setup_id.startswith("seti_") and len(setup_id) <= 64 and setup_id[5:].isalnum()):
        return _refused(request, donation, CARD_NOT_CONFIRMED, 400)
    try:
        setup = gateway.retrieve_setup_intent(setup_id).to_dict()
    except stripe.InvalidRequestError:
        return _refused(request, donation, CARD_NOT_CONFIRMED, 400)
    except stripe.StripeError as exc:
        log.warning("stripe error reading a card setup for donation %s: %s", donation.pk, exc.__class__.__name__)
        return _refused(request, donation, STRIPE_DOWN, 502)
    pm = setup.get("payment_method")
    pm = pm.get("id") if isinstance(pm, dict) else pm
    if (setup.get("customer") != donation.stripe_customer or setup.get("status") != "succeeded" or not pm
            or (setup.get("metadata") or {}).get("donation") != str(donation.pk)):
        return _refused(request, donation, CARD_NOT_CONFIRMED, 400)
    try:
        gateway.use_card_for_subscription(donation.stripe_subscription, donation.stripe_customer, pm)
    except stripe.CardError:
        return _refused(request, donation, "Cette carte a été refusée. Essayez une autre carte.", 400)
    except stripe.StripeError as exc:
        log.warning("stripe error setting the card of donation %s: %s", donation.pk, exc.__class__.__name__)
        return _refused(request, donation, STRIPE_DOWN, 502)
    return redirect(f"/donate/espace/mensuels/{donation.pk}/?ok=carte")
