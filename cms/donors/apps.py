from django.apps import AppConfig


class DonorsConfig(AppConfig):
    """After the gift: the donor's e-mails, the donor space (/donate/espace/) and the staff's donor desk."""

    name = "cms.donors"
    label = "donors"
    verbose_name = "Donateurs"

    def ready(self):
        # The books' signals (cms/donations/signals.py) -> the donors' e-mails, queued for the worker.
        from . import news
        from .notices import connect

        connect()
        news.connect()  # project news: the opt-in once a gift is paid, the announcement on publish
