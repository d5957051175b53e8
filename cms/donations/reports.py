"""The donations report in Wagtail's Reports menu: every ledger row, filtered by project, date, kind and
frequency, with totals per currency, exported to CSV or XLSX by Wagtail's own export (no personal data in
it: staff reconcile by donation id and Stripe id).

Staff read it in French and open the CSV in a French spreadsheet, so everything is shown as they say it:
French labels instead of codes, project titles instead of slugs, local time (Europe/Paris), amounts in
euros with a decimal comma, `;` between columns and a UTF-8 byte-order mark (without it, Excel reads the
file as Windows-1252 and the accents break). The XLSX export keeps real numbers and dates.
"""

from decimal import Decimal

import django_filters
from django.db.models import Count, Sum
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from vda_base.money import minor_units, money

from .models import LedgerEntry

FREQUENCY_LABELS = {"once": _("une fois"), "monthly": _("mensuel")}
DONATION_KIND_LABELS = {"gift": _("don"), "sponsorship": _("parrainage")}
CSV_BOM = "\ufeff"


def project_titles(slugs) -> dict[str, str]:
    """Slug -> title of the projects named (a deleted page keeps its slug; the general fund has none)."""
    from cms.projects.models import ProjectPage

    slugs = set(slugs)
    titles = dict(ProjectPage.objects.filter(slug__in=slugs).values_list("slug", "title"))
    return {slug: (titles.get(slug, slug) if slug else str(_("Fonds général"))) for slug in slugs}


def local_time(value):
    """An aware datetime in the NGO's time zone, without tzinfo (what a spreadsheet cell can hold)."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def major_units(amount_minor: int, currency: str) -> Decimal:
    """2500 EUR -> Decimal('25.00'); XOF has no minor unit."""
    exponent = minor_units(currency)
    return Decimal(int(amount_minor)).scaleb(-exponent).quantize(Decimal(1).scaleb(-exponent))


def csv_value_fr(value) -> str:
    """One cell the way a French spreadsheet reads it: `1250,50`, `01/11/2026 13:00:00`."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f").replace(".", ",")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y %H:%M:%S")
    return str(value)


class FrenchSpreadsheetMixin:
    """Wagtail's export with French CSV conventions (`;`, BOM, decimal comma, dd/mm/yyyy)."""

    def write_csv_response(self, queryset):
        import csv

        from wagtail.admin.views.mixins import Echo

        def rows():
            writer = csv.writer(Echo(), delimiter=";")
            yield CSV_BOM.encode() + writer.writerow([self.get_heading(queryset, f) for f in self.list_export])
            for item in queryset:
                row = self.to_row_dict(item)
                yield writer.writerow([csv_value_fr(row[f]) for f in self.list_export])

        response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.csv"'
        return response


def project_choices():
    """Every project that has money in the books (a deleted page's rows stay findable by slug)."""
    from cms.projects.models import ProjectPage

    slugs = set(LedgerEntry.objects.order_by().values_list("project_slug", flat=True).distinct())
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


class LabelColumn(Column):
    """A code shown with its French label (`monthly` -> `mensuel`)."""

    def __init__(self, name, labels, **kwargs):
        super().__init__(name, **kwargs)
        self.labels = labels

    def get_value(self, instance):
        code = getattr(instance, self.name)
        return str(self.labels.get(code, code or "—"))


class ProjectColumn(Column):
    def get_value(self, instance):
        return getattr(instance, "project_title", None) or instance.project_slug or str(_("Fonds général"))


class LocalDateTimeColumn(Column):
    def get_value(self, instance):
        value = getattr(instance, self.name)
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M") if value else ""


class ProjectTitlesMixin:
    """For listings whose rows carry a `project_slug`: each row shown gets its `project_title`, in one query."""

    def get_table(self, object_list):
        rows = list(object_list)
        titles = project_titles(row.project_slug for row in rows)
        for row in rows:
            row.project_title = titles[row.project_slug]
        return super().get_table(rows)


class EntriesPaginator(WagtailPaginator):
    """The count under the table says "4 écritures", not the model's plural ("4 grand livre")."""

    verbose_name, verbose_name_plural = _("écriture"), _("écritures")


class LedgerReportView(ProjectTitlesMixin, FrenchSpreadsheetMixin, ReportView):
    page_title = _("Dons reçus")
    verbose_name_plural = _("écritures")
    paginator_class = EntriesPaginator
    header_icon = "doc-full-inverse"
    model = LedgerEntry
    filterset_class = LedgerFilterSet
    index_url_name = "donations_report"
    index_results_url_name = "donations_report_results"
    results_template_name = "donations/admin/report_results.html"
    permission_policy = ModelPermissionPolicy(LedgerEntry)
    any_permission_required = ["view", "change"]
    columns = [
        LocalDateTimeColumn("occurred_at", label=_("Date")),
        Column("kind", label=_("Mouvement"), accessor="get_kind_display"),
        AmountColumn("amount", label=_("Montant")),
        ProjectColumn("project_slug", label=_("Projet")),
        LabelColumn("frequency", FREQUENCY_LABELS, label=_("Fréquence")),
        LabelColumn("donation_kind", DONATION_KIND_LABELS, label=_("Type")),
        Column("stripe_object", label=_("Référence Stripe")),
    ]
    list_export = ["occurred_at", "kind", "amount", "currency", "project", "project_slug", "frequency",
                   "donation_kind", "donation_id", "stripe_object", "stripe_charge", "recorded_at"]
    export_headings = {"occurred_at": _("Date (heure de Paris)"), "kind": _("Mouvement"),
                       "amount": _("Montant"), "currency": _("Devise"), "project": _("Projet"),
                       "project_slug": _("Identifiant du projet"), "frequency": _("Fréquence"),
                       "donation_kind": _("Type"), "donation_id": _("Don"), "stripe_object": _("Objet Stripe"),
                       "stripe_charge": _("Paiement Stripe"), "recorded_at": _("Enregistré le (heure de Paris)")}
    export_filename = "dons-vision-damour"

    def get_queryset(self):
        return LedgerEntry.objects.select_related("donation").order_by("-occurred_at", "-id")


    def to_row_dict(self, item):
        if not hasattr(self, "_titles"):
            self._titles = project_titles(LedgerEntry.objects.order_by().values_list("project_slug", flat=True).distinct())
        return {
            "occurred_at": local_time(item.occurred_at), "kind": str(item.get_kind_display()),
            "amount": major_units(item.amount, item.currency), "currency": item.currency,
            "project": self._titles.get(item.project_slug, item.project_slug), "project_slug": item.project_slug,
            "frequency": str(FREQUENCY_LABELS.get(item.frequency, item.frequency)),
            "donation_kind": str(DONATION_KIND_LABELS.get(item.donation_kind, item.donation_kind)),
            "donation_id": str(item.donation_id or ""), "stripe_object": item.stripe_object,
            "stripe_charge": item.stripe_charge, "recorded_at": local_time(item.recorded_at),
        }

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        rows = (self.get_filtered_queryset().order_by().values("currency")
                .annotate(total=Sum("amount"), entries=Count("id")).order_by("currency"))
        context["totals"] = [{"currency": r["currency"], "entries": r["entries"],
                              "total": money(r["total"], r["currency"], always_decimals=True)} for r in rows]
        return context
