"""The "Donateurs" menu of the admin: Wagtail viewsets for donors and donations, read-only listings with
one search box (search.py) and filters, a donor's page (gifts, monthly gifts, receipts, e-mails sent) and a
gift's page (its ledger rows and the actions that apply to it, actions.py).

No add, edit, delete or copy views: money and personal data change only through the desk's logged actions.
Every view requires both view permissions (permissions.DESK) on top of Wagtail's own checks, so an editor
outside the "Dons" group gets no menu item and a refusal on every URL. No export: personal data stays on
screen (the ledger report, cms/donations/reports.py, exports the books without names).
"""

from __future__ import annotations

import django_filters
from django.db.models import Count, Sum
from django.urls import path, reverse
from django.utils import timezone
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views import generic
from wagtail.admin.views.generic import history
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup
from wagtail.admin.widgets import HeaderButton

from cms.donations.attempts import state_label
from cms.donations.models import Donation, Donor, LedgerEntry
from cms.donations.reports import FREQUENCY_LABELS, LocalDateTimeColumn, project_titles
from vda_base.money import money

from . import actions, permissions, search, wall


class DeskAccessMixin:
    """Both view permissions, whatever Wagtail's policy for the model alone would allow."""

    def dispatch(self, request, *args, **kwargs):
        permissions.require(request.user)
        return super().dispatch(request, *args, **kwargs)


class ReadOnlyMixin:
    def get_edit_url(self, instance=None):
        return None

    def get_delete_url(self, instance=None):
        return None

    def get_copy_url(self, instance=None):
        return None

    def get_add_url(self):
        return None


# --- listings -------------------------------------------------------------------------------------------

class DonorTitleColumn(TitleColumn):
    def get_value(self, instance):
        return instance.name or f"Donateur n° {instance.pk}"


class GiftsColumn(Column):
    def get_value(self, instance):
        return str(instance.gifts)


class GivenColumn(Column):
    def get_value(self, instance):
        return money(instance.given or 0, "EUR", always_decimals=True)


class DonorIndexView(DeskAccessMixin, ReadOnlyMixin, generic.IndexView):
    page_title = "Donateurs"
    search_fields = ["name"]  # enables the search box; the search itself is search.search_donors
    default_ordering = "-created_at"

    def search_queryset(self, queryset):
        return search.search_donors(queryset, self.search_query) if self.is_searching else queryset

    def get_base_queryset(self):
        return Donor.objects.all()

    def get_table(self, object_list):
        """Each row's number of gifts and net euros, for the rows of this page only (two queries)."""
        rows = list(object_list)
        ids = [row.pk for row in rows]
        gifts = dict(Donation.objects.filter(donor_id__in=ids).order_by().values("donor_id")
                     .annotate(n=Count("id")).values_list("donor_id", "n"))
        given = dict(LedgerEntry.objects.filter(donation__donor_id__in=ids, currency="EUR").order_by()
                     .values("donation__donor_id").annotate(total=Sum("amount"))
                     .values_list("donation__donor_id", "total"))
        for row in rows:
            row.gifts, row.given = gifts.get(row.pk, 0), given.get(row.pk, 0)
        return super().get_table(rows)

    @property
    def columns(self):
        return [DonorTitleColumn("name", label="Nom", get_url=self.get_inspect_url, sort_key="name"),
                Column("email", label="Courriel", sort_key="email"),
                Column("city", label="Ville"),
                GiftsColumn("gifts", label="Dons"),
                GivenColumn("given", label="Donné (net, euros)"),
                LocalDateTimeColumn("created_at", label="Premier don", sort_key="created_at")]

    @property
    def header_buttons(self):
        buttons = super().header_buttons
        if permissions.can(self.request.user, permissions.RECORD_OFFLINE):
            buttons.append(HeaderButton("Enregistrer un don hors ligne", url=reverse("desk_donations:offline"),
                                        icon_name="plus"))
        if permissions.can(self.request.user, permissions.MODERATE_WALL):
            buttons.append(HeaderButton("Mur des donateurs", url=reverse("desk_donations:wall"), icon_name="group"))
        return buttons


def donation_project_choices():
    slugs = set(Donation.objects.order_by().values_list("project_slug", flat=True).distinct())
    titles = project_titles(slugs)
    return sorted(((slug, titles[slug]) for slug in slugs), key=lambda choice: str(choice[1]))


class DonationFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(label="État", choices=Donation.STATUSES, empty_label="Tous")
    frequency = django_filters.ChoiceFilter(label="Fréquence", choices=Donation.FREQUENCIES, empty_label="Toutes")
    payment_method = django_filters.ChoiceFilter(label="Moyen de paiement", choices=Donation.PAYMENT_METHODS,
                                                 empty_label="Tous")
    project_slug = django_filters.ChoiceFilter(label="Projet", choices=donation_project_choices, empty_label="Tous")
    kind = django_filters.ChoiceFilter(label="Type", choices=Donation.KINDS, empty_label="Tous")
    created_at = django_filters.DateFromToRangeFilter(label="Date", widget=DateRangePickerWidget)

    class Meta:
        model = Donation
        fields = ["status", "frequency", "payment_method", "project_slug", "kind", "created_at"]


class DonationTitleColumn(TitleColumn):
    def get_value(self, instance):
        return f"{instance.reference} · {money(instance.total, instance.currency, always_decimals=True)}"


class DonorNameColumn(Column):
    def get_value(self, instance):
        donor = instance.donor
        return f"{instance.donor_name or donor.name} <{donor.email}>" if donor else "anonyme"


class StateColumn(Column):
    def get_value(self, instance):
        return f"{state_label(instance)} · {instance.get_payment_method_display()}"


class FrequencyColumn(Column):
    def get_value(self, instance):
        return str(FREQUENCY_LABELS.get(instance.frequency, instance.frequency))


class ProjectColumn(Column):
    def get_value(self, instance):
        return getattr(instance, "project_title", instance.project_slug or "Fonds général")


class DonationIndexView(DeskAccessMixin, ReadOnlyMixin, generic.IndexView):
    page_title = "Dons"
    search_fields = ["donor_name"]
    default_ordering = "-created_at"

    def search_queryset(self, queryset):
        return search.search_donations(queryset, self.search_query) if self.is_searching else queryset

    def get_base_queryset(self):
        return Donation.objects.select_related("donor")

    def get_table(self, object_list):
        rows = list(object_list)
        titles = project_titles(row.project_slug for row in rows)
        for row in rows:
            row.project_title = titles[row.project_slug]
        return super().get_table(rows)

    @property
    def columns(self):
        return [DonationTitleColumn("reference", label="Don", get_url=self.get_inspect_url),
                LocalDateTimeColumn("created_at", label="Date", sort_key="created_at"),
                DonorNameColumn("donor", label="Donateur"),
                ProjectColumn("project_slug", label="Projet"),
                FrequencyColumn("frequency", label="Fréquence"),
                StateColumn("status", label="État · paiement")]

    @property
    def header_buttons(self):
        buttons = super().header_buttons
        if permissions.can(self.request.user, permissions.RECORD_OFFLINE):
            buttons.append(HeaderButton("Enregistrer un don hors ligne", url=reverse("desk_donations:offline"),
                                        icon_name="plus"))
        if permissions.can(self.request.user, permissions.MODERATE_WALL):
            buttons.append(HeaderButton("Mur des donateurs", url=reverse("desk_donations:wall"), icon_name="group"))
        return buttons


# --- a donor's page and a gift's page -------------------------------------------------------------------

def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M") if moment else ""


def sent_emails_of(donor) -> list:
    """The donor's e-mails from the mail log (`donors.SentEmail`), newest queued first (a queued message has
    no `sent_at` yet, so the order is by `created_at`): when it was queued and sent, its kind, subject,
    status, attempts and, when it failed, the last error, so staff see whether a copy actually left."""
    from cms.donors.models import SentEmail

    rows = []
    for sent in SentEmail.objects.filter(donor=donor).order_by("-created_at", "-id")[:100]:
        rows.append({"queued": _local(sent.created_at), "sent": _local(sent.sent_at),
                     "kind": KIND_LABELS.get(sent.kind, sent.kind), "subject": sent.subject or "—",
                     "status": sent.get_status_display(), "status_code": sent.status, "attempts": sent.attempts,
                     "error": sent.error.split(":", 1)[0] if sent.status == SentEmail.FAILED else ""})
    return rows


KIND_LABELS = {"gift_thanks": "Remerciement (don ponctuel)", "monthly_thanks": "Confirmation de mensualité",
               "monthly_payment_failed": "Mensualité refusée", "monthly_gift_ended": "Fin du don mensuel",
               "receipt_copy": "Copie d'un reçu fiscal", "receipt_issued": "Reçu fiscal émis après correction",
               "sign_in": "Lien de connexion à l'espace donateur"}


def receipt_row(receipt) -> dict:
    """What the donor's page shows of one receipt (cms.receipts.models.Receipt): a cancellation or a
    replacement says which receipt it cancels or replaces, and a cancelled receipt says so."""
    if receipt.document == receipt.CANCELLATION:
        document = f"Annulation du reçu n° {receipt.cancels.number}" if receipt.cancels_id else "Annulation"
    elif receipt.replaces_id:
        document = f"Reçu rectificatif (remplace le n° {receipt.replaces.number})"
    else:
        document = "Reçu récapitulatif annuel" if receipt.scope == receipt.YEARLY else "Reçu"
    return {"receipt": receipt, "number": receipt.number, "key": str(receipt.pk), "document": document,
            "kind": receipt.get_kind_display(), "status": receipt.get_status_display(),
            "issued": timezone.localtime(receipt.issued_at).strftime("%d/%m/%Y"),
            "amount": money(receipt.amount, receipt.currency, always_decimals=True),
            "resendable": receipt.purged_at is None}


class DonorPageView(DeskAccessMixin, ReadOnlyMixin, generic.InspectView):
    template_name = "donors/desk/donor.html"
    page_title = "Donateur"

    def get_page_subtitle(self):
        return self.object.name or str(self.object)

    def get_context_data(self, **kwargs):
        from cms.receipts import service

        context = super().get_context_data(**kwargs)
        donor, user = self.object, self.request.user
        gifts = list(donor.donations.select_related("project").prefetch_related("entries")
                     .order_by("-created_at"))
        titles = project_titles(g.project_slug for g in gifts)
        for gift in gifts:
            gift.project_title = titles[gift.project_slug]
            gift.total_text = money(gift.total, gift.currency, always_decimals=True)
            gift.net_text = money(sum(entry.amount for entry in gift.entries.all()), gift.currency,
                                  always_decimals=True)
        receipts = list(service.receipts_of_donor(donor) or [])
        context.update({
            "donor": donor, "once": [g for g in gifts if g.frequency == "once"],
            "monthly": [g for g in gifts if g.frequency == "monthly"], "receipts": [receipt_row(r) for r in receipts],
            "emails": sent_emails_of(donor), "can_resend": permissions.can(user, permissions.RESEND_RECEIPT),
            "can_offline": permissions.can(user, permissions.RECORD_OFFLINE),
        })
        return context


class DonationPageView(DeskAccessMixin, ReadOnlyMixin, generic.InspectView):
    template_name = "donors/desk/donation.html"
    page_title = "Don"

    def get_object(self, queryset=None):
        from django.shortcuts import get_object_or_404

        return get_object_or_404(Donation.objects.select_related("donor", "project"), pk=self.pk)

    def get_page_subtitle(self):
        return self.object.reference

    def get_context_data(self, **kwargs):
        from cms.donations import ledger

        context = super().get_context_data(**kwargs)
        donation, user = self.object, self.request.user
        entries = list(LedgerEntry.objects.filter(donation=donation).order_by("occurred_at", "id"))
        for entry in entries:
            entry.amount_text = money(entry.amount, entry.currency, always_decimals=True)
            if entry.kind == "payment":
                entry.refundable = entry.amount - ledger.refunded(entry)
                entry.can_refund = (entry.stripe_object.startswith(actions.CARD_PAYMENTS) and entry.refundable > 0
                                    and permissions.can(user, permissions.REFUND))
        titles = project_titles([donation.project_slug])
        context.update({
            "donation": donation, "entries": entries, "project_title": titles[donation.project_slug],
            "total_text": money(donation.total, donation.currency, always_decimals=True),
            "state": state_label(donation),
            "can_cancel": (donation.frequency == "monthly" and donation.status == "active"
                           and donation.stripe_subscription.startswith("sub_")
                           and permissions.can(user, permissions.CANCEL_MONTHLY)),
            "can_match": (donation.payment_method in ("transfer", "cheque")
                          and (donation.status == "pledged"
                               or (donation.frequency == "monthly" and donation.status == "active"))
                          and permissions.can(user, permissions.RECORD_OFFLINE)),
            "can_fix": permissions.can(user, permissions.FIX_ADDRESS),
            "can_moderate_wall": donation.public_wall and permissions.can(user, permissions.MODERATE_WALL),
        })
        return context


# --- the viewsets ---------------------------------------------------------------------------------------

class DeskViewSet(ModelViewSet):
    inspect_view_enabled = True
    copy_view_enabled = False
    add_to_reference_index = False
    list_export = []

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs.update(add_url_name=None, edit_url_name=None, delete_url_name=None, usage_url_name=None)
        return view_kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path(f"<{self.pk_path_converter}:pk>/", self.inspect_view, name="inspect"),
            path(f"history/<{self.pk_path_converter}:pk>/", self.history_view, name="history"),
            path(f"history-results/<{self.pk_path_converter}:pk>/", self.history_results_view,
                 name="history_results"),
        ]

    @property
    def url_finder_class(self):
        """Where the admin (the site history, a log entry) links a donor or a gift: its page on the desk,
        for staff of the desk only."""
        from wagtail.admin.admin_url_finder import ModelAdminURLFinder

        inspect = self.get_url_name("inspect")

        class DeskURLFinder(ModelAdminURLFinder):
            def get_edit_url(self, instance):
                if self.user and not permissions.can(self.user):
                    return None
                return reverse(inspect, args=[instance.pk])

        return DeskURLFinder

    @property
    def menu_item_class(self):
        from wagtail.admin.menu import MenuItem

        class DeskMenuItem(MenuItem):
            def is_shown(self, request):
                return permissions.can(request.user)

        return DeskMenuItem


class DonorViewSet(DeskViewSet):
    model = Donor
    icon = "user"
    menu_label = "Donateurs"
    menu_order = 100
    url_prefix = "donateurs"
    name = "desk_donors"
    index_view_class = DonorIndexView
    inspect_view_class = DonorPageView
    history_view_class = type("DonorHistoryView", (DeskAccessMixin, history.HistoryView), {})

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("<int:pk>/don-hors-ligne/", actions.OfflineGiftView.as_view(), name="offline"),
            path("<int:pk>/recus/<str:receipt>/renvoyer/", actions.ResendReceiptView.as_view(), name="resend"),
            path("<int:pk>/recus/<str:receipt>/pdf/", actions.receipt_pdf, name="receipt_pdf"),
        ]


class DonationViewSet(DeskViewSet):
    model = Donation
    icon = "doc-full-inverse"
    menu_label = "Dons"
    menu_order = 101
    url_prefix = "dons"
    name = "desk_donations"
    index_view_class = DonationIndexView
    inspect_view_class = DonationPageView
    filterset_class = DonationFilterSet
    history_view_class = type("DonationHistoryView", (DeskAccessMixin, history.HistoryView), {})

    def get_urlpatterns(self):
        return super().get_urlpatterns() + [
            path("hors-ligne/", actions.OfflineGiftView.as_view(), name="offline"),
            path("<uuid:pk>/rembourser/<int:entry_id>/", actions.RefundView.as_view(), name="refund"),
            path("<uuid:pk>/arreter/", actions.CancelMonthlyView.as_view(), name="cancel"),
            path("<uuid:pk>/rapprocher/", actions.MatchPledgeView.as_view(), name="match"),
            path("<uuid:pk>/adresse/", actions.FixAddressView.as_view(), name="address"),
            path("mur/", wall.wall_listing, name="wall"),
            path("<uuid:pk>/mur/", wall.wall_toggle, name="wall_toggle"),
        ]


class DeskGroup(ModelViewSetGroup):
    menu_label = "Donateurs"
    menu_icon = "user"
    menu_order = 250
    @property
    def items(self):
        from .news_report import AnnouncementViewSet  # (it imports this module)

        return (DonorViewSet, DonationViewSet, AnnouncementViewSet)
