"""The site's menus as the public sees them: what `SiteSettings.main_menu` / `footer_menu` give the API.

Editors list links in Paramètres > Réglages du site (`MainMenuItem`, `FooterMenuItem` in core/models.py): a
page of the site, or an address. The API must show only public content (the rule of api/visibility.py), so a
link to a page that is a draft, unpublished, private or outside the site is dropped here, not shown with its title
and path: the menu never reveals a page before the page itself is public. A page's link is its public URL
(`PublicSiteURLMixin`: the public site's root and the path the builder writes) and that path alone, which
the builder uses so links work whatever `--base-url` it is given.

The pages of a menu are read in one query per page type (a menu has a handful), whatever the site's size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import graphene
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

SITE_PATH = re.compile(r"^/(?!/)[^\s\"'<>\\]*$")  # /donner/, /projets/#carte: a path on the public site


class MenuLink(graphene.ObjectType):
    """One link of a menu, as the site shows it."""

    title = graphene.String(required=True, description="The link's text: the editor's label, or the page's title.")
    url = graphene.String(required=True, description="Public URL: the page's on the public site, or the address "
                                                     "the editor typed.")
    path = graphene.String(description="The page's path on the public site (/projets/); null for an address.")


@dataclass(frozen=True)
class Link:
    title: str
    url: str
    path: str | None = None


def validate_link_url(value: str) -> None:
    """What a menu may link to besides a page: the web (http, https), an e-mail address, a path of the site.
    Never `javascript:` or `data:` (a link a visitor clicks runs nothing)."""
    if SITE_PATH.match(value):
        return
    if value.startswith("mailto:"):
        EmailValidator(message=_("Adresse e-mail invalide après « mailto: »."))(value[len("mailto:"):])
        return
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        raise ValidationError(_("Saisissez une adresse complète (https://…), une adresse e-mail (mailto:…) "
                                "ou un chemin du site commençant par « / » (/donner/)."), code="invalid")


def _public_page_link(page: Page, label: str) -> Link | None:
    parts = page.get_url_parts()
    if parts is None:  # not below a site's home page: not on the public site
        return None
    _site_id, root, path = parts
    return Link(title=label or page.title, url=root.rstrip("/") + path, path=path)


def public_links(items) -> list[Link]:
    """The menu items that may be shown to anyone, in the editor's order, as links."""
    items = list(items)
    page_ids = {item.page_id for item in items if item.page_id}
    # live and without a view restriction up the tree: Wagtail's own definition of public, the one the API's
    # visibility rules (api/visibility.py) apply to pages; anything else is left out of `pages`, so dropped
    public = Page.objects.filter(pk__in=page_ids).live().public().specific() if page_ids else []
    pages = {p.pk: p for p in public}
    links = []
    for item in items:
        label = (item.label or "").strip()
        if item.page_id:
            page = pages.get(item.page_id)
            link = _public_page_link(page, label) if page is not None else None
        else:
            link = Link(title=label, url=item.link_url) if item.link_url and label else None
        if link is not None:
            links.append(link)
    return links
