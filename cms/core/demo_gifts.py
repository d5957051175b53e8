"""The demo's gift history (content/gifts.yaml): believable money raised, recorded like real gifts.

Why: without it every project of the demo reads "0 € collectés (0 %)", which is not what a living NGO's
pages look like, and the totals, the progress bars and the staff's reports have nothing to show.

What it guarantees:
- The rows are the real thing: one `Donation` per gift and one `LedgerEntry` per payment (each month's
  payment of a monthly gift is a row of its own), so `ledger.project_totals()`, `/donate/totals.json`, the
  GraphQL totals and the built pages read them like any other gift.
- They are marked as demo data with existing fields (no schema change): `Donation.source == "demo"`, no
  donor (anonymous: no personal data, real or invented), and every ledger row's Stripe id starts with
  `demo_` (`demo_pi_…` for a one-off gift, `demo_in_…` for a monthly payment). No Stripe id is stored on
  the donation itself, so nothing ever asks Stripe about them.
- Deterministic and idempotent: the same file and the same projects give the same rows, whatever the day;
  a second load adds nothing (a fingerprint of the file and of the projects' goals and dates is kept).
  When either changes, the demo rows, and only they, are replaced.
"""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from cms.core.models import ContentFingerprint

SOURCE = "demo"
PREFIX = "demo_"
FINGERPRINT_KEY = "gifts:demo"
EUR_TO_CFA = 655.957  # the fixed parity of the CFA francs (XOF, XAF)


def _minor(euros: int, currency: str) -> int:
    """A demo amount in euros, in the project's currency's minor units (CFA francs rounded to 500)."""
    if currency in ("XOF", "XAF"):
        return max(500, int(round(euros * EUR_TO_CFA / 500)) * 500)
    return euros * 100


def _weighted(table: dict) -> tuple[list[int], list[int]]:
    items = sorted((int(k), int(v)) for k, v in table.items())
    return [k for k, _ in items], [v for _, v in items]


def _moment(rng: random.Random, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(7, 22), rng.randint(0, 59), rng.randint(0, 59)),
                               tzinfo=dt.timezone.utc)


def _window(project, until: dt.date) -> tuple[dt.date, dt.date]:
    """When this project's gifts came in: from a quarter before its start (the appeal opens before the
    work) until its end if it is completed, else until the history's last day."""
    start = project.start_date or (until - dt.timedelta(days=365))
    first = start - dt.timedelta(days=90)
    last = project.end_date if project.status == "completed" and project.end_date else until
    last = min(last, until)
    if first >= last:
        first = last - dt.timedelta(days=120)
    return first, last


def plan(spec: dict, projects: list) -> list[dict]:
    """The gifts to record: [{donation fields..., "entries": [{stripe_object, amount, occurred_at}]}]."""
    until = spec["until"]
    once_values, once_weights = _weighted(spec["once_amounts"])
    monthly_values, monthly_weights = _weighted(spec["monthly_amounts"])
    monthly_share = float(spec.get("monthly_share", 0))
    gifts = []
    for project in sorted(projects, key=lambda p: p.slug):
        pct = (spec.get("funded") or {}).get(project.slug)
        if not pct or not project.goal_amount:
            continue
        rng = random.Random(f"{spec['seed']}:{project.slug}")
        target = project.goal_amount * int(pct) // 100
        first, last = _window(project, until)
        span = (last - first).days
        floor, ceiling = _minor(min(once_values), project.currency), _minor(max(once_values), project.currency)
        stem = f"{project.slug[:34]}"
        raised, n = 0, 0
        while raised < target:
            n += 1
            remaining = target - raised
            start = first + dt.timedelta(days=rng.randint(0, span))
            monthly = rng.random() < monthly_share and (last - start).days >= 30 and remaining > 6 * floor
            if monthly:
                each = _minor(rng.choices(monthly_values, monthly_weights)[0], project.currency)
                months = min((last - start).days // 30 + 1, max(1, (remaining - floor) // each))
                entries = [{"stripe_object": f"{PREFIX}in_{stem}_{n:04d}_{k:02d}", "amount": each,
                            "occurred_at": _moment(rng, start + dt.timedelta(days=30 * k))} for k in range(months)]
            else:
                amount = _minor(rng.choices(once_values, once_weights)[0], project.currency)
                if remaining - amount < floor:  # the last gift completes the target exactly (within 10-500 €)
                    amount = remaining if remaining <= ceiling else remaining - floor
                entries = [{"stripe_object": f"{PREFIX}pi_{stem}_{n:04d}", "amount": amount,
                            "occurred_at": _moment(rng, start)}]
            raised += sum(e["amount"] for e in entries)
            ongoing = monthly and project.status != "completed" and entries[-1]["occurred_at"].date() > last - dt.timedelta(days=31)
            gifts.append({
                "project": project, "frequency": "monthly" if monthly else "once", "amount": entries[0]["amount"],
                "status": ("active" if ongoing else "canceled") if monthly else "succeeded",
                "created_at": entries[0]["occurred_at"],
                "canceled_at": None if not monthly or ongoing else entries[-1]["occurred_at"] + dt.timedelta(days=20),
                "entries": entries,
            })
    return gifts


def _digest(spec: dict, projects: list) -> str:
    from cms.core.content_loader import _digest as digest

    return digest(spec, sorted((p.slug, p.goal_amount, p.currency, p.status, p.start_date, p.end_date)
                               for p in projects))


def demo_rows():
    """The demo's donations and ledger rows (and nothing else: real gifts never match both marks)."""
    from cms.donations.models import Donation, LedgerEntry

    donations = Donation.objects.filter(source=SOURCE, donor__isnull=True)
    return donations, LedgerEntry.objects.filter(donation__in=donations, stripe_object__startswith=PREFIX)


def _distinct_references(made: list) -> None:
    """Each new donation's random reference drawn again until it is unique: thousands of demo gifts in one
    insert would otherwise collide about once in 150 loads (31**6 values), and a bulk insert cannot retry."""
    from cms.donations.models import Donation, new_reference

    taken = set(Donation.objects.values_list("reference", flat=True))
    for donation in made:
        while donation.reference in taken:
            donation.reference = new_reference()
        taken.add(donation.reference)


@transaction.atomic
def load(spec: dict, projects: list) -> int:
    """Record the demo history; 0 when it is already there as planned, else the number of gifts written."""
    from cms.donations.models import Donation, LedgerEntry

    digest = _digest(spec, projects)
    donations, entries = demo_rows()
    if ContentFingerprint.objects.filter(key=FINGERPRINT_KEY, digest=digest).exists() and donations.exists():
        return 0
    entries.delete()
    donations.filter(entries__isnull=True).delete()
    gifts = plan(spec, projects)
    made = []
    for gift in gifts:
        project = gift["project"]
        made.append(Donation(project=project, project_slug=project.slug, kind="gift", frequency=gift["frequency"],
                             amount=gift["amount"], currency=project.currency, source=SOURCE,
                             status=gift["status"], canceled_at=gift["canceled_at"]))
    _distinct_references(made)
    Donation.objects.bulk_create(made, batch_size=500)
    for donation, gift in zip(made, gifts):
        donation.created_at = donation.updated_at = gift["created_at"]  # auto_now_add set "now" on insert
    Donation.objects.bulk_update(made, ["created_at", "updated_at"], batch_size=500)
    LedgerEntry.objects.bulk_create([
        LedgerEntry(donation=donation, kind="payment", amount=e["amount"], currency=donation.currency,
                    project=gift["project"], project_slug=donation.project_slug, frequency=donation.frequency,
                    donation_kind="gift", stripe_object=e["stripe_object"], occurred_at=e["occurred_at"])
        for donation, gift in zip(made, gifts) for e in gift["entries"]], batch_size=1000)
    ContentFingerprint.objects.update_or_create(key=FINGERPRINT_KEY, defaults={"digest": digest})
    from django.core.cache import cache

    transaction.on_commit(lambda: cache.delete("donate-totals"))  # the live totals' cache (ledger.py)
    return len(gifts)
