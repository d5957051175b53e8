"""The one-click unsubscribe of the project news (RFC 8058), at /donate/nouvelles/desabonnement/<token>/.

- POST with the body `List-Unsubscribe=One-Click` (what a mail client sends when the reader clicks its
  "unsubscribe" button, from the `List-Unsubscribe-Post` header): turns the donor's `project_news` off and
  answers 200. No CSRF check and no sign-in: the signed token (news.py) is the authority, and it names one
  donor and one list. The confirm button of the GET page posts the same body.
- GET (a reader following the link, or a mail scanner opening it): a page with a confirm button; nothing
  changes.
- A forged, truncated or foreign token: 400, a French page, nothing written; a genuine token of a donor that
  no longer exists: 404. Any other POST body: 400, nothing written.
"""

from __future__ import annotations

from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from cms.donations.models import Donor
from cms.donations.offline import page_context

from . import news
from .models import MailPreferences

ONE_CLICK = "List-Unsubscribe=One-Click"


def _page(request, template: str, status: int = 200, **extra):
    response = render(request, f"donors/news/{template}", {**page_context(request), "donor": None, **extra},
                      status=status)
    response["Cache-Control"] = "private, no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    donor_id = news.read_token(token)
    if donor_id is None:
        return _page(request, "unsubscribe_problem.html", 400,
                     message="Ce lien de désabonnement n’est pas valide : vérifiez qu’il est complet.")
    donor = Donor.objects.filter(pk=donor_id).first()
    if donor is None:
        return _page(request, "unsubscribe_problem.html", 404,
                     message="Ce lien ne correspond à aucun donateur : il n’y a rien à désabonner.")
    if request.method == "GET":
        return _page(request, "unsubscribe.html", action=request.path)
    body = request.body[:200].decode("ascii", "replace").strip()
    if body != ONE_CLICK and request.POST.get("List-Unsubscribe") != "One-Click":
        return _page(request, "unsubscribe_problem.html", 400,
                     message="Demande de désabonnement incomplète : utilisez le bouton de la page.")
    MailPreferences.objects.update_or_create(donor=donor, defaults={"project_news": False})
    return _page(request, "unsubscribed.html")
