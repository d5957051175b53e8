"""Admin entries of the giving feature: the donations report and the list of every donation attempt."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .attempts import DonationAttemptsView
from .models import Donation, LedgerEntry
from .reports import LedgerReportView


@hooks.register("register_admin_urls")
def register_donation_report_urls():
    return [
        path("reports/dons/", LedgerReportView.as_view(), name="donations_report"),
        path("reports/dons/results/", LedgerReportView.as_view(results_only=True), name="donations_report_results"),
        path("reports/tentatives/", DonationAttemptsView.as_view(), name="donation_attempts"),
        path("reports/tentatives/results/", DonationAttemptsView.as_view(results_only=True),
             name="donation_attempts_results"),
    ]


class DonationsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(f"{LedgerEntry._meta.app_label}.view_ledgerentry")


@hooks.register("register_reports_menu_item")
def register_donation_report_menu_item():
    return DonationsMenuItem("Dons reçus", reverse("donations_report"), icon_name="doc-full-inverse", order=50)


class AttemptsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(f"{Donation._meta.app_label}.view_donation")


@hooks.register("register_reports_menu_item")
def register_donation_attempts_menu_item():
    return AttemptsMenuItem("Dons et tentatives", reverse("donation_attempts"), icon_name="list-ul", order=51)
