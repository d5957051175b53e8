"""A project update names the disbursements it shows ("le puits financé par ces trois dépenses", issue 14
§2): through the page's edit form in the admin, which offers only the page's own approved disbursements
and refuses any other id posted by hand; the API shows only approved ones (test_transparency_api.py)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from cms.projects.models import ProjectPage, ProjectUpdate
from tests import factories
from tests.admin_form import edit_form_data
from tests.transparency_helpers import anne, approved, bruno, draft, project, tree  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def page_with_update(project):
    ProjectUpdate(page=project, date="2026-06-02", title="Le puits coule", text="<p>Enfin.</p>").save()
    project.save_revision().publish()
    return ProjectPage.objects.get(pk=project.pk)


def offered(html: str) -> set[str]:
    soup = BeautifulSoup(html, "html.parser")
    return {el["value"] for el in soup.find_all("input", attrs={"name": "updates-0-disbursements"})}


def test_the_panel_offers_only_this_pages_approved_disbursements(admin_client, tree, page_with_update, anne, bruno):
    mine = approved(page_with_update, anne, bruno)
    draft(page_with_update, anne)
    foreign = approved(factories.make_project(tree, title="Autre", slug="autre"), anne, bruno)
    url = f"/admin/pages/{page_with_update.pk}/edit/"
    html = admin_client.get(url).content.decode()
    assert offered(html) == {str(mine.pk)}
    data = edit_form_data(html, page_with_update)
    data.update({"updates-0-disbursements": [str(mine.pk)], "action-publish": ["action-publish"]})
    assert admin_client.post(url, data).status_code == 302
    update = ProjectPage.objects.get(pk=page_with_update.pk).updates.get()
    assert list(update.disbursements.values_list("pk", flat=True)) == [mine.pk]
    data = edit_form_data(admin_client.get(url).content.decode(), page_with_update)
    data.update({"updates-0-disbursements": [str(foreign.pk)], "action-publish": ["action-publish"]})
    refused = admin_client.post(url, data)
    assert refused.status_code == 200  # the form again, with the error
    update = ProjectPage.objects.get(pk=page_with_update.pk).updates.get()
    assert list(update.disbursements.values_list("pk", flat=True)) == [mine.pk]
