"""The site promises only what is true today: no e-mail is sent yet (no receipt, no confirmation, no news by
e-mail), there is no donor wall, spending is not published yet, a monthly gift is stopped by writing to
the NGO (not online), and no promise rests on a placeholder contact (example.org links, 04 00 00 00 00).

Each later issue that delivers one of these restores its sentence, and this list with it."""

import re
from pathlib import Path

import pytest

from tests.conftest import CONTENT, REPO

THEME = REPO / "themes" / "vision" / "templates"

# What used to be promised (with nothing behind it yet), as the visitor reads it.
BROKEN_PROMISES = [
    r"envoy\w* par e-mail",                 # "Reçu fiscal envoyé par e-mail", "vous est envoyé par e-mail"
    r"mur des donateurs",
    r"recevrez des nouvelles",              # "Vous recevrez des nouvelles du terrain"
    r"avec des nouvelles du terrain",       # the sponsorship hint
    r"dépensé poste par poste",             # "ce qui a été dépensé poste par poste"
    r"ses dépenses",                        # thank-you page: "son avancement, ses dépenses et ses photos"
    r"Pour votre confirmation",             # the e-mail field's hint (no confirmation e-mail is sent)
    r"en ligne, en deux clics",             # stopping a monthly gift online
    r"nous répondons à chaque message",
    r"04 00 00 00 00",
    r"Arrêt possible à tout moment\.",
    r"se modifie ou s’arrête à tout moment",
]


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
        if "demande" not in sentence:  # the true way today: writing to the NGO
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
        problems += [f"{url}: donor wall checkbox" for _ in page.soup.select("input[name=public_wall]")]
    assert problems == []
    # and the pages that carried the promises now say what is true
    thanks = visible_text(str(pages["/donner/merci/"].soup))
    assert "Aucun e-mail ne vous est encore envoyé" in thanks
    assert "l’arrêt en ligne n’existe pas encore" in thanks
    donate = visible_text(str(pages["/donner/"].soup))
    assert "sur simple demande écrite à l’association" in donate
