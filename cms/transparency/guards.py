"""The last line of "an approved disbursement is never edited": its proofs cannot be added, removed or
cleared either (an M2M change does not go through `save`). The proofs' reverse side has no accessor
(related_name="+"), so the disbursement's side is the only way to change them through the ORM."""

from __future__ import annotations

from django.db.models.signals import m2m_changed


def refuse_proof_changes(sender, instance, action, reverse, **kwargs):
    from .models import ApprovedIsFinal, Disbursement

    if action in ("pre_add", "pre_remove", "pre_clear") and isinstance(instance, Disbursement) \
            and instance.stored_status() == Disbursement.APPROVED:
        raise ApprovedIsFinal()


def connect():
    from .models import Disbursement

    for through in (Disbursement.proof_documents.through, Disbursement.proof_images.through):
        m2m_changed.connect(refuse_proof_changes, sender=through,
                            dispatch_uid=f"transparency-final-{through.__name__}")
