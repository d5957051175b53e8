"""Adds the project's own root fields to grapple's schema (grapple builds its Query from this hook), and
rich text link handlers that never link what is not public (api/richtext.py)."""

from wagtail import hooks

from .export import SiteExportQuery
from .richtext import PublicDocumentLinkHandler, PublicPageLinkHandler


@hooks.register("register_schema_query")
def register_site_export(query_mixins):
    query_mixins.append(SiteExportQuery)


@hooks.register("register_rich_text_features", order=1000)  # after Wagtail's own (order 0): replaces them
def public_links_only(features):
    features.register_link_type(PublicPageLinkHandler)
    features.register_link_type(PublicDocumentLinkHandler)
