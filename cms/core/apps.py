from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "cms.core"
    label = "core"
    verbose_name = "Site"

    def ready(self):
        from . import after_response

        after_response.connect()  # Wagtail's indexing tasks after the editor's response (after_response.py)
