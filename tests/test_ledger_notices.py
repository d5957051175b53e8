"""The gift's public reference in its thank-you e-mail (through the worker and the local SMTP server) and on
its tax receipt, equal to the reference its ledger entry gets once synced; a webhook's payment queues one
sync task, which the worker runs."""

from __future__ import annotations

import json

import pytest
from django_tasks_db.models import DBTaskResult

from cms.receipts import service
from cms.transparency.ledger.models import PublicEntry
from cms.transparency.ledger.tasks import sync_ledger
from tests import receipt_helpers as rh
from tests.smtp_server import html_of, text_of
from tests.test_donor_mail import giving, make_donor, one_off, paid_event  # noqa: F401 (giving: a fixture)

pytestmark = pytest.mark.django_db


def test_the_thank_you_prints_the_ledger_reference_the_sync_then_publishes(  # noqa: F811 (giving)
        giving, run_worker, smtp_mailbox, settings):
    settings.SITE_BUILD_ENABLED = False
    ada = make_donor()
    gift = one_off(giving.project, ada, "pi_ledger_ada", amount=4200)
    assert giving(paid_event(gift, "pi_ledger_ada", 4200)).status_code == 200
    assert DBTaskResult.objects.filter(task_path=sync_ledger.module_path, status="READY").count() == 1
    assert not PublicEntry.objects.exists()  # the webhook only asked
    assert run_worker() == 2
    message = smtp_mailbox.wait_for(to="ada@example.org")
    assert run_worker(queues=("builds",)) >= 1  # the sync
    entry = json.loads(PublicEntry.objects.get().line)
    assert entry["amount"] == 4200 and entry["reference"].startswith("R-")
    for part in (text_of(message), html_of(message)):
        assert "registre public" in part and entry["reference"] in part and "/transparence/registre/" in part
    assert "Ada" not in PublicEntry.objects.get().line


def test_the_receipt_prints_the_ledger_reference(settings):
    from cms.transparency.ledger.entries import payment_reference

    settings.SITE_BUILD_ENABLED = False
    payment = rh.pay(rh.donation(rh.donor()))
    receipt = service.receipt_for_payment(payment)
    text = rh.pdf_text(service.pdf_bytes(receipt))
    assert f"registre public : /transparence/registre/, référence {payment_reference(payment.pk)}." in text
