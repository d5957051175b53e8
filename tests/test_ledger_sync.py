"""The public ledger in the CMS: sync appends every movement once (gap-free seq, one checkpoint per growth),
entries say nothing personal, the webhook's receiver costs one statement and coalesces, `publicLedger`
shows nothing unapproved or personal and refuses hostile arguments without a 5xx or a write."""

from __future__ import annotations

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from cms.donations.models import Donation, Donor, LedgerEntry
from cms.transparency.ledger import sync as ledger_sync
from cms.transparency.ledger.entries import payment_reference
from cms.transparency.ledger.models import AppendOnly, Checkpoint, PublicEntry
from cms.transparency.ledger.tasks import request_sync, sync_ledger
from site_builder import verify_ledger as tlog
from tests import factories

PERSONAL = ("Awa", "Diallo", "awa@example.org", "3 rue des Lilas", "75011", "Paris")


def gift(amount=2500, *, wall=False, project_slug="puits-kaya", name="Awa Diallo", n=[0]) -> LedgerEntry:
    n[0] += 1
    donor = Donor.objects.create(email=f"awa{n[0]}@example.org", name=name, address_line1="3 rue des Lilas",
                                 postal_code="75011", city="Paris", country="FR")
    donation = Donation.objects.create(donor=donor, amount=amount, currency="EUR", status="succeeded",
                                       donor_name=name, address_line1="3 rue des Lilas", postal_code="75011",
                                       city="Paris", public_wall=wall, project_slug=project_slug)
    return LedgerEntry.objects.create(donation=donation, kind="payment", amount=amount, currency="EUR",
                                      project_slug=project_slug, stripe_object=f"pi_test_{n[0]}_{donation.pk.hex[:8]}",
                                      occurred_at=timezone.now() - timedelta(hours=1))


@pytest.mark.django_db
def test_sync_appends_each_movement_once_and_signs_a_checkpoint(settings):
    settings.SITE_BUILD_ENABLED = False
    first, second = gift(2500), gift(1000, wall=True)
    refund = LedgerEntry.objects.create(donation=first.donation, kind="refund", amount=-500, currency="EUR",
                                        project_slug="puits-kaya", stripe_object="re_test_1",
                                        occurred_at=timezone.now())
    assert ledger_sync.sync() == 3
    assert ledger_sync.sync() == 0  # nothing new: no entry, no checkpoint
    rows = list(PublicEntry.objects.order_by("seq"))
    assert [r.seq for r in rows] == [0, 1, 2]
    assert [r.source for r in rows] == [f"payment:{first.pk}", f"payment:{second.pk}", f"refund:{refund.pk}"]
    lines = [json.loads(r.line) for r in rows]
    assert [e["amount"] for e in lines] == [2500, 1000, -500]
    assert lines[0]["reference"] == payment_reference(first.pk)
    assert "pseudonym" not in lines[0] and lines[1]["pseudonym"] == "Awa D."
    assert all(r.line == tlog.canonical(json.loads(r.line)) for r in rows)
    for row in rows:
        for word in PERSONAL[1:]:
            assert word not in row.line
    checkpoint = Checkpoint.objects.get()
    hashes = [tlog.leaf_hash(r.line.encode()) for r in rows]
    assert checkpoint.size == 3 and checkpoint.root_hash == tlog.mth(hashes).hex()
    key = ledger_sync.verifier_key()
    assert tlog.parse_checkpoint(tlog.open_note(checkpoint.note, key))[1:] == (3, tlog.mth(hashes))
    gift(700)
    assert ledger_sync.sync() == 1
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [3, 4]


@pytest.mark.django_db
def test_entries_and_checkpoints_are_append_only(settings):
    settings.SITE_BUILD_ENABLED = False
    gift()
    ledger_sync.sync()
    entry = PublicEntry.objects.get()
    entry.line = entry.line.replace("2500", "9999")
    with pytest.raises(AppendOnly):
        entry.save()
    with pytest.raises(AppendOnly):
        entry.delete()
    with pytest.raises(AppendOnly):
        PublicEntry.objects.all().update(line="x")
    with pytest.raises(AppendOnly):
        Checkpoint.objects.all().delete()
    assert "2500" in PublicEntry.objects.get().line


@pytest.mark.django_db
def test_the_webhook_receiver_costs_one_statement_and_coalesces():
    from django_tasks_db.models import DBTaskResult

    queued = DBTaskResult.objects.filter(task_path=sync_ledger.module_path)
    with CaptureQueriesContext(connection) as first:
        assert request_sync() is True
    with CaptureQueriesContext(connection) as burst:
        for _ in range(5):
            assert request_sync() is False
    assert len(first.captured_queries) == 1 and len(burst.captured_queries) == 5
    assert queued.count() == 1
    result = queued.get()
    assert result.queue_name == "builds" and result.backend_name == "builds" and result.status == "READY"


@pytest.mark.django_db
def test_payment_recorded_asks_for_a_sync(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from cms.donations import signals

    entry = gift()
    with django_capture_on_commit_callbacks(execute=True):
        signals.send_on_commit(signals.payment_recorded, entry=entry)
    assert DBTaskResult.objects.filter(task_path=sync_ledger.module_path, status="READY").count() == 1


def query(client, after=0, first=None, checkpoints_after=-1):
    body = {"query": "query($a:Int,$f:Int,$c:Int){publicLedger(after:$a,first:$f,checkpointsAfter:$c)"
                     "{size origin verifierKey entries checkpoints checkpointSizes}}",
            "variables": {"a": after, "f": first, "c": checkpoints_after}}
    return client.post("/graphql/", json.dumps(body), content_type="application/json")


@pytest.mark.django_db
def test_public_ledger_shows_lines_and_checkpoints_and_nothing_personal(client, settings):
    settings.SITE_BUILD_ENABLED = False
    gift(2500)
    unsynced = gift(1234)  # recorded but not synced: not public yet
    PublicEntry  # noqa: B018
    ledger_sync.sync()
    late = gift(4321)  # after the sync: not in the answer until the next sync
    answer = query(client).json()["data"]["publicLedger"]
    assert answer["size"] == 2 and len(answer["entries"]) == 2 and answer["checkpointSizes"] == [2]
    assert answer["verifierKey"] == ledger_sync.verifier_key()
    text = json.dumps(answer)
    for word in PERSONAL:
        assert word not in text
    assert "4321" not in text and str(late.donation.pk) not in text and unsynced.stripe_object not in text
    assert "pi_" not in text
    page = query(client, after=1, first=1).json()["data"]["publicLedger"]
    assert [json.loads(line)["seq"] for line in page["entries"]] == [1]
    assert query(client, checkpoints_after=2).json()["data"]["publicLedger"]["checkpoints"] == []


@pytest.mark.django_db
def test_approved_disbursements_reversals_and_grants_are_appended_drafts_never(settings):
    """The other sources of the books (cms/transparency): an approved disbursement, its reversal once
    approved, and a grant each become one entry; a draft or a submitted disbursement never does."""
    from cms.transparency import workflow
    from tests.transparency_helpers import approved, draft, finance_user, grant

    settings.SITE_BUILD_ENABLED = False
    project = factories.make_project(factories.make_site(), title="Le puits", slug="puits")
    anne, bruno = finance_user("anne"), finance_user("bruno")
    spent = approved(project, anne, bruno, amount=80_000)
    draft(project, anne, amount=1_000)
    workflow.submit(draft(project, anne, amount=2_000), anne)
    reversal = workflow.reverse(spent, anne, reason="facture en double")
    funded = grant(project, amount=500_000)
    ledger_sync.sync()
    entries = [json.loads(line) for line in PublicEntry.objects.order_by("seq").values_list("line", flat=True)]
    assert sorted((e["kind"], e["amount"]) for e in entries) == [("disbursement", 80_000), ("grant", 500_000)]
    assert {e["project"] for e in entries} == {"puits"}
    workflow.submit(reversal, anne)
    workflow.approve(reversal, bruno)
    ledger_sync.sync()
    kinds = list(PublicEntry.objects.order_by("seq").values_list("source", flat=True))
    assert kinds[-1] == f"disbursement:{reversal.pk}" and f"grant:{funded.pk}" in kinds
    assert json.loads(PublicEntry.objects.order_by("seq").last().line)["amount"] == -80_000
    assert ledger_sync.sync() == 0  # nothing new: nothing appended twice
    assert "Quatreyeux" not in "".join(PublicEntry.objects.values_list("line", flat=True))


@pytest.mark.django_db
@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(after=st.integers(-2**40, 2**40), first=st.one_of(st.none(), st.integers(-2**40, 2**40)),
       checkpoints_after=st.integers(-2**40, 2**40))
def test_hostile_arguments_never_5xx_nor_write(client, after, first, checkpoints_after):
    before = (PublicEntry.objects.count(), Checkpoint.objects.count())
    response = client.post("/graphql/", json.dumps({
        "query": "query($a:Int,$f:Int,$c:Int){publicLedger(after:$a,first:$f,checkpointsAfter:$c){size entries}}",
        "variables": {"a": after, "f": first, "c": checkpoints_after}}), content_type="application/json")
    assert response.status_code < 500
    assert (PublicEntry.objects.count(), Checkpoint.objects.count()) == before


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_syncs_append_each_movement_once(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: SQLite lets one writer in at a time anyway")
    settings.SITE_BUILD_ENABLED = False
    for amount in range(100, 130):
        gift(amount)
    errors = []

    def run():
        try:
            ledger_sync.sync()
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert list(PublicEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(range(30))
    assert PublicEntry.objects.values("source").distinct().count() == 30
    assert list(Checkpoint.objects.values_list("size", flat=True)) == [30]


def test_a_disbursement_keeps_only_the_public_fields():
    """What the transparency app's `ledger_entry_fields()` gives beyond the entry's fields is dropped (a
    supplier's e-mail, a pseudonym on a staff record), and the reference is ours when it gives none."""
    import datetime as dt
    from types import SimpleNamespace

    from cms.transparency.ledger.entries import other_fields, reference_for

    record = SimpleNamespace(ledger_entry_fields=lambda: {
        "day": dt.date(2026, 11, 30), "kind": "disbursement", "amount": -120000, "currency": "eur",
        "project": "puits-kaya", "supplier_email": "forage@example.org", "pseudonym": "Staff", "note": "facture"})
    fields = other_fields(record, "disbursement:7")
    assert fields == {"day": "2026-11-30", "kind": "disbursement", "amount": -120000, "currency": "EUR",
                      "project": "puits-kaya", "reference": reference_for("disbursement:7")}
