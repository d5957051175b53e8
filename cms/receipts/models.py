"""Models of the tax receipts (reçus fiscaux).

- `ReceiptSettings`: the organisation as its receipts present it (name, address, purpose, category,
  registration number, signer and signature), edited by staff in the CMS's settings.
- `YearCounter`: one row per calendar year holding the last number given; the transaction that inserts a
  receipt locks it (SELECT … FOR UPDATE), so numbers follow each other with no gap and no duplicate however
  many payments arrive at once (numbering.py).
- `Receipt`: one document, never edited once issued: the donor's name and address are copied into it at
  issue time; a refund or a corrected address issues a new document (a cancellation, a replacement) that
  points to the original, whose status alone becomes "cancelled".
- `ReceiptPayment`: which ledger payments a receipt covers. A partial unique index on the live links
  guarantees in the database that a payment is never on two live receipts.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.files.storage import FileSystemStorage, storages
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseGenericSetting, register_setting


class PrivateStorage(FileSystemStorage):
    """Files no URL serves: receipts carry a donor's name and address, so they are read back only through
    the permission-checked views (donor space, staff), never linked."""

    def url(self, name):
        raise ValueError("les reçus fiscaux ne sont servis par aucune URL publique")


def receipt_storage():
    """Where receipt PDFs live: `STORAGES["receipts"]` when the deployment names one (a private S3 bucket,
    say), else a folder outside MEDIA_ROOT (`RECEIPTS_ROOT`). Never the default storage, which is public."""
    if "receipts" in settings.STORAGES:
        return storages["receipts"]
    return PrivateStorage(location=str(settings.RECEIPTS_ROOT))


def receipt_upload_to(instance, filename):
    return f"recus/{instance.year}/{uuid.uuid4().hex}.pdf"  # not guessable, no personal data in the name


DEFAULT_CATEGORY = "Association loi 1901 reconnue d'intérêt général"
DEMO_REGISTRATION = "W751234567"  # the default: a receipt printed with it says it is a demonstration


@register_setting(icon="doc-full")
class ReceiptSettings(BaseGenericSetting):
    """The organisation's details every receipt carries (Cerfa 11580 and 16216, "Bénéficiaire des
    versements"). Staff keep them current; each receipt prints the values of the day it was issued."""

    name = models.CharField(_("nom de l'organisme"), max_length=160, default="Vision d'Amour")
    address = models.TextField(_("adresse de l'organisme"), max_length=400,
                               default="12 rue de l'Exemple\n75011 Paris\nFrance",
                               help_text=_("Une ligne par ligne d'adresse."))
    purpose = models.TextField(_("objet"), max_length=600,
                               default="Améliorer les conditions de vie des communautés pauvres : eau, "
                                       "scolarisation, santé, alimentation, logement.")
    category = models.CharField(_("catégorie"), max_length=200, default=DEFAULT_CATEGORY,
                                help_text=_("Ex. « Association loi 1901 reconnue d'intérêt général »."))
    registration_number = models.CharField(_("n° RNA ou SIREN"), max_length=40, default=DEMO_REGISTRATION)
    individual_articles = models.CharField(
        _("articles du CGI (particuliers)"), max_length=80, default="200",
        help_text=_("Ouvrant droit à la réduction d'impôt des particuliers (Cerfa 11580), ex. « 200 »."))
    company_articles = models.CharField(
        _("articles du CGI (entreprises)"), max_length=80, default="238 bis",
        help_text=_("Ouvrant droit à la réduction d'impôt des entreprises (Cerfa 16216), ex. « 238 bis »."))
    signer_name = models.CharField(_("nom du signataire"), max_length=120, default="Marie Dupont")
    signer_title = models.CharField(_("qualité du signataire"), max_length=120, default="Présidente")
    signature_image = models.ForeignKey("multimedia.CustomImage", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("image de la signature"))
    issue_place = models.CharField(_("lieu de signature"), max_length=80, default="Paris",
                                   help_text=_("« Fait à … » sur chaque reçu."))

    panels = [
        MultiFieldPanel([FieldPanel("name"), FieldPanel("address"), FieldPanel("purpose"), FieldPanel("category"),
                         FieldPanel("registration_number")], heading=_("L'organisme")),
        MultiFieldPanel([FieldPanel("individual_articles"), FieldPanel("company_articles")],
                        heading=_("Réduction d'impôt")),
        MultiFieldPanel([FieldPanel("signer_name"), FieldPanel("signer_title"), FieldPanel("signature_image"),
                         FieldPanel("issue_place")], heading=_("Signature")),
    ]

    class Meta:
        verbose_name = _("reçus fiscaux")

    @property
    def is_demo(self) -> bool:
        """Still the demo's details: staff have not entered the organisation's real ones."""
        return self.registration_number == DEMO_REGISTRATION


class YearCounter(models.Model):
    year = models.PositiveIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("compteur annuel de reçus")

    def __str__(self):
        return f"{self.year} : {self.last}"


class Receipt(models.Model):
    INDIVIDUAL, COMPANY = "individual", "company"
    KINDS = [(INDIVIDUAL, _("particulier (Cerfa 11580)")), (COMPANY, _("entreprise (Cerfa 16216)"))]
    RECEIPT, CANCELLATION = "receipt", "cancellation"
    DOCUMENTS = [(RECEIPT, _("reçu")), (CANCELLATION, _("annulation"))]
    ISSUED, CANCELLED = "issued", "cancelled"
    STATUSES = [(ISSUED, _("émis")), (CANCELLED, _("annulé"))]
    ONE_OFF, YEARLY = "one_off", "yearly"
    SCOPES = [(ONE_OFF, _("don ponctuel")), (YEARLY, _("récapitulatif annuel"))]

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    number = models.CharField(_("numéro"), max_length=16, unique=True)
    year = models.PositiveIntegerField(_("année"))
    sequence = models.PositiveIntegerField()
    kind = models.CharField(_("type"), max_length=10, choices=KINDS, default=INDIVIDUAL)
    document = models.CharField(_("document"), max_length=12, choices=DOCUMENTS, default=RECEIPT)
    scope = models.CharField(_("portée"), max_length=8, choices=SCOPES, default=ONE_OFF)
    status = models.CharField(_("statut"), max_length=10, choices=STATUSES, default=ISSUED, db_index=True)
    replaces = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="replacements", verbose_name=_("remplace"))
    cancels = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="cancellations", verbose_name=_("annule"))
    reason = models.CharField(_("motif"), max_length=200, blank=True)
    refund = models.OneToOneField("donations.LedgerEntry", null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="receipt_cancellation",
                                  help_text=_("Le remboursement qui a motivé cette annulation (une seule fois)."))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", help_text=_("Vide : émis automatiquement."))
    donor = models.ForeignKey("donations.Donor", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="receipts")
    donation = models.ForeignKey("donations.Donation", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="receipts", help_text=_("Le don ponctuel (vide : récapitulatif)."))
    # Copied at issue time (a receipt never changes); emptied by the purge after the retention period.
    donor_name = models.CharField(_("nom du donateur"), max_length=120, blank=True)
    address_line1 = models.CharField(_("adresse"), max_length=200, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=20, blank=True)
    city = models.CharField(_("ville"), max_length=100, blank=True)
    country = models.CharField(_("pays"), max_length=2, blank=True)
    company_name = models.CharField(_("dénomination"), max_length=160, blank=True)
    company_legal_form = models.CharField(_("forme juridique"), max_length=60, blank=True)
    company_siren = models.CharField(_("SIREN"), max_length=9, blank=True)
    amount = models.PositiveBigIntegerField(_("montant"), help_text=_("En unités mineures."))
    currency = models.CharField(_("devise"), max_length=3, default="EUR")
    first_payment_on = models.DateField(_("date du versement (ou premier)"))
    last_payment_on = models.DateField(_("dernier versement"))
    payment_form = models.CharField(_("forme du don"), max_length=60, default="Déclaration de don manuel")
    payment_nature = models.CharField(_("nature du don"), max_length=40, default="Numéraire")
    payment_method = models.CharField(_("mode de versement"), max_length=60,
                                      default="Virement, prélèvement, carte bancaire")
    pdf = models.FileField(_("PDF"), storage=receipt_storage, upload_to=receipt_upload_to, blank=True,
                           max_length=200)
    issued_at = models.DateTimeField(_("émis le"), db_index=True)
    purged_at = models.DateTimeField(_("purgé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("reçu fiscal")
        verbose_name_plural = _("reçus fiscaux")
        ordering = ["-issued_at", "-sequence"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="receipt_one_number_per_year"),
            models.UniqueConstraint(fields=["cancels"], condition=models.Q(document="cancellation"),
                                    name="receipt_cancelled_once"),
        ]

    def __str__(self):
        return f"Reçu {self.number}"  # never the donor's name: __str__ ends up in logs

    @property
    def is_live(self) -> bool:
        return self.document == self.RECEIPT and self.status == self.ISSUED

    def save(self, *args, **kwargs):
        """A receipt is written once. Later saves may only change its status (issued -> cancelled) or
        record its purge (update_fields), never what it says."""
        update_fields = kwargs.get("update_fields")
        if not self._state.adding and not (update_fields and set(update_fields) <= {
                "status", "pdf", "purged_at", "donor_name", "address_line1", "postal_code", "city",
                "company_name", "company_legal_form", "company_siren", "donor"}):
            raise ValidationError("Un reçu fiscal émis ne se modifie pas : émettez une annulation ou un "
                                  "reçu rectificatif.")
        super().save(*args, **kwargs)


class YearlySummaryRun(models.Model):
    """The yearly summaries of `year` were issued (by `receipts yearly` or the worker's schedule): the worker
    runs them once, the command may run them again (it never receipts a payment twice)."""

    year = models.PositiveIntegerField(primary_key=True)
    finished_at = models.DateTimeField()
    issued = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("récapitulatif annuel émis")

    def __str__(self):
        return f"Récapitulatifs {self.year}"


class ReceiptPayment(models.Model):
    """A ledger payment covered by a receipt. `live` is True while the receipt is issued; cancelling a
    receipt frees its payments (live False) for the replacement."""

    receipt = models.ForeignKey(Receipt, on_delete=models.CASCADE, related_name="payments")
    entry = models.ForeignKey("donations.LedgerEntry", on_delete=models.PROTECT, related_name="receipt_links")
    live = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("paiement couvert")
        constraints = [
            models.UniqueConstraint(fields=["entry"], condition=models.Q(live=True),
                                    name="payment_on_one_live_receipt"),
            models.UniqueConstraint(fields=["receipt", "entry"], name="receipt_payment_once"),
        ]

    def __str__(self):
        return f"{self.receipt_id} / {self.entry_id}"
