"""Four eyes, in one place: a disbursement goes draft -> submitted -> approved, recorded by one staff
member and approved by ANOTHER, and once approved it is only ever taken back by a reversal (a new entry,
negative amount, that goes through the same steps). The admin's views (admin_views.py) call these
functions and nothing else changes a disbursement's status.

Every step locks the row (SELECT … FOR UPDATE on PostgreSQL) so two approvers clicking at once approve it
once, and writes a Wagtail log entry (the admin's history), never personal data of donors.
The database has the last word: a CheckConstraint refuses approved_by = recorded_by whatever the code does.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from wagtail.log_actions import log

from . import signals
from .models import Disbursement, Grant

APPROVE = "transparency.approve_disbursement"
ADD = "transparency.add_disbursement"


class Refused(Exception):
    """A step that may not happen, with the French message the admin shows."""


def _locked(disbursement: Disbursement) -> Disbursement:
    return Disbursement.objects.select_for_update(of=("self",)).select_related("project").get(pk=disbursement.pk)


def submit(disbursement: Disbursement, user) -> Disbursement:
    with transaction.atomic():
        row = _locked(disbursement)
        if row.status != Disbursement.DRAFT:
            raise Refused("Seul un brouillon peut être soumis à l'approbation.")
        if not (user.has_perm(ADD) and user.has_perm("transparency.change_disbursement")):
            raise Refused("Vous n'avez pas le droit de soumettre une dépense.")
        row.status, row.submitted_at = Disbursement.SUBMITTED, timezone.now()
        row.save(update_fields=["status", "submitted_at"])
        log(row, "transparency.submit", user=user)
    return row


def back_to_draft(disbursement: Disbursement, user) -> Disbursement:
    """A submitted disbursement goes back to its recorder for a correction (by anyone who may approve)."""
    with transaction.atomic():
        row = _locked(disbursement)
        if row.status != Disbursement.SUBMITTED:
            raise Refused("Seule une dépense soumise peut être renvoyée en brouillon.")
        if not (user.has_perm(APPROVE) or user.pk == row.recorded_by_id):
            raise Refused("Vous n'avez pas le droit de renvoyer cette dépense en brouillon.")
        row.status, row.submitted_at = Disbursement.DRAFT, None
        row.save(update_fields=["status", "submitted_at"])
        log(row, "transparency.back_to_draft", user=user)
    return row


def raised_for(project) -> int:
    """Money raised for a project in its currency: online and offline gifts in the books (net of refunds,
    as donations/ledger.project_totals counts them) plus the grants recorded for it."""
    from cms.donations.models import LedgerEntry

    online = LedgerEntry.objects.filter(project_slug=project.slug, currency=project.currency) \
        .aggregate(total=Sum("amount"))["total"] or 0
    grants = Grant.objects.filter(project=project, currency=project.currency) \
        .aggregate(total=Sum("amount"))["total"] or 0
    return int(online) + int(grants)


def spent_for(project) -> int:
    return int(Disbursement.objects.approved().filter(project=project, currency=project.currency)
               .aggregate(total=Sum("amount"))["total"] or 0)


def would_overspend(disbursement: Disbursement) -> bool:
    """Whether approving it takes the project's approved spending above the money raised for it."""
    project = disbursement.project
    return spent_for(project) + disbursement.amount > raised_for(project)


def approve(disbursement: Disbursement, user) -> Disbursement:
    """Approve a submitted disbursement: refused to the one who recorded it and to anyone without
    `approve_disbursement`. An over-spend is allowed but flagged (`overspent`), for the staff to see."""
    with transaction.atomic():
        row = _locked(disbursement)
        if row.status != Disbursement.SUBMITTED:
            raise Refused("Seule une dépense soumise peut être approuvée.")
        if user.pk == row.recorded_by_id:
            raise Refused("Quatre yeux : une dépense est approuvée par une autre personne que celle qui l'a "
                          "saisie. Demandez à un collègue de l'approuver.")
        if not user.has_perm(APPROVE):
            raise Refused("Vous n'avez pas le droit d'approuver une dépense.")
        if row.reverses_id and row.reverses.status != Disbursement.APPROVED:
            raise Refused("La dépense annulée n'est pas approuvée.")
        row.overspent = row.amount > 0 and would_overspend(row)
        row.status, row.approved_by, row.approved_at = Disbursement.APPROVED, user, timezone.now()
        row.save(update_fields=["status", "approved_by", "approved_at", "overspent"])
        log(row, "transparency.approve", user=user)
        signals.send_on_commit(signals.disbursement_approved, disbursement=row)
    return row


def reverse(disbursement: Disbursement, user, *, reason: str = "") -> Disbursement:
    """A draft reversal of an approved disbursement: the same project, line and currency, the opposite
    amount. It is public only once a second person approves it, like any disbursement."""
    with transaction.atomic():
        row = _locked(disbursement)
        if row.status != Disbursement.APPROVED:
            raise Refused("Seule une dépense approuvée s'annule par une contre-écriture ; "
                          "un brouillon se corrige ou se supprime.")
        if row.reverses_id:
            raise Refused("Une contre-écriture ne s'annule pas : saisissez une nouvelle dépense.")
        if Disbursement.objects.filter(reverses=row).exists():
            raise Refused("Cette dépense a déjà une contre-écriture.")
        if not user.has_perm(ADD):
            raise Refused("Vous n'avez pas le droit de saisir une dépense.")
        reason = (reason or "").strip()
        reversal = Disbursement(
            project=row.project, date=timezone.localdate(), amount=-row.amount, currency=row.currency,
            budget_line_label=row.budget_line_label, reverses=row, recorded_by=user,
            description=(f"Annulation de la dépense n° {row.pk}" + (f" : {reason}" if reason else ""))[:2000])
        reversal.save()
        log(reversal, "transparency.reverse", user=user)
    return reversal
