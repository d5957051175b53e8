from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "cms.donations"
    label = "donations"
    verbose_name = "Dons"

    def ready(self):
        from . import live_projects

        live_projects.connect_signals()
