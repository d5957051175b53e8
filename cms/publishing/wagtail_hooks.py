"""Admin entries: "Publication du site" (recent builds, and "rebuild everything" for administrators)."""

from django.urls import path, reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import views


@hooks.register("register_admin_urls")
def register_publishing_urls():
    return [
        path("publication/", views.builds_panel, name="publishing_builds"),
        path("publication/tout-reconstruire/", views.rebuild_everything, name="publishing_rebuild"),
    ]


@hooks.register("register_admin_menu_item")
def register_publishing_menu_item():
    return MenuItem("Publication du site", reverse("publishing_builds"), icon_name="globe", order=900)
