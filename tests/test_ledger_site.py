"""The public ledger on the built site, against a real CMS process: a full build publishes it, an
incremental build after a gift appends to it (entries.jsonl grows in place, other ledger pages untouched),
and verify-ledger passes on the clean log and names the fault on each kind of tampering."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from site_builder import verify_ledger as tlog
from site_builder.build import build
from site_builder.incremental import build_incremental
from tests.conftest import CmsServer

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parent.parent
BASE = "https://www.example.org"
LEDGER = "transparence/registre/"

GIFT = """
import json
from django.utils import timezone
from cms.donations.models import Donation, LedgerEntry
from cms.projects.models import ProjectPage
from cms.transparency.ledger.entries import payment_reference
from cms.transparency.ledger.sync import sync
project = ProjectPage.objects.live().order_by("pk")[{index}]
donation = Donation.objects.create(amount={amount}, currency=project.currency, status="succeeded", project=project,
                                   project_slug=project.slug, donor_name="Zoé Secretname", public_wall=False)
entry = LedgerEntry.objects.create(donation=donation, kind="payment", amount={amount}, currency=project.currency,
                                   project=project, project_slug=project.slug, occurred_at=timezone.now(),
                                   stripe_object="pi_ledger_site_" + donation.pk.hex[:12])
appended = sync()
print(json.dumps({{"slug": project.slug, "reference": payment_reference(entry.pk), "appended": appended}}))
"""


def shell(cms, code: str) -> dict:
    return json.loads(cms.shell(code).strip().splitlines()[-1])


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    files = {}
    for root, _dirs, names in os.walk(folder):
        for name in names:
            path = Path(root) / name
            files[path.relative_to(folder).as_posix()] = (path.stat().st_ino, path.stat().st_mtime_ns)
    return files


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    cms = CmsServer(tmp_path_factory.mktemp("ledger-cms")).start()
    cms.out, cms.cache = cms.workdir / "public", cms.workdir / "build-cache"
    cms.first = shell(cms, GIFT.format(index=0, amount=2500))
    build(cms.api, cms.out, base_url=BASE, cache_dir=cms.cache)
    cms.before = snapshot(cms.out / LEDGER)
    cms.entries_before = (cms.out / LEDGER / "entries.jsonl").read_bytes()
    cms.second = shell(cms, GIFT.format(index=1, amount=1700))
    assert cms.second["appended"] == 1
    cms.result = build_incremental(cms.api, cms.out, base_url=BASE, cache_dir=cms.cache)
    yield cms
    cms.stop()


def test_the_full_build_publishes_a_log_that_verifies(site):
    folder = site.out / LEDGER
    for name in ("entries.jsonl", "checkpoint", "checkpoints/index.txt", "cle.txt", "totals.json", "index.html"):
        assert (folder / name).is_file(), name
    lines = site.entries_before.decode().splitlines()
    assert lines and all(json.loads(line)["seq"] == n for n, line in enumerate(lines))
    assert "Secretname" not in (site.out / LEDGER / "entries.jsonl").read_text()
    assert "Zoé" not in (site.out / LEDGER / "entries.jsonl").read_text()
    page = (folder / "index.html").read_text()
    assert "verify-ledger" in page and "Registre public" in page and tlog.parse_vkey((folder / "cle.txt").read_text())
    assert 'href="verify_ledger.py"' in page


def test_the_published_verifier_runs_alone_on_the_published_site(site, tmp_path):
    """A reader downloads verify_ledger.py from the site and runs it with nothing of ours on the path."""
    script = site.out / LEDGER / "verify_ledger.py"
    assert script.read_text(encoding="utf-8") == Path(tlog.__file__).read_text(encoding="utf-8")
    alone = tmp_path / "verify_ledger.py"
    alone.write_bytes(script.read_bytes())
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")}
    done = subprocess.run([sys.executable, "-I", str(alone), str(site.out)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("OK:"), done.stdout + done.stderr


def test_an_incremental_build_appends_and_touches_no_other_ledger_page(site):
    folder = site.out / LEDGER
    after = snapshot(folder)
    data = (folder / "entries.jsonl").read_bytes()
    assert data.startswith(site.entries_before) and data.count(b"\n") == site.entries_before.count(b"\n") + 1
    assert after["entries.jsonl"][0] == site.before["entries.jsonl"][0]  # the same file, appended to
    size = data.count(b"\n")
    assert f"checkpoints/{size}" in after and f"checkpoints/{size}" not in site.before
    changed = {p for p in after if p not in site.before or after[p] != site.before[p]}
    allowed = {"entries.jsonl", "checkpoint", "checkpoints/index.txt", f"checkpoints/{size}", "totals.json",
               "index.html", f"{site.second['slug']}/index.html"}
    assert changed <= allowed and {"entries.jsonl", f"checkpoints/{size}", "checkpoint"} <= changed, changed
    assert all(after[p] == site.before[p] for p in site.before if p.startswith("checkpoints/") and
               p != "checkpoints/index.txt")
    totals = json.loads((folder / "totals.json").read_text())
    entries = [json.loads(line) for line in data.decode().splitlines()]
    assert sum(v for per in totals.values() for v in per.values()) == sum(
        e["amount"] for e in entries if e["kind"] in ("payment", "refund"))


def test_verify_ledger_passes_on_the_clean_site_with_each_entry_point(site):
    report = tlog.verify_site(str(site.out), site.second["reference"])
    assert report.size == (site.out / LEDGER / "entries.jsonl").read_bytes().count(b"\n")
    assert site.second["reference"] in report.reference
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for command in ([sys.executable, "-m", "site_builder", "verify-ledger", str(site.out),
                     "--reference", site.first["reference"]],
                    [sys.executable, str(REPO / "site_builder" / "verify_ledger.py"), str(site.out)]):
        done = subprocess.run(command, capture_output=True, text=True, env=env, timeout=120)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("OK:")
    done = subprocess.run([sys.executable, "-m", "site_builder", "verify-ledger", str(site.out), "--reference",
                           "R-NOTAREFXYZ"], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 1 and "R-NOTAREFXYZ" in done.stderr


def test_the_project_page_shows_the_ledger_figure(site):
    totals = json.loads((site.out / LEDGER / "totals.json").read_text())
    index = (site.out / LEDGER / "index.html").read_text()
    links = re.findall(r'data-ledger-project="([^"]*)" data-ledger-currency="([A-Z]{3})" href="([^"]+)"', index)
    assert site.second["slug"] in {slug for slug, _c, _h in links}
    for slug, currency, href in links:
        page = (site.out / href.lstrip("/") / "index.html").read_text()
        shown = re.search(r'data-ledger-raised="(-?\d+)"', page)
        assert shown and int(shown.group(1)) == totals.get(currency, {}).get(slug, 0), slug


@pytest.fixture
def copy(site, tmp_path):
    target = tmp_path / "site"
    shutil.copytree(site.out, target)
    return target


def lines_of(folder: Path) -> list[str]:
    return (folder / LEDGER / "entries.jsonl").read_text().splitlines()


def write_lines(folder: Path, lines: list[str]) -> None:
    (folder / LEDGER / "entries.jsonl").write_text("".join(line + "\n" for line in lines))


def fault(folder: Path) -> str:
    with pytest.raises(tlog.Fault) as caught:
        tlog.verify_site(str(folder))
    return str(caught.value)


def test_an_edited_amount_is_named(copy):
    lines = lines_of(copy)
    last = json.loads(lines[-1])
    last["amount"] += 100
    lines[-1] = tlog.canonical(last)
    write_lines(copy, lines)
    assert fault(copy).startswith(f"entry {len(lines) - 1}:")


def test_reordered_entries_are_named(copy):
    lines = lines_of(copy)
    lines[0], lines[1] = lines[1], lines[0]
    write_lines(copy, lines)
    assert fault(copy).startswith("entry 0: its seq is 1")


def test_a_truncated_log_fails(copy):
    write_lines(copy, lines_of(copy)[:-1])
    assert "truncated" in fault(copy)


def test_a_log_resigned_with_another_key_fails(copy):
    other = bytes(range(32))
    for path in [copy / LEDGER / "checkpoint", *(copy / LEDGER / "checkpoints").glob("[0-9]*")]:
        body = path.read_text().split("\n\n")[0] + "\n"
        origin = body.split("\n")[0]
        path.write_text(tlog.sign_note(body, origin, other))
    assert "checkpoint: no signature by" in fault(copy)


def test_a_shrinking_checkpoint_fails(copy):
    sizes = (copy / LEDGER / "checkpoints/index.txt").read_text().split()
    first = int(sizes[0])
    write_lines(copy, lines_of(copy)[:first])
    shutil.copy(copy / LEDGER / f"checkpoints/{first}", copy / LEDGER / "checkpoint")
    assert f"checkpoints/{sizes[-1]}: larger than the latest checkpoint" in fault(copy)


def test_a_removed_checkpoint_fails(copy):
    sizes = (copy / LEDGER / "checkpoints/index.txt").read_text().split()
    (copy / LEDGER / f"checkpoints/{sizes[0]}").unlink()
    assert fault(copy) == f"{LEDGER}checkpoints/{sizes[0]} is missing"
    (copy / LEDGER / "checkpoints/index.txt").write_text("".join(f"{s}\n" for s in sizes[1:-1]))
    (copy / LEDGER / f"checkpoints/{sizes[-1]}").unlink()
    assert fault(copy) == f"{LEDGER}checkpoints/{sizes[-1]} is missing"


def test_totals_that_differ_from_the_entries_fail(copy):
    path = copy / LEDGER / "totals.json"
    totals = json.loads(path.read_text())
    currency = next(iter(totals))
    slug = next(iter(totals[currency]))
    totals[currency][slug] += 1
    path.write_text(json.dumps(totals))
    assert fault(copy).startswith(f"totals.json: {currency}")


def test_a_project_page_figure_that_differs_fails(copy, site):
    index = (copy / LEDGER / "index.html").read_text()
    href = re.search(rf'data-ledger-project="{site.second["slug"]}" data-ledger-currency="[A-Z]{{3}}" href="([^"]+)"',
                     index).group(1)
    page = copy / href.lstrip("/") / "index.html"
    page.write_text(re.sub(r'data-ledger-raised="(-?\d+)"', 'data-ledger-raised="1"', page.read_text()))
    assert fault(copy).startswith(f"project page {href} shows 1")
