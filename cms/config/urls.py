"""Routes of the CMS: the admin, the GraphQL API (the one contract with every reader), media in dev."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from api.views import graphql_view
from publishing import views as publishing_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("graphql/", graphql_view, name="graphql"),
    path("donate/", include("donations.urls")),
    # The editor's preview: the draft rendered by the site's theme, and the theme files it links to.
    path("preview/", publishing_views.preview_page, name="preview"),
    path("theme/<path:path>", publishing_views.theme_asset, name="preview_theme_asset"),
]
if settings.STORAGES["default"]["BACKEND"] != "django.core.files.storage.FileSystemStorage":
    # Media on S3: previews link the /media/ paths the built site copies them to (publishing/views.py).
    urlpatterns += [path("media/<path:path>", publishing_views.media_redirect, name="preview_media")]
elif (settings.DEBUG or getattr(settings, "SERVE_MEDIA", False)) and settings.MEDIA_URL.startswith("/"):
    # Local media for the demo and tests; production serves media from the web server.
    urlpatterns += [re_path(r"^%s(?P<path>.*)$" % settings.MEDIA_URL.lstrip("/"), serve,
                            {"document_root": settings.MEDIA_ROOT})]
urlpatterns += [path("", include(wagtail_urls))]
