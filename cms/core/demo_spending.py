"""The demo's money spent and granted (content/spending.yaml): approved disbursements with proofs, grants.

Recorded as staff record them (a disbursement recorded by one account and approved by another, with the
over-spend flag worked out as at approval), so the public figures (projectSpending), the ledger and the
funder report read them like any other. The two demo accounts (`demo-saisie`, `demo-approbation`) are
inactive with unusable passwords: nobody signs in with them.

Idempotent: each entry's `key` is remembered in ContentFingerprint ("spending:<key>") with the id of the
row it made; a second load adds nothing. Approved disbursements are never edited, so a changed entry is
left as it was loaded (the loader says so).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from cms.core.content_streams import ContentError
from cms.core.models import ContentFingerprint

RECORDER, APPROVER = "demo-saisie", "demo-approbation"


def demo_account(username: str):
    from django.contrib.auth.models import Group

    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"is_active": False,
                                                                             "first_name": "Démo"})
    if created:
        user.set_unusable_password()
        user.save()
    finances = Group.objects.filter(name="Finances").first()
    if finances is not None:
        user.groups.add(finances)
    return User.objects.get(pk=user.pk)  # a fresh permission cache


def _seen(key: str) -> bool:
    return ContentFingerprint.objects.filter(key=f"spending:{key}").exists()


def _remember(key: str, pk) -> None:
    ContentFingerprint.objects.update_or_create(key=f"spending:{key}", defaults={"digest": str(pk)})


def _project(projects: dict, slug, where):
    if slug is None:
        return None
    try:
        return projects[slug]
    except KeyError:
        raise ContentError(f"spending.yaml {where}: unknown project {slug!r}") from None


def approve_as_demo(d, approver) -> None:
    """workflow.approve's effect for the demo's accounts, which are inactive (so hold no permission): the
    four-eyes constraint of the database still applies (approver is not the recorder)."""
    from django.utils import timezone

    from cms.transparency import signals, workflow

    d.overspent = workflow.would_overspend(d)
    d.status, d.submitted_at, d.approved_by, d.approved_at = "approved", timezone.now(), approver, timezone.now()
    d.save()
    signals.send_on_commit(signals.disbursement_approved, disbursement=d)


def load(spec: dict, projects: dict, images: dict, load_document) -> int:
    """Write what spec lists and was not loaded before; returns the number of rows written."""
    from django.core.exceptions import ValidationError

    from cms.transparency.models import Disbursement, Grant

    written = 0
    recorder = approver = None
    for item in spec.get("disbursements") or []:
        key, where = item["key"], f"disbursement {item.get('key')}"
        if _seen(key):
            continue
        recorder = recorder or demo_account(RECORDER)
        approver = approver or demo_account(APPROVER)
        project = _project(projects, item["project"], where)
        d = Disbursement(project=project, date=item["date"], amount=int(item["amount"]), currency=project.currency,
                         budget_line_label=item.get("line", ""), description=item["description"],
                         recorded_by=recorder)
        try:
            d.full_clean()
        except ValidationError as exc:
            raise ContentError(f"spending.yaml {where}: {exc.messages}") from exc
        d.save()
        d.proof_documents.set([load_document(name, name.rsplit(".", 1)[0].replace("-", " ").capitalize())
                               for name in item.get("documents") or []])
        try:
            d.proof_images.set([images[name] for name in item.get("images") or []])
        except KeyError as exc:
            raise ContentError(f"spending.yaml {where}: unknown image {exc} (not in images.yaml)") from None
        approve_as_demo(d, approver)
        _remember(key, d.pk)
        written += 1
    for item in spec.get("grants") or []:
        key, where = item["key"], f"grant {item.get('key')}"
        if _seen(key):
            continue
        project = _project(projects, item.get("project"), where)
        grant = Grant(funder=item["funder"], amount=int(item["amount"]),
                      currency=item.get("currency") or (project.currency if project else "EUR"), project=project,
                      start_date=item["start_date"], end_date=item["end_date"],
                      reporting_due=item.get("reporting_due"), received_on=item["received_on"],
                      notes=item.get("notes", ""))
        try:
            grant.full_clean(exclude=["recorded_by"])
        except ValidationError as exc:
            raise ContentError(f"spending.yaml {where}: {exc.messages}") from exc
        grant.save()
        _remember(key, grant.pk)
        written += 1
    return written
