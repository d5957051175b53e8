from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    """French tax receipts (reçus fiscaux): numbering, the PDF, cancellations, yearly summaries, the tax
    office's figures."""

    name = "cms.receipts"
    label = "receipts"
    verbose_name = "Reçus fiscaux"

    def ready(self):
        from cms.donations.signals import refund_recorded

        from .tasks import on_refund_recorded

        refund_recorded.connect(on_refund_recorded, dispatch_uid="receipts-cancel-for-refund")
