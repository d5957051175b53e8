"""The staff's forms: a disbursement (draft) and a grant.

The budget line is a select grouped by project, its value the line's label; the model checks that the
label is one of the chosen project's lines (a form posted by hand cannot attach spending to another
project's line). The currency is not asked: it is the project's. Proofs are chosen among media of public
collections only, since only those can be shown on the site.
"""

from __future__ import annotations

from django import forms
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.api import visibility
from cms.projects.models import BudgetLine, ProjectPage

from .models import Disbursement, Grant

MAX_AMOUNT = 10**13  # minor units: far beyond any real payment, well within JSON's exact integers


def project_choices_queryset():
    return ProjectPage.objects.order_by("title")


def grouped_line_choices():
    groups: dict[int, list] = {}
    titles = dict(project_choices_queryset().values_list("pk", "title"))
    for page_id, label in (BudgetLine.objects.filter(page_id__in=titles).order_by("page_id", "sort_order", "pk")
                           .values_list("page_id", "label")):
        if (label, label) not in groups.setdefault(page_id, []):
            groups[page_id].append((label, label))
    return [("", "—")] + [(titles[pk], lines) for pk, lines in groups.items()]


class DisbursementForm(WagtailAdminModelForm):
    budget_line_label = forms.ChoiceField(label="Ligne budgétaire", required=False, choices=(),
                                          help_text="Une des lignes du budget du projet choisi.")
    amount = forms.IntegerField(label="Montant", min_value=1, max_value=MAX_AMOUNT,
                                help_text="Dans la devise du projet, en unités mineures (centimes pour "
                                          "l'euro : 1 250,50 € = 125050 ; francs pour le FCFA).")

    class Meta:
        model = Disbursement
        fields = ["project", "date", "amount", "budget_line_label", "description", "proof_documents",
                  "proof_images"]
        widgets = {"proof_documents": forms.CheckboxSelectMultiple, "proof_images": forms.CheckboxSelectMultiple,
                   "date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_choices_queryset()
        self.fields["budget_line_label"].choices = grouped_line_choices()
        self.fields["proof_documents"].queryset = visibility.public_in_collections(
            get_document_model().objects.order_by("title"))
        self.fields["proof_images"].queryset = visibility.public_in_collections(
            get_image_model().objects.order_by("title"))

    def clean(self):
        cleaned = super().clean()
        project = cleaned.get("project")
        if project is not None:
            self.instance.currency = project.currency
        return cleaned


class ReversalReasonForm(forms.Form):
    reason = forms.CharField(label="Motif de l'annulation", max_length=500, required=False,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="Public : il figure dans la description de la contre-écriture.")


class GrantForm(WagtailAdminModelForm):
    amount = forms.IntegerField(label="Montant", min_value=1, max_value=MAX_AMOUNT,
                                help_text="En unités mineures (centimes pour l'euro ; francs pour le FCFA).")

    class Meta:
        model = Grant
        fields = ["funder", "amount", "currency", "project", "start_date", "end_date", "reporting_due",
                  "received_on", "notes"]
        widgets = {name: forms.DateInput(attrs={"type": "date"})
                   for name in ("start_date", "end_date", "reporting_due", "received_on")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = project_choices_queryset()
        self.fields["project"].required = False

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "La fin de la période suit son début.")
        return cleaned
