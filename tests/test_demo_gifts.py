"""The demo's gift history (content/gifts.yaml): after `load_content` every project that takes gifts shows
money raised, completed ones are fully funded, the rows are marked as demo data, a second load adds
nothing, and changing the history replaces only the demo rows (never a real gift)."""

import datetime as dt
import shutil

import pytest
from django.core.management import call_command
from django.utils import timezone

from cms.donations.ledger import project_totals, site_totals
from cms.donations.models import Donation, LedgerEntry
from cms.projects.models import ProjectPage
from tests.conftest import CONTENT

pytestmark = pytest.mark.django_db

CFA = {"XOF", "XAF"}


def ledger_snapshot():
    return sorted(LedgerEntry.objects.values_list("stripe_object", "amount", "project_slug", "occurred_at"))


@pytest.fixture
def loaded():
    call_command("load_content", str(CONTENT))


def test_every_project_that_takes_gifts_shows_a_plausible_total(loaded, client):
    totals = project_totals()
    projects = {p.slug: p for p in ProjectPage.objects.live()}
    assert projects and set(totals) == set(projects)
    for slug, project in projects.items():
        t = totals[slug]
        share = 100 * t["raised"] / project.goal_amount
        if project.status == "completed":
            assert t["raised"] == project.goal_amount, slug  # fully funded
        elif project.status == "active":
            assert 15 <= share <= 90, (slug, share)
        else:
            assert t["raised"] > 0, slug
        assert t["donors"] > 20, slug
    assert site_totals()["raised"] > 0
    from django.core.cache import cache

    cache.clear()  # another test's totals may still be cached in this process
    served = client.get("/donate/totals.json").json()["projects"]
    assert all(served[s]["raised"] > 0 for s, p in projects.items() if p.status != "completed")


def test_the_gifts_look_like_real_ones_and_are_marked_as_demo_data(loaded):
    donations = Donation.objects.all()
    assert donations.count() > 500
    assert set(donations.values_list("source", flat=True)) == {"demo"}
    assert not donations.exclude(donor=None).exists()  # anonymous: no personal data, real or invented
    assert not donations.exclude(stripe_payment_intent="", stripe_subscription="").exists()  # nothing to ask Stripe
    frequencies = set(donations.values_list("frequency", flat=True))
    assert frequencies == {"once", "monthly"}
    monthly = donations.filter(frequency="monthly").count() / donations.count()
    assert 0.05 < monthly < 0.3
    entries = LedgerEntry.objects.all()
    assert all(e.startswith(("demo_pi_", "demo_in_")) for e in entries.values_list("stripe_object", flat=True))
    assert not entries.exclude(kind="payment").exists()
    for amount, currency in entries.values_list("amount", "currency"):
        euros = amount / 655.957 if currency in CFA else amount / 100
        assert 9.5 <= euros <= 500.5, (amount, currency)
    # monthly gifts pay every month: several ledger rows for one donation, in the right project
    one = donations.filter(frequency="monthly").order_by("created_at").first()
    rows = list(one.entries.order_by("occurred_at"))
    assert len(rows) > 1 and {r.project_slug for r in rows} == {one.project_slug}
    assert all(r.frequency == "monthly" and r.amount == one.amount for r in rows)
    # the history lies in the past, over months
    first, last = entries.order_by("occurred_at").first(), entries.order_by("occurred_at").last()
    assert last.occurred_at <= timezone.now() and last.occurred_at - first.occurred_at > dt.timedelta(days=180)

    # deterministic: a fresh database gets the same rows (ids, amounts, dates) whatever the day
    from cms.core import demo_gifts
    from cms.core.content_loader import ContentLoader

    spec = ContentLoader(CONTENT)._yaml(CONTENT / "gifts.yaml")
    again = sorted((e["stripe_object"], e["amount"], e["occurred_at"])
                   for g in demo_gifts.plan(spec, list(ProjectPage.objects.live())) for e in g["entries"])
    assert again == sorted(entries.values_list("stripe_object", "amount", "occurred_at"))


def test_loading_twice_adds_nothing(loaded, capsys):
    before = ledger_snapshot()
    donations = sorted(Donation.objects.values_list("pk", flat=True))
    capsys.readouterr()
    call_command("load_content", str(CONTENT))
    assert "0 item(s) created or updated" in capsys.readouterr().out
    assert ledger_snapshot() == before
    assert sorted(Donation.objects.values_list("pk", flat=True)) == donations


def test_a_changed_history_replaces_the_demo_rows_only(loaded, tmp_path):
    project = ProjectPage.objects.live().exclude(status="completed").first()
    real = Donation.objects.create(project=project, project_slug=project.slug, amount=4200, currency=project.currency,
                                   source="project-page", status="succeeded")
    LedgerEntry.objects.create(donation=real, kind="payment", amount=4200, currency=project.currency,
                               project=project, project_slug=project.slug, frequency="once",
                               donation_kind="gift", stripe_object="pi_real_gift", occurred_at=timezone.now())
    demo_before = set(LedgerEntry.objects.filter(stripe_object__startswith="demo_")
                      .values_list("stripe_object", "amount"))
    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    gifts = content / "gifts.yaml"
    gifts.write_text(gifts.read_text(encoding="utf-8").replace('seed: "', 'seed: "other-'), encoding="utf-8")
    call_command("load_content", str(content))
    assert LedgerEntry.objects.filter(stripe_object="pi_real_gift", amount=4200).exists()
    assert Donation.objects.filter(pk=real.pk).exists()
    demo_after = set(LedgerEntry.objects.filter(stripe_object__startswith="demo_")
                     .values_list("stripe_object", "amount"))
    assert demo_after and demo_after != demo_before
    assert project_totals()[project.slug]["raised"] == 4200 + sum(
        LedgerEntry.objects.filter(project_slug=project.slug, stripe_object__startswith="demo_")
        .values_list("amount", flat=True))


def test_an_unknown_project_in_gifts_yaml_is_a_clear_error(tmp_path):
    from django.core.management.base import CommandError

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    gifts = content / "gifts.yaml"
    gifts.write_text(gifts.read_text(encoding="utf-8") + "  projet-inexistant: 50\n", encoding="utf-8")
    with pytest.raises(CommandError, match="gifts.yaml: unknown project"):
        call_command("load_content", str(content))
    assert not LedgerEntry.objects.exists()
