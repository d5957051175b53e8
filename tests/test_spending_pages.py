"""Money spent and proof on the ground, as the static site shows them (issue 14 §1 site side, §2).

On plain API data per the contract of cms/transparency's public fields (`projectSpending`, `siteSpending`,
`ProjectUpdate.disbursements`), rendered with the real theme: the project page's "Où va l'argent" section
(lines, reversals, over-spending, proofs copied into the site), the timeline with places and "Financé par"
links, the map (an inline SVG, its points inside its view, nothing external), the NGO-wide summary on the
project index and on a page carrying the "Bilan des dépenses" block, no section at all without spending,
and the incremental model step re-making exactly the routes a spending change shows.
"""

from __future__ import annotations

import copy
import math
import re

import pytest

from site_builder.build import make_site, render
from site_builder.normalize import MediaMap
from site_builder.routes import spending as money_spent
from site_builder.site_map import svg, view_box, map_points
from tests import sitecheck
from tests.test_changed_routes import CONFIG, assert_same, built, globals_, page, project, publish

BASE = "https://www.example.org"


def disbursement(d_id, amount, line="Forage", date="2026-05-02", proofs=1, description=None):
    return {"id": str(d_id), "date": date, "amount": amount, "currency": "EUR", "budgetLine": line,
            "description": description or f"Dépense {d_id}",
            "proofs": [{"title": f"Facture {d_id}-{k}", "kind": "document",
                        "url": f"http://cms.test/media/documents/facture-{d_id}-{k}.pdf"} for k in range(proofs)]}


def spending_row(slug="projet-10", spent_forage=70000, disbursements=None, grants=20000, raised=90000):
    disbursements = disbursements if disbursements is not None else [
        disbursement(3, -5000, description="Annulation : facture saisie deux fois", date="2026-06-01", proofs=0),
        disbursement(2, 5000, date="2026-05-30"),
        disbursement(1, spent_forage, date="2026-05-02", proofs=2)]
    spent = sum(d["amount"] for d in disbursements)
    return {"slug": slug, "currency": "EUR", "planned": 100000, "raised": raised, "grants": grants, "spent": spent,
            "overspent": spent > raised,
            "lines": [{"label": "Forage", "planned": 60000, "spent": spent},
                      {"label": "Formation", "planned": 40000, "spent": 0},
                      {"label": "Autres dépenses", "planned": 0, "spent": 0}],
            "disbursements": disbursements}


def spending_globals(rows, raised=0):
    g = globals_(raised)
    g["projectSpending"] = rows
    g["siteSpending"] = [{"currency": "EUR", "planned": sum(r["planned"] for r in rows),
                          "raised": sum(r["raised"] for r in rows), "grants": sum(r["grants"] for r in rows),
                          "spent": sum(r["spent"] for r in rows)}] if rows else []
    return g


def summary_block():
    return {"blockType": "SpendingSummaryBlock", "field": "spending_summary", "id": "bilan",
            "heading": "Bilan des dépenses", "showProjects": True}


UPDATES = [
    {"date": "2026-04-21", "title": "L'eau jaillit", "text": "<p>À 85 mètres.</p>", "photos": [],
     "placeName": "Forage de Ndiobène", "latitude": 14.0712, "longitude": -15.6193,
     "disbursements": [{"id": "1"}, {"id": "99"}]},  # 99: not a public disbursement, never linked
    {"date": "2026-02-10", "title": "Le comité est élu", "text": "<p>Sept membres.</p>", "photos": [],
     "placeName": "Mairie de Kaffrine", "latitude": 14.1059, "longitude": -15.5508, "disbursements": []},
    {"date": "2026-09-30", "title": "Sans lieu", "text": "<p>Rien.</p>", "photos": [],
     "placeName": "", "latitude": None, "longitude": None, "disbursements": []},
]


def the_site():
    return [page(1, "core.HomePage", "/accueil/", intro="Bienvenue", heroImage=None, body=[]),
            page(2, "projects.ProjectIndexPage", "/accueil/projets/", introOptional="Nos projets"),
            dict(project(10), latitude=14.1021, longitude=-15.5487, region="Kaffrine", updates=copy.deepcopy(UPDATES)),
            project(11),
            page(4, "core.StandardPage", "/accueil/transparence/", introOptional="Nos comptes",
                 body=[summary_block()]),
            page(5, "core.StandardPage", "/accueil/a-propos/", introOptional="Qui", body=[])]


def rendered(tmp_path, pages, globals_now):
    data, media = make_site(copy.deepcopy(pages), globals_now, CONFIG)
    result = render(data, tmp_path, workers=1)
    assert result["errors"] == []
    return sitecheck.load_pages(tmp_path), data, media


def test_spending_of_a_project_lines_reversals_and_over_spending():
    media = MediaMap(api_origin="http://cms.test")
    s = money_spent.project_spending(spending_row(spent_forage=70000), media)
    assert (s["raised"], s["grants"], s["online"], s["spent"]) == (90000, 20000, 70000, 70000)
    forage, formation = s["lines"]  # "Autres dépenses" with nothing planned nor spent is left out
    assert (forage["label"], forage["spent"], forage["over"], forage["excess"], forage["percent"]) == \
        ("Forage", 70000, True, 10000, 117)
    assert (formation["over"], formation["percent"]) == (False, 0)
    assert s["over_lines"] == ["Forage"] and s["overspent"] is False  # over a line, not over the money raised
    reversal = s["disbursements"][0]
    assert reversal["reversal"] and reversal["amount"] == -5000 and reversal["proofs"] == []
    assert [d["id"] for d in s["disbursements"]] == ["3", "2", "1"]  # the API's order: newest first
    # proofs are copied into the site: a path under /media/, the CMS URL only as the source to fetch
    assert s["disbursements"][2]["proofs"][0]["url"] == "/media/documents/facture-1-0.pdf"
    assert media.wanted["http://cms.test/media/documents/facture-1-0.pdf"] == "/media/documents/facture-1-0.pdf"
    assert money_spent.project_spending(spending_row(spent_forage=100000, raised=90000), media)["overspent"]
    other = spending_row()
    other["lines"][2]["spent"] = 1200  # spent on nothing planned: shown, with no percentage invented
    line = money_spent.project_spending(other, media)["lines"][2]
    assert (line["label"], line["planned"], line["spent"], line["over"]) == ("Autres dépenses", 0, 1200, True)


def test_no_spending_means_no_section():
    media = MediaMap(api_origin="http://cms.test")
    assert money_spent.project_spending(None, media) is None
    assert money_spent.project_spending(spending_row(disbursements=[]), media) is None
    assert money_spent.site_summary({}, []) is None


def test_project_page_shows_spending_proofs_timeline_and_map(tmp_path):
    pages, data, media = rendered(tmp_path, the_site(), spending_globals([spending_row()]))
    soup = pages["/projets/projet-10/"].soup
    section = soup.find(id="depenses")
    assert section is not None and "Où va l’argent" in section.get_text()
    text = " ".join(section.get_text(" ").split()).replace("\xa0", " ").replace("\u202f", " ")
    assert "dons en ligne et subventions" in text and "ne sont pas affectés à un poste" in text
    rows = [" ".join(tr.get_text(" ").split()) for tr in section.select("table tbody tr")]
    assert len(rows) == 2 and rows[0].startswith("Forage") and "dépassement de" in rows[0].replace("\xa0", " ")
    assert section.select("table tbody tr.over") and section.select("th[scope=col]")
    items = section.select("li.spend")
    assert [li["id"] for li in items] == ["depense-3", "depense-2", "depense-1"]
    assert "annulation" in items[0].get_text() and "-50\xa0€" in items[0].get_text()
    proofs = [a["href"] for a in section.select(".spend__proofs a")]
    assert proofs == ["/media/documents/facture-2-0.pdf", "/media/documents/facture-1-0.pdf",
                      "/media/documents/facture-1-1.pdf"]
    assert set(proofs) <= set(media.wanted.values())  # fetched into the site by fetch_media
    # the timeline: newest first, places named, "Financé par" links only to disbursements the list shows
    updates = soup.select("ol.updates li.update")
    assert [u.find("h3").get_text() for u in updates] == ["Sans lieu", "L'eau jaillit", "Le comité est élu"]
    assert updates[1].select_one(".update__place").get_text(strip=True) == "Forage de Ndiobène"
    assert updates[0].select_one(".update__place") is None
    assert [a["href"] for a in updates[1].select(".update__funded a")] == ["#depense-1"]
    assert soup.find(id="depense-1") is not None
    # the map: inline, labelled, the places as text beside it, and only this site's styles linked
    figure = soup.select_one("#carte svg")
    assert figure["role"] == "img" and figure.find("title").get_text().startswith("Carte des lieux")
    places = [" ".join(li.get_text(" ").split()) for li in soup.select("#carte .map__places li")]
    assert places == ["P Le projet : Kaffrine, Burkina Faso", "1 Mairie de Kaffrine", "2 Forage de Ndiobène"]
    assert any("spending." in link["href"] for link in soup.select("link[rel=stylesheet]"))
    html = (tmp_path / "projets/projet-10/index.html").read_text()
    # JSON-LD's "@context": "https://schema.org" names a vocabulary and is never fetched: the only exception
    html = re.sub(r'<script type="application/ld\+json">.*?</script>', "", html, flags=re.S)
    external = [u for u in re.findall(r"https?://[^\s\"'<>]+", html) if not u.startswith(BASE)]
    assert external == []
    assert "cms.test" not in html


def test_a_project_without_spending_or_places_has_neither_section(tmp_path):
    pages, _data, _media = rendered(tmp_path, the_site(), spending_globals([]))
    soup = pages["/projets/projet-11/"].soup
    assert soup.find(id="depenses") is None and soup.find(id="carte") is None
    assert soup.find(id="budget-title") is not None  # the planned budget, as before
    assert not any("spending." in link["href"] for link in soup.select("link[rel=stylesheet]"))
    assert pages["/projets/projet-10/"].soup.find(id="carte") is not None  # places without spending: a map
    assert pages["/projets/projet-10/"].soup.find(id="depenses") is None
    assert pages["/transparence/"].soup.select(".block-spending") == []  # no figures: the block shows nothing


def test_the_index_and_the_transparency_page_show_the_ngo_figures(tmp_path):
    rows = [spending_row(), spending_row("projet-11", disbursements=[disbursement(7, 1234)], grants=0, raised=500)]
    pages, _data, _media = rendered(tmp_path, the_site(), spending_globals(rows))
    for url, scope in (("/projets/", "section[aria-labelledby=bilan-title]"), ("/transparence/", ".block-spending")):
        block = pages[url].soup.select_one(scope)
        assert block is not None, url
        totals, projects = block.select("table")
        groups = [[" ".join(c.get_text(" ", strip=True).split()).replace("\u202f", " ").replace("\xa0", " ")
                   for c in tb.find_all(["th", "td"])] for tb in totals.select("tbody")]
        assert groups == [["Ensemble des projets en euros", "2 000 €", "905 €", "712,34 €"]]  # 70 000 + 1 234
        names = [tb.select_one("th[scope=rowgroup]").get_text(" ", strip=True) for tb in projects.select("tbody")]
        assert names == ["Page 10", "Page 11 (dépenses supérieures aux fonds reçus)"]
        assert [a["href"] for a in projects.select("tbody a")] == ["/projets/projet-10/#depenses",
                                                                  "/projets/projet-11/#depenses"]
        assert [th.get_text() for th in projects.select("thead th[scope=col]")] == ["Prévu", "Reçu", "Dépensé"]
    assert pages["/projets/theme/eau/"].soup.select("#bilan-title") == []  # the filtered views list projects only


def test_map_points_are_inside_the_view_and_nothing_is_external():
    for places in ([(14.07, -15.62)], [(14.07, -15.62), (-20.5, 47.2)], [(18.23, -72.53), (18.24, -72.54)],
                   [(60.0, 179.0), (-60.0, -179.0)]):
        points = map_points(None, [{"name": f"Lieu {i}", "latitude": lat, "longitude": lon}
                                   for i, (lat, lon) in enumerate(places)])
        drawing = str(svg(points, "Carte"))
        width, height = map(float, re.search(r'viewBox="0 0 ([\d.]+) ([\d.]+)"', drawing).groups())
        marks = [(float(x), float(y)) for x, y in
                 re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="16"', drawing)]
        assert len(marks) == len(places)
        assert all(16 <= x <= width - 16 and 16 <= y <= height - 16 for x, y in marks), (places, marks)
        assert all(math.dist(a, b) >= 32 for i, a in enumerate(marks) for b in marks[i + 1:])  # none hides another
        dots = [(float(x), float(y)) for x, y in re.findall(r'<circle cx="([-\d.]+)" cy="([-\d.]+)" r="3"', drawing)]
        assert all(0 <= x <= width and 0 <= y <= height for x, y in dots)
        assert "http" not in drawing and "href" not in drawing
    west, south, east, north = view_box([(-15.6, 14.1)])
    assert east - west >= 6 and west < -15.6 < east and south < 14.1 < north
    # the Kaffrine view draws Senegal's outline (Natural Earth), not an empty sea
    assert "<path d=\"M" in str(svg(map_points(None, [{"name": "x", "latitude": 14.1, "longitude": -15.5}]), "c"))


def test_hostile_place_values_never_break_the_build(tmp_path):
    """Coordinates the CMS refuses (out of range, one without the other, not numbers) are never drawn."""
    site = the_site()
    site[2]["updates"] = [dict(UPDATES[0], latitude=123.0), dict(UPDATES[1], longitude=None),
                          dict(UPDATES[2], placeName="<script>x</script>", latitude="14", longitude=True)]
    pages, data, _media = rendered(tmp_path, site, spending_globals([]))
    soup = pages["/projets/projet-10/"].soup
    assert soup.find(id="carte") is None  # no valid point from the updates
    assert "<script>x</script>" not in (tmp_path / "projets/projet-10/index.html").read_text()
    assert [p.get_text(strip=True) for p in soup.select(".update__place")][0] == "<script>x</script>"


# ---- incremental: a spending change re-makes that project's page, the index and the summary pages ----

def spending_site():
    pages = the_site()
    pages += [project(12), project(13, status="planned")]
    return pages


def test_a_spending_change_remakes_only_the_pages_that_show_it():
    rows = [spending_row(), spending_row("projet-11", disbursements=[disbursement(7, 1234)])]
    state = built(spending_site(), spending_globals(rows))
    before = dict(state.signatures)
    new_rows = copy.deepcopy(rows)
    new_rows[0]["disbursements"].insert(0, disbursement(8, 2500, date="2026-07-01"))
    new_rows[0]["spent"] += 2500
    new_rows[0]["lines"][0]["spent"] += 2500
    patched, oracle, signatures = publish(state, globals_now=spending_globals(new_rows))
    assert_same(patched, oracle, signatures)
    changed = {r.url for r in patched.remade if patched.signatures[r.output_path] != before[r.output_path]}
    assert changed == {"/projets/projet-10/", "/projets/", "/transparence/"}
    page10 = next(r for r in patched.remade if r.url == "/projets/projet-10/").context["page"]
    assert page10["spending"]["disbursements"][0]["id"] == "8"
    # then nothing: a second identical answer remakes nothing
    patched, oracle, signatures = publish(state, globals_now=spending_globals(new_rows))
    assert_same(patched, oracle, signatures)
    assert patched.remade == []


def test_spending_appearing_for_a_project_remakes_its_page_with_funding_links():
    state = built(spending_site(), spending_globals([]))
    patched, oracle, signatures = publish(state, globals_now=spending_globals([spending_row()]))
    assert_same(patched, oracle, signatures)
    urls = {r.url for r in patched.remade}
    assert {"/projets/projet-10/", "/projets/", "/transparence/"} <= urls
    assert not urls & {"/projets/projet-11/", "/projets/projet-12/", "/a-propos/"}
    page10 = next(r for r in patched.remade if r.url == "/projets/projet-10/").context["page"]
    funded = {u["title"]: [d["id"] for d in u["funded_by"]] for u in page10["updates"]}
    assert funded["L'eau jaillit"] == ["1"]


def test_a_page_change_with_spending_stays_equal_to_a_full_model():
    state = built(spending_site(), spending_globals([spending_row()]))
    patched, oracle, signatures = publish(state, ("10", {"summary": "Un nouveau résumé"}))
    assert_same(patched, oracle, signatures)
    page10 = next(r for r in patched.remade if r.url == "/projets/projet-10/").context["page"]
    assert page10["spending"] is not None and page10["summary"] == "Un nouveau résumé"


# ---- hostile API answers: the builder never fails on them, and never shows a figure it cannot read ----

from hypothesis import given, settings as hsettings, strategies as st  # noqa: E402

scalar = st.one_of(st.none(), st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=True),
                   st.text(max_size=20))
hostile_row = st.fixed_dictionaries({
    "slug": st.one_of(st.just("projet-10"), st.text(max_size=10)), "currency": scalar, "planned": scalar,
    "raised": scalar, "grants": scalar, "spent": scalar, "overspent": scalar,
    "lines": st.one_of(st.none(), st.lists(st.fixed_dictionaries({"label": scalar, "planned": scalar,
                                                                  "spent": scalar}), max_size=3)),
    "disbursements": st.one_of(st.none(), st.lists(st.one_of(st.none(), st.fixed_dictionaries({
        "id": scalar, "date": st.one_of(st.none(), st.just("2026-05-02"), st.text(max_size=12)), "amount": scalar,
        "currency": scalar, "budgetLine": scalar, "description": scalar,
        "proofs": st.one_of(st.none(), st.lists(st.one_of(st.none(), st.fixed_dictionaries(
            {"title": scalar, "kind": scalar, "url": st.one_of(st.none(), st.text(max_size=30))})), max_size=2))})),
        max_size=3))})


@hsettings(max_examples=150, deadline=None)
@given(rows=st.lists(hostile_row, max_size=3))
def test_hostile_spending_answers_never_break_the_model(rows):
    media = MediaMap(api_origin="http://cms.test")
    for row in rows:
        s = money_spent.project_spending(row, media)
        if s is not None:
            assert all(isinstance(s[k], int) for k in ("planned", "raised", "grants", "spent"))
            assert all(isinstance(line["spent"], int) for line in s["lines"])
            assert all(p["url"] and p["url"].startswith("/media/") for d in s["disbursements"] for p in d["proofs"])
            assert all(d["date"] == "" or len(d["date"]) == 10 for d in s["disbursements"])  # date_fr reads it
    summary = money_spent.site_summary({"projectSpending": rows, "siteSpending": []}, [
        {"slug": "projet-10", "title": "P", "url": "/projets/projet-10/", "currency": "EUR"}])
    assert summary is None or all(isinstance(r["spent"], int) for r in summary["projects"])
