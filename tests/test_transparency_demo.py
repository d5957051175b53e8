"""The demo's spending (content/spending.yaml, issue 14 §1): `load_content` records approved
disbursements with their proofs and a grant, four eyes included (two demo accounts that cannot sign in),
the public figures show them, and a second load writes nothing."""

from __future__ import annotations

import shutil

import pytest
from django.core.management import call_command

from cms.transparency.models import Disbursement, Grant
from tests.conftest import CONTENT
from tests.transparency_helpers import SPENDING_QUERY, gql

pytestmark = pytest.mark.django_db


def test_demo_spending_is_loaded_once_and_shown(client, capsys):
    call_command("load_content", str(CONTENT))
    approved = Disbursement.objects.approved()
    assert approved.count() == Disbursement.objects.count() >= 3
    for d in approved:
        assert d.recorded_by_id != d.approved_by_id
        assert not d.recorded_by.is_active and not d.recorded_by.has_usable_password()
    assert Grant.objects.count() == 1
    status, payload = gql(client, SPENDING_QUERY)
    assert status == 200 and "errors" not in payload, payload
    rows = {row["slug"]: row for row in payload["data"]["projectSpending"]}
    kaffrine = rows["forage-solaire-kaffrine"]
    assert kaffrine["spent"] == 1_750_000 + 980_000 and kaffrine["grants"] == 1_000_000
    kinds = {p["kind"] for d in kaffrine["disbursements"] for p in d["proofs"]}
    assert kinds == {"document", "image"}
    assert "demo-" not in str(payload)
    before = sorted(Disbursement.objects.values_list("pk", "status", "amount"))
    capsys.readouterr()
    call_command("load_content", str(CONTENT))
    assert "0 item(s) created or updated" in capsys.readouterr().out
    assert sorted(Disbursement.objects.values_list("pk", "status", "amount")) == before
    assert Grant.objects.count() == 1


def test_a_line_not_in_the_project_is_a_clear_error(tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    text = (content / "spending.yaml").read_text(encoding="utf-8")
    (content / "spending.yaml").write_text(text.replace('"Forage et essais de pompage"', '"Ligne inconnue"', 1),
                                           encoding="utf-8")
    with pytest.raises(Exception, match="kaffrine-forage"):
        call_command("load_content", str(content))
    assert Disbursement.objects.count() == 0
