"""One row per build of the public site: what asked for it, what it wrote, how long it took, what failed.

Requests are coalesced: while a build waits in the queue, every new request joins it (its pages and reasons
are merged), so a burst of publishes makes one build, or two if a build is already running. A partial unique
constraint allows one queued build at a time, whatever the number of CMS processes.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q


class SiteBuild(models.Model):
    QUEUED, RUNNING, SUCCEEDED, FAILED = "queued", "running", "succeeded", "failed"
    STATUSES = [(QUEUED, "En attente"), (RUNNING, "En cours"), (SUCCEEDED, "Réussie"), (FAILED, "Échouée")]

    status = models.CharField(max_length=10, choices=STATUSES, default=QUEUED, db_index=True)
    full = models.BooleanField("reconstruction complète", default=False)
    kind = models.CharField(max_length=12, blank=True, help_text="incremental, full or netlify: what ran")
    reasons = models.JSONField(default=list, help_text="What asked for it, newest last (at most 50).")
    page_ids = models.JSONField(default=list, help_text="Pages to pull again even if their version is unchanged.")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    requests = models.PositiveIntegerField(default=1, help_text="How many requests this build answers.")
    requested_at = models.DateTimeField(auto_now_add=True)
    last_requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    pages_written = models.PositiveIntegerField(default=0)
    files_written = models.PositiveIntegerField(default=0)
    files_deleted = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, help_text="Pages that failed to render or to load, by name.")
    warnings = models.JSONField(default=list)
    deploy_id = models.CharField("déploiement Netlify", max_length=64, blank=True,
                                 help_text="The Netlify deploy this build went live as (API deploys only).")

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = "construction du site"
        verbose_name_plural = "constructions du site"
        constraints = [models.UniqueConstraint(fields=["status"], condition=Q(status="queued"),
                                               name="publishing_one_queued_build")]

    def __str__(self):
        return f"build #{self.pk} ({self.status})"

    @property
    def summary(self) -> str:
        first = self.reasons[0] if self.reasons else "?"
        more = len(self.reasons) - 1
        return first + (f" (+ {more} autre{'s' if more > 1 else ''})" if more > 0 else "")
