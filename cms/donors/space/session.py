"""Who is signed in to the donor space: the donor's id in the Django session, nothing else.

The session is the CMS's own (the Wagtail admin shares the cookie): signing in cycles its key (no session
fixation) and signing out removes only the donor's keys, so a staff member who also gives stays signed in
to the admin. A donor session lasts `DONOR_SPACE_SESSION_SECONDS` idle. An erased donor is no one."""

from __future__ import annotations

import functools

from django.conf import settings
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers

from cms.donations.models import Donor

SESSION_KEY = "donor_space_donor"
NEXT_KEY = "donor_space_next"  # the page of the space asked for before signing in (a path of the space only)
SPACE_PREFIX = "/donate/espace/"


def current_donor(request) -> Donor | None:
    donor_id = request.session.get(SESSION_KEY)
    if not isinstance(donor_id, int):
        return None
    return Donor.objects.filter(pk=donor_id, erasure__isnull=True).first()


def sign_in(request, donor: Donor) -> None:
    request.session.cycle_key()
    request.session[SESSION_KEY] = donor.pk
    request.session.set_expiry(settings.DONOR_SPACE_SESSION_SECONDS)


def next_page(request) -> str:
    """Where to go once signed in: the space page asked for before (same browser), else the space's home."""
    path = request.session.pop(NEXT_KEY, "")
    return path if isinstance(path, str) and path.startswith(SPACE_PREFIX) and "//" not in path else SPACE_PREFIX


def sign_out(request) -> None:
    request.session.pop(SESSION_KEY, None)
    request.session.cycle_key()


def private(response):
    """Personal data: no cache anywhere (not the CDN's, not the browser's back button), no index."""
    add_never_cache_headers(response)
    response["Cache-Control"] = "private, no-store, max-age=0"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The link's token never leaves the site. ("no-referrer" would make the browser post "Origin: null",
    # which Django's CSRF check refuses.)
    response["Referrer-Policy"] = "same-origin"
    return response


def donor_required(view):
    """The view gets the signed-in donor as `request.donor`; anyone else goes to the sign-in page."""
    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        donor = current_donor(request)
        if donor is None:
            if request.method == "GET" and request.path.startswith(SPACE_PREFIX) and len(request.path) <= 200:
                request.session[NEXT_KEY] = request.path  # e.g. the card page linked from a failed payment's mail
            return private(redirect("donor_space:space_sign_in"))
        request.donor = donor
        return private(view(request, *args, **kwargs))
    return wrapper
