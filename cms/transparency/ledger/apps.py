from django.apps import AppConfig


class PublicLedgerConfig(AppConfig):
    """The public ledger anyone can verify: an append-only RFC 6962 log of every payment, refund, approved
    disbursement and grant, with signed C2SP checkpoints (issue 14 §3)."""

    name = "cms.transparency.ledger"
    label = "public_ledger"
    verbose_name = "Registre public"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from .receivers import connect

        connect()
