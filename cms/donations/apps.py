from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "cms.donations"
    label = "donations"
    verbose_name = "Dons"

    def ready(self):
        from . import live_projects, wall

        live_projects.connect_signals()
        wall.connect_signals()  # a name that appears or leaves the donor wall asks for a site build
