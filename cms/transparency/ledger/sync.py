"""Bringing the public ledger up to date: every money movement not yet in the log is appended exactly once,
in a fixed order, then a new checkpoint is signed.

Order: the donations' LedgerEntry rows (payments and refunds) by id, then approved disbursements, then
grants (the transparency app's models, when that app is installed). Exactly once is kept by the database:
`source` and `seq` are unique, and the whole sync runs in one transaction holding the ledger's lock (a
PostgreSQL advisory lock; SQLite's IMMEDIATE transactions already let one writer in at a time), so two
workers syncing at once append each movement once and `seq` stays gap-free.

Runs in the publishing worker (tasks.py), never in a webhook; asks for a site build once it appended.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, OuterRef

from site_builder import verify_ledger as tlog

from . import entries
from .models import Checkpoint, PublicEntry

log = logging.getLogger(__name__)
LOCK_KEY = 0x76646C67  # "vdlg": the advisory lock of the ledger's writers
BATCH = 2000


def _lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])


def _other_sources():
    """(prefix, queryset) of the transparency app's public records, when that app is installed."""
    found = []
    for prefix, model_name in (("disbursement", "Disbursement"), ("grant", "Grant")):
        try:
            model = apps.get_model("transparency", model_name)
        except LookupError:
            continue
        rows = model.objects.all()
        if prefix == "disbursement" or any(f.name == "status" for f in model._meta.get_fields()):
            rows = rows.filter(status="approved")  # four eyes: never public before approval
        found.append((prefix, rows.order_by("pk")))
    return found


def pending_movements():
    """(source, ledger id or None, public fields) of every movement not in the log yet, in log order."""
    from cms.donations.models import LedgerEntry

    done = PublicEntry.objects.filter(ledger_id=OuterRef("pk"))
    rows = (LedgerEntry.objects.select_related("donation").filter(~Exists(done)).order_by("pk"))
    for entry in rows.iterator(chunk_size=BATCH):
        yield f"{entry.kind}:{entry.pk}", entry.pk, entries.ledger_fields(entry)
    for prefix, queryset in _other_sources():
        known = set(PublicEntry.objects.filter(source__startswith=f"{prefix}:").values_list("source", flat=True))
        for obj in queryset.iterator(chunk_size=BATCH):
            source = f"{prefix}:{obj.pk}"
            if source not in known:
                yield source, None, entries.other_fields(obj, source)


def current_size() -> int:
    """Entries in the log: the latest checkpoint's size (written in the same transaction as its entries, so
    one indexed read instead of counting a million rows), checked against the entries after it."""
    size = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
    if PublicEntry.objects.filter(seq__gte=size).exists():  # never expected: entries without their checkpoint
        size = PublicEntry.objects.count()
    return size


def _frontier(size: int) -> list:
    """The right edge of the tree of `size` entries: from the checkpoint of that size, else from every leaf."""
    checkpoint = Checkpoint.objects.filter(size=size).first()
    if checkpoint is not None:
        return [(h, bytes.fromhex(x)) for h, x in checkpoint.frontier]
    leaves = (bytes.fromhex(h) for h in PublicEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)
              .iterator(chunk_size=10000))
    return tlog.frontier_extend([], leaves)


def sign(size: int, root: bytes) -> str:
    body = tlog.checkpoint_body(settings.LEDGER_ORIGIN, size, root)
    return tlog.sign_note(body, settings.LEDGER_ORIGIN, entries.signing_seed())


def sync() -> int:
    """Append what is missing and sign the new head. Returns the number of entries appended."""
    with transaction.atomic():
        _lock()
        size = current_size()
        frontier = _frontier(size)
        batch, appended = [], 0
        for source, ledger_id, fields in pending_movements():
            line = entries.line_of(size + appended, fields)
            leaf = tlog.leaf_hash(line.encode())
            batch.append(PublicEntry(seq=size + appended, source=source, ledger_id=ledger_id, line=line,
                                     leaf_hash=leaf.hex()))
            frontier = tlog.frontier_extend(frontier, [leaf])
            appended += 1
            if len(batch) >= BATCH:
                PublicEntry.objects.bulk_create(batch)
                batch = []
        if batch:
            PublicEntry.objects.bulk_create(batch)
        if appended or (size and not Checkpoint.objects.filter(size=size).exists()):
            new_size = size + appended
            root = tlog.frontier_root(frontier)
            Checkpoint.objects.create(size=new_size, root_hash=root.hex(), note=sign(new_size, root),
                                      frontier=[[h, x.hex()] for h, x in frontier])
            transaction.on_commit(lambda: _request_build(appended))
    if appended:
        log.info("public ledger: %s entries appended", appended)
    return appended


def _request_build(appended: int) -> None:
    from cms.publishing.queue import request_build

    request_build(f"registre public : {appended} écriture{'s' if appended > 1 else ''}")


def verifier_key() -> str:
    return tlog.vkey(settings.LEDGER_ORIGIN, tlog.public_key_bytes(entries.signing_seed()))
