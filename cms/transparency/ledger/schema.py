"""`publicLedger` in the public GraphQL API (no token: everything in it is published on the site anyway).

It answers the log as the latest checkpoint signed it: `size`, the lines from seq `after` (at most
LEDGER_PAGE_SIZE per request), every checkpoint note with a size above `checkpointsAfter`, and the verifier
key. Reading never writes: if the log was never synced the answer is an empty log (size 0), and the site
build publishes that.
"""

from __future__ import annotations

import graphene
from django.conf import settings
from graphql import GraphQLError

MAX_CHECKPOINTS = 100000


class PublicLedger(graphene.ObjectType):
    size = graphene.Int(required=True, description="Entries in the log, as its latest checkpoint signed it.")
    origin = graphene.String(required=True)
    verifier_key = graphene.String(required=True, description="C2SP signed-note verifier key (Ed25519).")
    entries = graphene.List(graphene.NonNull(graphene.String), required=True,
                            description="Canonical JSON lines, from seq `after`, in order.")
    checkpoints = graphene.List(graphene.NonNull(graphene.String), required=True,
                                description="Signed checkpoint notes (size > checkpointsAfter), oldest first.")
    checkpoint_sizes = graphene.List(graphene.NonNull(graphene.Int), required=True)


class PublicLedgerQuery(graphene.ObjectType):
    public_ledger = graphene.Field(
        PublicLedger, required=True, after=graphene.Int(default_value=0), first=graphene.Int(),
        checkpoints_after=graphene.Int(default_value=-1),
        description="The public ledger (issue 14): anonymised entries and signed checkpoints.")

    def resolve_public_ledger(self, info, after=0, first=None, checkpoints_after=-1, **kwargs):
        from .models import Checkpoint, PublicEntry
        from .sync import verifier_key

        limit = settings.LEDGER_PAGE_SIZE
        if after < 0 or (first is not None and not 0 <= first <= limit) or checkpoints_after < -1:
            raise GraphQLError(f"after >= 0, 0 <= first <= {limit}, checkpointsAfter >= -1")
        first = limit if first is None else first
        latest = Checkpoint.objects.order_by("-size").values_list("size", flat=True).first() or 0
        lines = list(PublicEntry.objects.filter(seq__gte=after, seq__lt=latest).order_by("seq")
                     .values_list("line", flat=True)[:first])
        rows = list(Checkpoint.objects.filter(size__gt=checkpoints_after).order_by("size")
                    .values_list("size", "note")[:MAX_CHECKPOINTS])
        return PublicLedger(size=latest, origin=settings.LEDGER_ORIGIN, verifier_key=verifier_key(),
                            entries=lines, checkpoints=[note for _size, note in rows],
                            checkpoint_sizes=[size for size, _note in rows])
