"""Four eyes on money spent (issue 14 §1), at the level of the rules and the database: the recorder never
approves their own entry (refused by workflow.approve, and by the database's constraint when code goes
around it), an approved disbursement is never edited nor deleted (save, delete, querysets, its proofs),
a reversal takes it back through its own approval, an over-spend is allowed but flagged, and the ledger
hooks give what the public ledger records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cms.transparency import signals, workflow
from cms.transparency.models import ApprovedIsFinal, Disbursement
from tests import factories
from tests.transparency_helpers import anne, bruno, draft, give, grant, approved, project, tree  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_recorder_cannot_approve_their_own_disbursement(project, anne, bruno):
    d = draft(project, anne)
    workflow.submit(d, anne)
    with pytest.raises(workflow.Refused, match="Quatre yeux"):
        workflow.approve(d, anne)
    d.refresh_from_db()
    assert d.status == Disbursement.SUBMITTED and d.approved_by is None
    workflow.approve(d, bruno)
    d.refresh_from_db()
    assert d.status == Disbursement.APPROVED and d.approved_by == bruno and d.approved_at is not None


def test_the_database_refuses_approved_by_equal_recorded_by_whatever_the_code(project, anne):
    d = draft(project, anne)
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.filter(pk=d.pk).update(status="approved", approved_by=anne, approved_at=timezone.now())
    assert Disbursement.objects.get(pk=d.pk).status == Disbursement.DRAFT


def test_approval_needs_the_permission_and_a_submitted_entry(project, anne, bruno, django_user_model):
    d = draft(project, anne)
    with pytest.raises(workflow.Refused, match="soumise"):
        workflow.approve(d, bruno)  # still a draft
    workflow.submit(d, anne)
    outsider = django_user_model.objects.create_user("x", "x@example.org", "pw")
    with pytest.raises(workflow.Refused, match="droit"):
        workflow.approve(d, outsider)
    assert Disbursement.objects.get(pk=d.pk).status == Disbursement.SUBMITTED


def test_an_approved_disbursement_is_never_edited_nor_deleted(project, anne, bruno):
    d = approved(project, anne, bruno)
    d.description = "Autre chose"
    with pytest.raises(ApprovedIsFinal):
        d.save()
    with pytest.raises(ApprovedIsFinal):
        Disbursement.objects.get(pk=d.pk).delete()
    with pytest.raises(ApprovedIsFinal):
        Disbursement.objects.filter(pk=d.pk).update(amount=1)
    with pytest.raises(ApprovedIsFinal):
        Disbursement.objects.filter(project=project).delete()
    image = factories.make_image()
    with pytest.raises(ApprovedIsFinal), transaction.atomic():  # M2M writes run without a savepoint
        Disbursement.objects.get(pk=d.pk).proof_images.add(image)
    fresh = Disbursement.objects.get(pk=d.pk)
    assert fresh.description == "Pompe solaire et tuyaux" and fresh.amount == 50_000
    assert fresh.proof_images.count() == 0


def test_drafts_stay_editable_and_deletable(project, anne):
    d = draft(project, anne)
    d.description = "Corrigé"
    d.save()
    d.proof_images.add(factories.make_image())
    assert Disbursement.objects.get(pk=d.pk).description == "Corrigé"
    Disbursement.objects.get(pk=d.pk).delete()
    assert not Disbursement.objects.filter(pk=d.pk).exists()


def test_a_reversal_is_a_new_negative_entry_with_its_own_approval(project, anne, bruno):
    d = approved(project, anne, bruno)
    reversal = workflow.reverse(d, bruno, reason="facture en double")
    assert reversal.pk != d.pk and reversal.amount == -50_000 and reversal.reverses == d
    assert reversal.status == Disbursement.DRAFT and reversal.budget_line_label == "Forage"
    assert "facture en double" in reversal.description
    assert workflow.spent_for(project) == 50_000  # not public until approved
    workflow.submit(reversal, bruno)
    with pytest.raises(workflow.Refused, match="Quatre yeux"):
        workflow.approve(reversal, bruno)
    workflow.approve(reversal, anne)
    assert workflow.spent_for(project) == 0
    assert Disbursement.objects.get(pk=d.pk).status == Disbursement.APPROVED  # the original is untouched
    with pytest.raises(workflow.Refused, match="déjà"):
        workflow.reverse(d, anne)
    with pytest.raises(workflow.Refused, match="ne s'annule pas"):
        workflow.reverse(Disbursement.objects.get(pk=reversal.pk), anne)


def test_only_approved_disbursements_can_be_reversed(project, anne):
    d = draft(project, anne)
    with pytest.raises(workflow.Refused, match="approuvée"):
        workflow.reverse(d, anne)
    assert Disbursement.objects.count() == 1


@pytest.mark.parametrize("fields, error_field", [
    ({"amount": 0}, "amount"), ({"amount": -5}, "amount"), ({"currency": "XOF"}, "currency"),
    ({"line": "Une ligne d'un autre projet"}, "budget_line_label"), ({"line": ""}, "budget_line_label"),
])
def test_bad_disbursements_are_refused_with_nothing_written(project, anne, fields, error_field):
    with pytest.raises(ValidationError) as error:
        draft(project, anne, **fields)
    assert error_field in error.value.message_dict
    assert Disbursement.objects.count() == 0


def test_the_sign_rule_is_in_the_database(project, anne):
    with pytest.raises(IntegrityError), transaction.atomic():
        Disbursement.objects.create(project=project, date=dt.date(2026, 1, 1), amount=-10, currency="EUR",
                                    budget_line_label="Forage", description="x", recorded_by=anne)
    assert Disbursement.objects.count() == 0


def test_overspending_is_allowed_and_flagged(project, anne, bruno):
    give(project, 30_000)
    grant(project, amount=10_000)
    within = approved(project, anne, bruno, amount=40_000)  # 40 000 of 40 000 raised: not over
    assert within.overspent is False
    d = draft(project, anne, amount=1)
    workflow.submit(d, anne)
    assert workflow.would_overspend(d)
    d = workflow.approve(d, bruno)
    assert d.overspent is True and d.status == Disbursement.APPROVED
    assert list(Disbursement.objects.filter(overspent=True)) == [d]


def test_signals_are_sent_once_on_commit(project, anne, bruno, django_capture_on_commit_callbacks):
    seen = []

    def on_approved(sender, disbursement, **kwargs):
        seen.append(("approved", disbursement.pk))

    def on_grant(sender, grant, **kwargs):
        seen.append(("grant", grant.pk))

    signals.disbursement_approved.connect(on_approved)
    signals.grant_recorded.connect(on_grant)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            d = approved(project, anne, bruno)
            g = grant(project)
            g.notes = "modifié"
            g.save()  # an edit is not a new grant
        assert seen == [("approved", d.pk), ("grant", g.pk)]
    finally:
        signals.disbursement_approved.disconnect(on_approved)
        signals.grant_recorded.disconnect(on_grant)


def test_ledger_entry_fields(project, anne, bruno):
    d = approved(project, anne, bruno)
    assert d.ledger_entry_fields() == {"kind": "disbursement", "day": d.date, "amount": 50_000, "currency": "EUR",
                                       "project": "puits", "source": f"disbursement:{d.pk}"}
    reversal = workflow.reverse(d, anne)
    assert reversal.ledger_entry_fields()["kind"] == "reversal"
    assert reversal.ledger_entry_fields()["amount"] == -50_000
    g = grant(project)
    assert g.ledger_entry_fields() == {"kind": "grant", "day": dt.date(2026, 2, 1), "amount": 1_000_000,
                                       "currency": "EUR", "project": "puits", "source": f"grant:{g.pk}"}
    general = grant(None, amount=5)
    assert general.ledger_entry_fields()["project"] == ""


def test_a_grant_for_a_project_is_in_its_currency(project):
    from cms.transparency.models import Grant

    g = Grant(funder="X", amount=5, currency="XOF", project=project, start_date=dt.date(2026, 1, 1),
              end_date=dt.date(2026, 2, 1), received_on=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError) as error:
        g.full_clean()
    assert "currency" in error.value.message_dict


def test_the_finances_group_has_the_two_permissions(anne):
    assert anne.has_perm("transparency.add_disbursement") and anne.has_perm("transparency.approve_disbursement")
    assert anne.has_perm("wagtailadmin.access_admin")


def test_approval_and_grants_ask_for_a_build_of_the_project_page(project, anne, bruno, settings,
                                                                django_capture_on_commit_callbacks):
    from cms.publishing.models import SiteBuild

    settings.SITE_BUILD_ENABLED = True
    SiteBuild.objects.all().delete()
    d = draft(project, anne)
    workflow.submit(d, anne)
    assert not SiteBuild.objects.exists()  # a submitted disbursement is not public
    with django_capture_on_commit_callbacks(execute=False) as sent:
        workflow.approve(d, bruno)
    assert not SiteBuild.objects.exists()  # the signal waits for the commit
    with django_capture_on_commit_callbacks(execute=False):  # the commit: the signal, not the build's task
        for callback in sent:
            callback()
    build = SiteBuild.objects.get(status=SiteBuild.QUEUED)
    assert build.page_ids == [project.pk] and "Dépense approuvée" in build.reasons[0]
    with django_capture_on_commit_callbacks(execute=False) as sent:
        grant(project)
    with django_capture_on_commit_callbacks(execute=False):
        for callback in sent:
            callback()
    build.refresh_from_db()
    assert any("Subvention" in reason for reason in build.reasons)
