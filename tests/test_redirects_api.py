"""GraphQL `redirects` (what the builder pulls for `_redirects`): public ones only, grapple's answer, and a
number of SQL queries that does not grow with the number of redirects (cms/api/redirects.py)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from site_builder.queries import GLOBALS
from tests import factories

pytestmark = pytest.mark.django_db
QUERY = GLOBALS + "query Redirects { ...Globals }"


def pull(client) -> tuple[int, list[dict]]:
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/graphql/", json.dumps({"query": QUERY}), content_type="application/json")
    payload = response.json()
    assert response.status_code == 200 and "errors" not in payload, response.content[:500]
    return len(ctx.captured_queries), payload["data"]["redirects"]


def add_redirects(tree, site, start: int, n: int) -> None:
    from wagtail.contrib.redirects.models import Redirect

    for i in range(start, start + n):
        page = factories.make_story(tree, title=f"Histoire {i}")
        Redirect.objects.create(old_path=f"/ancienne-{i}", redirect_page=page, site=site)
        Redirect.objects.create(old_path=f"/externe-{i}", redirect_link="https://exemple.org/", site=None)


def test_queries_do_not_grow_with_redirects_and_drafts_stay_out(client):
    from grapple.types.redirects import RedirectsQuery
    from wagtail.contrib.redirects.models import Redirect
    from wagtail.models import Site

    tree = factories.make_site()
    site = Site.objects.get(is_default_site=True)
    add_redirects(tree, site, 0, 2)
    pull(client)  # warm caches (content types, settings)
    small, _ = pull(client)
    add_redirects(tree, site, 2, 20)
    draft = factories.make_story(tree, title="Brouillon", publish=False)
    Redirect.objects.create(old_path="/vers-un-brouillon", redirect_page=draft, site=site)
    large, answer = pull(client)
    assert large == small, f"{small} queries for 4 redirects, {large} for 45"

    old_paths = [r["oldPath"] for r in answer]
    assert "/vers-un-brouillon" not in old_paths
    assert len(old_paths) == 44 and len(set(old_paths)) == 44
    pages = {r["oldPath"]: r["page"]["urlPath"] for r in answer if r["page"]}
    assert pages["/ancienne-7"] == Redirect.objects.get(old_path="/ancienne-7").redirect_page.url_path
    assert len(pages) == 22  # the external ones have no page
    # the same redirects as grapple's own resolver gives, drafts aside
    assert sorted(old_paths) == sorted(r.old_path for r in RedirectsQuery().resolve_redirects(None)
                                       if r.old_path != "/vers-un-brouillon")
    assert all(r["site"]["isDefaultSite"] for r in answer)
