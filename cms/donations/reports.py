"""The donations report in Wagtail's Reports menu: every ledger row, filtered by project, date, kind and
frequency, with totals per currency, exported to CSV or XLSX by Wagtail's own export (no personal data in
it: staff reconcile by donation id and Stripe id)."""

import django_filters
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from site_builder.filters import money

from .models import LedgerEntry


def project_choices():
    """Every project that has money in the books (a deleted page's rows stay findable by slug)."""
    from projects.models import ProjectPage

    slugs = set(LedgerEntry.objects.values_list("project_slug", flat=True).distinct())
    titles = dict(ProjectPage.objects.filter(slug__in=slugs).values_list("slug", "title"))
    return sorted(((slug, titles.get(slug, slug) if slug else _("Fonds général")) for slug in slugs),
                  key=lambda choice: str(choice[1]))


class LedgerFilterSet(WagtailFilterSet):
    project_slug = django_filters.ChoiceFilter(label=_("Projet"), choices=project_choices, empty_label=_("Tous"))
    occurred_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)
    kind = django_filters.ChoiceFilter(label=_("Mouvement"), choices=LedgerEntry.KINDS)
    frequency = django_filters.ChoiceFilter(label=_("Fréquence"),
                                            choices=[("once", _("une fois")), ("monthly", _("mensuel"))])
    donation_kind = django_filters.ChoiceFilter(label=_("Type"),
                                                choices=[("gift", _("don")), ("sponsorship", _("parrainage"))])
    donation__status = django_filters.ChoiceFilter(label=_("État du don"), choices=[
        ("succeeded", _("payé")), ("active", _("mensuel actif")), ("canceled", _("arrêté"))])

    class Meta:
        model = LedgerEntry
        fields = ["project_slug", "occurred_at", "kind", "frequency", "donation_kind"]


class AmountColumn(Column):
    def get_value(self, instance):
        return money(instance.amount, instance.currency, always_decimals=True)


class LedgerReportView(ReportView):
    page_title = _("Dons reçus")
    header_icon = "doc-full-inverse"
    model = LedgerEntry
    filterset_class = LedgerFilterSet
    index_url_name = "donations_report"
    index_results_url_name = "donations_report_results"
    results_template_name = "donations/admin/report_results.html"
    permission_policy = ModelPermissionPolicy(LedgerEntry)
    any_permission_required = ["view", "change"]
    columns = [
        DateColumn("occurred_at", label=_("Date")),
        Column("kind", label=_("Mouvement"), accessor="get_kind_display"),
        AmountColumn("amount", label=_("Montant")),
        Column("project_slug", label=_("Projet")),
        Column("frequency", label=_("Fréquence")),
        Column("donation_kind", label=_("Type")),
        Column("stripe_object", label=_("Référence Stripe")),
    ]
    list_export = ["occurred_at", "kind", "amount", "currency", "project_slug", "frequency", "donation_kind",
                   "donation_id", "stripe_object", "stripe_charge", "recorded_at"]
    export_headings = {"occurred_at": _("Date"), "kind": _("Mouvement"), "amount": _("Montant (unités mineures)"),
                       "currency": _("Devise"), "project_slug": _("Projet"), "frequency": _("Fréquence"),
                       "donation_kind": _("Type"), "donation_id": _("Don"), "stripe_object": _("Objet Stripe"),
                       "stripe_charge": _("Paiement Stripe"), "recorded_at": _("Enregistré le")}
    export_filename = "dons-vision-damour"

    def get_queryset(self):
        return LedgerEntry.objects.select_related("donation").order_by("-occurred_at", "-id")

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        rows = (self.get_filtered_queryset().order_by().values("currency")
                .annotate(total=Sum("amount"), entries=Count("id")).order_by("currency"))
        context["totals"] = [{"currency": r["currency"], "entries": r["entries"],
                              "total": money(r["total"], r["currency"], always_decimals=True)} for r in rows]
        return context
