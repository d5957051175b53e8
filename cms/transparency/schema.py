"""The public GraphQL fields of money spent (no token: the same figures the static site prints).

    projectSpending: [ProjectSpending!]!   one row per live public project with lines, grants or spending
    siteSpending: [SiteSpending!]!         per currency

Registered with grapple's `register_schema_query` hook (wagtail_hooks.py), as cms/api registers
donationTotals. Amounts are BigInt (minor units; a JSON integer like Int, without Int's 32-bit bound: a
sum of XAF grants passes 2^31). A request computes the rows once (cached on the request), so aliases of
these fields cost one computation; spending.py keeps the number of SQL queries fixed.
"""

from __future__ import annotations

import graphene

from . import spending


class Proof(graphene.ObjectType):
    title = graphene.String(required=True)
    kind = graphene.String(required=True, description='"document" or "image"')
    url = graphene.String(required=True, description="The public file (documents) or its width-1200 rendition.")


class BudgetLineSpending(graphene.ObjectType):
    label = graphene.String(required=True)
    planned = graphene.BigInt(required=True)
    spent = graphene.BigInt(required=True)


class PublicDisbursement(graphene.ObjectType):
    id = graphene.ID(required=True)
    date = graphene.String(required=True, description="ISO date (YYYY-MM-DD)")
    amount = graphene.BigInt(required=True, description="Minor units; negative for a reversal.")
    currency = graphene.String(required=True)
    budget_line = graphene.String(required=True)
    description = graphene.String(required=True)
    proofs = graphene.List(graphene.NonNull(Proof), required=True)

    @staticmethod
    def resolve_date(root, info):
        return root.date.isoformat()


class ProjectSpending(graphene.ObjectType):
    slug = graphene.String(required=True)
    currency = graphene.String(required=True)
    planned = graphene.BigInt(required=True)
    raised = graphene.BigInt(required=True, description="Gifts (as donationTotals) + grants.")
    grants = graphene.BigInt(required=True)
    spent = graphene.BigInt(required=True, description="Approved disbursements, reversals deducted.")
    overspent = graphene.Boolean(required=True)
    lines = graphene.List(graphene.NonNull(BudgetLineSpending), required=True)
    disbursements = graphene.List(graphene.NonNull(PublicDisbursement), required=True,
                                  description="Approved only, newest first, reversals included.")


class SiteSpending(graphene.ObjectType):
    currency = graphene.String(required=True)
    planned = graphene.BigInt(required=True)
    raised = graphene.BigInt(required=True)
    grants = graphene.BigInt(required=True)
    spent = graphene.BigInt(required=True)


def _rows(info):
    """The request's rows, computed once however many aliases ask for them."""
    context = info.context
    rows = getattr(context, "_vda_spending_rows", None)
    if rows is None:
        rows = spending.project_spending()
        try:
            context._vda_spending_rows = rows
        except AttributeError:  # a context that takes no attributes: compute each time
            pass
    return rows


class SpendingQuery:
    project_spending = graphene.List(graphene.NonNull(ProjectSpending), required=True,
                                     description="Money spent per live public project, with proofs.")
    site_spending = graphene.List(graphene.NonNull(SiteSpending), required=True,
                                  description="Planned, raised, grants and spent per currency, site-wide.")

    def resolve_project_spending(self, info, **kwargs):
        return _rows(info)

    def resolve_site_spending(self, info, **kwargs):
        return [SiteSpending(**row) for row in spending.site_spending(_rows(info))]
