"""Passwordless sign-in to the donor space.

1. `GET|POST /donate/espace/connexion/`: the donor types their e-mail. The answer is the same page, with the
   same status, whether the address is known or not (no account enumeration), and in the same time: the
   request only validates the address, counts it against the rate limits and enqueues `send_sign_in_link`
   on the tasks' "default" backend, which runs it after the response is sent (core/after_response.py).
   Looking the donor up, creating the link and sending the mail all happen in that task, for every address.
   Rate-limited per client address and per e-mail (`DONOR_SIGN_IN_RATE_LIMITS`), known or not.
2. The task queues an e-mail (`mail.send`, delivered by the worker) to a known donor with a link `/donate/espace/lien/<token>/`: 32 random bytes; only their SHA-256
   is stored (`donors.SignInLink`), valid `DONOR_SIGN_IN_MINUTES`, single use.
3. Mail scanners open links. `GET` of the link changes nothing: it shows a page with a button. Only that
   button's `POST` (CSRF-protected) uses the link (one atomic UPDATE, so two clicks at once sign in once)
   and signs the donor in. A forged link is a French 400, an expired or used one a French 410, each with
   the form to ask for a new link.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import timedelta

from django import forms
from django.conf import settings
from django.db import transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_tasks import task

from cms.core.ratelimit import allow, client_key, peek
from cms.donations.models import Donor
from cms.donations.offline import page_context

from ..models import SignInLink
from . import session

log = logging.getLogger(__name__)

TOKEN_FORMAT = re.compile(r"[A-Za-z0-9_-]{43}")  # secrets.token_urlsafe(32)
TOO_MANY = "Trop de demandes de lien. Réessayez dans quelques minutes."


class AskLinkForm(forms.Form):
    email = forms.EmailField(label="Votre adresse e-mail", max_length=254,
                             error_messages={"required": "Indiquez votre adresse e-mail.",
                                             "invalid": "Cette adresse e-mail n’est pas valide."})

    def clean_email(self):
        email = self.cleaned_data["email"].strip().lower()
        if "\x00" in email or any(0xD800 <= ord(c) <= 0xDFFF for c in email):
            raise forms.ValidationError("Cette adresse e-mail n’est pas valide.")
        return email


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_link(donor: Donor) -> str:
    """Create a link for `donor`; returns the token (the only copy: only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    SignInLink.objects.create(donor=donor, token_hash=token_hash(token),
                              expires_at=timezone.now() + timedelta(minutes=settings.DONOR_SIGN_IN_MINUTES))
    return token


def link_url(token: str) -> str:
    """On the site's own domain: its CDN proxies /donate/ to the CMS (site_builder/serve.py locally)."""
    return settings.SITE_BASE_URL + reverse("donor_space:space_link", args=[token])


@task()
def send_sign_in_link(email: str) -> None:
    """For any typed address: a link and an e-mail when a (not erased) donor has it, nothing otherwise."""
    donor = Donor.objects.filter(email=email, erasure__isnull=True).first()
    if donor is None:
        return
    from cms.donors import mail

    token = new_link(donor)
    # Queued (cms/donors/mail.py): the worker delivers it and retries a dead mail server; nothing here
    # talks to the mail server, so a known address costs this task two inserts, and the response (already
    # sent) is the same page for every address.
    mail.send("sign_in", to=donor.email, donor=donor,
              context={"link": link_url(token), "minutes": settings.DONOR_SIGN_IN_MINUTES})


def _rates() -> tuple[str, str]:
    per_client, per_email, window = settings.DONOR_SIGN_IN_RATE_LIMITS
    return f"{per_client} per {window} seconds", f"{per_email} per {window} seconds"


def check_rate(request, email: str) -> int:
    """0 to go ahead, else seconds to wait. Every limit is checked before any is counted."""
    per_client, per_email = _rates()
    checks = (("donor-link-ip", client_key(request), per_client), ("donor-link-email", email, per_email))
    wait = max(peek(*check) for check in checks)
    return wait or max(allow(*check) for check in checks)


def _context(request, **extra) -> dict:
    return {**page_context(request), **extra}


@require_http_methods(["GET", "POST"])
def ask_link(request):
    if request.method == "GET":
        if session.current_donor(request):
            return session.private(redirect("donor_space:space_home"))
        return session.private(render(request, "donors/space/sign_in.html",
                                      _context(request, form=AskLinkForm())))
    form = AskLinkForm(request.POST)
    if not form.is_valid():
        return session.private(render(request, "donors/space/sign_in.html", _context(request, form=form),
                                      status=400))
    email = form.cleaned_data["email"]
    wait = check_rate(request, email)
    if wait:
        response = render(request, "donors/space/sign_in.html",
                          _context(request, form=form, rate_limited=TOO_MANY), status=429)
        response["Retry-After"] = str(wait)
        return session.private(response)
    send_sign_in_link.enqueue(email)
    return session.private(render(request, "donors/space/link_sent.html", _context(request)))


def _link_state(token: str) -> tuple[SignInLink | None, str | None, int]:
    """(link, problem, status): problem None when the link can be used now."""
    if not TOKEN_FORMAT.fullmatch(token or ""):
        return None, "invalid", 400
    link = SignInLink.objects.filter(token_hash=token_hash(token)).select_related("donor").first()
    if link is None or Donor.objects.filter(pk=link.donor_id, erasure__isnull=False).exists():
        return None, "invalid", 400
    if link.used_at is not None:
        return link, "used", 410
    if link.expires_at <= timezone.now():
        return link, "expired", 410
    return link, None, 200


def _link_problem(request, problem: str, status: int):
    return session.private(render(request, "donors/space/link_problem.html",
                                  _context(request, problem=problem, form=AskLinkForm()), status=status))


@require_GET
def link_page(request, token: str):
    """What a mail scanner sees too: a button, and nothing used or changed."""
    link, problem, status = _link_state(token)
    if problem:
        return _link_problem(request, problem, status)
    return session.private(render(request, "donors/space/link.html",
                                  _context(request, action=reverse("donor_space:space_link_use", args=[token]))))


@require_POST
def use_link(request, token: str):
    link, problem, status = _link_state(token)
    if problem:
        return _link_problem(request, problem, status)
    now = timezone.now()
    with transaction.atomic():
        used = SignInLink.objects.filter(pk=link.pk, used_at__isnull=True, expires_at__gt=now).update(used_at=now)
    if used != 1:  # another click (or tab) used it a moment ago
        return _link_problem(request, "used", 410)
    session.sign_in(request, link.donor)
    return session.private(redirect(session.next_page(request)))


@require_POST
def sign_out(request):
    session.sign_out(request)
    return session.private(render(request, "donors/space/signed_out.html", _context(request)))
