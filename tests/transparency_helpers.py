"""Shared set-up of the transparency tests: a site with a project, two members of the "Finances" group
(four eyes need two people), disbursements at each step, gifts in the books."""

from __future__ import annotations

import datetime as dt
import itertools
import json

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cms.donations.models import LedgerEntry
from cms.transparency import workflow
from cms.transparency.models import Disbursement, Grant
from tests import factories

_n = itertools.count(1)
DAY = dt.date(2026, 6, 1)


def finance_user(name: str) -> User:
    user = User.objects.create_user(f"{name}-compta", f"{name}@example.org", "pw", first_name=name.capitalize(),
                                    last_name="Quatreyeux")
    user.groups.add(Group.objects.get(name="Finances"))
    return User.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def tree(db):
    return factories.make_site()


@pytest.fixture
def project(tree):
    return factories.make_project(tree, title="Le puits de Kaya", slug="puits")


@pytest.fixture
def anne(db):
    return finance_user("anne")


@pytest.fixture
def bruno(db):
    return finance_user("bruno")


def draft(project, user, amount=50_000, line="Forage", **fields) -> Disbursement:
    values = {"project": project, "date": DAY, "amount": amount, "currency": project.currency,
              "budget_line_label": line, "description": "Pompe solaire et tuyaux", "recorded_by": user}
    values.update(fields)
    disbursement = Disbursement(**values)
    disbursement.full_clean()
    disbursement.save()
    return disbursement


def approved(project, recorder, approver, **fields) -> Disbursement:
    disbursement = draft(project, recorder, **fields)
    workflow.submit(disbursement, recorder)
    return workflow.approve(disbursement, approver)


def give(project, amount, when=None) -> LedgerEntry:
    n = next(_n)
    return LedgerEntry.objects.create(kind="payment", amount=amount, currency=project.currency,
                                      project_slug=project.slug, stripe_object=f"pi_test_{n}",
                                      occurred_at=when or timezone.now())


def grant(project, amount=1_000_000, **fields) -> Grant:
    values = {"funder": "Fondation de l'Eau", "amount": amount, "currency": project.currency if project else "EUR",
              "project": project, "start_date": dt.date(2026, 1, 1), "end_date": dt.date(2026, 12, 31),
              "received_on": dt.date(2026, 2, 1)}
    values.update(fields)
    return Grant.objects.create(**values)


def gql(client, query, variables=None):
    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json")
    return response.status_code, response.json()


SPENDING_QUERY = """{
  projectSpending { slug currency planned raised grants spent overspent
    lines { label planned spent }
    disbursements { id date amount currency budgetLine description proofs { title kind url } } }
  siteSpending { currency planned raised grants spent }
}"""
