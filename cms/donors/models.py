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
