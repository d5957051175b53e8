"""RGPD: a donor's export (article 15 and 20) and erasure (article 17), from the donor space.

Export: everything held about the donor, as JSON: the donor row, each gift (with the name and address given
with it), the ledger rows of their gifts, their e-mail preferences, their sign-in links (dates only), the
e-mails sent to them (`donors.SentEmail`, without what a queued message holds), their receipts.

Erasure, after a confirmation page:
1. every active monthly gift is cancelled at Stripe first (if Stripe refuses or is down, nothing is erased
   and the donor is told to try again: an erased donor must not keep being charged), then the name and
   e-mail of each of the donor's Stripe Customers are blanked there too;
2. in one transaction, the personal data are replaced: the Donor's name and address blanked, its e-mail made
   unique and meaningless (`efface-<random>@efface.invalid`, a reserved domain that receives no mail),
   each gift's name and address blanked, sign-in links deleted, the mail log's addresses, subjects and
   errors blanked (a message still queued is never sent: it becomes failed); an
   `Erasure` row records that it happened (no personal data);
3. kept: the gifts' amounts, dates and projects and every ledger row (the books), and the receipts (a
   tax document the association must keep six years; the receipts app purges them after that);
4. the donor is signed out.
"""

from __future__ import annotations

import json
import logging
import secrets

import stripe
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from cms.donations import gateway
from cms.donations.models import Donation, Donor, LedgerEntry
from cms.receipts import service as receipts

from ..models import Erasure, MailPreferences, SentEmail, SignInLink
from . import session
from .session import donor_required
from .views import context, receipt_row

log = logging.getLogger(__name__)

ERASED_NAME = "Donateur effacé"
ERASED_DOMAIN = "efface.invalid"
ERASED_MAIL = "Non envoyé : le donateur a demandé l’effacement de ses données (RGPD)."
STRIPE_DOWN = ("Vos dons mensuels n’ont pas pu être arrêtés : le service de paiement ne répond pas. Rien n’a "
               "été effacé. Réessayez dans quelques minutes.")


def _row(obj, exclude=()) -> dict:
    data = model_to_dict(obj, exclude=list(exclude))
    for field in obj._meta.concrete_fields:  # model_to_dict skips non-editable fields (dates, reference)
        if field.name not in exclude:
            data[field.name] = field.value_from_object(obj)
    return data


def export_data(donor: Donor) -> dict:
    donations = list(Donation.objects.filter(donor=donor).order_by("created_at"))
    entries = LedgerEntry.objects.filter(donation__in=donations).order_by("occurred_at", "id")
    prefs = MailPreferences.of(donor)
    data = {
        "exported_at": timezone.now(),
        "donor": _row(donor),
        "donations": [_row(d, exclude=("donor",)) for d in donations],
        "ledger_entries": [_row(e, exclude=("project",)) for e in entries],
        "mail_preferences": {"gift_thanks": prefs.gift_thanks, "monthly_thanks": prefs.monthly_thanks},
        "sign_in_links": [{"created_at": link.created_at, "expires_at": link.expires_at, "used_at": link.used_at}
                          for link in SignInLink.objects.filter(donor=donor).order_by("created_at")],
        "receipts": [{k: v for k, v in receipt_row(r).items() if k != "id"} | {"id": str(r.pk)}
                     for r in receipts.receipts_of_donor(donor) or []],
    }
    data["emails_sent"] = [_row(m, exclude=("donor", "context", "attachments"))  # no live sign-in link
                           for m in SentEmail.objects.filter(donor=donor).order_by("created_at", "id")]
    return data


@require_http_methods(["GET"])
@donor_required
def export(request):
    body = json.dumps(export_data(request.donor), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="mes-donnees-vision-damour.json"'
    return response


def erase(donor: Donor) -> int:
    """Cancel the donor's monthly gifts at Stripe, then anonymise. Returns the number of subscriptions
    cancelled. Raises stripe.StripeError (nothing erased) when one cannot be cancelled."""
    active = list(Donation.objects.filter(donor=donor, frequency="monthly", status="active")
                  .exclude(stripe_subscription=""))
    for donation in active:
        try:
            gateway.cancel_subscription(donation.stripe_subscription)
        except stripe.InvalidRequestError as exc:
            if getattr(exc, "http_status", None) != 404:  # gone at Stripe already: nothing to stop
                raise
    customers = {c for c in Donation.objects.filter(donor=donor).values_list("stripe_customer", flat=True) if c}
    for customer in sorted(customers | ({donor.stripe_customer} if donor.stripe_customer else set())):
        try:
            gateway.redact_customer(customer)
        except stripe.InvalidRequestError as exc:
            if getattr(exc, "http_status", None) != 404:
                raise
    with transaction.atomic():
        Donor.objects.filter(pk=donor.pk).update(
            name=ERASED_NAME, email=f"efface-{secrets.token_hex(12)}@{ERASED_DOMAIN}", address_line1="",
            postal_code="", city="", country="")
        Donation.objects.filter(donor=donor).update(donor_name="", address_line1="", postal_code="", city="",
                                                    country="", public_wall=False, wall_name="",
                                                    project_news=False)
        SignInLink.objects.filter(donor=donor).delete()
        # The mail log keeps that a message of a kind was sent and when, nothing about whom: the address,
        # the subject (it may name an amount or the donor), the error (an SMTP error quotes the address),
        # and what a message not yet sent holds (its context, a receipt's PDF): a queued one is never sent.
        SentEmail.objects.filter(donor=donor).update(recipient="", subject="", error="", context={}, attachments=[])
        SentEmail.objects.filter(donor=donor, status=SentEmail.QUEUED).update(status=SentEmail.FAILED,
                                                                               error=ERASED_MAIL)
        Erasure.objects.create(donor=donor, canceled_subscriptions=len(active))
    return len(active)


@require_http_methods(["GET", "POST"])
@donor_required
def erase_view(request):
    donor = request.donor
    if request.method == "GET":
        return render(request, "donors/space/erase.html", context(request))
    if request.POST.get("confirm") != "oui":
        return render(request, "donors/space/erase.html", context(
            request, error="Cochez la case pour confirmer l’effacement."), status=400)
    try:
        erase(donor)
    except stripe.StripeError as exc:
        log.warning("erasure of donor %s stopped: stripe %s", donor.pk, exc.__class__.__name__)
        return render(request, "donors/space/erase.html", context(request, error=STRIPE_DOWN), status=502)
    session.sign_out(request)
    ctx = context(request)
    ctx.pop("donor")
    return render(request, "donors/space/erased.html", ctx)
