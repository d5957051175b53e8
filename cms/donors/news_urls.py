"""/donate/nouvelles/…: the project news' one-click unsubscribe (unsubscribe.py), namespace `donor_news`."""

from django.urls import re_path

from . import unsubscribe

app_name = "donor_news"
urlpatterns = [
    re_path(r"^desabonnement/(?P<token>[^/]{1,300})/$", unsubscribe.unsubscribe, name="unsubscribe"),
]
