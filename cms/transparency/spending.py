"""What the public may know of money spent, computed in a fixed number of SQL queries whatever the
number of projects: per live, public project, per budget line, planned / raised / spent, and the approved
disbursements with their public proofs. The GraphQL fields (schema.py) and the funder report read this.

Rules (the same as every public surface, api/visibility.py):
- only live, public projects (not a draft, not below a view restriction);
- only approved disbursements (reversals included, with their negative amount);
- only proofs of public collections; never who recorded or approved anything.

Figures, all in the project's currency (a disbursement's currency is its project's):
- `planned`: the sum of the page's budget lines, or its goal when it has none;
- `raised`: gifts in the books (as donationTotals counts them) + `grants`;
- `spent`: approved disbursements; `overspent`: spent > raised.
- `lines`: the page's lines in its order, then one "Autres dépenses" line (planned 0) for spending whose
  line is no longer on the page (a label renamed or removed since).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q, Sum
from wagtail.documents import get_document_model
from wagtail.images import get_image_model

from cms.api import visibility
from cms.projects.models import BudgetLine, ProjectPage

from .models import OTHER_LINE, Disbursement, Grant

PROOF_RENDITION = "width-1200"


@dataclass
class Line:
    label: str
    planned: int
    spent: int = 0


@dataclass
class Proof:
    title: str
    kind: str  # "document" | "image"
    url: str


@dataclass
class PublicDisbursement:
    id: int
    date: object
    amount: int
    currency: str
    budget_line: str
    description: str
    proofs: list = field(default_factory=list)


@dataclass
class ProjectRow:
    slug: str
    currency: str
    planned: int
    raised: int
    grants: int
    spent: int
    lines: list
    disbursements: list
    project_id: int = 0

    @property
    def overspent(self) -> bool:
        return self.spent > self.raised


def public_projects():
    return visibility.public_pages(ProjectPage.objects.all()).order_by("path")


def online_raised_by_slug(slugs) -> dict[tuple[str, str], int]:
    from cms.donations.models import LedgerEntry

    rows = (LedgerEntry.objects.filter(project_slug__in=slugs).order_by()
            .values("project_slug", "currency").annotate(total=Sum("amount")))
    return {(r["project_slug"], r["currency"]): int(r["total"] or 0) for r in rows}


def grants_by_project(ids) -> dict[tuple[int, str], int]:
    rows = (Grant.objects.filter(project_id__in=ids).order_by()
            .values("project_id", "currency").annotate(total=Sum("amount")))
    return {(r["project_id"], r["currency"]): int(r["total"] or 0) for r in rows}


def proof_list(disbursement, private_collections) -> list[Proof]:
    proofs = [Proof(title=d.title, kind="document", url=d.file.url)
              for d in disbursement.proof_documents.all() if d.collection_id not in private_collections]
    for image in disbursement.proof_images.all():
        if image.collection_id in private_collections:
            continue
        try:
            url = image.get_rendition(PROOF_RENDITION).url
        except (OSError, ValueError):  # a lost or corrupt original: left out, as the site does
            continue
        proofs.append(Proof(title=image.title, kind="image", url=url))
    return proofs


def approved_disbursements(project_ids):
    """Approved disbursements of these projects, newest first, proofs prefetched (renditions included)."""
    images = get_image_model().objects.prefetch_renditions(PROOF_RENDITION)
    return (Disbursement.objects.approved().filter(project_id__in=project_ids)
            .order_by("-date", "-id")
            .prefetch_related(Prefetch("proof_documents", queryset=get_document_model().objects.all()),
                              Prefetch("proof_images", queryset=images)))


def public_disbursement(d, private_collections) -> PublicDisbursement:
    return PublicDisbursement(id=d.pk, date=d.date, amount=int(d.amount), currency=d.currency,
                              budget_line=d.budget_line_label or OTHER_LINE, description=d.description,
                              proofs=proof_list(d, private_collections))


def spending_lines(page_lines: list[tuple[str, int]], spent_by_label: dict[str, int]) -> list[Line]:
    lines, seen = [], set()
    for label, planned in page_lines:
        spent = spent_by_label.get(label, 0) if label not in seen else 0
        seen.add(label)
        lines.append(Line(label=label, planned=int(planned), spent=int(spent)))
    other = [amount for label, amount in spent_by_label.items() if label not in seen]
    if other:
        lines.append(Line(label=OTHER_LINE, planned=0, spent=sum(other)))
    return lines


def project_spending() -> list[ProjectRow]:
    """One row per live public project that has budget lines, grants or approved spending."""
    projects = list(public_projects().values_list("pk", "slug", "currency", "goal_amount"))
    ids = [pk for pk, *_ in projects]
    page_lines: dict[int, list] = defaultdict(list)
    for page_id, label, amount in (BudgetLine.objects.filter(page_id__in=ids)
                                   .order_by("page_id", "sort_order", "pk")
                                   .values_list("page_id", "label", "amount")):
        page_lines[page_id].append((label, amount))
    online = online_raised_by_slug([slug for _, slug, *_ in projects])
    grants = grants_by_project(ids)
    private = visibility.private_collection_ids()
    spent_by: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    public_rows: dict[int, list] = defaultdict(list)
    currency_of = {pk: currency for pk, _, currency, _ in projects}
    for d in approved_disbursements(ids):
        if d.currency == currency_of[d.project_id]:  # a project whose currency changed since: not summed
            spent_by[d.project_id][d.budget_line_label] += int(d.amount)
        public_rows[d.project_id].append(public_disbursement(d, private))
    rows = []
    for pk, slug, currency, goal in projects:
        granted = grants.get((pk, currency), 0)
        if not (page_lines.get(pk) or granted or public_rows.get(pk)):
            continue
        lines = spending_lines(page_lines.get(pk, []), spent_by.get(pk, {}))
        planned = sum(amount for _, amount in page_lines.get(pk, [])) or int(goal)
        rows.append(ProjectRow(slug=slug, currency=currency, planned=planned,
                               raised=online.get((slug, currency), 0) + granted, grants=granted,
                               spent=sum(line.spent for line in lines), lines=lines,
                               disbursements=public_rows.get(pk, []), project_id=pk))
    return rows


def site_spending(rows: list[ProjectRow] | None = None) -> list[dict]:
    """Per currency: planned and spent of the public projects, raised = every gift in the books of that
    currency (the general fund included, as siteTotals) + every grant of that currency."""
    from cms.donations.models import LedgerEntry

    rows = project_spending() if rows is None else rows
    figures: dict[str, dict] = defaultdict(lambda: {"planned": 0, "raised": 0, "grants": 0, "spent": 0})
    for row in rows:
        figures[row.currency]["planned"] += row.planned
        figures[row.currency]["spent"] += row.spent
    for currency, total in LedgerEntry.objects.order_by().values_list("currency").annotate(total=Sum("amount")):
        figures[currency]["raised"] += int(total or 0)
    public_grants = Grant.objects.filter(Q(project__isnull=True) | Q(project__in=public_projects().values("pk")))
    for currency, total in public_grants.order_by().values_list("currency").annotate(total=Sum("amount")):
        figures[currency]["grants"] += int(total or 0)
        figures[currency]["raised"] += int(total or 0)
    order = {"EUR": 0}
    return [{"currency": currency, **values}
            for currency, values in sorted(figures.items(), key=lambda kv: (order.get(kv[0], 1), kv[0]))
            if any(values.values())]
