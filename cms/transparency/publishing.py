"""Money spent changes the public site: an approved disbursement (or reversal) or a new grant asks for a
build of its project's page (cms/publishing/queue.py coalesces it with the one waiting). The site-wide
figures (siteSpending) are read by the build itself, like donationTotals."""

from __future__ import annotations


def on_disbursement_approved(sender, disbursement, **kwargs):
    from cms.publishing.queue import request_build

    kind = "Contre-écriture approuvée" if disbursement.reverses_id else "Dépense approuvée"
    request_build(f"{kind} pour « {disbursement.project.title} »", [disbursement.project_id])


def on_grant_recorded(sender, grant, **kwargs):
    from cms.publishing.queue import request_build

    where = f"« {grant.project.title} »" if grant.project_id else "le fonds général"
    request_build(f"Subvention enregistrée pour {where}", [grant.project_id] if grant.project_id else [])


def connect():
    from . import signals

    signals.disbursement_approved.connect(on_disbursement_approved, dispatch_uid="transparency-build-approved")
    signals.grant_recorded.connect(on_grant_recorded, dispatch_uid="transparency-build-grant")
