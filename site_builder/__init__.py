"""Builds the static site from the CMS's GraphQL API with Pelican and the theme in themes/."""
