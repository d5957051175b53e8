"""How the receipt PDF was chosen: the same receipt (every Cerfa 11580 item) rendered by ReportLab
(cms/receipts/pdf.py, what the platform uses) and by WeasyPrint from an equivalent HTML page.

    python bench/receipts_pdf_libs.py [--n 200] [--json]

WeasyPrint is not a dependency of the platform: the script measures it only when it can be imported
(e.g. `pip install --target /tmp/wp weasyprint` then PYTHONPATH=/tmp/wp:.); it needs Pango on the machine.
Prints ms per receipt and file size for each.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import os
import sys
import time
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cms.config.settings.test")


def sample():
    from cms.receipts.models import Receipt, ReceiptSettings

    org = ReceiptSettings()  # the defaults, unsaved: no database needed
    receipt = Receipt(number="2026-000123", year=2026, sequence=123, amount=125050, currency="EUR",
                      donor_name="Awa Diallo", address_line1="3 rue des Lilas", postal_code="75011", city="Paris",
                      country="FR", first_payment_on=dt.date(2026, 11, 3), last_payment_on=dt.date(2026, 11, 3),
                      issued_at=dt.datetime(2026, 11, 3, 12, tzinfo=dt.timezone.utc))
    return receipt, org


def html_page(items, receipt) -> str:
    e = html.escape
    rows = [("Nom ou dénomination", items["org_name"]), ("Adresse", items["org_address"]),
            ("Objet", items["org_purpose"]), ("Catégorie", items["org_category"]),
            ("N° RNA ou SIREN", items["org_registration"])]
    donor = [("Nom et prénom", receipt.donor_name), ("Adresse", receipt.address_line1),
             ("Code postal", receipt.postal_code), ("Commune", receipt.city), ("Pays", "France")]
    table = lambda pairs: "".join(f"<p>{e(k)}&nbsp;: {e(v)}</p>" for k, v in pairs)  # noqa: E731
    return f"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><style>
    @page {{ size: A4; margin: 20mm }} body {{ font: 10pt sans-serif }} h1 {{ font-size: 14pt }}
    h2 {{ font-size: 11pt; border-top: .5pt solid #000 }}</style></head><body>
    <p>{e(items["cerfa"])}</p><h1>{e(items["title"])}</h1><p>{e(items["law"])}</p>
    <p><b>Numéro d'ordre du reçu&nbsp;: {e(items["number"])}</b></p>
    <h2>Bénéficiaire des versements</h2>{table(rows)}<h2>Donateur</h2>{table(donor)}
    <h2>Le bénéficiaire reconnaît avoir reçu la somme de&nbsp;:</h2>
    <p><b>Montant&nbsp;: {e(items["amount_figures"])}</b></p><p>Somme en toutes lettres&nbsp;: {e(items["amount_words"])}</p>
    <p>{e(items["dates"][0])}&nbsp;: {e(items["dates"][1])}</p><p>{e(items["certification"])}</p>
    <p>Forme du don&nbsp;: {e(items["form"])}</p><p>Nature du don&nbsp;: {e(items["nature"])}</p>
    <p>Mode de versement&nbsp;: {e(items["method"])}</p><p>{e(items["place_date"])}</p><p><b>{e(items["signer"])}</b></p>
    </body></html>"""


def measure(render, n: int) -> dict:
    render()  # warm-up (fonts, caches)
    start = time.perf_counter()
    for _ in range(n):
        content = render()
    elapsed = time.perf_counter() - start
    return {"ms_per_receipt": round(elapsed / n * 1000, 2), "bytes": len(content)}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import django

    django.setup()
    from cms.receipts import pdf

    receipt, org = sample()
    results = {"reportlab": measure(lambda: pdf.render(receipt, org), args.n)}
    try:
        from weasyprint import HTML
    except Exception as exc:  # not installed, or Pango missing
        results["weasyprint"] = {"skipped": str(exc)[:200]}
    else:
        page = html_page(pdf.mandatory_items(receipt, org), receipt)
        results["weasyprint"] = measure(lambda: HTML(string=page).write_pdf(), max(args.n // 10, 5))
    print(json.dumps(results) if args.json else results)


if __name__ == "__main__":
    main()
