"""Models of the donor space and the donor e-mails (the donor themselves is `donations.Donor`)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class MailPreferences(models.Model):
    """Which e-mails a donor chose to get (the donor space edits it). A donor without a row gets every
    e-mail (the defaults). Messages about money that moved or must move (a failed or ended monthly gift, a
    cancelled receipt) and the sign-in link are always sent."""

    donor = models.OneToOneField("donations.Donor", on_delete=models.CASCADE, related_name="mail_preferences")
    gift_thanks = models.BooleanField(_("remerciement après chaque don ponctuel"), default=True)
    monthly_thanks = models.BooleanField(_("confirmation de chaque mensualité"), default=True)
    # Opt-in (False by default): set by the donation form's checkbox once the gift is paid, turned off by the
    # one-click unsubscribe link of each news e-mail (cms/donors/news.py).
    project_news = models.BooleanField(_("nouvelles des projets que je soutiens"), default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("préférences d'e-mail")
        verbose_name_plural = _("préférences d'e-mail")

    def __str__(self):
        return f"Préférences du donateur n° {self.donor_id}"

    @classmethod
    def of(cls, donor) -> "MailPreferences":
        """The donor's preferences (unsaved defaults when they never chose)."""
        try:
            return donor.mail_preferences
        except cls.DoesNotExist:
            return cls(donor=donor)


class SentEmail(models.Model):
    """The log of every e-mail to a donor, one row per message, written when it is queued (so a message
    that never leaves is still seen) and updated by the worker's task: sent, or failed after its retries
    with the last error. The staff's donor desk lists a donor's rows.

    `context` and `attachments` (base64) hold what the task needs to render and send the message; they are
    emptied once the message is sent or has failed for good, so the log keeps no copy of a receipt or a link."""

    QUEUED, SENT, FAILED = "queued", "sent", "failed"
    STATUSES = [(QUEUED, _("en attente d'envoi")), (SENT, _("envoyé")), (FAILED, _("échec"))]

    donor = models.ForeignKey("donations.Donor", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="sent_emails")
    kind = models.CharField(_("type"), max_length=40)
    recipient = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=300, blank=True)
    status = models.CharField(_("état"), max_length=8, choices=STATUSES, default=QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    error = models.TextField(_("erreur"), blank=True)
    context = models.JSONField(default=dict, blank=True)
    attachments = models.JSONField(default=list, blank=True)
    # A project news e-mail: the announcement it belongs to (its send report, cms/donors/news.py)
    announcement = models.ForeignKey("donors.UpdateAnnouncement", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="emails")
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True, db_index=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = _("e-mail envoyé")
        verbose_name_plural = _("e-mails envoyés")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"E-mail n° {self.pk} ({self.kind})"  # never the address: __str__ ends up in logs


# --- the donor space (cms/donors/space/) ------------------------------------------------------------------

class SignInLink(models.Model):
    """One sign-in link of the donor space, e-mailed to a donor. Only the SHA-256 of its random token is
    stored: a copy of this table (a backup, a leak) signs no one in. A link works once (`used_at`) and for
    `DONOR_SIGN_IN_MINUTES` (`expires_at`)."""

    donor = models.ForeignKey("donations.Donor", on_delete=models.CASCADE, related_name="sign_in_links")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lien de connexion")
        verbose_name_plural = _("liens de connexion")

    def __str__(self):
        return f"Lien de connexion n° {self.pk}"  # never the token, the donor's name or e-mail


class Erasure(models.Model):
    """A donor who asked to be forgotten (RGPD, article 17): their personal data were replaced, their
    accounting rows and receipts kept. The row remains, without personal data, so that the space refuses
    the erased donor's open sessions and staff can see that the erasure took place and when."""

    donor = models.OneToOneField("donations.Donor", on_delete=models.PROTECT, related_name="erasure")
    erased_at = models.DateTimeField(auto_now_add=True)
    canceled_subscriptions = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("effacement RGPD")
        verbose_name_plural = _("effacements RGPD")

    def __str__(self):
        return f"Effacement du donateur n° {self.donor_id}"


class UpdateAnnouncement(models.Model):
    """A project update announced by e-mail to the project's donors (cms/donors/news.py). The update's id is
    unique: an update is announced once, whatever the number of publishes. The figures of the send report
    are read from `SentEmail` (the rows whose context names this announcement)."""

    update_id = models.PositiveIntegerField(unique=True)
    project = models.ForeignKey("projects.ProjectPage", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    title = models.CharField(_("titre"), max_length=160)
    recipients = models.PositiveIntegerField(_("destinataires"), default=0)
    created_at = models.DateTimeField(_("annoncée le"), auto_now_add=True)

    class Meta:
        verbose_name = _("annonce d'une nouvelle")
        verbose_name_plural = _("annonces des nouvelles")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        return f"Annonce n° {self.pk} : {self.title}"
