"""The full build's pull (issue 12 §4): the page index, then every page in chunks fetched side by side,
answers exactly what one `sitePages` request answers; renditions as one JSON value are the typed list;
the CMS pauses its garbage collector for a bulk read and only for it."""

from __future__ import annotations

import gc
import json

import pytest
from django.conf import settings as django_settings

from site_builder import queries
from site_builder.pull import pull_site
from tests import factories

# serialized_rollback: the flush between tests would drop the rows migrations create (root page, locale)
pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def auth():
    return {"HTTP_AUTHORIZATION": f"Bearer {django_settings.SITE_BUILD_API_TOKEN}"}


def post(client, query, variables=None, **headers):
    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json", **headers)
    return response.status_code, response.json()


@pytest.fixture
def site():
    tree = factories.make_site()
    image = factories.make_image()
    projects = [factories.make_project(tree, title=f"Projet {i}", slug=f"projet-{i}", image=image) for i in range(3)]
    for i in range(5):
        factories.make_story(tree, title=f"Histoire {i}", slug=f"histoire-{i}", image=image,
                             project=projects[i % 3])
    factories.make_standard(tree)
    return tree


def test_chunked_pull_answers_what_one_request_answers(live_server, site, client):
    status, whole = post(client, queries.SITE_PULL, **auth())
    assert status == 200 and "errors" not in whole
    pulled = pull_site(f"{live_server.url}/graphql/", chunk_pages=3, concurrency=2)
    assert pulled.errors == []
    assert len(whole["data"]["sitePages"]) >= 12  # so that chunks of 3 make several requests
    assert pulled.pages == whole["data"]["sitePages"]  # same pages, same fields, same (tree) order
    for key in ("sitePageIndex", "donationRules", "donationTotals", "siteTotals", "siteSettings", "settings"):
        assert pulled.index[key] == whole["data"][key], key


def test_one_chunk_and_many_chunks_agree(live_server, site):
    api = f"{live_server.url}/graphql/"
    one = pull_site(api, chunk_pages=10_000, concurrency=1)
    many = pull_site(api, chunk_pages=1, concurrency=3)
    assert [p["id"] for p in one.pages] == [p["id"] for p in many.pages]
    assert one.pages == many.pages


def test_renditions_as_json_are_the_typed_list(client, site):
    status, payload = post(client, "{ images { id siteRenditions { url width height format } "
                                   "siteRenditionsJson } }")
    assert status == 200 and "errors" not in payload, payload
    images = payload["data"]["images"]
    assert images
    for image in images:
        assert image["siteRenditionsJson"] == image["siteRenditions"]
        assert len(image["siteRenditionsJson"]) == 6


def test_renditions_as_json_cost_what_the_typed_list_costs(client, site):
    from graphene_django.settings import graphene_settings
    from graphql import parse

    from cms.api import limits

    def cost(query: str) -> int:
        document = parse(query)
        return limits.Analyzer(graphene_settings.SCHEMA.graphql_schema, document).operation(
            document.definitions[0]).cost

    assert cost("{ images { siteRenditionsJson } }") == cost("{ images { siteRenditions { url width height format } } }")  # an anonymous reader cannot make renditions cheaper by asking for JSON


def test_a_bulk_read_pauses_the_collector_and_gives_it_back(client, site, monkeypatch):
    from cms.api import export

    seen = []
    real = export.load_site_pages

    def spy(*args, **kwargs):
        pages = real(*args, **kwargs)
        seen.append(gc.isenabled())
        return pages

    monkeypatch.setattr(export, "load_site_pages", spy)
    assert gc.isenabled()
    status, payload = post(client, queries.SITE_PULL, **auth())
    assert status == 200 and payload["data"]["sitePages"]
    assert seen == [False]  # paused while the pages are read and resolved
    assert gc.isenabled()  # and switched back on once the response is written


def test_outside_a_request_the_collector_is_left_alone(site):
    """The schema executed without the view's request scope (a script, a shell) must not leave the
    process without its garbage collector."""
    from graphene_django.settings import graphene_settings

    class Context:
        vda_build = True

    result = graphene_settings.SCHEMA.execute(queries.SITE_PAGES, context_value=Context())
    assert not result.errors and result.data["sitePages"]
    assert gc.isenabled()
