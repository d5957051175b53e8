"""Admin form rules that span a page and its inline rows (Page.clean cannot see unsaved inlines)."""

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm


class ProjectPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.limit_update_disbursements()

    def limit_update_disbursements(self):
        """An update may name only its own project's approved disbursements (none for a new page)."""
        from cms.transparency.models import Disbursement

        formset = self.formsets.get("updates")
        if formset is None:
            return
        allowed = Disbursement.objects.approved().filter(project_id=self.instance.pk or -1)
        for form in [*formset.forms, formset.empty_form]:
            if "disbursements" in form.fields:
                form.fields["disbursements"].queryset = allowed
                form.fields["disbursements"].label_from_instance = disbursement_label

    def clean(self):
        cleaned = super().clean()
        goal = cleaned.get("goal_amount")
        formset = self.formsets.get("budget_lines")
        if goal and formset is not None and all(f.is_valid() for f in formset.forms):
            total = sum(f.cleaned_data.get("amount") or 0 for f in formset.forms
                        if f.cleaned_data and not f.cleaned_data.get("DELETE"))
            if total > goal:
                self.add_error("goal_amount", _(
                    "Le total des postes du budget (%(total)s) dépasse l'objectif de collecte (%(goal)s) : "
                    "ajustez l'un ou l'autre.") % {"total": total, "goal": goal})
        return cleaned


def disbursement_label(d) -> str:
    from vda_base.money import money

    return f"{d.date:%d/%m/%Y} · {money(d.amount, d.currency, always_decimals=True)} · {d.description[:80]}"
