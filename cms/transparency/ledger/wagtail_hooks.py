"""The public ledger's GraphQL field (schema.py). No admin screen: the log is append-only."""

from wagtail import hooks

from .schema import PublicLedgerQuery


@hooks.register("register_schema_query")
def register_public_ledger(query_mixins):
    query_mixins.append(PublicLedgerQuery)
