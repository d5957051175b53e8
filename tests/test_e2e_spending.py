"""A project page with money spent, proofs, the map and the donor wall, built from a real CMS and read in Chromium.

The CMS is the demo's, with disbursements recorded and approved through cms/transparency's own workflow
(four eyes: recorded by one account, approved by another), a proof document and a proof photo, one
approved disbursement reversed, and one update naming a disbursement. The site is built from its GraphQL
API like every build. Then, at 360 px: the spending section, the over-spent line, the proofs (served by the
static site itself), the map (an inline SVG with its places listed as text), no request to another host,
nothing wider than the screen, and axe finds no WCAG 2.2 A/AA violation. A screenshot is kept next to the
test's files (tests look at it when the layout changes).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from site_builder.build import build
from vda_base.money import money
from site_builder.serve import make_server
from tests.conftest import CmsServer, free_port
from tests.test_e2e_accessibility import AXE, AXE_TAGS
from tests.test_e2e_layout import LAYOUT_PROBLEMS_JS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
SLUG = "forage-solaire-kaffrine"

RECORD = r"""
from django.contrib.auth import get_user_model
from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from cms.projects.models import ProjectPage
from cms.transparency.models import Disbursement
from cms.transparency import workflow

users = get_user_model()
clerk = users.objects.create_superuser("saisie", "saisie@example.org", "pw-saisie-1234")
checker = users.objects.create_superuser("controle", "controle@example.org", "pw-controle-1234")
project = ProjectPage.objects.get(slug="%(slug)s")
lines = list(project.budget_lines.order_by("sort_order").values_list("label", "amount"))
document = get_document_model().objects.get(title__icontains="rapport")
photo = get_image_model().objects.order_by("pk").first()

def paid(amount, line, what, day, proofs=()):
    d = Disbursement.objects.create(project=project, date=day, amount=amount, currency=project.currency,
                                    budget_line_label=line, description=what, recorded_by=clerk)
    for proof in proofs:
        (d.proof_documents if proof is document else d.proof_images).add(proof)
    workflow.submit(d, clerk)
    return workflow.approve(d, checker)

big = paid(lines[0][1] + 150000, lines[0][0], "Forage à 85 mètres et pompe solaire", "2026-04-15", [document, photo])
twice = paid(90000, lines[1][0], "Château d'eau (facture saisie deux fois)", "2026-09-20", [document])
reversal = workflow.reverse(twice, clerk, reason="facture saisie deux fois")
workflow.submit(reversal, clerk)
workflow.approve(reversal, checker)
update = project.updates.get(title__startswith="L'eau jaillit")
update.disbursements.add(big)
update.save()
from django.utils import timezone
from cms.donations.models import Donation, LedgerEntry
for n, (wall_name, hidden) in enumerate([("Mariam du quartier", False), ("Nom masqué par l'équipe", True)]):
    gift = Donation.objects.create(project=project, project_slug=project.slug, amount=3000, currency="EUR",
                                   status="succeeded", public_wall=True, wall_name=wall_name, wall_hidden=hidden,
                                   donor_name="Mariam Diop")
    LedgerEntry.objects.create(donation=gift, kind="payment", amount=3000, currency="EUR", project=project,
                               project_slug=project.slug, stripe_object=f"pi_wall_{n}", occurred_at=timezone.now())
from django.db.models import Sum
spent_eur = Disbursement.objects.approved().filter(currency="EUR").aggregate(t=Sum("amount"))["t"]
print(big.pk, twice.pk, reversal.pk, spent_eur)
"""


@pytest.fixture(scope="module")
def spending_site(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("cms-spending")
    server = CmsServer(workdir).start()
    try:
        ids = server.shell(RECORD % {"slug": SLUG}).split()
        out = workdir / "public"
        result = build(server.api, out, base_url="https://www.example.org", cache_dir=workdir / "cache")
        assert result.errors == [], result.errors
    finally:
        server.stop()
    port = free_port()
    static = make_server(out, port)
    threading.Thread(target=static.serve_forever, daemon=True).start()
    yield {"url": f"http://127.0.0.1:{port}", "out": out, "ids": ids, "workdir": workdir}
    static.shutdown()


def test_a_project_page_with_spending_proofs_and_map_at_360px(spending_site, page):
    site = spending_site["url"]
    big, twice, reversal, _spent = spending_site["ids"]
    requests_seen = []
    page.on("request", lambda r: requests_seen.append(r.url))
    page.set_viewport_size({"width": 360, "height": 800})
    page.goto(f"{site}/projets/{SLUG}/")
    section = page.locator("#depenses")
    assert section.is_visible()
    assert "Où va l’argent" in section.inner_text()
    assert page.locator("#depenses tr.over").count() == 1  # the drilling line went over its budget
    assert "dépassement de" in page.locator("#depenses tr.over").inner_text().replace("\xa0", " ")
    items = page.locator("#depenses li.spend")
    ids = [items.nth(i).get_attribute("id") for i in range(items.count())]
    ours = [f"depense-{reversal}", f"depense-{twice}", f"depense-{big}"]
    assert [i for i in ids if i in ours] == ours  # newest first (the demo's own disbursements among them)
    assert "annulation" in page.locator(f"#depense-{reversal}").inner_text()
    # the proofs are the static site's own files
    proofs = page.locator(f"#depense-{big} .spend__proofs a")
    assert proofs.count() == 2
    for i in range(proofs.count()):
        href = proofs.nth(i).get_attribute("href")
        assert href.startswith("/media/"), href
        assert requests.get(site + href, timeout=10).status_code == 200, href
    # the timeline links its update to the disbursement, and the map lists its places
    funded = page.locator(f".update__funded a[href='#depense-{big}']")
    assert funded.count() == 1
    svg = page.locator("#carte svg[role=img]")
    assert svg.is_visible() and svg.bounding_box()["width"] <= 360
    places = page.locator("#carte .map__places li").all_inner_texts()
    assert any("Forage de Ndiobène" in p for p in places) and any("Le projet" in p for p in places)
    funded.click()
    assert page.evaluate("location.hash") == f"#depense-{big}"
    # the donor wall: the name the donor typed for it, never the hidden one nor their full name
    wall = page.locator("[data-donor-wall]")
    assert wall.is_visible() and "Mariam du quartier" in wall.inner_text()
    assert "masqué" not in wall.inner_text() and "Mariam Diop" not in page.content()
    # nothing from another host, nothing wider than the screen
    assert [u for u in requests_seen if urlsplit(u).netloc != urlsplit(site).netloc] == []
    assert page.evaluate(LAYOUT_PROBLEMS_JS) == []
    page.goto(f"{site}/projets/{SLUG}/#depenses")
    page.screenshot(path=str(spending_site["workdir"] / "spending-360.png"), full_page=True)
    if os.environ.get("VDA_KEEP_SCREENSHOT"):
        page.screenshot(path=os.environ["VDA_KEEP_SCREENSHOT"], full_page=True)


def test_axe_finds_no_violation_on_spending_pages(spending_site, page):
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but {AXE} is missing (make test installs it with npm)")
        pytest.skip("axe-core is not installed (needs npm)")
    source = AXE.read_text()
    failures = []
    for width in (360, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        for url in (f"/projets/{SLUG}/", "/projets/", "/transparence/"):
            page.goto(spending_site["url"] + url)
            page.add_script_tag(content=source)
            violations = page.evaluate(
                "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations"
                ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).slice(0, 3).join(', '))", AXE_TAGS)
            failures += [f"{url} @{width}px {v}" for v in violations]
    assert failures == []


def test_the_ngo_figures_are_on_the_index_and_the_transparency_page(spending_site, page):
    for url in ("/projets/", "/transparence/"):
        page.goto(spending_site["url"] + url)
        row = page.locator(f"tbody a[href='/projets/{SLUG}/#depenses']")
        assert row.count() == 1, url
        totals = page.locator("#bilan-title ~ div table").first
        assert "Ensemble des projets en euros" in totals.inner_text(), url
        figures = totals.inner_text().replace("\u202f", " ").replace("\xa0", " ")
        spent = money(int(spending_site["ids"][3]), "EUR").replace("\u202f", " ").replace("\xa0", " ")
        assert spent in figures, (url, spent, figures)  # every approved euro, the reversal netting its invoice
        page.set_viewport_size({"width": 360, "height": 800})
        assert page.evaluate(LAYOUT_PROBLEMS_JS) == [], url  # the tables fit a phone without scrolling
