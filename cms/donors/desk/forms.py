"""The desk's action forms: every value checked before anything is written or sent to Stripe.

Amounts are typed the French way ("12,50", "1 250") and become integers in minor units of the gift's
currency (vda_base/money.py); anything else (a sign, an exponent, "NaN", a float's noise) is refused
with a French message. Each form carries a `nonce` drawn when the page was shown: it keys the Stripe
refund's idempotency and the offline gift's ledger row, so a double submission acts once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone

from cms.donations.forms import AMOUNT_TEXT, SPACES
from cms.donations.models import Donation
from vda_base.money import minor_units, money

# An offline gift above this is a typing error (a cheque of ten million euros), not a gift: refused.
MAX_OFFLINE_MAJOR = 1_000_000
OFFLINE_METHODS = [("cheque", "chèque"), ("transfer", "virement"), ("cash", "espèces")]
REQUIRED = {"required": "Ce champ est obligatoire.", "invalid": "Valeur invalide.",
            "invalid_choice": "Ce choix n'est pas valide.",
            "max_length": "Ce champ est trop long : %(limit_value)d caractères au plus.",
            "null_characters_not_allowed": "Valeur invalide."}


def parse_amount(text, currency: str) -> int:
    """ "12,50" EUR -> 1250. Raises forms.ValidationError (French) for anything that is not a positive
    amount with at most the currency's decimals."""
    text = str(text or "").translate(SPACES).replace(",", ".").rstrip("€").strip()
    if not text:
        raise forms.ValidationError("Saisissez un montant.")
    if not AMOUNT_TEXT.fullmatch(text):
        raise forms.ValidationError("Saisissez un montant en chiffres, par exemple 25 ou 25,50.")
    minor = Decimal(text).scaleb(minor_units(currency))
    if minor != minor.to_integral_value():
        raise forms.ValidationError("Ce montant a trop de décimales pour cette devise.")
    if minor <= 0:
        raise forms.ValidationError("Le montant doit être supérieur à zéro.")
    return int(minor)


class NonceForm(forms.Form):
    nonce = forms.UUIDField(widget=forms.HiddenInput, error_messages=REQUIRED)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("nonce", uuid.uuid4())
        super().__init__(*args, **kwargs)


class RefundForm(NonceForm):
    """How much of one payment to give back: by default all that remains refundable."""

    amount = forms.CharField(label="Montant à rembourser", max_length=20, error_messages=REQUIRED)
    reason = forms.CharField(label="Motif (pour le journal)", max_length=200, required=False,
                             error_messages=REQUIRED)

    def __init__(self, *args, entry, refundable: int, **kwargs):
        self.entry, self.refundable = entry, refundable
        super().__init__(*args, **kwargs)

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"], self.entry.currency)
        if self.refundable <= 0:
            raise forms.ValidationError("Ce paiement a déjà été entièrement remboursé.")
        if amount > self.refundable:
            raise forms.ValidationError(
                "Le montant dépasse ce qui reste remboursable sur ce paiement : %(max)s au plus."
                % {"max": money(self.refundable, self.entry.currency, always_decimals=True)})
        return amount


class ReceivedForm(NonceForm):
    """Money received without Stripe: when it arrived."""

    received_on = forms.DateField(label="Reçu le", error_messages={**REQUIRED, "invalid": "Saisissez une date."},
                                  widget=forms.DateInput(attrs={"type": "date"}))

    def clean_received_on(self):
        day = self.cleaned_data["received_on"]
        today = timezone.localdate()
        if day > today:
            raise forms.ValidationError("La date de réception ne peut pas être dans le futur.")
        if day < today - dt.timedelta(days=3 * 366):
            raise forms.ValidationError("Cette date est trop ancienne (plus de trois ans).")
        return day

    def occurred_timestamp(self) -> int:
        """Noon, Paris time, of the day received (what the ledger's `occurred` takes: seconds)."""
        day = self.cleaned_data["received_on"]
        noon = timezone.make_aware(dt.datetime.combine(day, dt.time(12)), timezone.get_default_timezone())
        return int(noon.timestamp())


class MatchPledgeForm(ReceivedForm):
    """A promised transfer or cheque has arrived: the amount on the bank statement (it may differ)."""

    amount = forms.CharField(label="Montant reçu", max_length=20, error_messages=REQUIRED)

    def __init__(self, *args, donation: Donation, **kwargs):
        self.donation = donation
        super().__init__(*args, **kwargs)

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"], self.donation.currency)
        if amount > MAX_OFFLINE_MAJOR * 10 ** minor_units(self.donation.currency):
            raise forms.ValidationError("Ce montant est invraisemblable : vérifiez-le.")
        return amount


class AddressForm(forms.Form):
    """The name and postal address of one gift (what its receipt shows)."""

    donor_name = forms.CharField(label="Nom", max_length=120, error_messages=REQUIRED)
    address_line1 = forms.CharField(label="Adresse", max_length=200, required=False, error_messages=REQUIRED)
    postal_code = forms.CharField(label="Code postal", max_length=20, required=False, error_messages=REQUIRED)
    city = forms.CharField(label="Ville", max_length=100, required=False, error_messages=REQUIRED)
    country = forms.CharField(label="Pays (code à deux lettres)", max_length=2, required=False,
                              error_messages=REQUIRED)

    FIELDS = ("donor_name", "address_line1", "postal_code", "city", "country")

    def clean_country(self):
        country = self.cleaned_data["country"].strip().upper()
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise forms.ValidationError("Saisissez le code du pays en deux lettres (FR, BE…).")
        return country

    def clean(self):
        data = super().clean()
        for name in self.FIELDS:
            if isinstance(data.get(name), str):
                data[name] = " ".join(data[name].split())  # no line breaks or tabs on a receipt
        if self.is_bound and not self.errors and not data.get("donor_name"):
            self.add_error("donor_name", "Ce champ est obligatoire.")
        return data


class OfflineGiftForm(AddressForm, ReceivedForm):
    """A gift handed to the staff: cheque, transfer or cash, with the donor's details for the receipt."""

    email = forms.EmailField(label="Courriel du donateur", max_length=254, required=False,
                             error_messages={**REQUIRED, "invalid": "Saisissez une adresse électronique valide."})
    payment_method = forms.ChoiceField(label="Moyen de paiement", choices=OFFLINE_METHODS, error_messages=REQUIRED)
    amount = forms.CharField(label="Montant (euros)", max_length=20, error_messages=REQUIRED)
    project = forms.ChoiceField(label="Projet", required=False, error_messages=REQUIRED)
    wants_receipt = forms.BooleanField(label="Reçu fiscal demandé", required=False, initial=True)

    field_order = ["email", "donor_name", "address_line1", "postal_code", "city", "country", "payment_method",
                   "amount", "received_on", "project", "wants_receipt", "nonce"]

    def __init__(self, *args, donor=None, **kwargs):
        from cms.projects.models import ProjectPage

        self.donor = donor
        super().__init__(*args, **kwargs)
        self.projects = {p.slug: p for p in ProjectPage.objects.live().only("pk", "slug", "title")}
        self.fields["project"].choices = [("", "Fonds général")] + sorted(
            ((slug, page.title) for slug, page in self.projects.items()), key=lambda choice: choice[1])
        if donor is not None:
            del self.fields["email"]

    def clean_amount(self):
        amount = parse_amount(self.cleaned_data["amount"], "EUR")
        if amount > MAX_OFFLINE_MAJOR * 100:
            raise forms.ValidationError("Ce montant est invraisemblable (plus d'un million d'euros) : vérifiez-le.")
        return amount

    def clean(self):
        data = super().clean()
        if self.donor is None and "email" in self.fields and not data.get("email") and not self.errors.get("email"):
            self.add_error("email", "Ce champ est obligatoire.")
        if data.get("wants_receipt") and not (data.get("address_line1") and data.get("postal_code")
                                              and data.get("city")):
            self.add_error("address_line1", "Un reçu fiscal demande l'adresse postale complète "
                                            "(adresse, code postal, ville).")
        return data

    @property
    def live_project(self):
        return self.projects.get(self.cleaned_data.get("project") or "")
