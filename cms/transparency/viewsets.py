"""The menu "Transparence" of the admin: Dépenses (disbursements) and Subventions (grants).

Disbursements: a listing with search and filters (project, status, over-spend), create and edit for
drafts only (whoever saves a draft's content becomes its recorder, so the approver is never the last
person who wrote it), a page per disbursement with its steps (Soumettre, Approuver, Renvoyer en brouillon,
Annuler par une contre-écriture; admin_views.py). An approved disbursement has no edit and no delete: the
views refuse them with a message, and the model refuses them anyway (models.py).
Both are in Wagtail's reference index, so a project page with spending or grants cannot be deleted (its
delete view says what protects it, instead of a ProtectedError).
Grants: listing, create, edit, and the funder report (report.py) at <grant>/rapport/ and rapport.csv.
"""

from __future__ import annotations

import django_filters
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path, reverse
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from cms.projects.models import ProjectPage
from vda_base.money import money

from . import admin_views, report
from .forms import DisbursementForm, GrantForm
from .models import Disbursement, Grant

NOT_DRAFT = ("Seul un brouillon se modifie. Une dépense soumise se renvoie d'abord en brouillon ; une dépense "
             "approuvée ne se modifie jamais : annulez-la par une contre-écriture.")
REVERSAL_NOT_EDITED = ("Une contre-écriture reprend la dépense qu'elle annule et ne se modifie pas : "
                       "supprimez ce brouillon pour y renoncer, ou soumettez-le.")
APPROVED_NO_DELETE = "Une dépense approuvée ne se supprime pas : annulez-la par une contre-écriture."


class MoneyColumn(Column):
    def get_value(self, instance):
        return money(instance.amount, instance.currency, always_decimals=True)


class FlagColumn(Column):
    def get_value(self, instance):
        return "⚠ Dépassement" if instance.overspent else ""


class DisbursementFilterSet(WagtailFilterSet):
    project = django_filters.ModelChoiceFilter(label="Projet", queryset=ProjectPage.objects.order_by("title"),
                                               empty_label="Tous")
    status = django_filters.ChoiceFilter(label="État", choices=Disbursement.STATUSES, empty_label="Tous")
    overspent = django_filters.BooleanFilter(label="Dépassement")

    class Meta:
        model = Disbursement
        fields = ["project", "status", "overspent"]


class DisbursementIndexView(generic.IndexView):
    search_fields = ["description", "budget_line_label"]
    default_ordering = "-date"

    def get_base_queryset(self):
        return Disbursement.objects.select_related("project")

    @property
    def columns(self):
        return [TitleColumn("title", label="Dépense", accessor=str, get_url=self.get_inspect_url),
                Column("project", label="Projet", accessor=lambda d: d.project.title),
                Column("date", label="Date", sort_key="date"),
                MoneyColumn("amount", label="Montant", sort_key="amount"),
                Column("budget_line_label", label="Ligne budgétaire"),
                Column("status", label="État", accessor="get_status_display", sort_key="status"),
                FlagColumn("overspent", label="Signalement", sort_key="overspent")]

    def get_inspect_url(self, instance):
        return reverse("transparency_disbursements:inspect", args=[instance.pk])


class RecorderMixin:
    def save_instance(self):
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()


class DisbursementCreateView(RecorderMixin, generic.CreateView):
    def get_success_url(self):
        return reverse("transparency_disbursements:inspect", args=[self.object.pk])


class DisbursementEditView(RecorderMixin, generic.EditView):
    def dispatch(self, request, *args, **kwargs):
        self.object = self.get_object()
        if self.object.status != Disbursement.DRAFT or self.object.reverses_id:
            messages.error(request, REVERSAL_NOT_EDITED if self.object.reverses_id else NOT_DRAFT)
            return redirect("transparency_disbursements:inspect", self.object.pk)
        return super().dispatch(request, *args, **kwargs)

    def get_success_url(self):
        return reverse("transparency_disbursements:inspect", args=[self.object.pk])


class DisbursementDeleteView(generic.DeleteView):
    def dispatch(self, request, *args, **kwargs):
        if self.object.status == Disbursement.APPROVED:
            messages.error(request, APPROVED_NO_DELETE)
            return redirect("transparency_disbursements:inspect", self.object.pk)
        return super().dispatch(request, *args, **kwargs)


class DisbursementViewSet(ModelViewSet):
    model = Disbursement
    icon = "doc-full-inverse"
    menu_label = "Dépenses"
    menu_order = 100
    url_prefix = "transparence/depenses"
    name = "transparency_disbursements"
    index_view_class = DisbursementIndexView
    add_view_class = DisbursementCreateView
    edit_view_class = DisbursementEditView
    delete_view_class = DisbursementDeleteView
    inspect_view_class = admin_views.DisbursementPageView
    inspect_view_enabled = True
    copy_view_enabled = False
    filterset_class = DisbursementFilterSet
    list_export = []

    def get_form_class(self, for_update=False):
        return DisbursementForm

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/soumettre/", admin_views.SubmitView.as_view(), name="submit"),
            path("<int:pk>/brouillon/", admin_views.BackToDraftView.as_view(), name="back_to_draft"),
            path("<int:pk>/approuver/", admin_views.ApproveView.as_view(), name="approve"),
            path("<int:pk>/contre-ecriture/", admin_views.ReverseView.as_view(), name="reverse"),
        ]


class GrantIndexView(generic.IndexView):
    search_fields = ["funder", "notes"]
    default_ordering = "-received_on"

    def get_base_queryset(self):
        return Grant.objects.select_related("project")

    @property
    def columns(self):
        return [TitleColumn("funder", label="Bailleur", get_url=self.get_edit_url, sort_key="funder"),
                Column("project", label="Projet",
                       accessor=lambda g: g.project.title if g.project_id else "Fonds général"),
                MoneyColumn("amount", label="Montant", sort_key="amount"),
                Column("received_on", label="Reçue le", sort_key="received_on"),
                Column("reporting_due", label="Rapport dû le", sort_key="reporting_due"),
                Column("report", label="Rapport", accessor=lambda g: "Rapport",
                       get_url=lambda g: reverse("transparency_grants:report", args=[g.pk]))]


class GrantCreateView(generic.CreateView):
    def save_instance(self):
        self.form.instance.recorded_by = self.request.user
        return super().save_instance()


class GrantFilterSet(WagtailFilterSet):
    project = django_filters.ModelChoiceFilter(label="Projet", queryset=ProjectPage.objects.order_by("title"),
                                               empty_label="Tous")

    class Meta:
        model = Grant
        fields = ["project"]


class GrantViewSet(ModelViewSet):
    model = Grant
    icon = "success"
    menu_label = "Subventions"
    menu_order = 101
    url_prefix = "transparence/subventions"
    name = "transparency_grants"
    index_view_class = GrantIndexView
    add_view_class = GrantCreateView
    filterset_class = GrantFilterSet
    copy_view_enabled = False
    list_export = []

    def get_form_class(self, for_update=False):
        return GrantForm

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/rapport/", report.ReportView.as_view(), name="report"),
            path("<int:pk>/rapport.csv", report.report_csv, name="report_csv"),
        ]


class TransparencyGroup(ModelViewSetGroup):
    menu_label = "Transparence"
    menu_icon = "view"
    menu_order = 260
    items = (DisbursementViewSet, GrantViewSet)
