from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "cms.api"
    label = "api"
    verbose_name = "API GraphQL"

    def ready(self):
        from .stream_json import install

        install()  # the StreamFields' JSON twins (bodyJson…), before grapple reads the models' fields
