"""The builder's full pull costs the same number of SQL queries for 3 pages as for 30 (no N+1)."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from site_builder.queries import SITE_PULL
from tests import factories

pytestmark = pytest.mark.django_db


def count_pull_queries(client) -> int:
    from django.conf import settings

    auth = {"HTTP_AUTHORIZATION": f"Bearer {settings.SITE_BUILD_API_TOKEN}"}  # the builder's bulk fields
    client.post("/graphql/", json.dumps({"query": SITE_PULL}), content_type="application/json", **auth)  # renditions
    with CaptureQueriesContext(connection) as ctx:
        response = client.post("/graphql/", json.dumps({"query": SITE_PULL}), content_type="application/json",
                               **auth)
    assert response.status_code == 200 and "errors" not in response.json(), response.content[:500]
    return len(ctx.captured_queries)


def add_pages(tree, n, images):
    for i in range(n):
        image = images[i % len(images)]
        project = factories.make_project(tree, title=f"Projet {i}", image=image)
        factories.make_story(tree, title=f"Histoire {i}", image=image, project=project)


def test_query_count_does_not_grow_with_pages(client):
    tree = factories.make_site()
    images = [factories.make_image() for _ in range(3)]
    add_pages(tree, 2, images)
    small = count_pull_queries(client)
    add_pages(tree, 13, images + [factories.make_image() for _ in range(5)])
    large = count_pull_queries(client)
    assert large == small, f"{small} queries for 2+2 pages but {large} for 15+15"
