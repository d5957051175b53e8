"""`bodyJson` / `photosJson` answer exactly what `body { ...Blocks }` / `photos { ...Blocks }` answer.

The builder pulls StreamFields as one JSON value each (cms/api/stream_json.py): these tests ask the CMS for
both forms in the same request and compare them, on every page of the demo content and on pages holding
every block type with every visibility case (a private image, poster or document; a call to give a draft or
private project; rich text linking to a draft), so the JSON form can never drift from the typed contract.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from cms.projects.models import ProjectPage, ProjectUpdate
from site_builder import queries
from tests import factories
from tests.conftest import CONTENT

pytestmark = pytest.mark.django_db

BOTH = queries.IMAGE + queries.BLOCKS + """
query($ids: [ID!]) {
  sitePages(ids: $ids) {
    id slug
    ... on HomePage { body { ...Blocks } bodyJson }
    ... on StandardPage { body { ...Blocks } bodyJson }
    ... on StoryPage { body { ...Blocks } bodyJson }
    ... on ProjectPage { body { ...Blocks } bodyJson updates { photos { ...Blocks } photosJson } }
  }
}
"""
BLOCK_TYPES = {"RichTextBlock", "HeadingBlock", "ImageBlock", "GalleryBlock", "QuoteBlock", "VideoBlock",
               "KeyFigureBlock", "CallToGiveBlock", "DocumentBlock"}


def post(client, query, variables=None):
    from django.conf import settings

    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {settings.SITE_BUILD_API_TOKEN}")
    assert response.status_code == 200, response.content[:500]
    return response.json()


def compare(pages) -> set[str]:
    """Assert each page's JSON equals its typed answer; the block types seen."""
    seen = set()
    for page in pages:
        if "bodyJson" in page:
            assert page["bodyJson"] == page["body"], page["slug"]
            seen |= {block["blockType"] for block in page["body"]}
        for update in page.get("updates") or ():
            assert update["photosJson"] == update["photos"], page["slug"]
            seen |= {block["blockType"] for block in update["photos"]}
    return seen


def test_every_demo_page_answers_the_same_in_json():
    call_command("load_content", str(CONTENT))
    payload = post(client_(), BOTH)
    assert "errors" not in payload, payload["errors"][:2]
    pages = payload["data"]["sitePages"]
    assert len(pages) > 20
    seen = compare(pages)
    assert {"RichTextBlock", "ImageBlock", "QuoteBlock", "KeyFigureBlock", "DocumentBlock"} <= seen
    assert any(update["photosJson"] for page in pages for update in page.get("updates") or ())


def client_():
    from django.test import Client

    return Client()


def private_collection(name: str):
    collection = Collection.get_first_root_node().add_child(name=name)
    CollectionViewRestriction.objects.create(collection=collection, restriction_type="password", password="x")
    return collection


def document_in(collection, name="rapport.pdf"):
    document = get_document_model()(title=f"Document {name}", collection=collection)
    document.file.save(name, ContentFile(b"%PDF-1.4 test"), save=False)
    document.save()
    return document


def every_block(image, *, poster, document, project, link_to) -> list[dict]:
    return [
        {"type": "rich_text", "value": f'<p>Voir <a linktype="page" id="{link_to.pk}">ce lien</a>.</p>'},
        {"type": "heading", "value": {"text": "Un intertitre", "level": "3"}},
        {"type": "image", "value": {"image": image.pk, "caption": "Légende", "credit": "Photo : Awa"}},
        {"type": "gallery", "value": [
            {"type": "item", "id": str(uuid.uuid4()), "value": {"image": image.pk, "caption": "Une"}},
            {"type": "item", "id": str(uuid.uuid4()), "value": {"image": image.pk, "caption": ""}}]},
        {"type": "quote", "value": {"text": "Merci", "attribution": "Awa", "role": ""}},
        {"type": "video", "value": {"url": "https://vimeo.com/123456", "title": "Vidéo",
                                    "poster": poster.pk if poster else None, "transcript": "Texte"}},
        {"type": "key_figure", "value": {"value": "85", "unit": "%", "text": "des familles"}},
        {"type": "cta", "value": {"text": "Aidez", "button_label": "Je donne", "project": project.pk}},
        {"type": "document", "value": {"document": document.pk, "title": "Le rapport"}},
    ]


def test_every_block_type_and_visibility_case_answers_the_same_in_json(client):
    tree = factories.make_site()
    closed = private_collection("Privée")
    public_image, private_poster = factories.make_image(), factories.make_image()
    private_poster.collection = closed
    private_poster.save()
    draft = factories.make_project(tree, title="Brouillon", slug="brouillon", publish=False)
    hidden = factories.make_private(factories.make_project(tree, title="Protégé", slug="protege"))
    live = factories.make_project(tree, title="En ligne", slug="en-ligne")
    public_doc = document_in(Collection.get_first_root_node())
    cases = {"poster-prive-cta-brouillon": dict(poster=private_poster, project=draft, link_to=draft),
             "sans-poster-cta-protege": dict(poster=None, project=hidden, link_to=hidden),
             "tout-public": dict(poster=public_image, project=live, link_to=live)}
    for slug, case in cases.items():
        story = factories.make_story(tree, title=slug, slug=slug)
        story.body = every_block(public_image, document=public_doc, **case)
        story.save_revision().publish()
    live = ProjectPage.objects.get(pk=live.pk)
    live.updates = [ProjectUpdate(date=dt.date(2026, 5, 1), title="Nouvelle", text="<p>Texte</p>", photos=[
        {"type": "image", "value": {"image": public_image.pk, "caption": "Sur place", "credit": ""}}])]
    live.save_revision().publish()

    payload = post(client, BOTH)
    assert "errors" not in payload, payload["errors"][:2]
    pages = {p["slug"]: p for p in payload["data"]["sitePages"]}
    assert set(cases) <= set(pages)
    assert compare(pages.values()) == BLOCK_TYPES
    shown = {slug: {b["blockType"]: b for b in pages[slug]["bodyJson"]} for slug in cases}
    assert shown["poster-prive-cta-brouillon"]["VideoBlock"]["poster"] is None  # private: null, as typed
    assert shown["poster-prive-cta-brouillon"]["CallToGiveBlock"]["project"] is None
    assert shown["sans-poster-cta-protege"]["CallToGiveBlock"]["project"] is None
    assert shown["tout-public"]["CallToGiveBlock"]["project"] == {"id": str(live.pk)}
    assert shown["tout-public"]["VideoBlock"]["poster"]["id"] == str(public_image.pk)
    assert 'href="' not in shown["poster-prive-cta-brouillon"]["RichTextBlock"]["value"]  # link to a draft
    assert 'href="' in shown["tout-public"]["RichTextBlock"]["value"]
    assert pages["en-ligne"]["updates"][0]["photosJson"][0]["image"]["id"] == str(public_image.pk)


@pytest.mark.parametrize("what", ["image", "document"])
def test_a_block_whose_required_image_or_document_is_private_is_null_in_json_as_typed(client, what):
    tree = factories.make_site()
    closed = private_collection("Privée")
    image = factories.make_image()
    document = document_in(Collection.get_first_root_node())
    if what == "image":
        image.collection = closed
        image.save()
    else:
        document.collection = closed
        document.save()
    story = factories.make_story(tree, title="Histoire", slug="histoire")
    story.body = [{"type": "image", "value": {"image": image.pk, "caption": "", "credit": ""}},
                  {"type": "document", "value": {"document": document.pk, "title": ""}}]
    story.save_revision().publish()
    payload = post(client, BOTH)
    [page] = [p for p in payload["data"]["sitePages"] if p["slug"] == "histoire"]
    assert page["bodyJson"] == page["body"]
    nulled = 0 if what == "image" else 1
    assert page["bodyJson"][nulled] is None and page["bodyJson"][1 - nulled]["blockType"] in BLOCK_TYPES
    assert "not public" in payload["errors"][0]["message"]  # the typed field says why; the JSON one is null


def test_the_json_fields_cost_what_the_typed_body_costs():
    """A public reader asking for `bodyJson` pays, in the request budget, at least what `body { ...Blocks }`
    costs (api/limits.py): the JSON form must not be a cheaper way to make the CMS work."""
    import graphql

    from cms.api.limits import Analyzer
    from cms.api.schema import schema

    def cost(selection: str) -> int:
        document = graphql.parse(queries.IMAGE + (queries.BLOCKS if "Blocks" in selection else "")
                                 + "query { page(id: 1) { ... on ProjectPage { %s } } }" % selection)
        operation = next(d for d in document.definitions if isinstance(d, graphql.language.OperationDefinitionNode))
        return Analyzer(schema.graphql_schema, document).operation(operation).cost

    typed = cost("body { ...Blocks }")
    assert typed > 50
    assert cost("bodyJson") >= typed
    assert cost("updates { photosJson }") >= cost("updates { photos { ...Blocks } }")
