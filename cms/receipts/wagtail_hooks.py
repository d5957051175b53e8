"""The "Reçus fiscaux" admin entry: the tax office's yearly figures, the CSV of receipts, each PDF
(admin_views.py), shown only to staff with `receipts.view_receipt`."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_receipt_urls():
    return [
        path("recus-fiscaux/", admin_views.index, name="receipts_index"),
        path("recus-fiscaux/recus.csv", admin_views.receipts_csv, name="receipts_csv"),
        path("recus-fiscaux/declaration.csv", admin_views.figures_csv, name="receipts_figures_csv"),
        path("recus-fiscaux/<str:receipt_id>/pdf/", admin_views.receipt_pdf, name="receipts_pdf"),
    ]


class ReceiptsMenuItem(MenuItem):
    def is_shown(self, request):
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_admin_menu_item")
def register_receipts_menu_item():
    return ReceiptsMenuItem("Reçus fiscaux", reverse("receipts_index"), icon_name="doc-full", order=850)
