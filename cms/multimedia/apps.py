from django.apps import AppConfig


class MultimediaConfig(AppConfig):
    name = "cms.multimedia"
    label = "multimedia"
    verbose_name = "Multimédia"
