"""How a gift is recorded: exactly once, whatever Stripe sends, in whatever order, however often.

Every entry is keyed by the Stripe object that moved the money (`pi_…` for a one-off gift, `in_…` for each
monthly payment, `re_…` for a refund) under a unique constraint. Recording is "insert, and if that key
exists already, do nothing", inside the caller's transaction: twenty concurrent deliveries of one event
make one row, and a crash half-way leaves no row at all.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from projects.models import ProjectPage

from .models import Donation, LedgerEntry


def _when(timestamp) -> dt.datetime:
    if timestamp:
        return dt.datetime.fromtimestamp(int(timestamp), tz=dt.timezone.utc)
    return timezone.now()


def find_donation(metadata: dict, **stripe_ids) -> Donation | None:
    donation_id = (metadata or {}).get("donation")
    if donation_id:
        try:
            found = Donation.objects.filter(pk=uuid.UUID(str(donation_id))).first()
        except ValueError:
            found = None
        if found:
            return found
    for field, value in stripe_ids.items():
        if value:
            found = Donation.objects.filter(**{field: value}).first()
            if found:
                return found
    return None


def donation_from_metadata(metadata: dict, amount: int, currency: str, **stripe_ids) -> Donation:
    """A payment Stripe says succeeded but we have no record of (made elsewhere, or our request died
    before saving): rebuild the donation from what we put in its metadata, so the money is never lost."""
    metadata = metadata or {}
    slug = metadata.get("project") or ""
    project = ProjectPage.objects.filter(slug=slug).first() if slug else None
    donation_id = metadata.get("donation")
    try:
        pk = uuid.UUID(str(donation_id)) if donation_id else uuid.uuid4()
    except ValueError:
        pk = uuid.uuid4()
    fee = int(metadata.get("fee") or 0)
    donation, _ = Donation.objects.get_or_create(pk=pk, defaults=dict(
        project=project, project_slug=slug, kind=metadata.get("kind") or "gift",
        frequency=metadata.get("frequency") or ("monthly" if stripe_ids.get("stripe_subscription") else "once"),
        amount=max(amount - fee, 1), fee=fee, currency=currency.upper(), source="stripe",
        status="pending", **{k: v for k, v in stripe_ids.items() if v}))
    return donation


def _totals_changed() -> None:
    from django.core.cache import cache

    transaction.on_commit(lambda: cache.delete("donate-totals"))


def _insert_once(**fields) -> bool:
    """Insert a ledger row; False (and nothing written) when its Stripe object is in the books already.
    The savepoint keeps the caller's transaction usable after a duplicate."""
    try:
        with transaction.atomic():
            LedgerEntry.objects.create(**fields)
    except IntegrityError:
        if LedgerEntry.objects.filter(stripe_object=fields["stripe_object"]).exists():
            return False
        raise
    _totals_changed()
    return True


def record_payment(*, donation: Donation, stripe_object: str, amount: int, currency: str, occurred,
                   stripe_charge: str = "", stripe_event: str = "") -> bool:
    if amount <= 0:
        return False
    return _insert_once(
        donation=donation, kind="payment", amount=amount, currency=currency.upper(),
        project_id=donation.project_id, project_slug=donation.project_slug, frequency=donation.frequency,
        donation_kind=donation.kind, stripe_object=stripe_object, stripe_charge=stripe_charge or "",
        stripe_event=stripe_event, occurred_at=_when(occurred))


def record_refund(*, original: LedgerEntry, stripe_object: str, amount: int, occurred,
                  stripe_event: str = "") -> bool:
    return _insert_once(
        donation=original.donation, kind="refund", amount=-abs(amount), currency=original.currency,
        project_id=original.project_id, project_slug=original.project_slug, frequency=original.frequency,
        donation_kind=original.donation_kind, stripe_object=stripe_object, stripe_charge=original.stripe_charge,
        stripe_event=stripe_event, occurred_at=_when(occurred))


def project_totals() -> dict[str, dict]:
    """{slug: {raised, currency, donors, goal}} for every live project (zeros included)."""
    rows = (LedgerEntry.objects.exclude(project_slug="").values("project_slug", "currency")
            .annotate(raised=Sum("amount"),
                      donors=Count("donation__donor", distinct=True,
                                   filter=Q(kind="payment", donation__donor__isnull=False)),
                      anonymous=Count("donation", distinct=True,
                                      filter=Q(kind="payment", donation__donor__isnull=True))))
    raised = {}
    for row in rows:
        raised[row["project_slug"]] = row
    totals = {}
    for slug, goal, currency in ProjectPage.objects.live().public().values_list("slug", "goal_amount", "currency"):
        row = raised.get(slug, {})
        totals[slug] = {"raised": int(row.get("raised") or 0), "currency": currency,
                        "donors": int(row.get("donors") or 0) + int(row.get("anonymous") or 0), "goal": goal}
    return totals


def site_totals(currency: str = "EUR") -> dict:
    """The home page's figures: money raised in the NGO's main currency, and distinct donors overall."""
    raised = LedgerEntry.objects.filter(currency=currency).aggregate(total=Sum("amount"))["total"] or 0
    donors = (Donation.objects.filter(entries__kind="payment").exclude(donor=None)
              .values("donor").distinct().count()
              + Donation.objects.filter(entries__kind="payment", donor=None).distinct().count())
    return {"raised": int(raised), "currency": currency, "donors": donors}
