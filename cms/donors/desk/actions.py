"""The desk's actions. Each one is a POST with Django's CSRF check, shown first as a form, then as a
confirmation page that says exactly what will happen ("Rembourser 12,50 € sur le paiement pi_…"), and only
the confirmation's POST acts. Then a French message, a redirect (303) to the gift or the donor, and a
Wagtail log entry naming who did it (`wagtail.log_actions.log`, actions registered in wagtail_hooks.py).

Refused input (an amount over what is refundable, a refund of 0, a pledge matched twice, an absurd offline
gift, an id that is not this donor's) gets the form back with a French message and a 4xx status, and
nothing is written or sent to Stripe. A Stripe failure is a 502 with a French message. E-mails (a receipt's
copy) are only queued here (cms/donors/mail.py): the mail server's state shows in the donor's mail log.
"""

from __future__ import annotations

import logging

import stripe
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from wagtail.log_actions import log
from wagtail.models import ModelLogEntry

from cms.donations import gateway, ledger
from cms.donations.insert_or_nothing import insert_or_nothing
from cms.donations.models import Donation, Donor, LedgerEntry
from vda_base.money import money

from . import forms, permissions

logger = logging.getLogger(__name__)

CARD_PAYMENTS = ("pi_", "in_")


class Refused(Exception):
    """An action that cannot be done as asked: its French message, the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400):
        super().__init__(message)
        self.message, self.status = message, status


def donation_url(donation) -> str:
    return reverse("desk_donations:inspect", args=[donation.pk])


def donor_url(donor) -> str:
    return reverse("desk_donors:inspect", args=[donor.pk])


class DeskAction(View):
    """Form -> confirmation -> action. Subclasses set `permission`, `title`, and implement `load`,
    `make_form`, `summary` (the confirmation's lines), `perform` (returns the log data) and `success`."""

    permission: str = ""
    title = ""
    action = ""  # the log action ("donors.refund")
    template_name = "donors/desk/action.html"
    confirm_label = "Confirmer"
    http_method_names = ["get", "post"]

    def dispatch(self, request, *args, **kwargs):
        permissions.require(request.user, self.permission)
        self.load(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    # --- to implement ---------------------------------------------------------------------------------
    def load(self, **kwargs):
        raise NotImplementedError

    def make_form(self, data=None):
        raise NotImplementedError

    def summary(self, form) -> list[str]:
        return []

    def perform(self, form) -> dict:
        raise NotImplementedError

    def success(self, form) -> str:
        raise NotImplementedError

    def log_instance(self):
        return self.donation

    def back_url(self) -> str:
        return donation_url(self.donation)

    def refusal(self) -> str:
        """Why the action cannot be offered at all (shown instead of the form), or ""."""
        return ""

    # --- the flow -------------------------------------------------------------------------------------
    def render(self, form, *, confirm=False, status=200, refused=""):
        return TemplateResponse(self.request, self.template_name, {
            "title": self.title, "form": form, "confirm": confirm, "summary": self.summary(form) if confirm else [],
            "refused": refused, "back_url": self.back_url(), "confirm_label": self.confirm_label,
            "subject": self.context_subject()}, status=status)

    def context_subject(self) -> list[str]:
        return []

    def get(self, request, *args, **kwargs):
        refused = self.refusal()
        return self.render(None if refused else self.make_form(), refused=refused, status=409 if refused else 200)

    def post(self, request, *args, **kwargs):
        refused = self.refusal()
        if refused:
            messages.error(request, refused)
            return self.render(None, refused=refused, status=409)
        form = self.make_form(request.POST)
        if not form.is_valid():
            messages.error(request, "Rien n'a été fait : corrigez les champs signalés.")
            return self.render(form, status=400)
        if request.POST.get("confirmed") != "1":
            return self.render(form, confirm=True)
        try:
            with transaction.atomic():  # the action's rows and its log entry: both or neither
                data = self.perform(form)
                log(instance=self.log_instance(), action=self.action, user=request.user, data=data)
        except Refused as refusal:
            messages.error(request, refusal.message)
            return self.render(self.make_form(request.POST), status=refusal.status, refused=refusal.message)
        messages.success(request, self.success(form))
        return HttpResponseRedirect(self.back_url(), status=303)


# --- refund ---------------------------------------------------------------------------------------------

class RefundView(DeskAction):
    permission = permissions.REFUND
    title = "Rembourser un paiement"
    action = "donors.refund"
    confirm_label = "Confirmer le remboursement"

    def load(self, pk, entry_id):
        self.donation = get_object_or_404(Donation, pk=pk)
        self.entry = get_object_or_404(LedgerEntry, pk=entry_id, donation=self.donation, kind="payment")
        self.refundable = self.remaining(self.entry)

    @staticmethod
    def remaining(entry) -> int:
        """What may still be refunded: the payment less the larger of what the ledger holds and what Stripe
        says it refunded (a refund asked a minute ago may not have come back by webhook yet)."""
        done = ledger.refunded(entry)
        if entry.stripe_object.startswith(CARD_PAYMENTS):
            try:
                done = max(done, gateway.refunded_at_stripe(entry.stripe_charge) or 0)
            except stripe.StripeError:
                pass  # Stripe unreachable: the ledger's figure, and Stripe refuses an over-refund itself
        return entry.amount - done

    def refusal(self):
        if not self.entry.stripe_object.startswith(CARD_PAYMENTS):
            return "Ce paiement n'est pas passé par Stripe : un don hors ligne se rembourse hors ligne."
        if self.refundable <= 0:
            return "Ce paiement a déjà été entièrement remboursé."
        return ""

    def context_subject(self):
        return [f"Paiement {self.entry.stripe_object} du {self.entry.occurred_at:%d/%m/%Y} : "
                f"{money(self.entry.amount, self.entry.currency, always_decimals=True)}",
                f"Reste remboursable : {money(self.refundable, self.entry.currency, always_decimals=True)}"]

    def make_form(self, data=None):
        initial = {"amount": money(self.refundable, self.entry.currency, always_decimals=True).rstrip("\u00a0€$")
                   .replace("\u202f", "")}
        return forms.RefundForm(data, entry=self.entry, refundable=self.refundable, initial=initial)

    def summary(self, form):
        return [f"Rembourser {money(form.cleaned_data['amount'], self.entry.currency, always_decimals=True)} "
                f"sur le paiement {self.entry.stripe_object}, par Stripe.",
                "Le remboursement apparaîtra dans le grand livre dès que Stripe l'aura confirmé."]

    def perform(self, form):
        amount, nonce = form.cleaned_data["amount"], str(form.cleaned_data["nonce"])
        # The payment's row locked (PostgreSQL) until the log entry is written: a double click waits, then
        # finds its nonce logged; two staff refunding at once cannot both take the last euro.
        LedgerEntry.objects.select_for_update().filter(pk=self.entry.pk).first()
        if ModelLogEntry.objects.filter(action=self.action, object_id=str(self.donation.pk),
                                        data__nonce=nonce).exists():
            raise Refused("Ce remboursement a déjà été demandé (formulaire envoyé deux fois) : rien de plus "
                          "n'a été remboursé.", status=409)
        if amount > self.remaining(self.entry):
            raise Refused("Le montant dépasse ce qui reste remboursable sur ce paiement ; rien n'a été "
                          "remboursé.", status=409)
        try:
            refund = gateway.refund(stripe_object=self.entry.stripe_object, stripe_charge=self.entry.stripe_charge,
                                    amount=amount, key=f"desk-refund-{nonce}")
        except (stripe.StripeError, ValueError) as error:
            logger.warning("refund of %s refused: %s", self.entry.stripe_object, type(error).__name__)
            raise Refused("Stripe a refusé le remboursement ; rien n'a été remboursé. Réessayez plus tard ou "
                          "vérifiez le paiement dans Stripe.", status=502) from None
        return {"payment": self.entry.stripe_object, "refund": refund.id, "amount": amount, "nonce": nonce,
                "currency": self.entry.currency, "reason": form.cleaned_data.get("reason", "")}

    def success(self, form):
        return (f"Remboursement de {money(form.cleaned_data['amount'], self.entry.currency, always_decimals=True)} "
                f"demandé à Stripe. Il sera inscrit au grand livre dès sa confirmation.")


# --- cancel a monthly gift ------------------------------------------------------------------------------

class CancelMonthlyView(DeskAction):
    permission = permissions.CANCEL_MONTHLY
    title = "Arrêter un don mensuel"
    action = "donors.cancel_monthly"
    confirm_label = "Confirmer l'arrêt"

    def load(self, pk):
        self.donation = get_object_or_404(Donation, pk=pk)

    def refusal(self):
        d = self.donation
        if d.frequency != "monthly" or not d.stripe_subscription.startswith("sub_"):
            return "Ce don n'est pas un don mensuel par carte."
        if d.status != "active":
            return "Ce don mensuel n'est pas actif : il n'y a rien à arrêter."
        return ""

    def context_subject(self):
        return [f"Don mensuel de {money(self.donation.total, self.donation.currency, always_decimals=True)} "
                f"({self.donation.stripe_subscription})"]

    def make_form(self, data=None):
        return forms.NonceForm(data)

    def summary(self, form):
        return ["Arrêter ce don mensuel chez Stripe : plus aucune mensualité ne sera prélevée.",
                "Son état passera à « arrêté » dès que Stripe l'aura confirmé."]

    def perform(self, form):
        try:
            gateway.cancel_subscription(self.donation.stripe_subscription)
        except stripe.StripeError as error:
            logger.warning("cancel of %s refused: %s", self.donation.stripe_subscription, type(error).__name__)
            raise Refused("Stripe n'a pas pu arrêter ce don mensuel ; rien n'a changé. Réessayez plus tard.",
                          status=502) from None
        return {"subscription": self.donation.stripe_subscription}

    def success(self, form):
        return "Don mensuel arrêté chez Stripe. Son état sera mis à jour dès la confirmation de Stripe."


# --- offline gifts and pledges --------------------------------------------------------------------------

class OfflineGiftView(DeskAction):
    """A cheque, a transfer or cash received without a pledge on the site: a new succeeded gift and its
    ledger payment (`offline-<nonce>`), through the ledger like any payment, so the receipt and the
    thank-you follow from its signal. For an existing donor (from their page) or a new one (by e-mail;
    an existing donor's stored details are never changed)."""

    permission = permissions.RECORD_OFFLINE
    title = "Enregistrer un don hors ligne"
    action = "donors.offline_gift"
    confirm_label = "Enregistrer le don"

    def load(self, pk=None):
        self.donor = get_object_or_404(Donor, pk=pk) if pk is not None else None
        self.donation = None

    def back_url(self):
        if self.donation is not None:
            return donation_url(self.donation)
        return donor_url(self.donor) if self.donor else reverse("desk_donations:index")

    def context_subject(self):
        return [f"Donateur : {self.donor.name} <{self.donor.email}>"] if self.donor else []

    def make_form(self, data=None):
        initial = {}
        if self.donor is not None:
            initial = {"donor_name": self.donor.name, "address_line1": self.donor.address_line1,
                       "postal_code": self.donor.postal_code, "city": self.donor.city, "country": self.donor.country}
        return forms.OfflineGiftForm(data, donor=self.donor, initial=initial)

    def summary(self, form):
        d = form.cleaned_data
        method = dict(forms.OFFLINE_METHODS)[d["payment_method"]]
        project = form.live_project.title if form.live_project else "Fonds général"
        who = self.donor.email if self.donor else d["email"]
        return [f"Enregistrer un don de {money(d['amount'], 'EUR', always_decimals=True)} par {method}, "
                f"reçu le {d['received_on']:%d/%m/%Y}, pour « {project} ».",
                f"Donateur : {d['donor_name']} ({who}).",
                "Reçu fiscal : " + ("oui, envoyé par e-mail." if d["wants_receipt"] else "non.")]

    def perform(self, form):
        d = form.cleaned_data
        project = form.live_project
        with transaction.atomic():
            donor = self.donor
            if donor is None:
                email = d["email"].strip().lower()
                insert_or_nothing(Donor(email=email, name=d["donor_name"], address_line1=d["address_line1"],
                                        postal_code=d["postal_code"], city=d["city"], country=d["country"]),
                                  key="email")
                donor = Donor.objects.get(email=email)
            donation = Donation(
                pk=d["nonce"], donor=donor, project_id=project.pk if project else None,
                project_slug=project.slug if project else "", kind="gift", frequency="once", amount=d["amount"],
                fee=0, currency="EUR", wants_receipt=d["wants_receipt"], source="desk", donor_name=d["donor_name"],
                address_line1=d["address_line1"], postal_code=d["postal_code"], city=d["city"],
                country=d["country"], status="succeeded", payment_method=d["payment_method"])
            if not insert_or_nothing(donation, key="id"):
                self.donation = Donation.objects.filter(pk=d["nonce"]).first()
                raise Refused("Ce don a déjà été enregistré (formulaire envoyé deux fois) : rien de plus n'a "
                              "été écrit.", status=409)
            ledger.record_payment(donation=donation, stripe_object=f"offline-{d['nonce']}", amount=d["amount"],
                                  currency="EUR", occurred=form.occurred_timestamp())
        self.donation, self.donor = donation, donor
        return {"amount": d["amount"], "currency": "EUR", "payment_method": d["payment_method"],
                "received_on": d["received_on"].isoformat(), "ledger": f"offline-{d['nonce']}"}

    def success(self, form):
        return (f"Don de {money(form.cleaned_data['amount'], 'EUR', always_decimals=True)} enregistré"
                + (" ; le reçu fiscal suit." if form.cleaned_data["wants_receipt"] else "."))


class MatchPledgeView(DeskAction):
    """A pledge made on the site (bank transfer or cheque, status "pledged") meets the money: a ledger
    payment keyed `pledge-<id>` (`pledge-<id>-<YYYY-MM>` for each month of a standing transfer), and the
    gift becomes paid (monthly: active). A pledge matched twice writes nothing the second time."""

    permission = permissions.RECORD_OFFLINE
    title = "Rapprocher une promesse du paiement reçu"
    action = "donors.match_pledge"
    confirm_label = "Confirmer le rapprochement"

    def load(self, pk):
        self.donation = get_object_or_404(Donation, pk=pk)

    def refusal(self):
        d = self.donation
        if d.payment_method not in ("transfer", "cheque"):
            return "Ce don n'est pas une promesse de virement ou de chèque."
        if d.status == "pledged" or (d.frequency == "monthly" and d.status == "active"):
            return ""
        return "Cette promesse a déjà été rapprochée du paiement reçu : rien à faire."

    def context_subject(self):
        d = self.donation
        return [f"Promesse {d.reference} : {money(d.amount, d.currency, always_decimals=True)} par "
                f"{d.get_payment_method_display()}" + (" chaque mois" if d.frequency == "monthly" else "")]

    def make_form(self, data=None):
        initial = {"amount": money(self.donation.amount, self.donation.currency, always_decimals=True)
                   .rstrip("\u00a0€$").replace("\u202f", "")}
        return forms.MatchPledgeForm(data, donation=self.donation, initial=initial)

    def key(self, form) -> str:
        if self.donation.frequency == "monthly":
            return f"pledge-{self.donation.pk}-{form.cleaned_data['received_on']:%Y-%m}"
        return f"pledge-{self.donation.pk}"

    def summary(self, form):
        d = form.cleaned_data
        lines = [f"Inscrire au grand livre {money(d['amount'], self.donation.currency, always_decimals=True)} "
                 f"reçus le {d['received_on']:%d/%m/%Y} pour la promesse {self.donation.reference}."]
        if d["amount"] != self.donation.amount:
            lines.append(f"Attention : la promesse était de "
                         f"{money(self.donation.amount, self.donation.currency, always_decimals=True)}.")
        return lines

    def perform(self, form):
        d = form.cleaned_data
        key = self.key(form)
        with transaction.atomic():
            donation = Donation.objects.select_for_update().get(pk=self.donation.pk)
            self.donation = donation
            if self.refusal():
                raise Refused(self.refusal(), status=409)
            written = ledger.record_payment(donation=donation, stripe_object=key, amount=d["amount"],
                                            currency=donation.currency, occurred=form.occurred_timestamp())
            if not written:
                raise Refused("Ce paiement a déjà été rapproché de cette promesse"
                              + (" pour ce mois-ci" if donation.frequency == "monthly" else "")
                              + " : rien de plus n'a été écrit.", status=409)
            donation.status = "active" if donation.frequency == "monthly" else "succeeded"
            donation.save(update_fields=["status", "updated_at"])
        return {"amount": d["amount"], "currency": donation.currency, "received_on": d["received_on"].isoformat(),
                "ledger": key, "pledged": donation.amount}

    def success(self, form):
        return (f"Promesse rapprochée : "
                f"{money(form.cleaned_data['amount'], self.donation.currency, always_decimals=True)} inscrits "
                f"au grand livre.")


# --- the gift's name and address ------------------------------------------------------------------------

class FixAddressView(DeskAction):
    """Correct the name or postal address of one gift; its receipts are replaced (each replacement cancels
    the original, cms.receipts). The donor's own row is not changed: each gift keeps its own details."""

    permission = permissions.FIX_ADDRESS
    title = "Corriger le nom ou l'adresse d'un don"
    action = "donors.fix_address"
    confirm_label = "Enregistrer la correction"

    def load(self, pk):
        self.donation = get_object_or_404(Donation, pk=pk)

    def make_form(self, data=None):
        return forms.AddressForm(data, initial={name: getattr(self.donation, name)
                                                for name in forms.AddressForm.FIELDS})

    def changed(self, form) -> list[str]:
        return [name for name in forms.AddressForm.FIELDS
                if form.cleaned_data[name] != getattr(self.donation, name)]

    def summary(self, form):
        changed = self.changed(form)
        if not changed:
            return ["Rien n'a changé."]
        lines = [f"{form.fields[name].label} : « {getattr(self.donation, name) or '—'} » → "
                 f"« {form.cleaned_data[name] or '—'} »" for name in changed]
        return lines + ["Chaque reçu de ce don sera remplacé par un nouveau reçu (l'ancien est annulé)."]

    def perform(self, form):
        from cms.receipts import service

        changed = self.changed(form)
        if not changed:
            raise Refused("Rien n'a changé : aucune correction enregistrée.", status=400)
        with transaction.atomic():
            donation = Donation.objects.select_for_update().get(pk=self.donation.pk)
            for name in changed:
                setattr(donation, name, form.cleaned_data[name])
            donation.save(update_fields=changed + ["updated_at"])
            self.donation = donation
            try:
                replaced = service.replace_for_new_address(donation, by=self.request.user) or []
            except service.NoReceipt as why:  # its receipts need a complete address: nothing is saved
                raise Refused(f"{why} Le don a des reçus fiscaux : corrigez l'adresse complète ; rien n'a été "
                              "enregistré.", status=400) from None
            # A gift paid with an incomplete address got no receipt; now complete, it gets it (and the donor
            # an e-mail with it, queued when this transaction commits).
            issued = [] if replaced else service.receipts_now_due(donation)
            for receipt in issued:
                send_new_receipt(donation, receipt)
        self.issued = issued
        return {"fields": changed, "replacement_receipts": len(replaced),  # which fields, never their values
                **({"issued_receipts": [r.number for r in issued]} if issued else {})}

    def success(self, form):
        if getattr(self, "issued", None):
            numbers = ", ".join(f"n°\u00a0{r.number}" for r in self.issued)
            return (f"Nom et adresse du don corrigés ; l'adresse étant désormais complète, le reçu fiscal {numbers} "
                    "est émis et envoyé au donateur (voir «\u00a0E-mails envoyés\u00a0»).")
        return "Nom et adresse du don corrigés ; ses reçus fiscaux sont remplacés."


def send_new_receipt(donation, receipt) -> None:
    """E-mail a receipt issued after a correction to the gift's donor, with its PDF (queued; nothing for an
    erased donor). The donor asked for it: it is sent whatever their thank-you preferences."""
    from cms.receipts import service

    from cms.donors import mail

    donor = donation.donor
    if donor is None:
        return
    number = receipt_number(receipt)
    mail.send("receipt_issued", to=donor.email, donor=donor, context={"number": number},
              attachments=[(f"recu-fiscal-{number}.pdf", service.pdf_bytes(receipt), "application/pdf")])


# --- resend a receipt -----------------------------------------------------------------------------------

def receipt_key(receipt) -> str:
    return str(receipt.pk)


def receipt_number(receipt) -> str:
    return receipt.number


def find_receipt(donor, key: str):
    """One of `donor`'s receipts (cms.receipts) by its id; Http404 for anyone else's or an unknown one."""
    from cms.receipts import service

    found = [r for r in service.receipts_of_donor(donor) if receipt_key(r) == str(key)]
    if not found:
        raise Http404
    return found[0]


def receipt_pdf(request, pk, receipt):
    """The stored PDF of one of the donor's receipts, for the staff of the desk (never cached)."""
    from django.http import HttpResponse

    from cms.receipts import service

    permissions.require(request.user)
    donor = get_object_or_404(Donor, pk=pk)
    found = find_receipt(donor, receipt)
    try:
        pdf = service.pdf_bytes(found)
    except LookupError:
        raise Http404 from None
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="recu-fiscal-{receipt_number(found)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


class ResendReceiptView(DeskAction):
    """A copy of one of the donor's receipts (the stored PDF, never re-rendered) to the donor's e-mail."""

    permission = permissions.RESEND_RECEIPT
    title = "Renvoyer un reçu fiscal"
    action = "donors.resend_receipt"
    confirm_label = "Envoyer le reçu"

    def load(self, pk, receipt):
        self.donor = get_object_or_404(Donor, pk=pk)
        self.receipt = find_receipt(self.donor, receipt)  # not this donor's receipt, or none by that id: 404

    def log_instance(self):
        return self.donor

    def back_url(self):
        return donor_url(self.donor)

    def context_subject(self):
        return [f"Reçu n° {receipt_number(self.receipt)}"]

    def make_form(self, data=None):
        return forms.NonceForm(data)

    def summary(self, form):
        return [f"Envoyer une copie du reçu n°\u00a0{receipt_number(self.receipt)} à {self.donor.email}.",
                "Le message est mis en file d'envoi\u00a0: son état (envoyé, ou en échec après plusieurs "
                "tentatives) apparaît ensuite dans «\u00a0E-mails envoyés\u00a0» sur la page du donateur."]

    def perform(self, form):
        from cms.receipts import service

        from cms.donors import mail

        try:
            pdf = service.pdf_bytes(self.receipt)
        except LookupError:
            raise Refused("Ce reçu a été purgé à l'issue de la durée légale de conservation\u00a0: rien "
                          "n'a été envoyé.", status=409) from None
        number, nonce = receipt_number(self.receipt), str(form.cleaned_data["nonce"])
        # The donor's row locked (PostgreSQL) until the log entry is written: a double click waits, then
        # finds its nonce logged, and the donor gets one copy, not two.
        Donor.objects.select_for_update().filter(pk=self.donor.pk).first()
        if ModelLogEntry.objects.filter(action=self.action, object_id=str(self.donor.pk),
                                        data__nonce=nonce).exists():
            raise Refused("Cette copie a déjà été mise en file d'envoi (formulaire envoyé deux fois)\u00a0: "
                          "aucune autre copie n'est envoyée.", status=409)
        # Queued, not sent here (cms/donors/mail.py): a mail server down cannot fail this click; the worker
        # retries, and the donor's page shows the message's state in « E-mails envoyés ».
        row = mail.send("receipt_copy", to=self.donor.email, donor=self.donor,
                        context={"number": number},  # JSON: the message is kept until the worker sends it
                        attachments=[(f"recu-fiscal-{number}.pdf", pdf, "application/pdf")])
        if row is None:  # an erased donor: no address left to write to
            raise Refused("Ce donateur a été effacé (RGPD) : aucune adresse où envoyer le reçu.", status=409)
        self.queued = row
        return {"receipt": number, "email": row.pk, "nonce": nonce}

    def success(self, form):
        return (f"La copie du reçu n°\u00a0{receipt_number(self.receipt)} est en file d'envoi\u00a0: son état "
                "apparaît dans «\u00a0E-mails envoyés\u00a0» ci-dessous.")
