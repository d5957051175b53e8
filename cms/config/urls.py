"""Routes of the CMS: the admin, the GraphQL API (the one contract with every reader), media in dev, and
redirects from page paths to the public site."""

from django.conf import settings
from django.urls import include, path, re_path
from django.views.static import serve
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from cms.api.views import graphql_view
from cms.core import views as core_views
from cms.publishing import views as publishing_views

urlpatterns = [
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("graphql/", graphql_view, name="graphql"),
    path("donate/espace/", include("cms.donors.space.urls")),  # the donor space (donors/space/)
    path("donate/nouvelles/", include("cms.donors.news_urls")),  # project news: one-click unsubscribe
    path("donate/", include("cms.donations.urls")),
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
urlpatterns += [
    # Pages are read on the static site: the CMS's address leads to the admin, a page path to that page on
    # SITE_BASE_URL, anything else to a plain 404 (core/views.py). This replaces Wagtail's page serving
    # (wagtail.urls), which would render page templates that do not exist; the route keeps Wagtail's name
    # because Wagtail reverses it (the link chooser, the URL of a page type without PublicSiteURLMixin).
    path("", core_views.cms_root, name="cms_root"),
    re_path(r"^(.*)$", core_views.page_path, name="wagtail_serve"),
]
