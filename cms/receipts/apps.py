from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    """French tax receipts (reçus fiscaux): numbering, the PDF, cancellations, yearly summaries, the tax
    office's figures."""

    name = "cms.receipts"
    label = "receipts"
    verbose_name = "Reçus fiscaux"

    def ready(self):
        from cms.donations.signals import enqueue_on, refund_recorded

        from .tasks import cancel_receipt_for_refund

        # Queued with the refund's ledger row, in its transaction (cms/donations/task_rows.py).
        enqueue_on(refund_recorded, cancel_receipt_for_refund)
