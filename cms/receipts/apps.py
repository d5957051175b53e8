from django.apps import AppConfig


class ReceiptsConfig(AppConfig):
    """French tax receipts (reçus fiscaux): numbering, the PDF, cancellations, yearly summaries, the tax
    office's figures."""

    name = "cms.receipts"
    label = "receipts"
    verbose_name = "Reçus fiscaux"
