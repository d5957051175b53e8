"""The site promises what is true today, no more and no less.

Kept since issue 13: a thank-you e-mail after each gift and each monthly payment, the tax receipt as a PDF
attached to it for a one-off gift asked for with a full address, a yearly summary receipt in January for
monthly gifts, and the donor space (/donate/espace/) where a donor sees their gifts, downloads receipts and
changes, pauses or stops a monthly gift online. Those sentences are asserted below (KEPT_PROMISES), so that
removing the feature without removing its promise, or the promise without the feature, fails here.

True since issue 14: the donor wall (the form's checkbox "Afficher mon prénom sur le mur des donateurs",
the names on project pages and on /donateurs/) and project news by e-mail to donors who ticked "Recevoir
les nouvelles des projets que je soutiens" (cms/donors/news.py): both asserted below with what they rest on.
And spending is published: each project page shows its approved disbursements per budget line with their
proofs (site_builder/routes/spending.py), and the footer of every page says so (SPENDING_PROMISE).

Still not true: no promise may rest on a placeholder contact
(example.org links, 04 00 00 00 00)."""

import re
from pathlib import Path

import pytest

from tests.conftest import CONTENT, REPO

THEME = REPO / "themes" / "vision" / "templates"

# What used to be promised (with nothing behind it), or what is no longer true, as the visitor reads it.
BROKEN_PROMISES = [
    r"recevrez des nouvelles",              # "Vous recevrez des nouvelles du terrain": no newsletter
    r"avec des nouvelles du terrain",       # the sponsorship hint
    r"nouvelles par e-mail",
    # issue 14 made these false: approved spending and its proofs are published on the project pages
    r"dépenses[^.]{0,80}pas encore publi",  # "Les dépenses réelles … ne sont pas encore publiées"
    r"détail des dépenses[^.]{0,80}n.est pas",
    r"en deux clics",
    r"nous répondons à chaque message",
    r"04 00 00 00 00",
    r"Arrêt possible à tout moment\.",
    r"se modifie ou s’arrête à tout moment",
    # issue 13 made these false: e-mails are sent and a monthly gift is stopped online
    r"n.envoie pas encore",                 # "Ce site n’envoie pas encore d’e-mail"
    r"Aucun e-mail ne vous est encore envoyé",
    r"arrêt en ligne n.existe pas",
    r"demande écrite",                      # stopping a monthly gift by writing to the NGO
    r"Votre demande est enregistrée avec votre don",
    # the yearly receipt is issued and downloadable, not e-mailed (nothing sends it): promise no more
    r"(reçu annuel|récapitulatif)[^.]{0,80}(envoy|e-mail)",
    # a monthly payment's receipt is the yearly one: no PDF per monthly payment
    r"chaque mensualité[^.]{0,60}reçu",
]

# What is true since issue 13, on the page that must say it (the built site's path, then the words).
KEPT_PROMISES = {
    "/donner/merci/": ["Un e-mail de remerciement vous est envoyé dès que votre paiement est enregistré",
                       "après chaque mensualité d’un don mensuel",
                       "il est joint en PDF à cet e-mail",
                       "un reçu annuel récapitulatif est établi en janvier",
                       "télécharger vos reçus, modifier le montant d’un don mensuel, le suspendre ou l’arrêter, en ligne"],
    "/donner/": ["un don mensuel se modifie, se suspend ou s’arrête quand vous le voulez, en ligne, depuis votre espace donateur",
                 "le reçu en PDF est joint à l’e-mail de remerciement",
                 "Pour l’e-mail de remerciement, votre reçu fiscal et votre espace donateur"],
}
SPACE_LINKED_FROM = ["/donner/merci/", "/donner/"]  # pages that must link the donor space
# every page's footer (base.html), true since issue 14
SPENDING_PROMISE = "ses dépenses validées poste par poste, avec leurs justificatifs"
KEPT_PROMISES["/"] = [SPENDING_PROMISE]
# Issue 14: the wall and the news, offered by every donation form (the giving page, each open project's page)
WALL_CHECKBOX = "Afficher mon prénom sur le mur des donateurs"
NEWS_CHECKBOX = "Recevoir les nouvelles des projets que je soutiens"


def visible_text(html: str) -> str:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for tag in soup(["script", "style"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").replace("\xa0", " ").replace("\u202f", " ").split())


def stop_sentences(text: str) -> list[str]:
    """Sentences that say how a monthly gift (or sponsorship) stops or changes."""
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return [s for s in sentences if re.search(r"(arrêt|s’arrête|s'arrête|arrêter)", s, re.I)
            and re.search(r"(mensuel|parrain|don )", s, re.I)]


def check(text: str, where: str) -> list[str]:
    problems = [f"{where}: {p!r}" for p in BROKEN_PROMISES if re.search(p, text, re.I)]
    for sentence in stop_sentences(text):
        if "espace donateur" not in sentence:  # the true way today: online, in the donor space
            problems.append(f"{where}: stopping a monthly gift without saying how: {sentence!r}")
    return problems


def test_no_template_or_content_file_makes_a_broken_promise():
    problems = []
    for path in sorted(THEME.rglob("*.html")) + sorted(CONTENT.rglob("*.yaml")):
        text = " ".join(path.read_text(encoding="utf-8").replace("&nbsp;", " ").split())
        problems += check(text, str(path.relative_to(REPO)))
    assert problems == []


def test_partner_links_and_contacts_do_not_point_at_placeholders():
    """Demo e-mail addresses may stay (the contact page says they are fictitious); a link to a partner's
    web site at example.org is a promise of a page that does not exist."""
    import yaml

    site = yaml.safe_load((CONTENT / "site.yaml").read_text(encoding="utf-8"))
    assert all("example.org" not in (p.get("url") or "") for p in site["partners"])
    contact = next(p for p in site["pages"] if p["slug"] == "contact")
    body = " ".join(b["value"] for b in contact["body"] if b["type"] == "rich_text")
    assert "fictives" in body  # the demo says its contact details are not real


@pytest.mark.slow
def test_the_built_site_makes_no_broken_promise(built_site):
    from tests import sitecheck

    problems = []
    pages = sitecheck.load_pages(Path(built_site.out))
    for url, page in pages.items():
        problems += check(visible_text(str(page.soup)), url)
        problems += [f"{url}: link to {a['href']}" for a in page.soup.select("a[href]")
                     if "example.org" in a["href"] and not a["href"].startswith("mailto:")]
        for form in page.soup.select("form[data-donate]"):  # a form that offers the wall says where it shows
            if not form.select("input[name=public_wall]") or not form.select("input[name=project_news]"):
                problems.append(f"{url}: a donation form without the wall or news checkbox")
            if not form.select('a[href="/donateurs/"]'):
                problems.append(f"{url}: the wall checkbox does not link the wall")
    assert problems == []
    donate = visible_text(str(pages["/donner/"].soup))
    assert WALL_CHECKBOX in donate and NEWS_CHECKBOX in donate
    assert "/donateurs/" in pages and pages["/donateurs/"].soup.find("h1").get_text(strip=True) == "Mur des donateurs"
    # and the pages that carried the promises now say what is true, and link where it is kept
    for url, sentences in KEPT_PROMISES.items():
        text = visible_text(str(pages[url].soup))
        for sentence in sentences:
            assert sentence in text, (url, sentence)
    for url in SPACE_LINKED_FROM:
        assert pages[url].soup.select('a[href="/donate/espace/"]'), url


def test_the_templates_keep_the_promises_the_code_keeps():
    """The same without a build: the theme's sentences, and the features they rest on exist."""
    def words(path):
        return " ".join(re.sub(r"<[^>]+>", "", path.read_text(encoding="utf-8")).replace("&nbsp;", " ").split())

    thanks = words(THEME / "thank_you.html")
    for sentence in KEPT_PROMISES["/donner/merci/"]:
        assert sentence in thanks, sentence
    assert SPENDING_PROMISE in words(THEME / "base.html")
    # the features behind the words: the builder pulls approved spending and the project page shows it
    from site_builder import queries

    assert "projectSpending" in queries.GLOBALS and "proofs { title kind url }" in queries.GLOBALS
    assert "spending_section(page)" in words(THEME / "project.html")
    points = words(THEME / "partials" / "donate_points.html")
    assert "se modifie, se suspend ou s’arrête quand vous le voulez, en ligne" in points
    # the features behind the words: the mails, the receipt attached, the space's pause/stop/receipt routes
    emails = REPO / "cms" / "donors" / "templates" / "donors" / "emails"
    for kind in ("gift_thanks", "monthly_thanks", "monthly_gift_ended", "sign_in"):
        assert (emails / f"{kind}.subject.txt").exists(), kind
    notices = (REPO / "cms" / "donors" / "notices.py").read_text(encoding="utf-8")
    assert "receipt_for_payment(entry)" in notices and "application/pdf" in notices
    urls = (REPO / "cms" / "donors" / "space" / "urls.py").read_text(encoding="utf-8")
    for route in ("recus/", "pause/", "arret/", "montant/"):
        assert route in urls, route
    # issue 14: the wall's and the news' checkboxes, and what they rest on
    form = words(THEME / "donation_form.html")
    assert WALL_CHECKBOX in form and NEWS_CHECKBOX in form and 'href="/donateurs/"' in (
        THEME / "donation_form.html").read_text(encoding="utf-8")
    assert "Ils soutiennent ce projet" in words(THEME / "project.html") and (THEME / "donor_wall.html").exists()
    assert "donorWall" in (REPO / "site_builder" / "queries.py").read_text(encoding="utf-8")
    assert (emails / "project_news.subject.txt").exists()
    assert "desabonnement/" in (REPO / "cms" / "donors" / "news_urls.py").read_text(encoding="utf-8")


def test_the_donor_e_mails_and_space_promise_nothing_the_code_does_not_do():
    """The e-mails and the donor space's pages (cms/donors/templates) say what the site's pages say: the
    yearly summary receipt is established in January and downloaded from the space; nothing e-mails it."""
    problems = []
    for path in sorted((REPO / "cms" / "donors" / "templates" / "donors").rglob("*.*")):
        if path.suffix not in (".txt", ".html"):
            continue
        text = " ".join(re.sub(r"<[^>]+>", " ", path.read_text(encoding="utf-8")).replace("&nbsp;", " ").split())
        problems += [f"{path.relative_to(REPO)}: {p!r}" for p in BROKEN_PROMISES if re.search(p, text, re.I)]
    assert problems == []
    monthly = (REPO / "cms" / "donors" / "templates" / "donors" / "emails" / "monthly_thanks.txt").read_text()
    assert "établi en janvier de l'année prochaine : vous le téléchargerez dans votre espace donateur" in monthly
