"""Issue 13 §2: French tax receipts. Each receipt is read back from its PDF file (every mandatory item of
Cerfa 11580 / 16216), numbers are per year without gap, a receipt is never edited (refunds and corrected
addresses issue new documents), monthly gifts get one yearly summary, old receipts are purged."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from pypdf import PdfReader

from cms.donations.siren import is_valid_siren
from cms.receipts import purge, service
from cms.receipts.models import Receipt, ReceiptPayment, ReceiptSettings, YearlySummaryRun
from cms.receipts.words import amount_in_words
from tests.receipt_helpers import donation, donor, pay, pdf_text, refund

YEAR = timezone.localtime().year


def number(n: int) -> str:
    return f"{YEAR}-{n:06d}"


# --- amounts in words (no database) --------------------------------------------------------------------------

@pytest.mark.parametrize("minor, currency, words", [
    (0, "EUR", "zéro euro"),
    (8000, "EUR", "quatre-vingts euros"),
    (9100, "EUR", "quatre-vingt-onze euros"),
    (91, "EUR", "quatre-vingt-onze centimes"),  # num2words says "zéro euros et quatre-vingt-onze centimes"
    (10000, "EUR", "cent euros"),
    (100, "EUR", "un euro"),
    (1, "EUR", "un centime"),
    (101, "EUR", "un euro et un centime"),
    (100000000, "EUR", "un million d'euros"),
    (200000000, "EUR", "deux millions d'euros"),
    (120000000, "EUR", "un million deux cent mille euros"),
    (125050, "EUR", "mille deux cent cinquante euros et cinquante centimes"),
    (1000, "XAF", "mille francs CFA"),
    (1, "XOF", "un franc CFA"),
    (1000000, "XAF", "un million de francs CFA"),
])
def test_amount_in_words(minor, currency, words):
    assert amount_in_words(minor, currency) == words


@pytest.mark.parametrize("bad", [-1, 12.5, "100", True, None])
def test_amount_in_words_refuses_what_is_not_a_sum_received(bad):
    with pytest.raises(ValueError):
        amount_in_words(bad, "EUR")


def test_lines_never_break_before_a_colon_nor_inside_an_amount():
    from cms.receipts.pdf import plain, wrap

    lines = wrap(plain("Montant : 1\u202f250,50\u00a0€ donné avec joie !"), "Helvetica", 10, 60)
    assert "Montant\u00a0:" in lines[0] and "1\u00a0250,50\u00a0€" in lines and lines[-1].endswith("joie\u00a0!")


def test_siren_check():
    assert is_valid_siren("732829320") and is_valid_siren("732 829 320")
    assert not is_valid_siren("732829321")  # wrong key
    assert not is_valid_siren("73282932") and not is_valid_siren("abcdefghi") and not is_valid_siren("")


# --- issuing -------------------------------------------------------------------------------------------------

def mandatory_items_in(text: str, receipt: Receipt, org: ReceiptSettings):
    """Every item a receipt must carry, as the donor reads it in the file."""
    expected = [
        "Reçu au titre des dons à certains organismes d'intérêt général",
        f"Numéro d'ordre du reçu : {receipt.number}",
        f"Nom ou dénomination : {org.name}",
        "Adresse : 12 rue de l'Exemple, 75011 Paris, France",
        f"Objet : {org.purpose}",
        f"Catégorie : {org.category}",
        f"N° RNA ou SIREN : {org.registration_number}",
        f"Adresse : {receipt.address_line1}", f"Code postal : {receipt.postal_code}",
        f"Commune : {receipt.city}", "Pays : France",
        "Forme du don : Déclaration de don manuel", "Nature du don : Numéraire",
        f"Mode de versement : {receipt.payment_method}",
        "Le bénéficiaire certifie sur l'honneur que les dons et versements qu'il reçoit ouvrent droit à la "
        "réduction d'impôt prévue à l'article",
        f"{org.signer_name}, {org.signer_title}",
        f"Fait à {org.issue_place}, le {timezone.localtime(receipt.issued_at):%d/%m/%Y}",
    ]
    missing = [item for item in expected if item not in text]
    assert not missing, missing


@pytest.mark.django_db
def test_a_one_off_gift_gets_a_receipt_with_every_mandatory_item():
    from tests.factories import make_image

    org = ReceiptSettings.load()
    org.signature_image = make_image(title="Signature", size=(300, 100))
    org.save()
    gift = donation(donor(), amount=125050, name="Awa Diallo")
    entry = pay(gift, when=dt.datetime(2026, 11, 3, 10, tzinfo=dt.timezone.utc))
    receipt = service.receipt_for_payment(entry)
    assert receipt.number == number(1) and receipt.amount == 125050 and receipt.kind == Receipt.INDIVIDUAL
    content = service.pdf_bytes(receipt)
    text = pdf_text(content)
    mandatory_items_in(text, receipt, org)
    assert "Modèle Cerfa n° 11580" in text and "Article 200 du code général des impôts" in text
    assert "Nom et prénom : Awa Diallo" in text
    assert "Montant : 1 250,50 €" in text
    assert "Somme en toutes lettres : mille deux cent cinquante euros et cinquante centimes" in text
    assert "Date du versement ou du don : 03/11/2026" in text
    assert len(PdfReader(io.BytesIO(content)).pages[0].images) == 1  # the signature image
    assert content.startswith(b"%PDF") and len(content) < 60_000


@pytest.mark.django_db
def test_a_company_gift_gets_a_cerfa_16216_with_its_name_legal_form_and_siren():
    gift = donation(donor(), amount=50000, name="Jean Martin", donor_company="Boulangerie Martin",
                    company_legal_form="SARL", company_siren="732829320")
    receipt = service.receipt_for_payment(pay(gift))
    text = pdf_text(service.pdf_bytes(receipt))
    assert receipt.kind == Receipt.COMPANY
    mandatory_items_in(text, receipt, ReceiptSettings.load())
    for item in ("Modèle Cerfa n° 16216", "Article 238 bis du code général des impôts",
                 "Dénomination : Boulangerie Martin", "Forme juridique : SARL", "N° SIREN : 732829320",
                 "Somme en toutes lettres : cinq cents euros"):
        assert item in text, item


@pytest.mark.django_db
def test_a_cheque_says_so_and_a_name_outside_latin1_is_written():
    gift = donation(donor(), amount=2000, name="Nguyễn Thị Ánh", payment_method="cheque")
    text = pdf_text(service.pdf_bytes(service.receipt_for_payment(pay(gift))))
    assert "Mode de versement : Chèque" in text and "Nguyễn Thị Ánh" in text


@pytest.mark.django_db
@pytest.mark.parametrize("fields, reason", [
    ({"wants_receipt": False}, "n'a pas demandé de reçu"),
    ({"currency": "XAF", "amount": 5000}, "en XAF"),
    ({"postal_code": "", "city": ""}, "Adresse postale incomplète : il manque le code postal et la ville."),
    ({"name": ""}, "il manque le nom"),
    ({"donor_company": "ACME", "company_legal_form": "SAS", "company_siren": "123456789"}, "un SIREN valide"),
    ({"frequency": "monthly"}, "récapitulatif annuel"),
])
def test_no_receipt_when_none_is_due_and_staff_are_told_why(fields, reason):
    entry = pay(donation(donor(), **fields))
    assert service.receipt_for_payment(entry) is None
    assert reason in service.why_no_receipt(entry)
    assert not Receipt.objects.exists()


@pytest.mark.django_db
def test_receipt_for_payment_is_idempotent_and_a_payment_is_never_on_two_live_receipts():
    entry = pay(donation(donor()))
    first = service.receipt_for_payment(entry)
    assert service.receipt_for_payment(entry) == first
    assert Receipt.objects.count() == 1
    other = Receipt.objects.create(number=number(99), year=YEAR, sequence=99, amount=1,
                                   first_payment_on=dt.date(2026, 1, 1), last_payment_on=dt.date(2026, 1, 1),
                                   issued_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptPayment.objects.create(receipt=other, entry=entry)  # the database itself refuses it


@pytest.mark.django_db
def test_a_receipt_is_never_edited():
    receipt = service.receipt_for_payment(pay(donation(donor())))
    receipt.donor_name = "Quelqu'un d'autre"
    with pytest.raises(Exception, match="ne se modifie pas"):
        receipt.save()
    assert Receipt.objects.get(pk=receipt.pk).donor_name == "Awa Diallo"


# --- refunds and corrections ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_full_refund_issues_a_cancellation_referencing_the_receipt():
    entry = pay(donation(donor(), amount=5000))
    receipt = service.receipt_for_payment(entry)
    back = refund(entry, 5000)
    cancellation = service.cancel_for_refund(back)
    assert cancellation.document == Receipt.CANCELLATION and cancellation.cancels == receipt
    assert cancellation.number == number(2)
    assert service.cancel_for_refund(back) == cancellation  # once
    receipt.refresh_from_db()
    assert receipt.status == Receipt.CANCELLED and not receipt.replacements.exists()
    assert not ReceiptPayment.objects.filter(live=True).exists()
    text = pdf_text(service.pdf_bytes(cancellation))
    assert f"Annulation du reçu fiscal n° {receipt.number}" in text and "remboursement de 50 €" in text
    assert service.receipt_for_payment(entry) is None  # fully refunded: nothing to receipt again
    assert "entièrement remboursé" in service.why_no_receipt(entry)


@pytest.mark.django_db
def test_a_partial_refund_cancels_and_replaces_for_what_remains():
    entry = pay(donation(donor(), amount=10000))
    receipt = service.receipt_for_payment(entry)
    cancellation = service.cancel_for_refund(refund(entry, 3000))
    replacement = receipt.replacements.get()
    assert (cancellation.number, replacement.number) == (number(2), number(3))
    assert replacement.amount == 7000 and replacement.status == Receipt.ISSUED
    assert ReceiptPayment.objects.get(live=True).receipt == replacement
    text = pdf_text(service.pdf_bytes(replacement))
    assert f"Ce reçu remplace et annule le reçu n° {receipt.number}" in text
    assert "Somme en toutes lettres : soixante-dix euros" in text
    second = service.cancel_for_refund(refund(entry, 7000))  # the rest: the replacement is cancelled too
    assert second.cancels == replacement and Receipt.objects.filter(status=Receipt.ISSUED,
                                                                     document=Receipt.RECEIPT).count() == 0


@pytest.mark.django_db
def test_a_refund_recorded_by_the_ledger_queues_the_cancellation(django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from cms.receipts.tasks import cancel_receipt_for_refund

    entry = pay(donation(donor(), amount=5000))
    service.receipt_for_payment(entry)
    with django_capture_on_commit_callbacks(execute=True):
        back = refund(entry, 5000)
    assert DBTaskResult.objects.filter(task_path__endswith="cancel_receipt_for_refund").count() == 1
    assert not Receipt.objects.filter(document=Receipt.CANCELLATION).exists()  # queued, not run in the webhook
    assert cancel_receipt_for_refund.call(back.pk) == number(2)


@pytest.mark.django_db
def test_a_corrected_address_issues_a_replacement_that_cancels_the_original():
    gift = donation(donor(), amount=4000)
    original = service.receipt_for_payment(pay(gift))
    assert service.replace_for_new_address(gift) == []  # nothing changed: nothing issued
    gift.address_line1, gift.city, gift.postal_code = "8 avenue Foch", "Lyon", "69006"
    gift.save()
    [replacement] = service.replace_for_new_address(gift)
    original.refresh_from_db()
    assert original.status == Receipt.CANCELLED and replacement.replaces == original
    assert (replacement.address_line1, replacement.city, replacement.amount) == ("8 avenue Foch", "Lyon", 4000)
    assert Receipt.objects.filter(document=Receipt.CANCELLATION, cancels=original).count() == 1
    assert "Commune : Lyon" in pdf_text(service.pdf_bytes(replacement))
    assert "Commune : Paris" in pdf_text(service.pdf_bytes(original))  # the original file is untouched
    gift.city = ""
    gift.save()
    with pytest.raises(service.NoReceipt, match="il manque la ville"):
        service.replace_for_new_address(gift)
    assert service.replace_for_new_address(donation(donor())) == []


@pytest.mark.django_db
def test_receipts_of_donor_are_theirs_only_newest_first():
    awa, ben = donor(), donor(name="Ben")
    first = service.receipt_for_payment(pay(donation(awa)))
    second = service.receipt_for_payment(pay(donation(awa)))
    service.receipt_for_payment(pay(donation(ben, name="Ben")))
    assert service.receipts_of_donor(awa) == [second, first]
    assert service.receipts_of_donor(None) == []


# --- the yearly summary --------------------------------------------------------------------------------------

def in_year(year, month, day=5):
    return dt.datetime(year, month, day, 12, tzinfo=dt.timezone.utc)


@pytest.mark.django_db
def test_yearly_summary_one_per_donor_net_of_refunds_excluding_receipted_payments():
    awa, ben = donor(), donor(name="Ben Ali")
    monthly = donation(awa, amount=2000, frequency="monthly")
    later = donation(awa, amount=1000, frequency="monthly", address_line1="9 rue Neuve")  # newest details win
    payments = [pay(monthly, when=in_year(2025, m)) for m in (1, 2, 3)] + [pay(later, when=in_year(2025, 6))]
    refund(payments[1], 500)
    already = pay(monthly, when=in_year(2025, 4))
    receipted = Receipt.objects.create(number="2025-000001", year=2025, sequence=1, amount=2000,
                                       first_payment_on=dt.date(2025, 4, 5), last_payment_on=dt.date(2025, 4, 5),
                                       issued_at=timezone.now())
    ReceiptPayment.objects.create(receipt=receipted, entry=already)
    pay(monthly, when=in_year(2026, 1))  # another year
    pay(donation(ben, amount=3000, frequency="monthly", name="Ben Ali"), when=in_year(2025, 12, 31))
    pay(donation(donor(), frequency="monthly", wants_receipt=False), when=in_year(2025, 5))

    out = io.StringIO()
    call_command("receipts", "yearly", "--year", "2025", "--dry-run", stdout=out)
    assert "2 reçu(s) seraient émis, 95,00" in out.getvalue().replace("\u202f", " ").replace("\u00a0", " ")
    assert Receipt.objects.count() == 1 and not YearlySummaryRun.objects.exists()  # dry run: nothing written

    call_command("receipts", "yearly", "--year", "2025", stdout=io.StringIO())
    summary = Receipt.objects.get(scope=Receipt.YEARLY, donor=awa)
    assert summary.amount == 2000 * 3 - 500 + 1000 and summary.address_line1 == "9 rue Neuve"
    assert (summary.first_payment_on, summary.last_payment_on) == (dt.date(2025, 1, 5), dt.date(2025, 6, 5))
    assert set(summary.payments.values_list("entry", flat=True)) == {p.pk for p in payments}
    assert Receipt.objects.get(scope=Receipt.YEARLY, donor=ben).amount == 3000
    text = pdf_text(service.pdf_bytes(summary))
    assert "Dates des versements : du 05/01/2025 au 05/06/2025" in text
    assert "Somme en toutes lettres : soixante-cinq euros" in text

    call_command("receipts", "yearly", "--year", "2025", stdout=io.StringIO())  # again: nothing twice
    assert Receipt.objects.filter(scope=Receipt.YEARLY).count() == 2
    assert YearlySummaryRun.objects.get(year=2025).issued == 0


@pytest.mark.django_db
def test_the_worker_runs_last_years_summaries_once_in_early_january():
    pay(donation(donor(), frequency="monthly"), when=in_year(2025, 3))
    assert service.yearly_if_due(in_year(2026, 1, 1)) is None  # New Year's Day: not yet
    assert service.yearly_if_due(in_year(2025, 12, 20)) is None
    assert len(service.yearly_if_due(in_year(2026, 1, 2))["issued"]) == 1
    assert service.yearly_if_due(in_year(2026, 1, 3)) is None  # once


# --- retention -----------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_purge_removes_pdfs_and_personal_data_after_six_years():
    old = service.receipt_for_payment(pay(donation(donor())))
    recent = service.receipt_for_payment(pay(donation(donor())))
    service.pdf_bytes(old)
    old.refresh_from_db()
    storage, name = old.pdf.storage, old.pdf.name
    assert storage.exists(name)
    Receipt.objects.filter(pk=old.pk).update(issued_at=timezone.now() - dt.timedelta(days=6 * 366))
    out = io.StringIO()
    call_command("receipts", "purge", stdout=out)
    assert "1 reçu(s) de plus de six ans purgé(s)" in out.getvalue()
    old.refresh_from_db()
    assert (old.donor_name, old.address_line1, old.city, old.donor_id, old.pdf.name) == ("", "", "", None, "")
    assert old.purged_at and old.amount and old.number  # the figures of the declaration stay
    assert not storage.exists(name)
    with pytest.raises(LookupError):
        service.pdf_bytes(old)
    recent.refresh_from_db()
    assert recent.donor_name == "Awa Diallo" and not recent.purged_at
    assert purge.purge() == 0


@pytest.mark.django_db
def test_pdfs_are_private_never_under_a_public_url(client, settings):
    from pathlib import Path

    receipt = service.receipt_for_payment(pay(donation(donor())))
    service.pdf_bytes(receipt)
    receipt.refresh_from_db()
    path = Path(receipt.pdf.path)
    assert path.exists() and Path(settings.MEDIA_ROOT) not in path.parents
    with pytest.raises(ValueError):
        receipt.pdf.url
    assert client.get(f"/media/{receipt.pdf.name}").status_code == 404
    assert receipt.number not in receipt.pdf.name and "Diallo" not in receipt.pdf.name


# --- hostile details -----------------------------------------------------------------------------------------

hostile = st.one_of(st.sampled_from(["", " ", "W" * 120, "=1+1", "<b>gras</b>", "Ω≈ç√∫", "\u202e droite", "a\tb\nc",
                                     "Nguyễn", "李小龙", "😀" * 20, "'; DROP TABLE receipts_receipt; --"]),
                    st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="\x00"), max_size=60))


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=hostile, line=hostile, city=hostile, amount=st.integers(min_value=1, max_value=10**13))
def test_hostile_details_give_a_receipt_or_a_reason_never_an_error(name, line, city, amount):
    entry = pay(donation(donor(), amount=amount, name=name[:120], address_line1=line[:200], city=city[:100]))
    receipt = service.receipt_for_payment(entry)
    if receipt is None:
        assert "Adresse postale incomplète" in service.why_no_receipt(entry)
        assert not (name.strip() and line.strip() and city.strip())
        return
    content = service.pdf_bytes(receipt)
    assert content.startswith(b"%PDF")
    text = pdf_text(content)
    assert receipt.number in text and amount_in_words(amount, "EUR") in text


@pytest.mark.django_db
def test_a_receipt_with_the_demo_details_says_so_until_staff_enter_the_real_ones():
    entry = pay(donation(donor()))
    assert "Document de démonstration" in pdf_text(service.pdf_bytes(service.receipt_for_payment(entry)))
    org = ReceiptSettings.load()
    org.registration_number = "W123456789"
    org.save()
    text = pdf_text(service.pdf_bytes(service.receipt_for_payment(pay(donation(donor())))))
    assert "démonstration" not in text and "N° RNA ou SIREN : W123456789" in text
