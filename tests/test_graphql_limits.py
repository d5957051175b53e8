"""What /graphql/ refuses, and how fast (issue 10, §1): renditions the site does not use, oversize bodies,
queries whose aliases, lists or repetitions cost too much, the builder's bulk fields without its token,
introspection in production, and too many anonymous requests. Every refusal is a JSON GraphQL error with
a 4xx status, given before the expensive part; the timings asserted are generous bounds (a shared CI
machine), the figures measured on a quiet one are in the README."""

from __future__ import annotations

import json
import time
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings

from site_builder import queries
from tests import factories

pytestmark = pytest.mark.django_db


def auth():
    return {"HTTP_AUTHORIZATION": f"Bearer {django_settings.SITE_BUILD_API_TOKEN}"}


def post(client, query, variables=None, **headers):
    body = json.dumps({"query": query, "variables": variables or {}})
    started = time.perf_counter()
    response = client.post("/graphql/", body, content_type="application/json", **headers)
    return response, time.perf_counter() - started


def messages(response) -> str:
    return " ".join(e["message"] for e in response.json().get("errors", []))


@pytest.fixture
def tree():
    return factories.make_site()


# --- renditions ---

def test_allowed_filters_are_exactly_the_sites_renditions():
    from cms.multimedia.models import SITE_FILTERS

    assert sorted(django_settings.GRAPPLE["ALLOWED_IMAGE_FILTERS"]) == sorted(f.spec for f in SITE_FILTERS)


def media_files() -> set[Path]:
    return {p for p in Path(django_settings.MEDIA_ROOT).rglob("*") if p.is_file()}


@pytest.mark.parametrize("arguments", ["width: 1234", 'width: 400, format: "png", bgcolor: "ff0000"',
                                       'fill: "3000x3000"', "width: 400, jpegquality: 7", 'max: "2000x2000"'])
def test_other_renditions_are_refused_and_write_nothing(client, tree, arguments):
    from cms.multimedia.models import CustomRendition

    image = factories.make_image()
    rows, files = CustomRendition.objects.count(), media_files()
    query = "{ " + " ".join(f'a{i}: image(id: {image.pk}) {{ rendition({arguments}) {{ url }} srcSet(sizes: [1234, 77], '
                            f'format: "png") }}' for i in range(20)) + " }"
    response, seconds = post(client, query)
    assert response.status_code == 200
    assert "Invalid filter specs" in messages(response)
    assert all(answer["rendition"] is None and answer["srcSet"] == "" for answer in response.json()["data"].values())
    assert CustomRendition.objects.count() == rows and media_files() == files
    assert seconds < 2


def test_the_sites_own_renditions_still_work(client, tree):
    image = factories.make_image()
    response, _ = post(client, f'{{ image(id: {image.pk}) {{ a: rendition(width: 800) {{ width }} '
                               f'b: rendition(width: 400, format: "webp") {{ width }} siteRenditions {{ width }} }} }}')
    data = response.json()["data"]["image"]
    assert data["a"] == {"width": 800} and data["b"] == {"width": 400}
    assert sorted(r["width"] for r in data["siteRenditions"]) == [400, 400, 800, 800, 1200, 1200]


# --- size ---

def test_an_oversize_body_is_refused_before_it_is_read_or_parsed(client, settings):
    settings.GRAPHQL_MAX_BODY_BYTES = 32 * 1024
    query = "{ " + "pages { id } " * 200_000 + "}"  # 2.6 MB
    with mock.patch("cms.api.views.parse", side_effect=AssertionError("parsed")) as parse:
        response, seconds = post(client, query)
    assert response.status_code == 413 and response["Content-Type"] == "application/json"
    assert "Request too large" in messages(response) and "32768" in messages(response)
    assert not parse.called
    assert seconds < 1
    get = client.get("/graphql/", {"query": "{ " + "pages { id } " * 5000 + "}"})
    assert get.status_code == 413


def test_the_builders_queries_fit(client, tree):
    from cms.publishing.preview import PREVIEW_QUERY

    for query in (queries.SITE_PULL, queries.SITE_PAGES, queries.SITE_INDEX, PREVIEW_QUERY):
        assert len(json.dumps({"query": query, "variables": {"locale": "fr"}})) < django_settings.GRAPHQL_MAX_BODY_BYTES
    # An incremental build that pulls 20,000 pages sends their ids: the build token allows that body.
    ids = [str(i) for i in range(1_000_000, 1_020_000)]  # no such pages: the size is the point
    assert len(json.dumps({"query": queries.SITE_PAGES, "variables": {"ids": ids}})) > django_settings.GRAPHQL_MAX_BODY_BYTES
    response, _ = post(client, queries.SITE_PAGES, {"ids": ids}, **auth())
    assert response.status_code == 200 and response.json()["data"]["sitePages"] == []
    response, _ = post(client, queries.SITE_PAGES, {"ids": ids})
    assert response.status_code == 413


# --- cost ---

def test_500_aliases_of_the_bulk_field_are_refused_at_once(client, tree):
    query = "{ " + " ".join(f"a{i}: sitePages {{ id }}" for i in range(500)) + " }"
    assert len(query) > 10_000
    response, anonymous = post(client, query)
    assert response.status_code == 400 and "data" not in response.json()
    assert "reserved for the site builder" in messages(response)
    response, builder = post(client, query, **auth())
    assert response.status_code == 400 and "may appear once per query (it appears 500 times" in messages(response)
    assert anonymous < 1 and builder < 1


def test_a_lists_limit_multiplies_its_cost(client, tree):
    ok, _ = post(client, "{ pages(limit: 10) { children(limit: 10) { id title } } }")
    assert ok.status_code == 200 and "errors" not in ok.json()
    refused, seconds = post(client, "{ pages(limit: 100) { children(limit: 100) { id title } } }")  # 3 fields
    assert refused.status_code == 400 and "Query too expensive: its estimated cost is 20101" in messages(refused)
    via_variable, _ = post(client, "query($n: Int) { pages(limit: $n) { children(limit: $n) { id title } } }",
                           {"n": 100})
    assert via_variable.status_code == 400 and "Query too expensive" in messages(via_variable)
    assert seconds < 1


def test_aliases_add_up(client, tree):
    one = "pages(limit: 100) { id title }"
    ok, _ = post(client, "{ " + " ".join(f"a{i}: {one}" for i in range(50)) + " }")
    assert ok.status_code == 200, messages(ok)
    refused, _ = post(client, "{ " + " ".join(f"a{i}: {one}" for i in range(100)) + " }")  # 300 fields only
    assert refused.status_code == 400 and "Query too expensive" in messages(refused)


def test_one_page_with_the_sites_own_fragments_is_cheap_enough_for_anyone(client, tree):
    project = factories.make_project(tree, slug="puits")
    query = (queries.IMAGE + queries.PAGE_COMMON + queries.PAGE
             + "query($id: ID) { page(id: $id) { ...Page } }")
    response, _ = post(client, query, {"id": project.pk})
    assert response.status_code == 200 and response.json()["data"]["page"]["slug"] == "puits"


@pytest.mark.parametrize("name, query", [
    ("fragment cycle", "fragment A on Query { ...A } { ...A }"),
    ("fragment chain doubling 40 times", "{ ...F0 }\n" + "\n".join(
        f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(40))
     + "\nfragment F40 on Query { pages { id } }"),
    ("990 copies of one field", "{ pages { " + "id " * 990 + "} }"),
    ("330 copies of one list", "{ " + "pages { id title } " * 330 + "}"),
    ("deep nesting", "{ pages { " + "children { " * 40 + "id" + " }" * 40 + " } }"),
    ("parser recursion", "{ " + "a { " * 3000 + "b" + " }" * 3000 + " }"),
])
def test_pathological_documents_are_refused_quickly(client, tree, name, query):
    response, seconds = post(client, query)
    assert 400 <= response.status_code < 500, (name, response.content[:300])
    assert response.json()["errors"], name
    assert seconds < 1, (name, seconds)


# --- build token ---

@pytest.mark.parametrize("headers", [{}, {"HTTP_AUTHORIZATION": "Bearer wrong"}, {"HTTP_X_BUILD_TOKEN": "wrong"},
                                     {"HTTP_AUTHORIZATION": "Basic ZGV2LWJ1aWxkLXRva2VuOg=="}])
def test_bulk_fields_need_the_build_token(client, tree, headers):
    for query in ("{ sitePages { id } }", "{ sitePageIndex }", "query Q { ...G } fragment G on Query { sitePageIndex }"):
        response, _ = post(client, query, **headers)
        assert response.status_code == 400 and "data" not in response.json(), query
        assert "reserved for the site builder" in messages(response) and "Authorization: Bearer" in messages(response)


def test_the_token_is_accepted_in_either_header_and_compared_in_constant_time(client, tree):
    import hmac

    with mock.patch("cms.api.access.hmac.compare_digest", wraps=hmac.compare_digest) as compare:
        bearer, _ = post(client, "{ sitePageIndex }", **auth())
        header, _ = post(client, "{ sitePageIndex }", HTTP_X_BUILD_TOKEN=django_settings.SITE_BUILD_API_TOKEN)
    assert bearer.status_code == header.status_code == 200
    assert len(bearer.json()["data"]["sitePageIndex"]["pages"]) == 3
    assert compare.call_count == 2


def test_the_resolver_refuses_too_when_the_view_is_bypassed(rf, tree):
    """In-process callers that mark a request as public (the view does) get the same refusal; the
    preview, whose request the view never saw, is trusted."""
    from graphene_django.settings import graphene_settings

    request = rf.post("/graphql/")
    request.vda_build = False
    result = graphene_settings.SCHEMA.execute("{ sitePageIndex }", context_value=request)
    assert result.errors and "reserved for the site builder" in str(result.errors[0])
    trusted = graphene_settings.SCHEMA.execute("{ sitePageIndex }", context_value=rf.get("/preview/"))
    assert not trusted.errors


def test_production_turns_introspection_off_whatever_the_environment():
    from tests.test_production_settings import manage

    done = manage({"GRAPHQL_INTROSPECTION": "1"}, "shell", "-v", "0", "-c",
                  "from django.conf import settings; import os; "
                  "print(settings.GRAPHQL_INTROSPECTION, settings.SITE_BUILD_API_TOKEN == os.environ['SITE_BUILD_API_TOKEN'])")
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["False", "True"]


def test_introspection_can_be_switched_off(client, tree, settings):
    settings.GRAPHQL_INTROSPECTION = False
    for query in ("{ __schema { types { name } } }", '{ __type(name: "Query") { name } }',
                  "{ pages { ... on Page { ...T } } } fragment T on Page { __type: __typename }"
                  " query Other { x: __schema { queryType { name } } }"):
        response, _ = post(client, query)
        assert response.status_code == 400 and "introspection is disabled" in messages(response), query
    response, _ = post(client, "{ __typename pages { __typename } }")
    assert response.status_code == 200 and response.json()["data"]["__typename"] == "Query"


# --- rate limit ---

def test_anonymous_readers_are_rate_limited_the_builder_is_not(client, tree, settings):
    settings.GRAPHQL_RATE_LIMIT = "3/minute"
    reader = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(3):
        response, _ = post(client, "{ __typename }", **reader)
        assert response.status_code == 200
    refused, seconds = post(client, "{ __typename }", **reader)
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 60
    assert refused["Content-Type"] == "application/json" and "Too many requests" in messages(refused)
    assert seconds < 1
    other, _ = post(client, "{ __typename }", REMOTE_ADDR="198.51.100.8")
    assert other.status_code == 200
    for _ in range(5):
        response, _ = post(client, "{ sitePageIndex }", **reader, **auth())
        assert response.status_code == 200


def test_the_rate_limit_counts_the_proxys_address_not_the_clients_claim(client, tree, settings):
    settings.GRAPHQL_RATE_LIMIT = "2/minute"
    settings.TRUSTED_PROXY_HOPS = 1
    statuses = [post(client, "{ __typename }", REMOTE_ADDR="10.0.0.1",
                     HTTP_X_FORWARDED_FOR=f"203.0.113.{i}, 192.0.2.50")[0].status_code for i in range(4)]
    assert statuses == [200, 200, 429, 429]  # the spoofed left-most entries change nothing


# --- the builder sends the token ---

REAL_TOKEN = "a-real-secret-token-with-more-than-32-characters"


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # like every live-server test here
def test_the_builders_client_sends_the_token(live_server, settings, monkeypatch):
    from site_builder.client import ApiError, fetch_partial

    factories.make_site()
    api = f"{live_server.url}/graphql/"
    monkeypatch.delenv("SITE_BUILD_API_TOKEN", raising=False)
    data, _ = fetch_partial(api, queries.SITE_INDEX)  # dev and tests: the same published default on both sides
    assert len(data["sitePageIndex"]["pages"]) == 3
    settings.SITE_BUILD_API_TOKEN = REAL_TOKEN
    with pytest.raises(ApiError, match=r"reserved for the site builder.*set SITE_BUILD_API_TOKEN"):
        fetch_partial(api, queries.SITE_INDEX)
    assert fetch_partial(api, queries.SITE_INDEX, token=REAL_TOKEN)[0]["sitePageIndex"]
    monkeypatch.setenv("SITE_BUILD_API_TOKEN", REAL_TOKEN)  # the CLI and Netlify: from the environment
    assert fetch_partial(api, queries.SITE_INDEX)[0]["sitePageIndex"]


@pytest.mark.parametrize("full", [True, False])
def test_the_worker_builds_with_the_cms_own_token(settings, full, monkeypatch, tmp_path):
    """The publishing worker passes settings.SITE_BUILD_API_TOKEN down to every request of the build."""
    from cms.publishing.models import SiteBuild
    from cms.publishing.runner import run_build
    from site_builder import client

    settings.SITE_BUILD_OUT, settings.SITE_BUILD_CACHE = tmp_path / "public", tmp_path / "cache"
    settings.SITE_BUILD_API_TOKEN = REAL_TOKEN
    settings.NETLIFY_BUILD_HOOK = ""
    monkeypatch.delenv("SITE_BUILD_API_TOKEN", raising=False)
    sent = []

    def refuse(api_url, query, variables=None, timeout=300, token=None):
        sent.append(client.build_token(token))
        raise client.ApiError("stop here")

    with mock.patch.object(client, "fetch_partial", side_effect=refuse):
        build = run_build(SiteBuild.objects.create(reasons=["test"], full=full))
    assert build.errors == ["stop here"] and sent and set(sent) == {REAL_TOKEN}
