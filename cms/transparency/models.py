"""Money spent and money granted, per project.

- `Disbursement`: a payment made for a project (what it paid for, the budget line, the proofs). Four eyes:
  it is recorded by one staff member and approved by ANOTHER (a database constraint says approved_by is
  never recorded_by); only approved ones are public. An approved disbursement is never edited nor deleted
  (`save`, `delete`, querysets and its proofs' M2M all refuse, see guards.py); a mistake is taken back by a
  reversal: a new entry (negative amount, `reverses` set) that needs its own approval by a second person.
- `Grant`: money from a government, a foundation or a company (funder, amount, project or the general
  fund, dates, reporting due). It counts in the project's money raised on the site and in the ledger.

Money is an integer in the currency's minor unit with the currency beside it; a disbursement is in its
project's currency. The budget line is stored as its label: BudgetLine rows are page children that each
revision of the page recreates, so a foreign key to them would not survive a publish.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from wagtail.documents import get_document_model_string

from cms.projects.models import CURRENCY_CHOICES

OTHER_LINE = "Autres dépenses"  # public label of spending whose line is no longer on the page


class ApprovedIsFinal(ValidationError):
    """Raised on any attempt to change or delete an approved disbursement."""

    def __init__(self):
        super().__init__(_("Une dépense approuvée ne se modifie pas et ne se supprime pas : "
                           "annulez-la par une contre-écriture."), code="approved_is_final")


class DisbursementQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=Disbursement.APPROVED)

    def update(self, **kwargs):
        if self.filter(status=Disbursement.APPROVED).exists():
            raise ApprovedIsFinal()
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=Disbursement.APPROVED).exists():
            raise ApprovedIsFinal()
        return super().delete()


class Disbursement(models.Model):
    DRAFT, SUBMITTED, APPROVED = "draft", "submitted", "approved"
    STATUSES = [(DRAFT, _("Brouillon")), (SUBMITTED, _("À approuver")), (APPROVED, _("Approuvée"))]

    project = models.ForeignKey("projects.ProjectPage", verbose_name=_("projet"), on_delete=models.PROTECT,
                                related_name="disbursements")
    date = models.DateField(_("date de la dépense"))
    amount = models.BigIntegerField(
        _("montant"), help_text=_("Dans la devise du projet, en unités mineures (centimes pour l'euro : "
                                  "1 250,50 € = 125050 ; francs pour le FCFA)."))
    currency = models.CharField(_("devise"), max_length=3, choices=CURRENCY_CHOICES)
    budget_line_label = models.CharField(_("ligne budgétaire"), max_length=120, blank=True,
                                         help_text=_("Une des lignes du budget du projet."))
    description = models.TextField(_("ce qu'elle a payé"), max_length=2000,
                                   help_text=_("Public. Ex. : « Pompe solaire et 40 m de tuyau »."))
    proof_documents = models.ManyToManyField(get_document_model_string(), verbose_name=_("justificatifs"),
                                             blank=True, related_name="+",
                                             help_text=_("Factures, reçus (médiathèque, collection publique)."))
    proof_images = models.ManyToManyField("multimedia.CustomImage", verbose_name=_("photos justificatives"),
                                          blank=True, related_name="+")
    status = models.CharField(_("état"), max_length=10, choices=STATUSES, default=DRAFT)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saisie par"),
                                    on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("soumise le"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approuvée par"), null=True,
                                    blank=True, on_delete=models.PROTECT, related_name="+")
    approved_at = models.DateTimeField(_("approuvée le"), null=True, blank=True)
    reverses = models.OneToOneField("self", verbose_name=_("annule"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="reversal")
    overspent = models.BooleanField(
        _("dépassement"), default=False,
        help_text=_("À l'approbation, les dépenses du projet dépassaient l'argent collecté."))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = DisbursementQuerySet.as_manager()

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("dépense")
        verbose_name_plural = _("dépenses")
        permissions = [("approve_disbursement", "Peut approuver une dépense (quatre yeux)")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(reverses__isnull=True, amount__gt=0) | Q(reverses__isnull=False, amount__lt=0)),
                name="disbursement_sign",
                violation_error_message=_("Montant positif pour une dépense, négatif pour une contre-écriture.")),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("recorded_by")),
                name="disbursement_four_eyes",
                violation_error_message=_("Une dépense est approuvée par une autre personne que celle qui "
                                          "l'a saisie.")),
            models.CheckConstraint(
                condition=(~Q(status="approved")
                           | Q(approved_by__isnull=False, approved_at__isnull=False)),
                name="disbursement_approved_has_approver"),
        ]
        indexes = [models.Index(fields=["project", "status"])]

    def __str__(self):
        from vda_base.money import money

        kind = _("Contre-écriture") if self.reverses_id else _("Dépense")
        return f"{kind} n° {self.pk or '—'} · {money(self.amount, self.currency, always_decimals=True)}"

    @property
    def is_reversal(self) -> bool:
        return self.reverses_id is not None

    @property
    def is_approved(self) -> bool:
        return self.status == self.APPROVED

    def stored_status(self) -> str | None:
        """The status in the database (not this instance's, which a caller may have changed)."""
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()

    def clean(self):
        super().clean()
        errors = {}
        project = self.project if self.project_id else None
        if project is not None:
            if self.currency and self.currency != project.currency:
                errors["currency"] = _("Une dépense est dans la devise du projet (%(currency)s).") % {
                    "currency": project.currency}
            labels = project_line_labels(project)
            if self.reverses_id is None:
                if labels and self.budget_line_label not in labels:
                    errors["budget_line_label"] = _("Choisissez une des lignes du budget du projet.")
                elif not labels and self.budget_line_label:
                    errors["budget_line_label"] = _("Ce projet n'a pas de lignes budgétaires.")
        if self.amount is not None:
            if self.reverses_id is None and self.amount <= 0:
                errors["amount"] = _("Le montant d'une dépense est positif.")
            elif self.reverses_id is not None and self.amount >= 0:
                errors["amount"] = _("Le montant d'une contre-écriture est négatif.")
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if self.stored_status() == self.APPROVED:
            raise ApprovedIsFinal()
        if self.project_id and not self.currency:
            self.currency = self.project.currency
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.stored_status() == self.APPROVED:
            raise ApprovedIsFinal()
        return super().delete(*args, **kwargs)

    def ledger_entry_fields(self) -> dict:
        """What the public ledger records for an approved disbursement: the amount as stored (positive for
        a disbursement, negative for a reversal), never who recorded or approved it."""
        return {"kind": "reversal" if self.reverses_id else "disbursement", "day": self.date,
                "amount": int(self.amount), "currency": self.currency,
                "project": self.project.slug if self.project_id else "",
                "source": f"disbursement:{self.pk}"}


def project_line_labels(project) -> list[str]:
    """The budget line labels of a project's current (saved) page, in the page's order."""
    return list(project.budget_lines.order_by("sort_order", "pk").values_list("label", flat=True))


class Grant(models.Model):
    funder = models.CharField(_("bailleur"), max_length=200,
                              help_text=_("L'État, la fondation ou l'entreprise qui finance. Public."))
    amount = models.PositiveBigIntegerField(_("montant"), validators=[MinValueValidator(1)],
                                            help_text=_("En unités mineures (centimes pour l'euro)."))
    currency = models.CharField(_("devise"), max_length=3, choices=CURRENCY_CHOICES, default="EUR")
    project = models.ForeignKey("projects.ProjectPage", verbose_name=_("projet"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="grants",
                                help_text=_("Vide : fonds général de l'association."))
    start_date = models.DateField(_("début de la période"))
    end_date = models.DateField(_("fin de la période"))
    reporting_due = models.DateField(_("rapport dû le"), null=True, blank=True)
    received_on = models.DateField(_("reçue le"), help_text=_("Date à laquelle l'argent est arrivé."))
    notes = models.TextField(_("notes internes"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("saisie par"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_on", "-id"]
        verbose_name = _("subvention")
        verbose_name_plural = _("subventions")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="grant_amount_positive"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="grant_period_order",
                                   violation_error_message=_("La fin de la période suit son début.")),
        ]

    def __str__(self):
        from vda_base.money import money

        return f"{self.funder} · {money(self.amount, self.currency, always_decimals=True)}"

    def clean(self):
        super().clean()
        if self.project_id and self.currency and self.currency != self.project.currency:
            raise ValidationError({"currency": _("Une subvention affectée à un projet est dans sa devise "
                                                 "(%(currency)s).") % {"currency": self.project.currency}})

    def save(self, *args, **kwargs):
        from . import signals

        new = self.pk is None
        super().save(*args, **kwargs)
        if new:
            signals.send_on_commit(signals.grant_recorded, grant=self)

    def ledger_entry_fields(self) -> dict:
        return {"kind": "grant", "day": self.received_on, "amount": int(self.amount), "currency": self.currency,
                "project": self.project.slug if self.project_id else "", "source": f"grant:{self.pk}"}
