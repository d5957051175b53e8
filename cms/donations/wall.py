"""The donor wall: the names donors chose to show, per project and for the whole site.

What it guarantees:
- opt-in per gift (`Donation.public_wall`), and only paid gifts: succeeded, or a monthly gift still active;
  a gift refunded (in part or in full), failed, pending, pledged or stopped never shows;
- a name the donor typed FOR the wall (`wall_name`, checked by `clean_wall_name`: no e-mail, no link, no
  control character), or else the first name and the initial of the last one ("Marie D."). Never the full
  name or an e-mail: a name field holding an e-mail or a link shows as "Anonyme";
- staff hide a name in one click (`wall_hidden`, cms/donors/desk/wall.py); an erased donor's gifts leave it
  (donors/space/gdpr.py clears `public_wall`);
- only gifts to live, public projects, or to the general fund (project ""); bounded: the newest
  `PER_PROJECT` names of each project, newest first.
"""

from __future__ import annotations

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Window
from django.db.models.functions import RowNumber

from .models import Donation, LedgerEntry

PER_PROJECT = 200  # names per project (and for the general fund) in `donorWall`
SITE_WIDE = 500  # names on the site-wide wall (/donateurs/)
WALL_NAME_MAX = 40
ANONYMOUS = "Anonyme"
ERASED_DOMAIN = "@efface.invalid"
SHOWN_STATUSES = ("succeeded", "active")

EMAIL_LIKE = re.compile(r"@|\bmailto:", re.I)
LINK_LIKE = re.compile(r"://|\bwww\.|\b[a-z0-9-]+\.(?:[a-z]{2,24})(?:/|\b)(?!\.)")


def looks_like_contact(text: str) -> str:
    """Why `text` must not be shown publicly ("" when it may)."""
    if EMAIL_LIKE.search(text):
        return "Le nom affiché ne peut pas contenir d'adresse e-mail."
    if LINK_LIKE.search(text):
        return "Le nom affiché ne peut pas contenir de lien ni d'adresse de site."
    return ""


def clean_wall_name(value: str) -> str:
    """What the donor typed for the wall, spaces tidied; ValidationError (French) when it cannot be shown."""
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn") for ch in value):
        raise ValidationError("Le nom affiché contient des caractères invisibles ou de contrôle.")
    text = " ".join(value.split())
    if len(text) > WALL_NAME_MAX:
        raise ValidationError(f"Le nom affiché compte {WALL_NAME_MAX} caractères au plus.")
    problem = looks_like_contact(text)
    if problem:
        raise ValidationError(problem)
    return text


def default_name(full_name: str) -> str:
    """"Marie Dupont" -> "Marie D.", "Marie" -> "Marie": what shows when the donor typed no wall name."""
    words = [w for w in " ".join((full_name or "").split()).split(" ") if w]
    if not words:
        return ANONYMOUS
    first = words[0][:30]
    name = first if len(words) == 1 else f"{first} {words[-1][0].upper()}."
    if looks_like_contact(name) or any(unicodedata.category(ch).startswith("C") for ch in name):
        return ANONYMOUS
    return name


def shown_name(donation) -> str:
    if donation.wall_name:
        try:
            return clean_wall_name(donation.wall_name)
        except ValidationError:  # a row written before the rules (or by hand): never shown as typed
            return ANONYMOUS
    return default_name(donation.donor_name)


def shown_gifts():
    """Every gift the wall may show (no bound, no order): the desk's listing shows these and the hidden ones."""
    from cms.projects.models import ProjectPage

    refunded = LedgerEntry.objects.filter(kind="refund").values("donation_id")
    live = ProjectPage.objects.live().public().values("pk")
    return (Donation.objects.filter(public_wall=True, status__in=SHOWN_STATUSES)
            .filter(Q(project__isnull=True, project_slug="") | Q(project__in=live))
            .exclude(pk__in=refunded).exclude(donor__email__endswith=ERASED_DOMAIN))


def wall_rows(per_project: int = PER_PROJECT) -> list[dict]:
    """[{"project", "name", "day"}], newest first, at most `per_project` per project. One query."""
    ranked = (shown_gifts().filter(wall_hidden=False)
              .annotate(rank=Window(RowNumber(), partition_by=[F("project_id")],
                                    order_by=[F("created_at").desc(), F("id").desc()]))
              .filter(rank__lte=per_project)
              .select_related("project").only("wall_name", "donor_name", "created_at", "project_slug",
                                              "project__slug")
              .order_by("-created_at", "-id"))
    return [{"project": d.project.slug if d.project_id else "", "name": shown_name(d),
             "day": d.created_at.date().isoformat()} for d in ranked]


# --- the site follows: a name that appears or leaves asks for a build (incremental: changed_routes.py) -------

def _rebuild_if_shown(donation, why: str) -> None:
    if donation is None or not donation.public_wall or donation.wall_hidden:
        return
    from cms.publishing.queue import request_build

    request_build(f"Mur des donateurs : {why}")


def on_payment_recorded(sender, entry, **kwargs):
    donation = entry.donation
    if donation is not None and donation.public_wall and \
            not LedgerEntry.objects.filter(donation=donation, kind="payment").exclude(pk=entry.pk).exists():
        _rebuild_if_shown(donation, "un nouveau nom")  # its first payment only (a monthly gift shows once)


def on_refund_recorded(sender, entry, **kwargs):
    _rebuild_if_shown(entry.donation, "un don remboursé")


def on_gift_ended(sender, donation, **kwargs):
    _rebuild_if_shown(donation, "fin d’un don mensuel")


def connect_signals() -> None:
    from . import signals

    signals.payment_recorded.connect(on_payment_recorded, dispatch_uid="donations.wall.payment")
    signals.refund_recorded.connect(on_refund_recorded, dispatch_uid="donations.wall.refund")
    signals.monthly_gift_ended.connect(on_gift_ended, dispatch_uid="donations.wall.ended")
