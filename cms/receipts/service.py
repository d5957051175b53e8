"""What the rest of the CMS asks of the receipts (the mail, the donor space, the donor desk). These names are
the app's interface: keep them.

The rules, in one place:
- a one-off gift's payment is receipted at once when it is due (`why_no_receipt` says why not otherwise:
  no receipt asked, not in euros, an incomplete postal address, a company without a valid SIREN…);
- monthly payments wait for the yearly summary (`issue_yearly`), one receipt per donor;
- a receipt is never edited: a refund issues a cancellation that references it (and, when money remains,
  a replacement for what remains); a corrected address issues a replacement that cancels the original;
- a payment is on one live receipt at most (a partial unique index: `ReceiptPayment`);
- numbers come from `numbering.next_number`, inside the transaction that inserts the receipt; the PDF is
  rendered after it commits (so the counter's lock is held for milliseconds, not for a rendering), and
  again on demand if that step was interrupted (`pdf_bytes`).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from cms.donations.models import Donation, LedgerEntry
from cms.donations.siren import is_valid_siren
from vda_base.money import money

from . import pdf
from .models import Receipt, ReceiptPayment, ReceiptSettings, YearlySummaryRun
from .numbering import next_number

log = logging.getLogger(__name__)

RECEIPT_CURRENCY = "EUR"
METHODS = {"card": "Virement, prélèvement, carte bancaire", "transfer": "Virement, prélèvement, carte bancaire",
           "cheque": "Chèque", "cash": "Remise d'espèces"}
ADDRESS_FIELDS = [("address_line1", "l'adresse"), ("postal_code", "le code postal"), ("city", "la ville"),
                  ("country", "le pays")]


class NoReceipt(ValueError):
    """A receipt cannot be issued; the message (French) says why, for staff and donors."""


# --- when a receipt is due -----------------------------------------------------------------------------------

def missing_details(donation: Donation) -> list[str]:
    """What the receipt needs and this gift lacks, in French ("le code postal", "le SIREN")."""
    missing = []
    if donation.donor_company:
        if not donation.company_legal_form.strip():
            missing.append("la forme juridique de l'entreprise")
        if not is_valid_siren(donation.company_siren):
            missing.append("un SIREN valide")
    elif not donation.donor_name.strip():
        missing.append("le nom")
    missing += [label for field, label in ADDRESS_FIELDS if not getattr(donation, field).strip()]
    return missing


def why_no_receipt_for_donation(donation: Donation | None) -> str | None:
    """Why no receipt can be issued for this gift (French, for staff), or None when one can."""
    if donation is None:
        return "Ce paiement n'est rattaché à aucun don : aucun reçu ne peut être établi."
    if not donation.wants_receipt:
        return "Le donateur n'a pas demandé de reçu fiscal."
    if donation.currency.upper() != RECEIPT_CURRENCY:
        return (f"Ce don est en {donation.currency.upper()} : les reçus fiscaux français ne portent que sur des "
                "dons en euros.")
    missing = missing_details(donation)
    if missing:
        return "Adresse postale incomplète : il manque " + _join_fr(missing) + "."
    return None


def why_no_receipt(entry: LedgerEntry) -> str | None:
    """Why `receipt_for_payment(entry)` gives no receipt (French, for staff), or None when it gives one."""
    if entry.kind != "payment":
        return "Un remboursement n'appelle pas de reçu (il annule celui du paiement remboursé)."
    reason = why_no_receipt_for_donation(entry.donation)
    if reason:
        return reason
    if entry.frequency == "monthly":
        return "Les mensualités figurent sur le reçu récapitulatif annuel, émis en janvier."
    if net_amount([entry]) <= 0:
        return "Ce paiement a été entièrement remboursé."
    return None


def _join_fr(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " et " + items[-1]


# --- amounts -------------------------------------------------------------------------------------------------

def _refund_keys(entries) -> set[str]:
    return {e.stripe_charge or e.stripe_object for e in entries}


def net_amount(entries) -> int:
    """What the payments `entries` leave once their refunds are taken off (minor units)."""
    entries = list(entries)
    paid = sum(e.amount for e in entries)
    refunded = (LedgerEntry.objects.filter(kind="refund", stripe_charge__in=_refund_keys(entries))
                .aggregate(total=Sum("amount"))["total"]) or 0
    return paid + refunded  # refunds are negative rows


# --- issuing -------------------------------------------------------------------------------------------------

def _details_of(donation: Donation) -> dict:
    company = bool(donation.donor_company)
    return {"kind": Receipt.COMPANY if company else Receipt.INDIVIDUAL, "donor_name": donation.donor_name,
            "address_line1": donation.address_line1, "postal_code": donation.postal_code, "city": donation.city,
            "country": donation.country.upper(), "company_name": donation.donor_company,
            "company_legal_form": donation.company_legal_form if company else "",
            "company_siren": donation.company_siren if company else "",
            "payment_method": METHODS.get(donation.payment_method, METHODS["card"])}


def _copy_details(receipt: Receipt) -> dict:
    return {field: getattr(receipt, field) for field in (
        "kind", "donor_name", "address_line1", "postal_code", "city", "country", "company_name",
        "company_legal_form", "company_siren", "payment_method", "payment_form", "payment_nature")}


def _local_date(moment) -> dt.date:
    return timezone.localtime(moment).date()


def _insert(*, entries, amount, details, scope, donor, donation, by=None, cover=True, dates=None,
            **links) -> Receipt:
    """Number and insert one receipt covering `entries` (inside the caller's transaction). `cover=False`:
    a cancellation, which states the original's payments but covers none."""
    now = timezone.now()
    year = timezone.localtime(now).year
    sequence, number = next_number(year)
    dates = dates or sorted(_local_date(e.occurred_at) for e in entries)
    receipt = Receipt(number=number, year=year, sequence=sequence, scope=scope, donor=donor, donation=donation,
                      amount=amount, currency=RECEIPT_CURRENCY, first_payment_on=dates[0],
                      last_payment_on=dates[-1], issued_at=now, issued_by=by, **details, **links)
    receipt.save()
    if cover:  # the partial unique index refuses a payment already on a live receipt (IntegrityError)
        ReceiptPayment.objects.bulk_create([ReceiptPayment(receipt=receipt, entry=e) for e in entries])
    return receipt


def store_pdf(receipt: Receipt) -> bytes:
    """Render the receipt's PDF and store it (private storage); returns its bytes."""
    org = ReceiptSettings.load()
    content = pdf.render(receipt, org, _signature(org.signature_image))
    receipt.pdf.save(f"{receipt.number}.pdf", ContentFile(content), save=False)
    Receipt.objects.filter(pk=receipt.pk).update(pdf=receipt.pdf.name)
    return content


_signature_cache: dict = {}


def _signature(image) -> bytes | None:
    """The signature image's bytes, read once per image file (a yearly run renders thousands of receipts)."""
    if image is None:
        return None
    key = (image.pk, image.file.name)
    if key not in _signature_cache:
        try:
            with image.file.open("rb") as handle:
                _signature_cache.clear()
                _signature_cache[key] = handle.read()
        except (OSError, ValueError):
            log.warning("the receipts' signature image %s cannot be read", image.pk)
            return None
    return _signature_cache[key]


def _live_receipt_of(entry) -> Receipt | None:
    link = ReceiptPayment.objects.filter(entry=entry, live=True).select_related("receipt").first()
    return link.receipt if link else None


def _after_commit_render(receipts):
    def render():
        for receipt in receipts:
            try:
                store_pdf(receipt)
            except Exception:  # rendered again on the first download (pdf_bytes)
                log.exception("receipt %s: the PDF could not be rendered now", receipt.number)
    transaction.on_commit(render)


def receipt_for_payment(entry):
    """The receipt covering this ledger payment (a `LedgerEntry` of kind "payment"), issued now if it is
    due (the donor asked for one, the address is complete, one-off gift) and not issued yet; None when no
    receipt is due for it (a monthly payment waits for the yearly summary). Idempotent."""
    if entry is None or entry.kind != "payment":
        return None
    existing = _live_receipt_of(entry)
    if existing or why_no_receipt(entry):
        return existing
    try:
        with transaction.atomic():
            # A concurrent issuer for the same payment waits on the year's counter, then fails on the
            # partial unique index: its transaction (and the number it took) is rolled back.
            entry = LedgerEntry.objects.select_related("donation").get(pk=entry.pk)
            donation = entry.donation
            receipt = _insert(entries=[entry], amount=net_amount([entry]), details=_details_of(donation),
                              scope=Receipt.ONE_OFF, donor=donation.donor, donation=donation)
            _after_commit_render([receipt])
    except IntegrityError:
        return _live_receipt_of(entry)
    return receipt


def pdf_bytes(receipt) -> bytes:
    """The stored PDF of `receipt` (rendered and stored now if it is missing). LookupError once purged."""
    if receipt.purged_at:
        raise LookupError("ce reçu a été purgé à l'issue de la durée légale de conservation")
    receipt.refresh_from_db(fields=["pdf"])
    if not receipt.pdf:
        return store_pdf(receipt)
    try:
        with receipt.pdf.open("rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return store_pdf(receipt)


def _cancel(original: Receipt, *, reason: str, refund=None, by=None, replacement_details=None) -> list:
    """Cancel `original` (inside the caller's transaction): a cancellation document, the original marked
    cancelled and its payments freed, then a replacement covering them for what remains (if anything)."""
    entries = [link.entry for link in original.payments.select_related("entry").filter(live=True)]
    original.status = Receipt.CANCELLED
    original.save(update_fields=["status"])
    ReceiptPayment.objects.filter(receipt=original).update(live=False)
    cancellation = _insert(entries=entries, amount=original.amount, details=_copy_details(original),
                           scope=original.scope, donor=original.donor, donation=original.donation, by=by,
                           cover=False, dates=[original.first_payment_on, original.last_payment_on],
                           document=Receipt.CANCELLATION, cancels=original, reason=reason, refund=refund)
    made = [cancellation]
    remaining = net_amount(entries) if entries else 0
    if remaining > 0:
        details = replacement_details or _copy_details(original)
        made.append(_insert(entries=entries, amount=remaining, details=details, scope=original.scope,
                            donor=original.donor, donation=original.donation, by=by, replaces=original,
                            reason=reason))
    return made


def _original_payment(refund: LedgerEntry) -> LedgerEntry | None:
    key = refund.stripe_charge
    return (LedgerEntry.objects.filter(kind="payment").filter(Q(stripe_charge=key) | Q(stripe_object=key))
            .order_by("pk").first()) if key else None


def _lock_live_link(payment):
    """The live link of `payment`, locked. A concurrent cancellation may commit while we wait for the lock:
    the row we waited for is then no longer live, and its replacement's link, new since our statement
    began, was invisible to it (PostgreSQL, READ COMMITTED): look again in a new statement."""
    for _attempt in range(3):
        live = ReceiptPayment.objects.select_for_update().filter(entry=payment, live=True).first()
        if live is not None or not ReceiptPayment.objects.filter(entry=payment, live=True).exists():
            return live
    return None


def cancel_for_refund(entry):
    """After a refund row (`LedgerEntry` of kind "refund"): the cancellation of the receipt that covered the
    refunded payment, issued once; None when that payment had no receipt. A partial refund also issues a
    replacement for what remains (`cancellation.cancels.replacements`)."""
    if entry is None or entry.kind != "refund":
        return None
    done = Receipt.objects.filter(refund=entry).first()
    if done:
        return done
    payment = _original_payment(entry)
    if payment is None:
        return None
    try:
        with transaction.atomic():
            live = _lock_live_link(payment)
            if live is None:
                return Receipt.objects.filter(refund=entry).first()  # none, or handled meanwhile
            original = Receipt.objects.select_for_update().get(pk=live.receipt_id)
            refunded = -entry.amount
            made = _cancel(original, refund=entry,
                           reason=f"remboursement de {pdf.plain(money(refunded, entry.currency))}")
            _after_commit_render(made)
    except IntegrityError:  # the same refund handled meanwhile
        return Receipt.objects.filter(refund=entry).first()
    return made[0]


def replace_for_new_address(donation, *, by=None) -> list:
    """After staff corrected the name or address of `donation`: a replacement for each of its receipts
    (each cancelling the original); [] when it has none, or when they already carry these details. Raises
    NoReceipt (French message) when the corrected details are still incomplete. `by`: the staff user."""
    donation = Donation.objects.get(pk=donation.pk)
    reason = why_no_receipt_for_donation(donation) if donation.wants_receipt else None
    details = _details_of(donation)
    live = list(Receipt.objects.filter(document=Receipt.RECEIPT, status=Receipt.ISSUED).filter(
        Q(donation=donation) | Q(payments__entry__donation=donation, payments__live=True)).distinct())
    if not live:
        return []
    if reason:
        raise NoReceipt(reason)
    replacements = []
    with transaction.atomic():
        for original in live:
            original = Receipt.objects.select_for_update().get(pk=original.pk)
            if original.status != Receipt.ISSUED:
                continue
            same = all(getattr(original, k) == v for k, v in details.items() if k != "payment_method")
            if same:
                continue
            made = _cancel(original, reason="adresse corrigée", by=by,
                           replacement_details={**_copy_details(original), **details,
                                                "payment_method": original.payment_method})
            _after_commit_render(made)
            replacements += made[1:]
    log.info("receipts: %s replacement(s) for donation %s by user %s", len(replacements), donation.pk,
             getattr(by, "pk", None))
    return replacements


def receipts_now_due(donation) -> list:
    """The receipts that a correction of `donation`'s name or address made due: its one-off payments that
    had none because the details were incomplete when they were paid. [] when none is due (still
    incomplete, a monthly gift, which the yearly summary covers, or every payment already has its receipt).
    Idempotent: a second call finds the receipts issued by the first."""
    issued = []
    for entry in LedgerEntry.objects.select_related("donation").filter(donation=donation, kind="payment"):
        if _live_receipt_of(entry) is None:
            receipt = receipt_for_payment(entry)
            if receipt is not None:
                issued.append(receipt)
    return issued


def receipts_of_donor(donor) -> list:
    """The receipts of `donor` (issued, cancelled, replacements), newest first."""
    if donor is None:
        return []
    return list(Receipt.objects.filter(donor=donor).select_related("cancels", "replaces")
                .order_by("-issued_at", "-sequence"))


def donation_ids_for_receipt_number(number: str) -> list:
    """The gifts a receipt number names (the donor desk's search): the receipt's own gift, and for a yearly
    summary every gift whose payments it covers. [] for an unknown or malformed number."""
    number = (number or "").strip()
    receipt = Receipt.objects.filter(number=number).first() if len(number) <= 16 else None
    if receipt is None:
        return []
    ids = set(ReceiptPayment.objects.filter(receipt=receipt).values_list("entry__donation_id", flat=True))
    if receipt.donation_id:
        ids.add(receipt.donation_id)
    return sorted((i for i in ids if i is not None), key=str)


# --- the yearly summary --------------------------------------------------------------------------------------

def _year_bounds(year: int):
    tz = timezone.get_current_timezone()
    return (dt.datetime(year, 1, 1, tzinfo=tz), dt.datetime(year + 1, 1, 1, tzinfo=tz))


def yearly_candidates(year: int) -> dict:
    """{group key: [monthly payments of `year` not on a live receipt]}, grouped by donor (by donation for
    a gift without a donor row), for gifts that asked for a receipt in euros."""
    start, end = _year_bounds(year)
    on_receipt = ReceiptPayment.objects.filter(entry=OuterRef("pk"), live=True)
    entries = (LedgerEntry.objects.filter(kind="payment", frequency="monthly", currency=RECEIPT_CURRENCY,
                                          occurred_at__gte=start, occurred_at__lt=end,
                                          donation__wants_receipt=True)
               .exclude(Exists(on_receipt)).select_related("donation").order_by("occurred_at", "pk"))
    groups = defaultdict(list)
    for entry in entries:
        key = ("donor", entry.donation.donor_id) if entry.donation.donor_id else ("donation", entry.donation_id)
        groups[key].append(entry)
    return groups


def issue_yearly(year: int, *, dry_run: bool = False) -> dict:
    """One summary receipt per donor for `year`'s monthly payments not already receipted, net of refunds.
    Details (name, address) are those of the donor's newest monthly gift with complete details. Returns
    {"issued": [receipts], "planned": [(key, amount, n payments)], "skipped": [(key, reason)]}."""
    result = {"issued": [], "planned": [], "skipped": []}
    for key, entries in yearly_candidates(year).items():
        donations = sorted({e.donation for e in entries}, key=lambda d: d.created_at, reverse=True)
        complete = next((d for d in donations if why_no_receipt_for_donation(d) is None), None)
        amount = net_amount(entries)
        if complete is None:
            result["skipped"].append((key, why_no_receipt_for_donation(donations[0])))
            continue
        if amount <= 0:
            result["skipped"].append((key, "Mensualités entièrement remboursées."))
            continue
        result["planned"].append((key, amount, len(entries)))
        if dry_run:
            continue
        try:
            with transaction.atomic():
                receipt = _insert(entries=entries, amount=amount, details=_details_of(complete),
                                  scope=Receipt.YEARLY, donor=complete.donor, donation=None)
                _after_commit_render([receipt])
            result["issued"].append(receipt)
        except IntegrityError:  # another run receipted one of these payments meanwhile
            result["skipped"].append((key, "Déjà couvert par un autre reçu (exécution simultanée)."))
    if not dry_run:
        YearlySummaryRun.objects.update_or_create(year=year, defaults={
            "finished_at": timezone.now(), "issued": len(result["issued"])})
    return result


def yearly_if_due(now=None) -> dict | None:
    """The worker's schedule: from 2 January, the previous year's summaries, once (a run is recorded)."""
    now = timezone.localtime(now or timezone.now())
    year = now.year - 1
    if now.month != 1 or now.day < 2 or YearlySummaryRun.objects.filter(year=year).exists():
        return None
    return issue_yearly(year)
