"""What the transparency books tell the rest of the CMS, once the transaction that wrote it has committed
(the same contract as cms/donations/signals.py, whose `send_on_commit` is reused):

- `disbursement_approved(disbursement=Disbursement)`: a disbursement (or a reversal, negative amount) was
  approved by a second person; it is public from now on;
- `grant_recorded(grant=Grant)`: a new grant was recorded.

Receivers must be quick (they run inside an admin request): enqueue work and return.
"""

from __future__ import annotations

from django.dispatch import Signal

from cms.donations.signals import send_on_commit

disbursement_approved = Signal()
grant_recorded = Signal()

__all__ = ["disbursement_approved", "grant_recorded", "send_on_commit"]
