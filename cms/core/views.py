"""What the CMS answers outside the admin, the API and giving: it edits pages, the static site shows them.

The CMS's own address (`/`) leads editors to the admin. A page path (`/histoires/x/`) is answered with a
302 to the same page on the public site (settings.SITE_BASE_URL), so an old link or a link copied from a
preview still lands on the page; Wagtail's own page serving would render templates the pages do not have
(500 TemplateDoesNotExist). Anything else is a plain 404, which Wagtail's redirects middleware
(wagtail.contrib.redirects) still turns into the redirect an editor configured for that path.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseNotFound, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import Resolver404, resolve
from wagtail.models import Page, Site


def cms_root(request):
    return redirect("wagtailadmin_home")


def page_path(request, path: str = ""):
    if "\0" in path:  # PostgreSQL refuses NUL in a query parameter
        return not_found(request)
    query = request.META.get("QUERY_STRING", "")
    if not path.endswith("/"):
        # This view takes every path, so CommonMiddleware's APPEND_SLASH never sees one it does not know:
        # `/admin` still goes to `/admin/`.
        match = _resolve("/" + path + "/")
        if match is not None and match.url_name != "wagtail_serve":
            return HttpResponsePermanentRedirect("/" + path + "/" + ("?" + query if query else ""))
        path += "/"
    page = live_page_at(request, path)
    if page is None:
        return not_found(request)
    target = page.get_full_url(request=request)
    if not target:
        return not_found(request)
    return HttpResponseRedirect(target + ("?" + query if query else ""))


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None


def live_page_at(request, path: str):
    """The live, public page whose site path is `path` (`histoires/x/`), under the site this host serves."""
    site = Site.find_for_request(request)
    if site is None:
        return None
    root_paths = [r.root_path for r in Site.get_site_root_paths() if r.site_id == site.pk]
    if not root_paths:
        return None
    candidates = [root + path.lstrip("/") for root in root_paths]
    return Page.objects.live().public().filter(url_path__in=candidates).specific().first()


def not_found(request):
    html = render_to_string("core/not_found.html", {
        "site_url": settings.SITE_BASE_URL, "path": request.path}, request=request)
    return HttpResponseNotFound(html)
