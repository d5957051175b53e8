from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """Money spent per project (disbursements recorded by one person, approved by another), grants and
    their funder reports."""

    name = "cms.transparency"
    label = "transparency"
    verbose_name = "Transparence"

    def ready(self):
        from . import guards, publishing

        guards.connect()
        publishing.connect()
