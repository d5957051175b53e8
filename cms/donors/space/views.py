"""The pages of a signed-in donor: their gifts and receipts, a receipt's PDF, their postal address and their
e-mail preferences. Every query starts from `request.donor` (session.donor_required): an id of another
donor's gift or receipt is not found, exactly like an id that does not exist (404), and nothing changes."""

from __future__ import annotations

import re

from django import forms
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from cms.donations.models import Donation
from cms.donations.offline import page_context
from cms.receipts import service as receipts
from vda_base.money import money

from ..models import MailPreferences
from .session import donor_required

RECEIPT_ID = re.compile(r"[A-Za-z0-9-]{1,64}")


def context(request, **extra) -> dict:
    return {**page_context(request), "donor": request.donor, **extra}


def project_title(donation: Donation) -> str:
    return donation.project.title if donation.project_id and donation.project else "Fonds général"


def day_fr(value) -> str:
    """A date as a French reader writes it ("1er décembre 2026"), for a datetime (in the organisation's
    time zone) or a date; "" for none. Django's "j F Y" writes "1 décembre"."""
    import datetime as dt

    from ..notices import MONTHS, date_fr

    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return date_fr(value)
    return f"{'1er' if value.day == 1 else value.day} {MONTHS[value.month - 1]} {value.year}"


def gift_row(donation: Donation) -> dict:
    """What the list shows of one gift (no name or address: the page is already theirs, but less is less)."""
    return {"donation": donation, "project": project_title(donation),
            "amount": money(donation.total, donation.currency), "monthly": donation.frequency == "monthly",
            "status": donation.get_status_display(), "reference": donation.reference, "receipts": [],
            "date": day_fr(donation.created_at)}


def receipt_row(receipt) -> dict:
    """What the donor sees of one receipt (cms.receipts.models.Receipt): a cancellation is named as such,
    so that a donor never takes the cancellation of a refunded gift for a receipt to declare."""
    if receipt.document == receipt.CANCELLATION:
        kind = "annulation"
    elif receipt.status == receipt.CANCELLED:
        kind = "annulé"
    elif receipt.replaces_id:
        kind = "rectificatif"
    else:
        kind = "récapitulatif annuel" if receipt.scope == receipt.YEARLY else ""
    return {"id": str(receipt.pk), "number": receipt.number, "date": day_fr(receipt.issued_at), "kind": kind,
            "amount": money(receipt.amount, receipt.currency), "purged": receipt.purged_at is not None}


def _donor_receipts(donor) -> list:
    return list(receipts.receipts_of_donor(donor) or [])


@require_GET
@donor_required
def home(request):
    donor = request.donor
    gifts = [gift_row(d) for d in donor.donations.exclude(status="pending").select_related("project")
             .order_by("-created_at")]
    by_donation = {str(row["donation"].pk): row for row in gifts}
    other_receipts = []
    for receipt in _donor_receipts(donor):
        row = by_donation.get(str(receipt.donation_id or ""))
        (row["receipts"] if row else other_receipts).append(receipt_row(receipt))
    return render(request, "donors/space/home.html", context(
        request, gifts=gifts, other_receipts=other_receipts, notice=request.GET.get("ok", "")[:20]))


@require_GET
@donor_required
def receipt_pdf(request, receipt_id: str):
    """Only a receipt of `receipts_of_donor(request.donor)`: another donor's id is a 404 like any unknown."""
    if not RECEIPT_ID.fullmatch(receipt_id):
        raise Http404
    receipt = next((r for r in _donor_receipts(request.donor) if str(r.pk) == receipt_id), None)
    if receipt is None:
        raise Http404
    try:
        content = receipts.pdf_bytes(receipt)
    except LookupError:
        raise Http404 from None
    number = re.sub(r"[^A-Za-z0-9-]", "-", receipt.number)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="recu-fiscal-{number}.pdf"'
    return response


class AddressForm(forms.Form):
    address_line1 = forms.CharField(label="Adresse", max_length=200)
    postal_code = forms.CharField(label="Code postal", max_length=20)
    city = forms.CharField(label="Ville", max_length=100)
    country = forms.RegexField(label="Pays (code à deux lettres, FR pour la France)", regex=r"^[A-Za-z]{2}$",
                               max_length=2, error_messages={"invalid": "Indiquez le code du pays en deux lettres, "
                                                                        "par exemple FR."})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.error_messages["required"] = "Ce champ est obligatoire."
            field.error_messages["max_length"] = "Ce champ est trop long."

    def clean_country(self):
        return self.cleaned_data["country"].upper()


ADDRESS_FIELDS = ("address_line1", "postal_code", "city", "country")


@require_http_methods(["GET", "POST"])
@donor_required
def address(request):
    """The donor's address for future receipts: the Donor row and their active monthly gifts (the gifts
    already made keep the address their receipts show; staff correct those from the donor desk)."""
    donor = request.donor
    if request.method == "GET":
        form = AddressForm(initial={f: getattr(donor, f) for f in ADDRESS_FIELDS} | {"country": donor.country or "FR"})
        return render(request, "donors/space/address.html", context(request, form=form))
    form = AddressForm(request.POST)
    if not form.is_valid():
        return render(request, "donors/space/address.html", context(request, form=form), status=400)
    values = {f: form.cleaned_data[f].strip() for f in ADDRESS_FIELDS}
    with transaction.atomic():
        type(donor).objects.filter(pk=donor.pk).update(**values)
        Donation.objects.filter(donor=donor, frequency="monthly", status="active").update(**values)
    return redirect("/donate/espace/?ok=adresse")


class PreferencesForm(forms.Form):
    gift_thanks = forms.BooleanField(label="Un remerciement après chaque don ponctuel", required=False)
    monthly_thanks = forms.BooleanField(label="La confirmation de chaque mensualité", required=False)
    project_news = forms.BooleanField(label="Les nouvelles des projets que je soutiens", required=False)


@require_http_methods(["GET", "POST"])
@donor_required
def preferences(request):
    prefs = MailPreferences.of(request.donor)
    if request.method == "GET":
        form = PreferencesForm(initial={"gift_thanks": prefs.gift_thanks, "monthly_thanks": prefs.monthly_thanks,
                                       "project_news": prefs.project_news})
        return render(request, "donors/space/preferences.html", context(request, form=form))
    form = PreferencesForm(request.POST)
    if not form.is_valid():  # booleans cannot be invalid; kept so that a future field cannot skip checks
        return render(request, "donors/space/preferences.html", context(request, form=form), status=400)
    MailPreferences.objects.update_or_create(donor=request.donor, defaults=form.cleaned_data)
    return redirect("/donate/espace/?ok=preferences")
