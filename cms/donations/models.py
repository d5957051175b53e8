"""Donors, donations and the ledger.

- `Donor`: personal data. It never leaves this database: not in GraphQL, not in the static site, not in logs.
- `Donation`: what a donor asked for (amount, project, once or monthly), where Stripe is with it, and the
  name and postal address given with this gift (what its tax receipt shows). A gift never changes the
  `Donor` row: anyone can type anyone's e-mail, so the details stored on a donor are those of their first
  gift, and each gift keeps its own.
- `LedgerEntry`: the books. One row per movement of money (a payment, each monthly payment, a refund),
  keyed by the Stripe object that moved it, under a unique constraint: the same webhook delivered twenty
  times at once still records one gift. Refunds are rows of their own with a negative amount, so a
  project's total is a plain sum, and receipts (a later issue) can be numbered from these rows.
- `StripeEvent`: the events already processed (a cheap first filter; the unique keys above are the guard).
"""

import secrets
import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from .siren import validate_siren


class Donor(models.Model):
    email = models.EmailField(_("courriel"), unique=True)
    name = models.CharField(_("nom"), max_length=120)
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=20, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, blank=True)
    stripe_customer = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("donateur")

    def __str__(self):
        return f"Donateur n° {self.pk}"  # never the name or email: __str__ ends up in logs


# A reference a donor copies by hand into a bank transfer's label or onto the back of a cheque: short, in
# capitals, without the characters people confuse (0/O, 1/I/L). 31**6 (about 887 million) values.
REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
REFERENCE_PREFIX = "VDA-"


def new_reference() -> str:
    """A fresh gift reference ("VDA-7K2M9Q"). Unique in the database (a unique column): a caller that could
    collide (one chance in ~887 million per existing gift) retries on IntegrityError (offline.py)."""
    return REFERENCE_PREFIX + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(6))


class Donation(models.Model):
    FREQUENCIES = [("once", _("une fois")), ("monthly", _("chaque mois"))]
    KINDS = [("gift", _("don")), ("sponsorship", _("parrainage"))]
    STATUSES = [("pending", _("en attente")), ("succeeded", _("payé")), ("active", _("mensuel actif")),
                ("failed", _("échoué")), ("canceled", _("arrêté")),
                ("pledged", _("promis (virement ou chèque attendu)"))]
    # How the donor pays: by card (Stripe), or without JavaScript by bank transfer or cheque, recorded as
    # "pledged" until the staff receive the money (matching transfers is the donor desk's, issue 13).
    # Cash only ever comes in through the donor desk (a gift handed to the staff), never from the site.
    PAYMENT_METHODS = [("card", _("carte")), ("transfer", _("virement")), ("cheque", _("chèque")),
                       ("cash", _("espèces"))]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    donor = models.ForeignKey(Donor, null=True, blank=True, on_delete=models.PROTECT, related_name="donations")
    project = models.ForeignKey("projects.ProjectPage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="donations")
    project_slug = models.SlugField(max_length=255, blank=True, help_text=_("Vide : fonds général."))
    kind = models.CharField(max_length=12, choices=KINDS, default="gift")
    frequency = models.CharField(max_length=8, choices=FREQUENCIES, default="once")
    amount = models.PositiveBigIntegerField(help_text=_("Don, en unités mineures."))
    fee = models.PositiveBigIntegerField(default=0, help_text=_("Frais couverts par le donateur."))
    currency = models.CharField(max_length=3)
    wants_receipt = models.BooleanField(default=False)
    # The donor wall (cms/donations/wall.py): opted in per gift; `wall_name` is what the donor typed FOR the
    # wall (empty: first name and initial). Staff hide a name in one click (the donor desk's wall listing).
    public_wall = models.BooleanField(default=False)
    wall_name = models.CharField(_("nom affiché sur le mur"), max_length=40, blank=True)
    wall_hidden = models.BooleanField(_("masqué du mur"), default=False)
    wall_hidden_by = models.ForeignKey("auth.User", null=True, blank=True, on_delete=models.SET_NULL,
                                       related_name="+")
    wall_hidden_at = models.DateTimeField(null=True, blank=True)
    # "Recevoir les nouvelles des projets que je soutiens": turns the donor's MailPreferences.project_news on
    # once the gift is paid (cms/donors/news.py), never before (anyone can type anyone's e-mail).
    project_news = models.BooleanField(default=False)
    source = models.CharField(max_length=60, blank=True, help_text=_("Page ou partenaire d'origine."))
    # As given with this gift (the receipt's); the Donor row keeps those of the first gift.
    donor_name = models.CharField(_("nom du donateur"), max_length=120, blank=True)
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=20, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, blank=True)
    # A gift made in a company's name (its tax receipt is a Cerfa 16216, with these three): empty for a person.
    donor_company = models.CharField(_("entreprise donatrice"), max_length=160, blank=True)
    company_legal_form = models.CharField(_("forme juridique"), max_length=60, blank=True,
                                          help_text=_("Ex. SAS, SARL, SA."))
    company_siren = models.CharField(_("SIREN"), max_length=9, blank=True, validators=[validate_siren])
    status = models.CharField(max_length=10, choices=STATUSES, default="pending", db_index=True)
    payment_method = models.CharField(_("moyen de paiement"), max_length=8, choices=PAYMENT_METHODS,
                                      default="card", db_index=True)
    reference = models.CharField(_("référence"), max_length=12, unique=True, default=new_reference,
                                 editable=False, help_text=_("À reporter sur le virement ou au dos du chèque."))
    failure_message = models.CharField(max_length=300, blank=True)
    stripe_customer = models.CharField(max_length=64, blank=True)
    stripe_setup_intent = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_payment_intent = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_subscription = models.CharField(max_length=64, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    canceled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("don")
        ordering = ["-created_at"]
        # The donor desk's actions (cms/donors/desk/): the "Dons" group holds them (donations 0005).
        permissions = [
            ("refund_donation", _("Peut rembourser un paiement")),
            ("cancel_monthly_donation", _("Peut mettre fin à un don mensuel")),
            ("record_offline_donation", _("Peut enregistrer un don hors ligne ou rapprocher une promesse")),
            ("resend_receipt", _("Peut renvoyer un reçu fiscal")),
            ("fix_donation_address", _("Peut corriger le nom ou l'adresse d'un don")),
            ("moderate_donor_wall", _("Peut masquer ou afficher un nom sur le mur des donateurs")),
        ]

    def __str__(self):
        return f"Don {self.id}"

    @property
    def total(self) -> int:
        return self.amount + self.fee


class LedgerEntry(models.Model):
    KINDS = [("payment", _("paiement")), ("refund", _("remboursement"))]

    donation = models.ForeignKey(Donation, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="entries")
    kind = models.CharField(max_length=8, choices=KINDS)
    amount = models.BigIntegerField(help_text=_("Positif pour un paiement, négatif pour un remboursement."))
    currency = models.CharField(max_length=3)
    project = models.ForeignKey("projects.ProjectPage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="ledger_entries")
    project_slug = models.SlugField(max_length=255, blank=True)
    frequency = models.CharField(max_length=8, blank=True)
    donation_kind = models.CharField(max_length=12, blank=True)
    stripe_object = models.CharField(max_length=64, unique=True,
                                     help_text=_("pi_… (don ponctuel), in_… (mensualité), re_… (remboursement)."))
    stripe_charge = models.CharField(max_length=64, blank=True, db_index=True)
    stripe_event = models.CharField(max_length=64, blank=True)
    occurred_at = models.DateTimeField(db_index=True)
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("écriture")
        verbose_name_plural = _("grand livre")
        ordering = ["-occurred_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=(models.Q(kind="payment", amount__gt=0) |
                                              models.Q(kind="refund", amount__lt=0)),
                                   name="ledger_sign_matches_kind"),
        ]

    def __str__(self):
        return f"{self.kind} {self.stripe_object}"


class StripeEvent(models.Model):
    id = models.CharField(max_length=64, primary_key=True)
    type = models.CharField(max_length=80)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("événement Stripe")
