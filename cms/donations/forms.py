"""What a donor may ask for, checked once for every way in (JSON API, the no-JS form, later the widget).

Errors are French sentences keyed by field, ready for `{"errors": {...}}` or a re-rendered form.
"""

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from site_builder.filters import minor_units, money

from . import live_projects, rules



class DonationRequestForm(forms.Form):
    project = forms.SlugField(required=False, max_length=255)
    amount = forms.IntegerField(required=False, min_value=0)
    amount_display = forms.CharField(required=False, max_length=20)
    currency = forms.CharField(required=False, max_length=3)
    frequency = forms.ChoiceField(required=False, choices=[("once", "once"), ("monthly", "monthly")])
    kind = forms.ChoiceField(required=False, choices=[("gift", "gift"), ("sponsorship", "sponsorship")])
    plan = forms.ChoiceField(required=False, choices=[("once", "once"), ("monthly", "monthly"),
                                                      ("sponsorship", "sponsorship")])
    cover_fees = forms.BooleanField(required=False)
    name = forms.CharField(max_length=120, error_messages={"required": _("Indiquez votre nom.")})
    email = forms.EmailField(error_messages={"required": _("Indiquez votre adresse e-mail."),
                                             "invalid": _("Cette adresse e-mail n'est pas valide.")})
    wants_receipt = forms.BooleanField(required=False)
    address_line1 = forms.CharField(required=False, max_length=200)
    address_postal_code = forms.CharField(required=False, max_length=20)
    address_city = forms.CharField(required=False, max_length=100)
    address_country = forms.CharField(required=False, max_length=2)
    public_wall = forms.BooleanField(required=False)
    source = forms.CharField(required=False, max_length=60)

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Indiquez votre nom."))
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        slug = data.get("project") or ""
        project = None
        if slug:
            project = live_projects.get(slug)  # live and public (kept a few seconds: see live_projects)
            if project is None:
                self.add_error("project", _("Ce projet n'existe pas ou n'accepte plus de dons."))
                return data
        currency = project.currency if project else "EUR"
        asked = (data.get("currency") or "").upper()
        if asked and asked != currency:
            self.add_error("currency", _("Ce projet collecte en %(currency)s.") % {"currency": currency})
        data["live_project"], data["currency"] = project, currency

        plan = data.get("plan")
        frequency = data.get("frequency") or ("once" if plan in (None, "", "once") else "monthly")
        kind = data.get("kind") or ("sponsorship" if plan == "sponsorship" else "gift")
        if kind == "sponsorship":
            frequency = "monthly" if not data.get("frequency") else frequency
            if frequency != "monthly":
                self.add_error("frequency", _("Un parrainage est un don mensuel."))
            if project is None:
                self.add_error("project", _("Choisissez le projet à parrainer."))
        data["frequency"], data["kind"] = frequency, kind

        amount = self._amount(data, currency)
        if amount is not None:
            low, high = rules.limits(currency)
            if amount < low:
                self.add_error("amount", _("Le montant minimum est de %(min)s.") % {"min": money(low, currency)})
            elif amount > high:
                self.add_error("amount", _("Le montant maximum en ligne est de %(max)s ; contactez-nous pour "
                                           "un don plus important.") % {"max": money(high, currency)})
        data["amount"] = amount
        data["fee"] = rules.fee_for(amount, currency) if amount and data.get("cover_fees") else 0

        if data.get("wants_receipt"):
            for field, message in (("address_line1", _("L'adresse est nécessaire pour le reçu fiscal.")),
                                   ("address_postal_code", _("Le code postal est nécessaire pour le reçu fiscal.")),
                                   ("address_city", _("La ville est nécessaire pour le reçu fiscal."))):
                if not (data.get(field) or "").strip():
                    self.add_error(field, message)
            data["address_country"] = (data.get("address_country") or "FR").upper()
        return data

    def _amount(self, data, currency):
        """A typed amount (`amount_display`, whole units) wins over a chosen tile (`amount`, minor units):
        a donor who clicks 25 € and then types 40 means 40."""
        text = (data.get("amount_display") or "").strip().replace("\u202f", "").replace(" ", "").replace(",", ".")
        if not text and data.get("amount") not in (None, ""):
            return data["amount"]
        text = text.rstrip("€").strip()
        if not text:
            self.add_error("amount", _("Choisissez ou saisissez un montant."))
            return None
        try:
            value = Decimal(text)
        except InvalidOperation:
            self.add_error("amount", _("Saisissez un montant en chiffres, par exemple 25 ou 25,50."))
            return None
        exponent = minor_units(currency)
        minor = value * (10 ** exponent)
        if minor != minor.to_integral_value() or value <= 0:
            self.add_error("amount", _("Saisissez un montant valide, par exemple 25 ou 25,50."))
            return None
        return int(minor)


def flatten_json(payload: dict) -> tuple[dict, dict]:
    """The JSON API nests the address; the form (and the no-JS post) uses flat field names.
    Returns the flat data and the errors of values of the wrong JSON type (a list where a number belongs)."""
    data = {k: v for k, v in payload.items() if k != "address"}
    errors = {}
    address = payload.get("address")
    if isinstance(address, dict):
        for key in ("line1", "postal_code", "city", "country"):
            if key in address:
                data[f"address_{key}"] = address[key]
    elif address not in (None, ""):
        errors["address"] = [str(_("L'adresse doit être un objet {line1, postal_code, city, country}."))]
    for key, value in list(data.items()):
        if isinstance(value, bool):
            data[key] = "on" if value else ""
        elif value is None:
            data[key] = ""
        elif isinstance(value, float) and key == "amount":
            errors["amount"] = [str(_("Le montant est un entier en centimes (2500 pour 25 €)."))]
        elif not isinstance(value, (str, int)):
            errors[key] = [str(_("Valeur invalide."))]
    return data, errors
