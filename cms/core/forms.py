"""The form of Paramètres > Réglages du site: the menus keep the order the editor sees.

modelcluster's child formsets give every row its position but write only the rows whose fields changed;
an untouched row keeps its old `sort_order`. Remove the first link and add one at the end, and the new link
takes the position an untouched one still holds: the two tie, and the database picks (SQLite and PostgreSQL
pick differently). Here every kept row is given its position before the settings and their menus are saved.
"""

from wagtail.admin.forms import WagtailAdminModelForm


class SiteSettingsForm(WagtailAdminModelForm):
    def save(self, commit=True):
        instance = super().save(commit=False)  # rows in memory, positions on the submitted forms
        for relation, formset in self.formsets.items():
            if not formset.can_order:
                continue
            position = {form.instance.pk: i for i, form in enumerate(formset.ordered_forms)
                        if form.instance.pk is not None}
            for item in getattr(instance, relation).all():
                if item.pk in position:
                    item.sort_order = position[item.pk]
        if commit:
            instance.save()
            self._save_m2m()
        return instance
