"""Adds the project's own root fields to grapple's schema (grapple builds its Query from this hook)."""

from wagtail import hooks

from .export import SiteExportQuery


@hooks.register("register_schema_query")
def register_site_export(query_mixins):
    query_mixins.append(SiteExportQuery)
