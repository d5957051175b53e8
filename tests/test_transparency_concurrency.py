"""Two approvers clicking "Approuver" at the same moment approve a disbursement once: the row is locked
(SELECT … FOR UPDATE) while the step runs, so the second one finds it approved and is refused. PostgreSQL
only (SQLite has no row locks; conftest deselects these there)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from cms.transparency import signals, workflow
from cms.transparency.models import Disbursement
from tests.transparency_helpers import draft, finance_user
from tests import factories

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_two_approvers_at_once_approve_once():
    tree = factories.make_site()
    project = factories.make_project(tree, slug="puits-concurrent")
    anne, bruno, chloe = finance_user("anne"), finance_user("bruno"), finance_user("chloe")
    d = draft(project, anne)
    workflow.submit(d, anne)
    sent, outcomes, barrier = [], [], threading.Barrier(2)

    def on_approved(sender, disbursement, **kwargs):
        sent.append(disbursement.pk)

    signals.disbursement_approved.connect(on_approved)

    def approve(user):
        try:
            barrier.wait(timeout=10)
            workflow.approve(Disbursement.objects.get(pk=d.pk), user)
            outcomes.append(("ok", user.pk))
        except workflow.Refused as refusal:
            outcomes.append(("refused", str(refusal)))
        finally:
            connection.close()

    try:
        threads = [threading.Thread(target=approve, args=(user,)) for user in (bruno, chloe)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        signals.disbursement_approved.disconnect(on_approved)
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    winner = next(pk for kind, pk in outcomes if kind == "ok")
    fresh = Disbursement.objects.get(pk=d.pk)
    assert fresh.status == "approved" and fresh.approved_by_id == winner
    assert sent == [d.pk]
