"""`sitePages`: every live, public page of the site in one query whose SQL cost does not grow with the
number of pages. The builder's full pull goes through here; grapple's own `pages`/`page` fields stay for
other readers.

Each page type is read once with its foreign keys joined and its related rows prefetched, and the choosers
inside every StreamField are resolved in bulk (core/stream_cache.py). The prefetch cache stays active while
graphene resolves the result, so lazily-read streams find their images there.
"""

from __future__ import annotations

import graphene
from graphene.types.generic import GenericScalar
from graphql import GraphQLError
from django.db.models import Prefetch
from grapple.types.interfaces import get_page_interface
from wagtail.images import get_image_model
from wagtail.models import Locale, Page, Site

from cms.core.models import HomePage, StandardPage
from cms.projects.models import Partner, ProjectIndexPage, ProjectPage, ProjectTheme
from cms.stories.models import StoryIndexPage, StoryPage
from cms.transparency.models import Disbursement

from .access import HEADER_HINT
from cms.core.stream_cache import activate, collect_references, load_references

from .prefetch import pause_gc


def require_build_token(info, field: str) -> None:
    """Belt and braces: the view refuses these fields before execution without the build token
    (api/limits.py); a request that reached the resolver anyway is refused here. In-process callers (the
    preview) pass a request the view never marked, and are trusted."""
    if getattr(info.context, "vda_build", True) is False:
        raise GraphQLError(f"{field} is reserved for the site builder: send the build token ({HEADER_HINT}).")


def _querysets(base):
    """Per page type: the joins and prefetches that make every field the builder reads free."""
    Image = get_image_model()
    images = Image.objects.prefetch_related("renditions")
    return {
        HomePage: base.type(HomePage).specific().select_related("hero_image").prefetch_related(
            "hero_image__renditions"),
        StandardPage: base.type(StandardPage).specific(),
        ProjectIndexPage: base.type(ProjectIndexPage).specific(),
        StoryIndexPage: base.type(StoryIndexPage).specific(),
        ProjectPage: ProjectPage.objects.filter(pk__in=base.type(ProjectPage).values("pk"))
        .select_related("hero_image", "theme").prefetch_related(
            "hero_image__renditions", "key_figures", "suggested_amounts", "budget_lines", "updates",
            Prefetch("updates__disbursements", queryset=Disbursement.objects.approved().only("pk", "status",
                                                                                           "project_id")),
            Prefetch("gallery_images__image", queryset=images),
            Prefetch("partners", queryset=Partner.objects.select_related("logo")),
        ),
        StoryPage: StoryPage.objects.filter(pk__in=base.type(StoryPage).values("pk"))
        .select_related("hero_image").prefetch_related(
            "hero_image__renditions", "tags",
            Prefetch("related_projects", queryset=ProjectPage.objects.live().public()
                     .select_related("hero_image", "theme").prefetch_related("hero_image__renditions")),
        ),
    }


def live_pages(locale_code: str | None = None):
    site = Site.objects.select_related("root_page").get(is_default_site=True)
    base = Page.objects.live().public().descendant_of(site.root_page, inclusive=True)
    if locale_code:
        base = base.filter(locale=Locale.objects.get(language_code=locale_code))
    return base


def load_site_pages(locale_code: str | None = None, ids=None) -> list[Page]:
    base = live_pages(locale_code)
    if ids is not None:
        base = base.filter(pk__in=[int(i) for i in ids])
    pages = []
    for qs in _querysets(base).values():
        pages.extend(qs)
    pages.sort(key=lambda p: p.path)
    return pages


def stream_values(pages):
    for page in pages:
        body = getattr(page, "body", None)
        if body is not None:
            yield body
        if isinstance(page, ProjectPage):
            for update in page.updates.all():
                yield update.photos


class ProjectTotals(graphene.ObjectType):
    """Money raised for one project: the same figures as /donate/totals.json (no personal data)."""

    slug = graphene.String(required=True)
    raised = graphene.Int(required=True, description="Minor units, refunds deducted.")
    currency = graphene.String(required=True)
    donors = graphene.Int(required=True)
    goal = graphene.Int(required=True)


class SiteTotals(graphene.ObjectType):
    raised = graphene.Int(required=True)
    currency = graphene.String(required=True)
    donors = graphene.Int(required=True)


class WallName(graphene.ObjectType):
    """One name on the donor wall (cms/donations/wall.py): what the donor chose to show, never an e-mail."""

    project = graphene.String(required=True, description='The project\'s slug, "" for the general fund.')
    name = graphene.String(required=True)
    day = graphene.String(required=True, description="The gift's day (ISO date).")


class DonationRule(graphene.ObjectType):
    """The giving rules of one currency, as the donation endpoint enforces them (cms/donations/rules.py)."""

    currency = graphene.String(required=True)
    min_amount = graphene.Int(required=True)
    max_amount = graphene.Int(required=True)
    fee_rate_bp = graphene.Int(required=True, description="Card fee in basis points, for the cover-the-fees top-up.")
    fee_fixed = graphene.Int(required=True)
    suggestions = graphene.List(graphene.NonNull(graphene.Int), required=True,
                                description="Amounts proposed when a project sets none.")


class SiteExportQuery:
    # Items are nullable on purpose: a page whose required field fails becomes null (with an error naming
    # it) instead of nulling the whole list, so one broken page never stops the build of the others.
    site_pages = graphene.List(
        lambda: get_page_interface(), required=True,  # needs the build token (api/access.py)
        locale=graphene.String(description="Language code (fr, en); default: every locale."),
        ids=graphene.List(graphene.NonNull(graphene.ID), description="Only these pages (an incremental build)."),
        description="Every live, public page of the default site, in tree order, loaded in bulk "
                    "(constant number of SQL queries). Use inline fragments per page type.")
    site_page_index = GenericScalar(
        required=True, locale=graphene.String(),
        description='Every live, public page as {"pages": [[id, version], ...]}: the version changes when the '
                    "page is published again or moved. An incremental build compares it with its last build's "
                    "to find what to fetch; one JSON value, because 10,000 typed objects would cost seconds.")

    def resolve_site_page_index(self, info, locale=None, **kwargs):
        require_build_token(info, "sitePageIndex")
        rows = live_pages(locale).values_list("id", "live_revision_id", "url_path")
        return {"pages": [[str(pk), f"{revision}:{url_path}"] for pk, revision, url_path in rows]}
    project_themes = graphene.List(graphene.NonNull(graphene.String), required=True,
                                   description="Slugs of the project themes, in name order.")

    def resolve_site_pages(self, info, locale=None, ids=None, **kwargs):
        require_build_token(info, "sitePages")
        pause_gc()  # until the response is written (api/prefetch.py)
        try:
            pages = load_site_pages(locale, ids)
        except ValueError:
            raise GraphQLError("ids must be page ids (integers)") from None
        # The cache must outlive this resolver: graphene reads streams afterwards, while building the
        # response. The view's request_scope drops it when the request ends.
        activate(load_references(collect_references(stream_values(pages))))
        return pages

    donation_totals = graphene.List(graphene.NonNull(ProjectTotals), required=True,
                                    description="Money raised per live project (for the build's progress bars).")
    site_totals = graphene.Field(SiteTotals, required=True, description="Raised in EUR and donors, site-wide.")

    donation_rules = graphene.List(graphene.NonNull(DonationRule), required=True)
    donor_wall = graphene.List(graphene.NonNull(WallName), required=True,
                               description="The donor wall: names donors chose to show on paid gifts, newest first "
                                           "(at most 200 per project).")

    def resolve_donor_wall(self, info, **kwargs):
        from cms.donations.wall import wall_rows

        return [WallName(**row) for row in wall_rows()]

    def resolve_donation_rules(self, info, **kwargs):
        from cms.donations.rules import public_rules

        return [DonationRule(**rule) for rule in public_rules()]

    def resolve_donation_totals(self, info, **kwargs):
        from cms.donations.ledger import project_totals

        return [ProjectTotals(slug=slug, **values) for slug, values in project_totals().items()]

    def resolve_site_totals(self, info, **kwargs):
        from cms.donations.ledger import site_totals

        return SiteTotals(**site_totals())

    def resolve_project_themes(self, info, **kwargs):
        return list(ProjectTheme.objects.values_list("slug", flat=True))
