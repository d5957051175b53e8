"""The funder report of one grant: for the grant's period (start_date to end_date, both included), the
money raised for its project (gifts in the books and grants received), the approved spending per budget
line, the disbursements themselves with their proofs, and the project's updates with their photos. A printable HTML page
(its own print stylesheet: "Imprimer" makes the PDF) and the same figures as CSV (French conventions:
`;`, decimal comma, a BOM so spreadsheets read the accents).

A grant to the general fund reports the whole NGO in its currency: every gift, every grant, and the
spending of every project, per project and line. No donor's name or e-mail appears, only sums.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.views.generic import TemplateView

from cms.donations.reports import major_units
from vda_base.money import money

from .models import Disbursement, Grant
from .spending import spending_lines

VIEW = "transparency.view_grant"


@dataclass
class Report:
    grant: Grant
    online: int = 0
    grants: int = 0
    lines: list = field(default_factory=list)  # (project title or "", Line)
    disbursements: list = field(default_factory=list)
    updates: list = field(default_factory=list)  # (update, [image, ...])

    @property
    def currency(self) -> str:
        return self.grant.currency

    @property
    def raised(self) -> int:
        return self.online + self.grants

    @property
    def spent(self) -> int:
        return sum(line.spent for _, line in self.lines)

    def text(self, amount) -> str:
        return money(amount, self.currency, always_decimals=True)


def update_images(update) -> list:
    return [block.value["image"] for block in update.photos if block.block_type == "image"
            and block.value.get("image") is not None]


def build(grant: Grant) -> Report:
    from cms.donations.models import LedgerEntry

    start, end, currency, project = grant.start_date, grant.end_date, grant.currency, grant.project
    report = Report(grant=grant)
    gifts = LedgerEntry.objects.filter(currency=currency, occurred_at__date__gte=start, occurred_at__date__lte=end)
    grants = Grant.objects.filter(currency=currency, received_on__gte=start, received_on__lte=end)
    spent = (Disbursement.objects.approved().filter(currency=currency, date__gte=start, date__lte=end)
             .select_related("project"))
    if project is not None:
        gifts, grants, spent = (gifts.filter(project_slug=project.slug), grants.filter(project=project),
                                spent.filter(project=project))
    report.online = int(gifts.aggregate(total=Sum("amount"))["total"] or 0)
    report.grants = int(grants.aggregate(total=Sum("amount"))["total"] or 0)
    report.disbursements = list(spent.order_by("date", "pk").prefetch_related("proof_images", "proof_documents"))
    by_project: dict = defaultdict(lambda: defaultdict(int))
    for d in report.disbursements:
        by_project[d.project][d.budget_line_label] += int(d.amount)
    projects = [project] if project is not None else sorted(by_project, key=lambda p: p.title)
    for page in projects:
        page_lines = list(page.budget_lines.order_by("sort_order", "pk").values_list("label", "amount"))
        for line in spending_lines(page_lines, by_project.get(page, {})):
            report.lines.append(("" if project is not None else page.title, line))
    if project is not None:
        updates = project.updates.filter(date__gte=start, date__lte=end).order_by("date", "pk")
        report.updates = [(update, update_images(update)) for update in updates]
    return report


class ReportView(TemplateView):
    template_name = "transparency/funder_report.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(VIEW):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        grant = get_object_or_404(Grant.objects.select_related("project"), pk=kwargs["pk"])
        report = build(grant)
        return {"report": report, "grant": grant,
                "lines": [(title, line, report.text(line.planned), report.text(line.spent))
                          for title, line in report.lines],
                "disbursements": [(d, report.text(d.amount)) for d in report.disbursements],
                "proof_images": list({image.pk: image for d in report.disbursements
                                      for image in d.proof_images.all()}.values()),
                "figures": {"online": report.text(report.online), "grants": report.text(report.grants),
                            "raised": report.text(report.raised), "spent": report.text(report.spent),
                            "grant": report.text(grant.amount)}}


def _cell(value) -> str:
    return format(value, "f").replace(".", ",")


@permission_required(VIEW, raise_exception=True)
def report_csv(request, pk):
    grant = get_object_or_404(Grant.objects.select_related("project"), pk=pk)
    report = build(grant)
    currency = grant.currency

    def amount(value):
        return _cell(major_units(value, currency))

    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["rubrique", "projet", "libellé", "prévu", "montant", "devise"])
    project_title = grant.project.title if grant.project_id else "Fonds général"
    writer.writerow(["subvention", project_title, grant.funder, "", amount(grant.amount), currency])
    writer.writerow(["période", project_title, f"{grant.start_date:%d/%m/%Y} – {grant.end_date:%d/%m/%Y}", "",
                     "", currency])
    writer.writerow(["collecté", project_title, "dons", "", amount(report.online), currency])
    writer.writerow(["collecté", project_title, "subventions reçues", "", amount(report.grants), currency])
    writer.writerow(["collecté", project_title, "total", "", amount(report.raised), currency])
    for title, line in report.lines:
        writer.writerow(["dépensé", title or project_title, line.label, amount(line.planned), amount(line.spent),
                         currency])
    writer.writerow(["dépensé", project_title, "total", "", amount(report.spent), currency])
    for d in report.disbursements:
        writer.writerow([f"dépense {d.date:%d/%m/%Y}", d.project.title, f"{d.budget_line_label} : {d.description}",
                         "", amount(d.amount), currency])
    for update, images in report.updates:
        writer.writerow([f"nouvelle {update.date:%d/%m/%Y}", project_title, update.title, "", "",
                         f"{len(images)} photo(s)"])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rapport-subvention-{grant.pk}.csv"'
    return response
