from django.apps import AppConfig


class StoriesConfig(AppConfig):
    name = "cms.stories"
    label = "stories"
    verbose_name = "Histoires"
