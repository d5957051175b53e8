"""The preview page and its theme files; the admin's build panel and "rebuild everything" button."""

from __future__ import annotations

import mimetypes

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_POST

from site_builder.preview import PreviewError

from . import preview
from .models import SiteBuild
from .queue import request_build


@require_GET
@xframe_options_sameorigin  # shown inside the editor's preview panel, on the same origin
def preview_page(request):
    try:
        page = preview.render(request.GET.get("token", ""), request.GET.get("content_type", ""), request)
    except preview.PreviewProblem as problem:
        return _problem(problem.status, problem.message)
    except PreviewError as exc:
        return _problem(404, f"Aperçu impossible : {exc}")
    response = HttpResponse(preview.add_markers(page.html), content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _problem(status: int, message: str) -> HttpResponse:
    response = HttpResponse(f'<!doctype html><html lang="fr"><meta charset="utf-8"><title>Aperçu</title>'
                            f"<p>{message}</p></html>", status=status, content_type="text/html; charset=utf-8")
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def theme_asset(request, path: str):
    """The theme files a preview links, from any CMS process (publishing/preview.py: theme_file)."""
    found = preview.theme_file(path)
    if found is None:
        raise Http404("no such theme file")
    data, immutable = found
    content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
    response = HttpResponse(data, content_type=content_type)
    # fingerprinted names are cached forever; the colours stylesheet served under a name that does not
    # fit its content (preview.theme_colours) is asked for again each time
    response["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
    return response


@require_GET
def media_redirect(request, path: str):
    """With media on S3 the built site holds copies under /media/; a preview on the CMS links the same paths,
    so they redirect to the storage's file (only files the storage has: no open redirect), from any process."""
    source = preview.media_source(path)
    if source is None:
        raise Http404("no such media file")
    return redirect(source)


def builds_panel(request):
    """Recent builds: what asked for them, what they wrote, how long, what failed."""
    builds = list(SiteBuild.objects.select_related("requested_by")[:30])
    return TemplateResponse(request, "publishing/builds.html", {
        "builds": builds, "can_rebuild": request.user.is_superuser,
        "page_title": "Publication du site", "header_icon": "globe"})


@require_POST
def rebuild_everything(request):
    if not request.user.is_superuser:
        raise PermissionDenied
    request_build(f"Reconstruction complète demandée par {request.user.get_username()}", full=True,
                  user=request.user)
    messages.success(request, "Reconstruction complète du site demandée : elle démarre dans quelques secondes.")
    return redirect("publishing_builds")
