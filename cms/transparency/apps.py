from django.apps import AppConfig


class TransparencyConfig(AppConfig):
    """Money spent per project (disbursements recorded by one person, approved by another), grants and
    their funder reports."""

    name = "cms.transparency"
    label = "transparency"
    verbose_name = "Transparence"

    def ready(self):
        from wagtail.models import ReferenceIndex

        from . import guards, publishing
        from .models import Disbursement, Grant

        guards.connect()
        publishing.connect()
        # In Wagtail's reference index from the start (not only once the admin's URLs are loaded): a project
        # page with spending or grants cannot be deleted (PROTECT), and its delete view says why.
        ReferenceIndex.register_model(Disbursement)
        ReferenceIndex.register_model(Grant)
