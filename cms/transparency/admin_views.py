"""A disbursement's page in the admin and its four-eyes steps.

Each step is a POST (the page's buttons are forms; a GET shows a confirmation page) that calls
workflow.py, which holds the rules; a refusal (the recorder approving their own entry, a step out of
order, a missing permission) is a French message and a 4xx, with nothing written.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views import View
from wagtail.admin.views import generic

from vda_base.money import money

from . import workflow
from .forms import ReversalReasonForm
from .models import Disbursement

OVERSPEND_WARNING = ("Attention : avec cette dépense, les dépenses approuvées du projet ({spent}) dépassent "
                     "l'argent collecté ({raised}). L'approbation reste possible ; la dépense sera signalée.")


def page_url(disbursement) -> str:
    return reverse("transparency_disbursements:inspect", args=[disbursement.pk])


def overspend_warning(disbursement) -> str:
    if disbursement.amount <= 0 or not workflow.would_overspend(disbursement):
        return ""
    project = disbursement.project
    return OVERSPEND_WARNING.format(
        spent=money(workflow.spent_for(project) + disbursement.amount, project.currency, always_decimals=True),
        raised=money(workflow.raised_for(project), project.currency, always_decimals=True))


class DisbursementPageView(generic.InspectView):
    template_name = "transparency/disbursement.html"

    def get_object(self, queryset=None):
        return get_object_or_404(Disbursement.objects.select_related("project", "reverses"), pk=self.pk)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        d, user = self.object, self.request.user
        context.update({
            "d": d, "amount_text": money(d.amount, d.currency, always_decimals=True),
            "documents": list(d.proof_documents.all()), "images": list(d.proof_images.all()),
            "reversal": Disbursement.objects.filter(reverses=d).first(),
            "can_edit": (d.status == d.DRAFT and not d.reverses_id
                         and user.has_perm("transparency.change_disbursement")),
            "can_submit": d.status == d.DRAFT and user.has_perm("transparency.change_disbursement"),
            "can_back": d.status == d.SUBMITTED and (user.has_perm(workflow.APPROVE) or user.pk == d.recorded_by_id),
            "can_approve": d.status == d.SUBMITTED and user.has_perm(workflow.APPROVE),
            "own_entry": user.pk == d.recorded_by_id,
            "can_reverse": (d.status == d.APPROVED and not d.reverses_id and user.has_perm(workflow.ADD)
                            and not Disbursement.objects.filter(reverses=d).exists()),
            "warning": overspend_warning(d) if d.status == d.SUBMITTED else "",
        })
        return context


class StepView(View):
    """GET: a confirmation page; POST: the step. Subclasses set `title`, `step` (a workflow function)
    and `done` (the success message)."""

    http_method_names = ["get", "post"]
    template_name = "transparency/step.html"
    title = done = confirm_label = ""
    permission = "transparency.view_disbursement"

    def dispatch(self, request, pk):
        if not request.user.has_perm(self.permission):
            raise PermissionDenied
        self.disbursement = get_object_or_404(Disbursement.objects.select_related("project"), pk=pk)
        return super().dispatch(request, pk)

    def make_form(self, data=None):
        return None

    def context(self, form=None, refused=""):
        d = self.disbursement
        return {"title": self.title, "d": d, "form": form, "refused": refused, "back_url": page_url(d),
                "amount_text": money(d.amount, d.currency, always_decimals=True),
                "confirm_label": self.confirm_label or self.title, "warning": self.warning()}

    def warning(self) -> str:
        return ""

    def get(self, request, pk):
        return TemplateResponse(request, self.template_name, self.context(self.make_form()))

    def perform(self, form):
        return self.step(self.disbursement, self.request.user)

    def post(self, request, pk):
        form = self.make_form(request.POST)
        if form is not None and not form.is_valid():
            messages.error(request, "Rien n'a été fait : corrigez les champs signalés.")
            return TemplateResponse(request, self.template_name, self.context(form), status=400)
        try:
            result = self.perform(form)
        except workflow.Refused as refusal:
            messages.error(request, str(refusal))
            return TemplateResponse(request, self.template_name, self.context(form, refused=str(refusal)),
                                    status=409)
        messages.success(request, self.done)
        if getattr(result, "overspent", False):
            messages.warning(request, "Dépense approuvée et signalée : les dépenses du projet dépassent "
                                      "l'argent collecté.")
        return HttpResponseRedirect(page_url(result), status=303)


class SubmitView(StepView):
    title = "Soumettre à l'approbation"
    confirm_label = "Soumettre"
    done = "Dépense soumise : une autre personne doit maintenant l'approuver."
    permission = "transparency.change_disbursement"
    step = staticmethod(workflow.submit)


class BackToDraftView(StepView):
    title = "Renvoyer en brouillon"
    done = "Dépense renvoyée en brouillon."
    step = staticmethod(workflow.back_to_draft)


class ApproveView(StepView):
    title = "Approuver la dépense"
    confirm_label = "Approuver"
    done = "Dépense approuvée : elle est publique."
    permission = workflow.APPROVE
    step = staticmethod(workflow.approve)

    def warning(self):
        return overspend_warning(self.disbursement) if self.disbursement.status == Disbursement.SUBMITTED else ""


class ReverseView(StepView):
    title = "Annuler par une contre-écriture"
    confirm_label = "Saisir la contre-écriture"
    done = "Contre-écriture saisie en brouillon : soumettez-la, une autre personne l'approuvera."
    permission = workflow.ADD

    def make_form(self, data=None):
        return ReversalReasonForm(data)

    def perform(self, form):
        return workflow.reverse(self.disbursement, self.request.user, reason=form.cleaned_data["reason"])
