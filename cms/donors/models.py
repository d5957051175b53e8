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
