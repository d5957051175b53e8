"""Admin form rules that span a page and its inline rows (Page.clean cannot see unsaved inlines)."""

from django.utils.translation import gettext as _
from wagtail.admin.forms import WagtailAdminPageForm


class ProjectPageForm(WagtailAdminPageForm):
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
