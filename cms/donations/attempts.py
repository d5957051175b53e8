"""Every donation a donor started, including the ones that never moved money, in Wagtail's Reports.

The ledger report shows money; a declined card or a form left half-way writes no ledger row, so a donor
who calls to say "ma carte a été refusée" would be found nowhere. This listing shows each `Donation` with
its state in French and Stripe's reason, searchable by the donor's name or e-mail. Declined and abandoned
attempts are hidden by default (the usual question is about gifts that went through) and one filter away.
It names donors, so it needs the permission to view donations; it has no export (personal data stays on
screen, in the CMS).

Gifts by bank transfer or cheque (offline.py) are listed from the moment they are promised ("promis") with
their reference, so staff can find the gift a transfer's label or a cheque's back names (search by
reference; filter by payment method). Matching them to the money received is the donor desk's (cms/donors/desk/, "Donateurs > Dons").
"""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.reports import ReportView
from wagtail.permission_policies import ModelPermissionPolicy

from vda_base.money import money

from .models import Donation
from .reports import FREQUENCY_LABELS, LocalDateTimeColumn, ProjectTitlesMixin

# A card form left this long without a result is abandoned (Stripe's own SetupIntents stay open longer).
ABANDONED_AFTER = dt.timedelta(minutes=30)
WENT_THROUGH = ("succeeded", "active", "canceled", "pledged")  # pledged: promised, awaiting the money


def abandoned_before() -> dt.datetime:
    return timezone.now() - ABANDONED_AFTER


def state_label(donation: Donation) -> str:
    if donation.status == "failed":
        return str(_("refusé"))
    if donation.status == "pending":
        return str(_("abandonné")) if donation.created_at < abandoned_before() else str(_("en cours"))
    if donation.status == "pledged":
        return str(_("promis, chèque attendu")) if donation.payment_method == "cheque" else str(
            _("promis, virement attendu"))
    return str(donation.get_status_display())


class AttemptFilterSet(WagtailFilterSet):
    outcome = django_filters.ChoiceFilter(
        label=_("Afficher"), method="filter_outcome", empty_label=_("Dons aboutis"),
        choices=[("failed", _("Cartes refusées")), ("abandoned", _("Paiements abandonnés")),
                 ("pending", _("Paiements en cours")), ("pledged", _("Promis : virement ou chèque attendu")),
                 ("all", _("Tout, tentatives comprises"))])
    payment_method = django_filters.ChoiceFilter(label=_("Moyen de paiement"), choices=Donation.PAYMENT_METHODS,
                                                 empty_label=_("Tous"))
    donor = django_filters.CharFilter(label=_("Nom, courriel ou référence"), method="filter_donor")
    created_at = django_filters.DateFromToRangeFilter(label=_("Date"), widget=DateRangePickerWidget)

    class Meta:
        model = Donation
        fields = ["outcome", "payment_method", "donor", "created_at"]

    def filter_queryset(self, queryset):
        if not self.form.cleaned_data.get("outcome"):
            queryset = queryset.filter(status__in=WENT_THROUGH)  # the default: what went through
        return super().filter_queryset(queryset)

    def filter_outcome(self, queryset, name, value):
        if value == "failed":
            return queryset.filter(status="failed")
        if value == "abandoned":
            return queryset.filter(status="pending", created_at__lt=abandoned_before())
        if value == "pending":
            return queryset.filter(status="pending", created_at__gte=abandoned_before())
        if value == "pledged":
            return queryset.filter(status="pledged")
        return queryset

    def filter_donor(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(Q(donor__email__icontains=value) | Q(donor_name__icontains=value)
                               | Q(donor__name__icontains=value) | Q(reference__iexact=value)
                               | Q(reference__iexact=f"VDA-{value}"))  # as typed on a transfer's label


class DonorColumn(Column):
    def get_value(self, instance):
        """The name given with this gift (a later gift never rewrites it); the donor row's for older rows."""
        donor = instance.donor
        return f"{instance.donor_name or donor.name} <{donor.email}>" if donor else str(_("anonyme"))


class TotalColumn(Column):
    def get_value(self, instance):
        return money(instance.total, instance.currency, always_decimals=True)


class AttemptStateColumn(Column):
    def get_value(self, instance):
        reason = f" — {instance.failure_message}" if instance.failure_message else ""
        return state_label(instance) + reason


class AttemptProjectColumn(Column):
    def get_value(self, instance):
        return instance.project_title


class PaymentColumn(Column):
    def get_value(self, instance):
        return f"{instance.get_payment_method_display()} · {instance.reference}"


class AttemptFrequencyColumn(Column):
    def get_value(self, instance):
        return str(FREQUENCY_LABELS.get(instance.frequency, instance.frequency))


class DonationsPaginator(WagtailPaginator):
    verbose_name, verbose_name_plural = _("don"), _("dons")


class DonationAttemptsView(ProjectTitlesMixin, ReportView):
    page_title = _("Dons et tentatives")
    header_icon = "list-ul"
    model = Donation
    filterset_class = AttemptFilterSet
    index_url_name = "donation_attempts"
    index_results_url_name = "donation_attempts_results"
    permission_policy = ModelPermissionPolicy(Donation)
    any_permission_required = ["view", "change"]
    verbose_name_plural = _("dons")
    paginator_class = DonationsPaginator
    list_export = []  # names donors: no file leaves the CMS
    columns = [
        LocalDateTimeColumn("created_at", label=_("Date")),
        DonorColumn("donor", label=_("Donateur")),
        TotalColumn("amount", label=_("Montant")),
        AttemptProjectColumn("project_slug", label=_("Projet")),
        AttemptFrequencyColumn("frequency", label=_("Fréquence")),
        AttemptStateColumn("status", label=_("État")),
        PaymentColumn("payment_method", label=_("Paiement · référence")),
    ]

    @property
    def show_export_buttons(self):
        return False

    def get_queryset(self):
        return Donation.objects.select_related("donor").order_by("-created_at")

