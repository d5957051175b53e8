"""What each view of the donor desk needs. Superusers have all of it; the "Dons" group (donations migration
0006, receipts 0003) has all of it; an editor without the group has none, so sees no donor and no personal data."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

VIEW_DONORS = "donations.view_donor"
VIEW_DONATIONS = "donations.view_donation"
REFUND = "donations.refund_donation"
CANCEL_MONTHLY = "donations.cancel_monthly_donation"
RECORD_OFFLINE = "donations.record_offline_donation"
RESEND_RECEIPT = "donations.resend_receipt"
FIX_ADDRESS = "donations.fix_donation_address"
MODERATE_WALL = "donations.moderate_donor_wall"  # donations 0007

# Every page of the desk shows personal data: both view permissions, whatever else the page needs.
DESK = (VIEW_DONORS, VIEW_DONATIONS)


def can(user, *permissions: str) -> bool:
    return bool(user and user.is_active and user.has_perms(DESK + tuple(permissions)))


def require(user, *permissions: str) -> None:
    if not can(user, *permissions):
        raise PermissionDenied
