"""How a gift is recorded: exactly once, whatever Stripe sends, in whatever order, however often.

Every entry is keyed by the Stripe object that moved the money (`pi_…` for a one-off gift, `in_…` for each
monthly payment, `re_…` for a refund) under a unique constraint. Recording is "insert, and if that key
exists already, do nothing", inside the caller's transaction: twenty concurrent deliveries of one event
make one row, and a crash half-way leaves no row at all.

A payment's refunds never add up to more than the payment (`record_refund` says how), so no project's
total can go below zero.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid

from django.db import transaction
from django.db.models import Case, Count, Q, Sum, Value, When
from django.utils import timezone

from cms.projects.models import ProjectPage

from . import signals
from .insert_or_nothing import insert_or_nothing
from .models import Donation, LedgerEntry

log = logging.getLogger(__name__)
SLUG = re.compile(r"[-a-zA-Z0-9_]{0,255}")  # Donation.project_slug (empty: the general fund)


def when(timestamp) -> dt.datetime:
    """Stripe's `created` (seconds since 1970, checked by the webhook reader), or now."""
    if timestamp:
        return dt.datetime.fromtimestamp(int(timestamp), tz=dt.timezone.utc)
    return timezone.now()


def find_donation(metadata: dict, **stripe_ids) -> Donation | None:
    """The donation a Stripe object belongs to: the one its metadata names (`donation`, our id), else the
    newest one holding the given Stripe id (`stripe_payment_intent=…`, in the order given). One query: each
    way of matching is ranked, the best match wins."""
    query = find_donation_query(metadata, **stripe_ids)
    return None if query is None else query.first()


def find_donation_query(metadata: dict, **stripe_ids):
    """find_donation's query (its first row is the match), or None when nothing could match."""
    ways = []
    donation_id = (metadata or {}).get("donation")
    if donation_id:
        try:
            ways.append(Q(pk=uuid.UUID(str(donation_id))))
        except ValueError:
            pass
    ways += [Q(**{field: value}) for field, value in stripe_ids.items() if value]
    if not ways:
        return None
    rank = Case(*(When(way, then=Value(n)) for n, way in enumerate(ways)), default=Value(len(ways)))
    matched = ways[0]
    for way in ways[1:]:
        matched |= way
    return Donation.objects.filter(matched).order_by(rank, "-created_at")


def rebuilt_donation(metadata: dict, amount: int, currency: str, *, status: str = "pending", warn: bool = True,
                     **stripe_ids) -> Donation:
    """The unsaved Donation that donation_from_metadata writes, its project not looked up yet (only its
    checked `project_slug`): the PostgreSQL fast path (fast_intake.py) looks it up in its own statement."""
    metadata = metadata or {}
    slug = metadata.get("project") or ""
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        if warn:
            warn_slug(slug, stripe_ids)
        slug = ""
    donation_id = metadata.get("donation")
    try:
        pk = uuid.UUID(str(donation_id)) if donation_id else uuid.uuid4()
    except ValueError:
        pk = uuid.uuid4()
    fee = metadata.get("fee")
    fee = int(fee) if isinstance(fee, str) and fee.isascii() and fee.isdigit() and len(fee) < 13 \
        and int(fee) < amount else 0
    kind = metadata.get("kind") if metadata.get("kind") in ("gift", "sponsorship") else "gift"
    frequency = metadata.get("frequency") if metadata.get("frequency") in ("once", "monthly") else (
        "monthly" if stripe_ids.get("stripe_subscription") else "once")
    return Donation(pk=pk, project_id=None, project_slug=slug, kind=kind, frequency=frequency,
                    amount=max(amount - fee, 1), fee=fee, currency=currency.upper(), source="stripe",
                    status=status, **{k: v for k, v in stripe_ids.items() if v})


def warn_slug(slug, stripe_ids: dict) -> None:
    log.warning("payment %s: project %r in its metadata is not a slug; recorded to the general fund",
                next(iter(stripe_ids.values()), ""), str(slug)[:80])


def project_query(slug: str):
    """The project page of a slug (live or not), as a one-column QuerySet (ProjectPage.objects' own lookup)."""
    return ProjectPage.objects.filter(slug=slug).order_by("pk").values_list("pk", flat=True)


def donation_from_metadata(metadata: dict, amount: int, currency: str, *, status: str = "pending",
                           **stripe_ids) -> tuple[Donation, bool]:
    """A payment Stripe says succeeded but we have no record of (made elsewhere, or our request died
    before saving): rebuild the donation from what we put in its metadata, so the money is never lost.
    Metadata can be edited in Stripe's dashboard, so each value is checked against its column and choices;
    one that does not fit is replaced by the default (the money is still recorded) and logged.

    Returns (donation, created). A new row is written with `status` at once (the caller's event says what
    the payment became), so it needs no second statement; when it existed already (`created` False) the
    caller updates it as it would any donation it found."""
    donation = rebuilt_donation(metadata, amount, currency, status=status, **stripe_ids)
    if donation.project_slug:
        donation.project_id = project_query(donation.project_slug).first()
    if insert_or_nothing(donation, key="id"):
        return donation, True
    return Donation.objects.get(pk=donation.pk), False  # written meanwhile (by a concurrent event of the same gift)


def totals_changed() -> None:
    from django.core.cache import cache

    transaction.on_commit(lambda: cache.delete("donate-totals"))


def _insert_once(**fields) -> bool:
    """Insert a ledger row; False (and nothing written) when its Stripe object is in the books already.
    One `INSERT … ON CONFLICT (stripe_object) DO NOTHING`: a duplicate raises nothing, so the caller's
    transaction stays usable without a savepoint; any other constraint (the sign rule) still raises.
    A new row is announced (signals.py) once the transaction commits."""
    entry = LedgerEntry(**fields)
    if not insert_or_nothing(entry, key="stripe_object"):
        return False
    totals_changed()
    signals.send_on_commit(signals.payment_recorded if entry.kind == "payment" else signals.refund_recorded,
                           entry=entry)
    return True


def record_payment(*, donation: Donation, stripe_object: str, amount: int, currency: str, occurred,
                   stripe_charge: str = "", stripe_event: str = "") -> bool:
    if amount <= 0:
        return False
    return _insert_once(
        donation=donation, kind="payment", amount=amount, currency=currency.upper(),
        project_id=donation.project_id, project_slug=donation.project_slug, frequency=donation.frequency,
        donation_kind=donation.kind, stripe_object=stripe_object, stripe_charge=stripe_charge or "",
        stripe_event=stripe_event, occurred_at=when(occurred))


def refund_key(original: LedgerEntry) -> str:
    """What ties refund rows to the payment they take back (their `stripe_charge` column, "Paiement Stripe"
    in the exports): the payment's charge, or the payment itself when Stripe gave no charge id."""
    return original.stripe_charge or original.stripe_object


def refunded(original: LedgerEntry) -> int:
    """Minor units refunded so far on this payment (a positive number)."""
    total = (LedgerEntry.objects.filter(kind="refund", stripe_charge=refund_key(original))
             .aggregate(total=Sum("amount"))["total"]) or 0
    return -total


def record_refund(*, original: LedgerEntry, stripe_object: str, amount: int, occurred,
                  stripe_event: str = "", cumulative: bool = False) -> bool:
    """Record money given back on a payment: a negative row of its own, keyed by the refund (`re_…`).

    What a ledger must never show is a payment refunded more than it was paid: Stripe cannot refund more
    than it charged, so such an event is forged, corrupted, or a sign that our payment row is short. So:
    - a refund of 0 writes no row (it moved no money, and a zero row would break the sign rule on every
      retry): False;
    - a refund larger than what remains refundable on its payment is recorded for what remains (the books
      stay true to the most Stripe can have refunded) and the excess is refused, with an ERROR log line
      giving the objects and the figures, for the staff to check against Stripe; when nothing remains,
      nothing is written;
    - `cumulative=True` (old API versions, which only give the charge's refunded total): the amount is
      the total refunded so far, and the row records only what is new since the rows already written.
    The payment's row is locked (SELECT … FOR UPDATE on PostgreSQL) while the remainder is computed, so
    two refunds delivered at once cannot both take its last euro. Returns True when a row was written."""
    locked = LedgerEntry.objects.select_for_update().filter(pk=original.pk).first() or original
    # One query for both: is this refund in the books already, and how much was refunded so far.
    figures = (LedgerEntry.objects.filter(Q(stripe_object=stripe_object)
                                          | Q(kind="refund", stripe_charge=refund_key(locked)))
               .aggregate(seen=Count("pk", filter=Q(stripe_object=stripe_object)),
                          total=Sum("amount", filter=Q(kind="refund", stripe_charge=refund_key(locked)))))
    if figures["seen"]:
        return False  # a redelivery: recorded (or capped) already
    already = -(figures["total"] or 0)  # as refunded(locked) counts it
    asked = amount - already if cumulative else amount
    remaining = locked.amount - already
    if asked <= 0:
        return False
    if asked > remaining:
        log.error("refund %s of %s asks %s %s but only %s of the %s paid remain refundable: %s recorded, "
                  "the excess refused (check it in Stripe)", stripe_object, locked.stripe_object, asked,
                  locked.currency, max(remaining, 0), locked.amount, max(remaining, 0))
        asked = remaining
        if asked <= 0:
            return False
    return _insert_once(
        donation_id=locked.donation_id, kind="refund", amount=-asked, currency=locked.currency,
        project_id=locked.project_id, project_slug=locked.project_slug, frequency=locked.frequency,
        donation_kind=locked.donation_kind, stripe_object=stripe_object, stripe_charge=refund_key(locked),
        stripe_event=stripe_event, occurred_at=when(occurred))


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
