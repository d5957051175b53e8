"""What a donor may ask for, checked once for every way in (JSON API, the no-JS form, later the widget).

Errors are French sentences keyed by field, ready for `{"errors": {...}}` or a re-rendered form.
Everything is checked here, before any Stripe call: a value the database would refuse (a 298-character
e-mail in a 254-character column) must be refused while nothing exists yet, not after a Stripe customer
and SetupIntent were opened for it. So text fields take their maximum length from the column they end in.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from vda_base.money import minor_units, money

from . import live_projects, rules, wall
from .models import Donation, Donor
from .siren import is_valid_siren, normalise_siren

# Form field -> the columns it is stored in (start_donation: the donor's first gift, and the donation's own
# copy of the details given with it). Lengths are checked again after cleaning, which can lengthen a value
# ("İ".lower() is two characters).
COLUMNS = {"project": [(Donation, "project_slug")], "name": [(Donor, "name"), (Donation, "donor_name")],
           "email": [(Donor, "email")],
           "address_line1": [(Donor, "address_line1"), (Donation, "address_line1")],
           "address_postal_code": [(Donor, "postal_code"), (Donation, "postal_code")],
           "address_city": [(Donor, "city"), (Donation, "city")],
           "address_country": [(Donor, "country"), (Donation, "country")],
           "source": [(Donation, "source")], "company_name": [(Donation, "donor_company")],
           "company_legal_form": [(Donation, "company_legal_form")]}
TOO_LONG = _("Ce champ est trop long : %(limit_value)d caractères au plus.")
# Django's own messages follow the browser's language; the donor's messages are French whatever it is.
FRENCH = {"max_length": TOO_LONG, "invalid_choice": _("Ce choix n'est pas valide."),
          "invalid": _("Valeur invalide."), "min_value": _("Le montant doit être positif."),
          "null_characters_not_allowed": _("Valeur invalide."), "required": _("Ce champ est obligatoire.")}
# A typed amount: digits, optionally a decimal part. No sign, exponent, NaN, infinity, underscore or
# non-ASCII digit (all of which Decimal() accepts), so no arithmetic below can overflow or trap.
AMOUNT_TEXT = re.compile(r"[0-9]{1,9}(?:\.[0-9]{1,9})?")
SPACES = str.maketrans("", "", " \u00a0\u202f\t")


def company_details(data) -> dict:
    """The Donation columns of a company gift (empty for a person)."""
    return {"donor_company": data.get("company_name") or "", "company_legal_form": data.get("company_legal_form") or "",
            "company_siren": data.get("company_siren") or ""}


def column_length(field: str) -> int:
    """The shortest of the columns the field is stored in."""
    lengths = []
    for model, name in COLUMNS[field]:
        try:
            lengths.append(model._meta.get_field(name).max_length)
        except FieldDoesNotExist:
            pass
    return min(lengths)


def fr(**custom) -> dict:
    return {**FRENCH, **custom}


class DonationRequestForm(forms.Form):
    project = forms.SlugField(required=False, max_length=column_length("project"),
                              error_messages=fr(invalid=_("Ce projet n'existe pas ou n'accepte plus de dons.")))
    amount = forms.IntegerField(required=False, min_value=0, error_messages=fr(
        invalid=_("Le montant est un entier en centimes (2500 pour 25 €).")))
    amount_display = forms.CharField(required=False, max_length=20, error_messages=fr())
    currency = forms.CharField(required=False, max_length=3, error_messages=fr())
    frequency = forms.ChoiceField(required=False, choices=[("once", "once"), ("monthly", "monthly")],
                                  error_messages=fr())
    kind = forms.ChoiceField(required=False, choices=[("gift", "gift"), ("sponsorship", "sponsorship")],
                             error_messages=fr())
    plan = forms.ChoiceField(required=False, choices=[("once", "once"), ("monthly", "monthly"),
                                                      ("sponsorship", "sponsorship")], error_messages=fr())
    cover_fees = forms.BooleanField(required=False)
    name = forms.CharField(max_length=column_length("name"), error_messages=fr(required=_("Indiquez votre nom.")))
    email = forms.EmailField(max_length=column_length("email"),  # Django's form default is 320: the column is 254
                             error_messages=fr(required=_("Indiquez votre adresse e-mail."),
                                               invalid=_("Cette adresse e-mail n'est pas valide.")))
    wants_receipt = forms.BooleanField(required=False)
    address_line1 = forms.CharField(required=False, max_length=column_length("address_line1"), error_messages=fr())
    address_postal_code = forms.CharField(required=False, max_length=column_length("address_postal_code"),
                                          error_messages=fr())
    address_city = forms.CharField(required=False, max_length=column_length("address_city"), error_messages=fr())
    address_country = forms.CharField(required=False, max_length=column_length("address_country"),
                                      error_messages=fr())
    # Giving as a company (its tax receipt is a Cerfa 16216): all three, or none.
    company_name = forms.CharField(required=False, max_length=column_length("company_name"), error_messages=fr())
    company_legal_form = forms.CharField(required=False, max_length=column_length("company_legal_form"),
                                         error_messages=fr())
    company_siren = forms.CharField(required=False, max_length=20, error_messages=fr())
    public_wall = forms.BooleanField(required=False)
    wall_name = forms.CharField(required=False, max_length=200, strip=False, error_messages=fr())  # checked below
    project_news = forms.BooleanField(required=False)
    source = forms.CharField(required=False, max_length=column_length("source"), error_messages=fr())

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        if not name:
            raise forms.ValidationError(_("Indiquez votre nom."))
        return name

    def clean_wall_name(self):
        """What the donor typed FOR the wall (wall.py's rules); kept only when they chose to be on it."""
        try:
            name = wall.clean_wall_name(self.cleaned_data.get("wall_name") or "")
        except forms.ValidationError as error:
            raise forms.ValidationError(error.messages[0]) from None
        return name

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_address_country(self):
        country = self.cleaned_data.get("address_country") or ""
        if country and not re.fullmatch(r"[A-Za-z]{2}", country):  # "ß".upper() is "SS": letters A-Z only
            raise forms.ValidationError(_("Indiquez le pays par son code à deux lettres, par exemple FR."))
        return country

    def clean(self):
        data = super().clean()
        if not data.get("public_wall"):
            data["wall_name"] = ""  # typed, then the box unticked: not on the wall, nothing kept
        self._clean_request(data)
        for field in COLUMNS:  # what start_donation will store, as it will store it
            value = data.get(field)
            if isinstance(value, str) and len(value) > column_length(field) and field not in self.errors:
                self.add_error(field, TOO_LONG % {"limit_value": column_length(field)})
        return data

    def _clean_request(self, data):
        slug = data.get("project") or ""
        project = None
        if slug:
            project = live_projects.get(slug)  # live and public (kept a few seconds: see live_projects)
            if project is None:
                self.add_error("project", _("Ce projet n'existe pas ou n'accepte plus de dons."))
                return
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
                if not (data.get(field) or "").strip() and field not in self.errors:  # one message a field
                    self.add_error(field, message)
            data["address_country"] = (data.get("address_country") or "FR").upper()
        self._clean_company(data)

    def _clean_company(self, data):
        """A company gift names the company, its legal form and a valid SIREN (9 digits, Luhn key)."""
        name = " ".join((data.get("company_name") or "").split())
        form = " ".join((data.get("company_legal_form") or "").split())
        siren = normalise_siren(data.get("company_siren") or "")
        data["company_name"], data["company_legal_form"], data["company_siren"] = name, form, siren
        if not (name or form or siren):
            return
        if not name and "company_name" not in self.errors:
            self.add_error("company_name", _("Indiquez la dénomination de l'entreprise."))
        if not form and "company_legal_form" not in self.errors:
            self.add_error("company_legal_form", _("Indiquez la forme juridique de l'entreprise (SAS, SARL…)."))
        if not is_valid_siren(siren) and "company_siren" not in self.errors:
            self.add_error("company_siren", _("Le numéro SIREN doit compter 9 chiffres et être valide."))

    def _amount(self, data, currency):
        """A typed amount (`amount_display`, whole units) wins over a chosen tile (`amount`, minor units):
        a donor who clicks 25 € and then types 40 means 40. The text must be plain digits before any
        arithmetic: Decimal() takes "sNaN", "inf" and "1e999999", which then trap or overflow."""
        text = (data.get("amount_display") or "").translate(SPACES).replace(",", ".")
        if not text and data.get("amount") not in (None, ""):
            return data["amount"]
        text = text.rstrip("€")
        if not text:
            self.add_error("amount", _("Choisissez ou saisissez un montant."))
            return None
        if not AMOUNT_TEXT.fullmatch(text):
            self.add_error("amount", _("Saisissez un montant en chiffres, par exemple 25 ou 25,50."))
            return None
        try:
            minor = Decimal(text).scaleb(minor_units(currency))
            if minor != minor.to_integral_value() or minor <= 0:
                raise ValueError(text)
            return int(minor)
        except (ArithmeticError, ValueError):  # InvalidOperation and Overflow are ArithmeticErrors
            self.add_error("amount", _("Saisissez un montant valide, par exemple 25 ou 25,50."))
            return None


def flatten_json(payload: dict) -> tuple[dict, dict]:
    """The JSON API nests the address; the form (and the no-JS post) uses flat field names.
    Returns the flat data and the errors of values of the wrong JSON type (a list where a number belongs).
    JSON may carry lone surrogates ("\\ud800"), which no database, cache key or Stripe request can encode:
    such a value is an error and is blanked, so nothing downstream ever sees it."""
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
        elif isinstance(value, str) and not encodable(value):
            data[key] = ""
            errors[key] = [str(_("Valeur invalide."))]
        elif not isinstance(value, (str, int)):
            errors[key] = [str(_("Valeur invalide."))]
    return data, errors


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
