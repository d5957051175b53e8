"""The receipt as a PDF, drawn with ReportLab: every item of Cerfa 11580 (a person) or Cerfa 16216 (a
company), on one A4 page.

Why ReportLab (measured with bench/receipts_pdf_libs.py on the 2-core dev machine, 1 December 2026): the
same receipt takes 8 ms and 2.7 KB with ReportLab's canvas and the PDF base fonts, against 145 ms and
12.6 KB with WeasyPrint 70 rendering it from HTML (which also needs Pango on every machine). Receipts are
issued as payments arrive and in yearly batches of thousands: 18 times faster and no system library
matter more than writing the layout in HTML.

Text uses Helvetica (no font embedded: small files) when it fits its Windows-1252 encoding (all of
French, « », €); a name outside it (Vietnamese, Polish…) switches that document to DejaVu Sans, embedded,
when the system has it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from functools import lru_cache

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from vda_base.money import money

from .words import amount_in_words

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
DEJAVU_BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
COUNTRIES = {"FR": "France", "BE": "Belgique", "CH": "Suisse", "LU": "Luxembourg", "MC": "Monaco",
             "CA": "Canada", "DE": "Allemagne", "ES": "Espagne", "IT": "Italie", "GB": "Royaume-Uni",
             "US": "États-Unis", "NL": "Pays-Bas", "PT": "Portugal", "SN": "Sénégal", "CI": "Côte d'Ivoire",
             "BF": "Burkina Faso", "ML": "Mali", "CM": "Cameroun", "HT": "Haïti", "MA": "Maroc", "TN": "Tunisie",
             "DZ": "Algérie", "RE": "La Réunion", "GP": "Guadeloupe", "MQ": "Martinique"}

CERTIFY = ("Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent droit à la "
           "réduction d'impôt prévue à l'article {articles} du code général des impôts.")


CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def country_name(code: str) -> str:
    return COUNTRIES.get((code or "").upper(), (code or "").upper())


def date_fr(value: dt.date) -> str:
    return value.strftime("%d/%m/%Y")


def plain(text: str) -> str:
    """French typography with what the base fonts have: a no-break space before : ; ! ? and inside « »
    (and for the narrow one that groups thousands)."""
    text = (text or "").replace("\u202f", "\u00a0")
    text = re.sub(r" ([:;!?»])", "\u00a0\\1", text)
    return re.sub(r"« ", "«\u00a0", text)


@lru_cache(maxsize=1)
def _unicode_fonts() -> tuple[str, str] | None:
    if not (os.path.exists(DEJAVU) and os.path.exists(DEJAVU_BOLD)):
        return None
    pdfmetrics.registerFont(TTFont("VDA-Sans", DEJAVU))
    pdfmetrics.registerFont(TTFont("VDA-Sans-Bold", DEJAVU_BOLD))
    return "VDA-Sans", "VDA-Sans-Bold"


def _fonts_for(texts) -> tuple[str, str]:
    try:
        for text in texts:
            (text or "").encode("cp1252")
        return "Helvetica", "Helvetica-Bold"
    except UnicodeEncodeError:
        return _unicode_fonts() or ("Helvetica", "Helvetica-Bold")


def mandatory_items(receipt, org) -> dict:
    """What the receipt says, item by item (the PDF draws these; tests read them back from the file)."""
    company = receipt.kind == receipt.COMPANY
    articles = org.company_articles if company else org.individual_articles
    if receipt.first_payment_on == receipt.last_payment_on:
        dates = ("Date du versement ou du don", date_fr(receipt.first_payment_on))
    else:
        dates = ("Dates des versements",
                 f"du {date_fr(receipt.first_payment_on)} au {date_fr(receipt.last_payment_on)}")
    return {
        "title": "Reçu au titre des dons à certains organismes d'intérêt général",
        "cerfa": "Modèle Cerfa n° 16216" if company else "Modèle Cerfa n° 11580",
        "law": f"Article {articles} du code général des impôts",
        "number": receipt.number,
        "org_name": org.name, "org_address": org.address, "org_purpose": org.purpose,
        "org_category": org.category, "org_registration": org.registration_number,
        "amount_figures": plain(money(receipt.amount, receipt.currency, always_decimals=True)),
        "amount_words": amount_in_words(int(receipt.amount), receipt.currency),
        "dates": dates,
        "certification": CERTIFY.format(articles=articles),
        "form": receipt.payment_form, "nature": receipt.payment_nature, "method": receipt.payment_method,
        "signer": f"{org.signer_name}, {org.signer_title}",
        "place_date": f"Fait à {org.issue_place}, le {date_fr(receipt.issued_at.date())}",
    }


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Lines of at most `width` points, broken at plain spaces only (ReportLab's simpleSplit also breaks
    at, and drops, the no-break spaces French typography relies on); a word longer than a line (a typed
    address without spaces) is cut, so nothing runs off the page."""
    measure = lambda t: pdfmetrics.stringWidth(t, font, size)  # noqa: E731
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if measure(candidate) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while measure(word) > width:
            cut = max(1, next((i for i in range(len(word), 0, -1) if measure(word[:i]) <= width), 1))
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    return lines + [current]


class _Page:
    """A cursor down an A4 page: lines, labelled values, wrapped paragraphs."""

    def __init__(self, pdf, regular, bold):
        self.pdf, self.regular, self.bold = pdf, regular, bold
        self.left, self.width = 20 * mm, A4[0] - 40 * mm
        self.y = A4[1] - 20 * mm

    def text(self, text, size=10, bold=False, gap=1.35):
        font = self.bold if bold else self.regular
        text = CONTROL.sub(" ", plain(text))  # a tab or a line break typed in a field: one space
        for line in wrap(text, font, size, self.width):
            if self.y < 20 * mm:  # very long texts (an organisation's purpose) go on to a second page
                self.pdf.showPage()
                self.y = A4[1] - 20 * mm
            self.pdf.setFont(font, size)
            self.pdf.drawString(self.left, self.y, line)
            self.y -= size * gap
        return self

    def field(self, label, value, size=10):
        return self.text(f"{label} : {value}", size)

    def heading(self, text):
        self.y -= 4
        self.pdf.setLineWidth(0.5)
        self.pdf.line(self.left, self.y + 12, self.left + self.width, self.y + 12)
        self.text(text, 11, bold=True)
        self.y -= 2
        return self

    def space(self, points=6):
        self.y -= points
        return self


LEDGER_REFERENCES_SHOWN = 6  # a yearly summary of more payments lists none (the donor space shows them)


def ledger_references(receipt) -> list[str]:
    """The public-ledger references of the payments this receipt covers (cms/transparency/ledger)."""
    from cms.transparency.ledger.entries import payment_reference

    if not receipt.pk:
        return []
    ids = list(receipt.payments.order_by("entry_id").values_list("entry_id", flat=True)[:LEDGER_REFERENCES_SHOWN + 1])
    return [payment_reference(pk) for pk in ids] if len(ids) <= LEDGER_REFERENCES_SHOWN else []


def render(receipt, org, signature: bytes | None = None) -> bytes:
    """The PDF of `receipt` with the organisation `org` (a ReceiptSettings) and the signature image's
    bytes (PNG or JPEG), if any."""
    items = mandatory_items(receipt, org)
    company = receipt.kind == receipt.COMPANY
    donor_texts = [receipt.donor_name, receipt.address_line1, receipt.city, receipt.company_name, org.name,
                   org.address, org.purpose, org.signer_name]
    regular, bold = _fonts_for(donor_texts)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, pageCompression=1, invariant=1)
    pdf.setTitle(f"Reçu fiscal {receipt.number}")
    pdf.setAuthor(org.name)
    page = _Page(pdf, regular, bold)
    if getattr(org, "is_demo", False):
        page.text("Document de démonstration : les coordonnées de l'organisme n'ont pas encore été saisies "
                  "(Paramètres > Reçus fiscaux).", 9, bold=True)
    page.text(items["cerfa"], 8)
    cancellation = receipt.document == receipt.CANCELLATION
    if cancellation:
        page.text(f"Annulation du reçu fiscal n° {receipt.cancels.number}", 15, bold=True)
    else:
        page.text(items["title"], 14, bold=True)
    page.text(items["law"], 10)
    page.space().text(f"Numéro d'ordre du reçu : {items['number']}", 12, bold=True)
    if receipt.replaces_id:
        page.text(f"Ce reçu remplace et annule le reçu n° {receipt.replaces.number}"
                  + (f" ({receipt.reason})." if receipt.reason else "."), 10)

    page.heading("Bénéficiaire des versements")
    page.field("Nom ou dénomination", items["org_name"])
    page.field("Adresse", ", ".join(line.strip() for line in items["org_address"].splitlines() if line.strip()))
    page.field("Objet", items["org_purpose"])
    page.field("Catégorie", items["org_category"])
    page.field("N° RNA ou SIREN", items["org_registration"])

    page.heading("Donateur")
    if company:
        page.field("Dénomination", receipt.company_name)
        page.field("Forme juridique", receipt.company_legal_form)
        page.field("N° SIREN", receipt.company_siren)
        if receipt.donor_name:
            page.field("Représentée par", receipt.donor_name)
    else:
        page.field("Nom et prénom", receipt.donor_name)
    page.field("Adresse", receipt.address_line1)
    page.field("Code postal", receipt.postal_code)
    page.field("Commune", receipt.city)
    page.field("Pays", country_name(receipt.country))

    if cancellation:
        page.heading("Annulation")
        original = receipt.cancels
        page.text(f"Le reçu fiscal n° {original.number} émis le {date_fr(original.issued_at.date())}, d'un montant "
                  f"de {items['amount_figures']} ({items['amount_words']}), est annulé"
                  + (f" : {receipt.reason}." if receipt.reason else "."))
        page.text("Il ne peut plus servir à une réduction d'impôt. Si un reçu le remplace, il porte un autre numéro.")
    else:
        page.heading("Le bénéficiaire reconnaît avoir reçu, au titre des dons et versements ouvrant droit à "
                     "réduction d'impôt, la somme de :")
        page.text(f"Montant : {items['amount_figures']}", 12, bold=True)
        page.field("Somme en toutes lettres", items["amount_words"])
        page.field(*items["dates"])
        page.space(4).text(items["certification"])
        page.space(4)
        page.field("Forme du don", items["form"])
        page.field("Nature du don", items["nature"])
        page.field("Mode de versement", items["method"])

    references = ledger_references(receipt) if not cancellation else []
    if references:
        page.space(4).text("Retrouvez votre don dans notre registre public : /transparence/registre/, référence"
                           + ("s " if len(references) > 1 else " ") + ", ".join(references) + ".", 9)
    page.space(14).text(items["place_date"])
    page.text(items["signer"], bold=True)
    if signature:
        try:
            image = ImageReader(io.BytesIO(signature))
            width, height = image.getSize()
            scale = min(50 * mm / width, 20 * mm / height)
            pdf.drawImage(image, page.left, page.y - height * scale, width * scale, height * scale, mask="auto")
        except Exception:  # an unreadable image must not stop a receipt: the signer's name is printed
            pass
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
