"""The donor wall on the desk: every gift that opted in and may show (paid, not refunded: donations/wall.py),
with its name as the site shows it, and a "Masquer" / "Afficher" button that acts in one click (a POST with
Django's CSRF check, no confirmation page: hiding is undone by the other button). Each click is logged like
the desk's other actions (`donors.wall_hide`, `donors.wall_show`, wagtail_hooks.py) and asks for a site
build, which re-renders only the pages whose wall changed (site_builder/changed_routes.py)."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from wagtail.log_actions import log

from cms.donations import wall
from cms.donations.models import Donation
from vda_base.money import money

from . import permissions

LISTED = 500  # the newest rows of the listing (the site shows at most 200 a project)


def rows(queryset) -> list[dict]:
    return [{"donation": d, "name": wall.shown_name(d), "amount": money(d.amount, d.currency),
             "project": d.project.title if d.project_id else "Fonds général"} for d in queryset]


@require_GET
def wall_listing(request):
    permissions.require(request.user, permissions.MODERATE_WALL)
    gifts = (wall.shown_gifts().select_related("project", "wall_hidden_by").order_by("-created_at", "-id")[:LISTED])
    return TemplateResponse(request, "donors/desk/wall.html", {"rows": rows(gifts), "title": "Mur des donateurs"})


@require_POST
def wall_toggle(request, pk):
    """Hide (`hide=1`) or show again one gift's name. Only a gift that opted in; anything else is a 404."""
    permissions.require(request.user, permissions.MODERATE_WALL)
    hide = request.POST.get("hide") == "1"
    with transaction.atomic():
        donation = get_object_or_404(Donation.objects.select_for_update(), pk=pk, public_wall=True)
        if donation.wall_hidden != hide:
            donation.wall_hidden = hide
            donation.wall_hidden_by = request.user if hide else None
            donation.wall_hidden_at = timezone.now() if hide else None
            donation.save(update_fields=["wall_hidden", "wall_hidden_by", "wall_hidden_at", "updated_at"])
            log(instance=donation, action="donors.wall_hide" if hide else "donors.wall_show", user=request.user,
                data={"reference": donation.reference})
            from cms.publishing.queue import request_build

            request_build("Mur des donateurs : un nom " + ("masqué" if hide else "de nouveau affiché"))
    messages.success(request, "Nom masqué du mur des donateurs." if hide else "Nom de nouveau affiché sur le mur.")
    back = request.POST.get("next") == "donation"
    return HttpResponseRedirect(reverse("desk_donations:inspect", args=[donation.pk]) if back
                                else reverse("desk_donations:wall"), status=303)
