"""The public GraphQL fields of money spent (issue 14 §1): the contract the site renders
(projectSpending, siteSpending), what never appears (drafts and submitted disbursements, unpublished or
private project pages, proofs of private collections, the names of the staff who recorded or approved),
a number of SQL queries that does not grow with the number of projects, and hostile queries."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from cms.projects.models import BudgetLine, ProjectUpdate
from cms.transparency import workflow
from cms.transparency.models import Disbursement
from tests import factories
from tests.transparency_helpers import (SPENDING_QUERY, anne, approved, bruno, draft, give, gql, grant,  # noqa: F401
                                        project, tree)

pytestmark = pytest.mark.django_db


def make_document(title="Facture 12", collection=None):
    from django.core.files.base import ContentFile

    doc = get_document_model()(title=title, collection=collection or Collection.get_first_root_node())
    doc.file.save(f"{title.replace(' ', '-')}.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    doc.save()
    return doc


def private_collection():
    root = Collection.get_first_root_node()
    secret = root.add_child(name="Comptabilité interne")
    CollectionViewRestriction.objects.create(collection=secret, restriction_type="password", password="x")
    return secret


def spending(client):
    status, payload = gql(client, SPENDING_QUERY)
    assert status == 200 and "errors" not in payload, payload
    return payload["data"]


def test_the_contract_lines_proofs_reversals_and_totals(client, project, anne, bruno):
    give(project, 60_000)
    grant(project, amount=20_000)
    doc, image = make_document(), factories.make_image(title="Le forage")
    first = approved(project, anne, bruno, amount=50_000, line="Forage")
    first_proofs = Disbursement.objects.get(pk=first.pk)
    # proofs are attached while a draft; build a second one with proofs the normal way
    second = draft(project, anne, amount=7_000, line="Pompe", description="Pompe solaire")
    second.proof_documents.add(doc)
    second.proof_images.add(image)
    workflow.submit(second, anne)
    workflow.approve(second, bruno)
    reversal = workflow.reverse(first_proofs, bruno)
    workflow.submit(reversal, bruno)
    workflow.approve(reversal, anne)
    data = spending(client)
    (row,) = data["projectSpending"]
    assert row["slug"] == "puits" and row["currency"] == "EUR"
    assert row["planned"] == 4_000_000  # the two budget lines of the factory
    assert row["raised"] == 80_000 and row["grants"] == 20_000
    assert row["spent"] == 7_000 and row["overspent"] is False
    assert row["lines"] == [{"label": "Forage", "planned": 3_000_000, "spent": 0},
                            {"label": "Pompe", "planned": 1_000_000, "spent": 7_000}]
    ids = [int(d["id"]) for d in row["disbursements"]]
    assert sorted(ids) == sorted([first.pk, second.pk, reversal.pk])
    by_id = {int(d["id"]): d for d in row["disbursements"]}
    assert by_id[reversal.pk]["amount"] == -50_000 and by_id[reversal.pk]["budgetLine"] == "Forage"
    assert by_id[second.pk]["description"] == "Pompe solaire" and by_id[second.pk]["date"] == "2026-06-01"
    proofs = {p["kind"]: p for p in by_id[second.pk]["proofs"]}
    assert proofs["document"]["title"] == "Facture 12" and proofs["document"]["url"].endswith(".pdf")
    assert proofs["image"]["title"] == image.title and "width-1200" in proofs["image"]["url"]
    assert data["siteSpending"] == [{"currency": "EUR", "planned": 4_000_000, "raised": 80_000,
                                     "grants": 20_000, "spent": 7_000}]


def test_newest_first_and_other_spending_for_lines_no_longer_on_the_page(client, project, anne, bruno):
    old = approved(project, anne, bruno, amount=1_000, line="Pompe", date="2026-01-02")
    new = approved(project, anne, bruno, amount=2_000, line="Forage", date="2026-03-04")
    BudgetLine.objects.filter(page=project, label="Pompe").update(label="Pompe solaire")
    (row,) = spending(client)["projectSpending"]
    assert [int(d["id"]) for d in row["disbursements"]] == [new.pk, old.pk]
    assert row["lines"][-1] == {"label": "Autres dépenses", "planned": 0, "spent": 1_000}
    assert {"label": "Pompe solaire", "planned": 1_000_000, "spent": 0} in row["lines"]
    assert row["spent"] == 3_000


def test_overspent_is_public_as_a_figure(client, project, anne, bruno):
    give(project, 100)
    approved(project, anne, bruno, amount=5_000)
    (row,) = spending(client)["projectSpending"]
    assert row["overspent"] is True and row["spent"] == 5_000 and row["raised"] == 100


def test_nothing_unapproved_unpublished_private_or_personal_leaks(client, tree, project, anne, bruno):
    secret = private_collection()
    hidden_doc = make_document("Relevé bancaire interne", collection=secret)
    hidden_image = factories.make_image(title="Photo interne")
    hidden_image.collection = secret
    hidden_image.save()
    shown = draft(project, anne, description="Visible")
    shown.proof_documents.add(hidden_doc)
    shown.proof_images.add(hidden_image)
    workflow.submit(shown, anne)
    workflow.approve(shown, bruno)
    draft(project, anne, description="Brouillon secret")
    pending = draft(project, anne, description="Soumise secrète")
    workflow.submit(pending, anne)
    unpublished = factories.make_project(tree, title="Projet brouillon", slug="brouillon", publish=False)
    approved(unpublished, anne, bruno, description="Dépense du brouillon")
    grant(unpublished, amount=777_777)
    private = factories.make_private(factories.make_project(tree, title="Projet privé", slug="prive"))
    approved(private, anne, bruno, description="Dépense privée")
    retired = factories.make_project(tree, title="Projet retiré", slug="retire")
    approved(retired, anne, bruno, description="Dépense retirée")
    retired.unpublish()
    data = spending(client)
    assert [row["slug"] for row in data["projectSpending"]] == ["puits"]
    (row,) = data["projectSpending"]
    assert [d["description"] for d in row["disbursements"]] == ["Visible"]
    assert row["disbursements"][0]["proofs"] == []
    assert data["siteSpending"][0]["spent"] == 50_000 and data["siteSpending"][0]["grants"] == 0
    text = json.dumps(data)
    for needle in ("Brouillon secret", "Soumise secrète", "brouillon", "privée", "retirée", "777777", "interne",
                   "anne-compta", "Anne", "bruno-compta", "Bruno", "Quatreyeux", "example.org"):
        assert needle not in text, needle


def test_the_update_names_only_approved_disbursements_of_its_own_project(client, tree, project, anne, bruno):
    other = factories.make_project(tree, title="Autre", slug="autre")
    mine = approved(project, anne, bruno)
    pending = draft(project, anne)
    foreign = approved(other, anne, bruno)
    update = ProjectUpdate(page=project, date="2026-06-02", title="Le puits coule", text="<p>Enfin.</p>")
    update.save()
    update.disbursements.set([mine, pending, foreign])
    update.save()
    status, payload = gql(client, """{ page(slug: "puits") { ... on ProjectPage { updates { title
                                       disbursements { id } } } } }""")
    assert status == 200 and "errors" not in payload, payload
    (shown,) = payload["data"]["page"]["updates"]
    assert shown["disbursements"] == [{"id": str(mine.pk)}]


def count_queries(client) -> int:
    spending(client)  # renditions made once
    with CaptureQueriesContext(connection) as ctx:
        spending(client)
    return len(ctx.captured_queries)


def add_projects(tree, n, anne, bruno):
    for i in range(n):
        page = factories.make_project(tree, title=f"Projet {i}")
        give(page, 10_000)
        grant(page, amount=1_000)
        d = draft(page, anne, amount=500, line="Pompe")
        d.proof_documents.add(make_document(f"Facture {i}"))
        d.proof_images.add(factories.make_image())
        workflow.submit(d, anne)
        workflow.approve(d, bruno)


def test_query_count_does_not_grow_with_projects(client, tree, anne, bruno, django_assert_max_num_queries):
    add_projects(tree, 2, anne, bruno)
    small = count_queries(client)
    add_projects(tree, 10, anne, bruno)
    large = count_queries(client)
    assert large == small, f"{small} queries for 2 projects, {large} for 12"
    with django_assert_max_num_queries(small):
        assert len(spending(client)["projectSpending"]) == 12


def test_aliases_compute_the_rows_once(client, project, anne, bruno):
    approved(project, anne, bruno)
    single = count_queries(client)
    aliased = "{ " + " ".join(f"a{i}: projectSpending {{ slug spent }}" for i in range(20)) + " }"
    gql(client, aliased)
    with CaptureQueriesContext(connection) as ctx:
        status, payload = gql(client, aliased)
    assert status == 200 and "errors" not in payload and payload["data"]["a19"][0]["spent"] == 50_000
    assert len(ctx.captured_queries) <= single


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(["projectSpending", "siteSpending"]),
       junk=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=60))
def test_hostile_queries_never_5xx_nor_write(client, project, anne, bruno, field, junk):
    before = Disbursement.objects.count()
    query = "{ %s(%s) { currency } }" % (field, junk) if junk else "{ %s { currency %s } }" % (field, junk)
    response = client.post("/graphql/", json.dumps({"query": query}), content_type="application/json")
    assert response.status_code < 500
    response = client.post("/graphql/", junk, content_type="application/json")
    assert response.status_code < 500
    assert Disbursement.objects.count() == before
