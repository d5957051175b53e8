"""The public ledger's rows: what the site publishes under /transparence/registre/, and nothing else.

- `PublicEntry`: one line of the log. `seq` is its position (0-based, gap-free, unique), `source` the money
  movement it records ("payment:<donations.LedgerEntry id>", "refund:<id>", "disbursement:<id>",
  "grant:<id>", unique: a movement is in the log once), `line` the canonical JSON published byte for byte,
  `leaf_hash` its RFC 6962 leaf hash (hex).
- `Checkpoint`: a signed tree head (C2SP tlog-checkpoint) per size the log reached; `note` is the whole signed
  text, `frontier` the hashes of the tree's right edge, so the next sync hashes only what it appends.

Both are append-only: a published line or checkpoint that changed would be exactly the tampering the
verifier exists to catch. `save()` refuses an update, `delete()` and the querysets' `update()`/`delete()`
refuse outright; the admin has no screen for them.
"""

from django.db import models


class AppendOnly(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly(f"{self.model.__name__} rows are never changed")

    def delete(self):
        raise AppendOnly(f"{self.model.__name__} rows are never deleted")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly(f"{type(self).__name__} rows are never changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly(f"{type(self).__name__} rows are never deleted")


class PublicEntry(AppendOnlyModel):
    seq = models.PositiveBigIntegerField(unique=True)
    source = models.CharField(max_length=80, unique=True)
    ledger_id = models.BigIntegerField(null=True, blank=True, db_index=True,
                                       help_text="donations.LedgerEntry id (payments and refunds)")
    line = models.TextField()
    leaf_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        verbose_name = "écriture du registre public"
        verbose_name_plural = "registre public"

    def __str__(self):
        return f"écriture {self.seq} ({self.source})"


class Checkpoint(AppendOnlyModel):
    size = models.PositiveBigIntegerField(unique=True)
    root_hash = models.CharField(max_length=64)
    note = models.TextField()
    frontier = models.JSONField(default=list, help_text="[[height, hex hash], …] of the tree's right edge")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["size"]
        verbose_name = "point de contrôle du registre"

    def __str__(self):
        return f"point de contrôle {self.size}"
