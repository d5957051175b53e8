"""Staff downloads in the admin ("Reçus fiscaux", permission `receipts.view_receipt`): the yearly figures
the tax office asks for (article 222 bis du CGI: number of receipts issued in a year and the total amount
they state), a CSV of every receipt (French spreadsheet conventions, like the donations report) and each
receipt's PDF. A user without the permission gets 403 and learns nothing of any receipt."""

from __future__ import annotations

import csv
import functools
import io
import uuid

from django.db.models import Count, Q, Sum
from django.http import HttpResponse, HttpResponseForbidden, HttpResponseNotFound, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from cms.donations.reports import CSV_BOM, csv_value_fr, local_time, major_units
from vda_base.money import money

from .models import Receipt

PERMISSION = "receipts.view_receipt"


class Forbidden(Exception):
    pass


def require_permission(request):
    if not request.user.has_perm(PERMISSION):
        raise Forbidden


def permission_required(view):
    """403 with a French message (Wagtail would turn PermissionDenied into a redirect to the dashboard,
    which says nothing to a script and looks like success)."""
    @functools.wraps(view)
    def checked(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except Forbidden:
            return HttpResponseForbidden("Vous n'avez pas accès aux reçus fiscaux (permission « Dons » requise).",
                                         content_type="text/plain; charset=utf-8")
    return checked


def yearly_figures() -> list[dict]:
    """Per year of issue: the receipts still valid (number, total: what article 222 bis asks), and for the
    record those issued then cancelled and the cancellations issued."""
    rows = (Receipt.objects.values("year").order_by("-year").annotate(
        valid=Count("pk", filter=Q(document=Receipt.RECEIPT, status=Receipt.ISSUED)),
        valid_total=Sum("amount", filter=Q(document=Receipt.RECEIPT, status=Receipt.ISSUED)),
        cancelled=Count("pk", filter=Q(document=Receipt.RECEIPT, status=Receipt.CANCELLED)),
        cancellations=Count("pk", filter=Q(document=Receipt.CANCELLATION))))
    return [{**row, "valid_total": int(row["valid_total"] or 0),
             "valid_total_text": money(int(row["valid_total"] or 0), "EUR", always_decimals=True)} for row in rows]


@permission_required
def index(request):
    require_permission(request)
    latest = list(Receipt.objects.order_by("-issued_at", "-sequence")[:50])
    for receipt in latest:
        receipt.amount_text = money(receipt.amount, receipt.currency, always_decimals=True)
    return TemplateResponse(request, "receipts/index.html", {
        "figures": yearly_figures(), "page_title": "Reçus fiscaux", "header_icon": "doc-full", "latest": latest})


def safe_cell(value) -> str:
    """A cell a spreadsheet never runs as a formula (a donor's name may begin with = + - @)."""
    text = csv_value_fr(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _csv_response(header, rows, filename):
    def lines():
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=";")
        writer.writerow(header)
        yield CSV_BOM + buffer.getvalue()
        for row in rows:
            buffer.seek(0)
            buffer.truncate()
            writer.writerow([safe_cell(v) for v in row])
            yield buffer.getvalue()

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


RECEIPT_COLUMNS = ["Numéro", "Année", "Document", "Type", "Portée", "Statut", "Remplace", "Annule", "Motif",
                   "Nom", "Adresse", "Code postal", "Ville", "Pays", "Dénomination", "Forme juridique", "SIREN",
                   "Montant", "Devise", "Date du versement", "Dernier versement", "Mode de versement", "Émis le",
                   "Purgé le"]


@permission_required
def receipts_csv(request):
    require_permission(request)
    receipts = Receipt.objects.select_related("replaces", "cancels").order_by("year", "sequence")

    def rows():
        for r in receipts.iterator(chunk_size=500):
            yield [r.number, r.year, r.get_document_display(), r.get_kind_display(), r.get_scope_display(),
                   r.get_status_display(), r.replaces.number if r.replaces else "",
                   r.cancels.number if r.cancels else "", r.reason, r.donor_name, r.address_line1, r.postal_code,
                   r.city, r.country, r.company_name, r.company_legal_form, r.company_siren,
                   major_units(r.amount, r.currency), r.currency, r.first_payment_on.strftime("%d/%m/%Y"),
                   r.last_payment_on.strftime("%d/%m/%Y"), r.payment_method, local_time(r.issued_at),
                   local_time(r.purged_at)]

    return _csv_response(RECEIPT_COLUMNS, rows(), f"recus-fiscaux-{timezone.localdate():%Y-%m-%d}.csv")


@permission_required
def figures_csv(request):
    require_permission(request)
    rows = ([f["year"], f["valid"], major_units(f["valid_total"], "EUR"), f["cancelled"], f["cancellations"]]
            for f in yearly_figures())
    return _csv_response(["Année", "Reçus valides", "Montant total des reçus valides (EUR)", "Reçus annulés",
                          "Annulations émises"], rows, "recus-fiscaux-declaration-222-bis.csv")


def _not_found(message: str) -> HttpResponse:
    return HttpResponseNotFound(message, content_type="text/plain; charset=utf-8")


@permission_required
def receipt_pdf(request, receipt_id):
    require_permission(request)
    from .service import pdf_bytes

    try:
        receipt = Receipt.objects.get(pk=uuid.UUID(str(receipt_id)))
    except (ValueError, Receipt.DoesNotExist):
        return _not_found("Ce reçu n'existe pas.")
    try:
        content = pdf_bytes(receipt)
    except LookupError:
        return _not_found("Ce reçu a été purgé à l'issue de la durée légale de conservation (six ans).")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="recu-fiscal-{receipt.number}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
