"""The public GraphQL API shows live, public content only, whichever field is used (issue 10, §1).

The site holds four secrets: a page never published, a password-protected page, a live page with an
unpublished draft ("DRAFT-SECRET …" as its draft title), a page that was live and was unpublished; plus
media in a private collection (and in a sub-collection of it), a draft's tag, a redirect to a draft, a
live story whose related project, call to give and rich-text link point at the draft, and whose document
block shows the private document. The queries are generated from the schema's own introspection: every
root field, with every argument aimed at each secret, and every field of every type reachable from it
(every page type's fields included), so a field that grapple or a model adds later is covered without
editing this file. Nothing secret may come back, by text or by id.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from django.core.files.base import ContentFile
from graphql import (GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLList, GraphQLNonNull,
                     GraphQLScalarType, GraphQLUnionType, build_client_schema,
                     get_introspection_query, get_named_type)
from wagtail.contrib.redirects.models import Redirect
from wagtail.documents import get_document_model
from wagtail.models import Collection, CollectionViewRestriction

from tests import factories

pytestmark = pytest.mark.django_db

SECRET = re.compile(r"draft.?secret", re.IGNORECASE)


def token_headers():
    from django.conf import settings

    return {"HTTP_AUTHORIZATION": f"Bearer {getattr(settings, 'SITE_BUILD_API_TOKEN', '')}"}


def post(client, query, variables=None, **headers):
    response = client.post("/graphql/", json.dumps({"query": query, "variables": variables or {}}),
                           content_type="application/json", **headers)
    return response.status_code, response.json()


@pytest.fixture
def roomy(settings):
    """Generated queries are large on purpose: visibility must hold whatever the limits are."""
    settings.GRAPHQL_MAX_FIELDS = settings.GRAPHQL_MAX_COST = 10**9
    settings.GRAPHQL_MAX_DEPTH = settings.GRAPHQL_MAX_DUPLICATE_FIELDS = 1000
    settings.GRAPHQL_MAX_BODY_BYTES = settings.GRAPHQL_BUILD_MAX_BODY_BYTES = 10**8
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = None
    settings.GRAPHQL_RATE_LIMIT = ""
    settings.GRAPHQL_INTROSPECTION = True


def private_collection(name, parent=None):
    return (parent or Collection.get_first_root_node()).add_child(name=name)


@pytest.fixture
def site(django_capture_on_commit_callbacks):
    """The secrets, and the public pages around them that point at them. The search index is updated
    by tasks on commit, as on a live site: they run here, so `search` has everything to find."""
    with django_capture_on_commit_callbacks(execute=True):
        return plant_secrets()


def plant_secrets():
    tree = factories.make_site()
    never = factories.make_story(tree, title="DRAFT-SECRET jamais publiée", slug="draft-secret-never", publish=False)
    never.intro = "DRAFT-SECRET chapeau"
    never.tags.add("draft-secret-tag")
    never.live = False
    never.save()
    never_project = factories.make_project(tree, title="DRAFT-SECRET projet brouillon", slug="draft-secret-project",
                                           publish=False)
    private = factories.make_private(factories.make_story(tree, title="DRAFT-SECRET protégée",
                                                          slug="draft-secret-private"))
    private_child = factories.make_standard(tree, title="DRAFT-SECRET sous une page protégée",
                                            slug="draft-secret-under-private")
    private_child.move(private, pos="last-child")
    unpublished = factories.make_project(tree, title="DRAFT-SECRET dépubliée", slug="draft-secret-unpublished")
    unpublished.unpublish()

    closed = private_collection("DRAFT-SECRET collection")
    CollectionViewRestriction.objects.create(collection=closed, restriction_type="password", password="x")
    inner = private_collection("DRAFT-SECRET sous-collection", parent=closed)
    image = factories.make_image(title="DRAFT-SECRET image")
    image.collection = inner  # in a sub-collection: private by inheritance (grapple's filter misses it)
    image.save()
    Document = get_document_model()
    document = Document(title="DRAFT-SECRET document", collection=closed)
    document.file.save("draft-secret.pdf", ContentFile(b"%PDF-1.4 secret"), save=False)
    document.save()

    public_project = factories.make_project(tree, title="Puits public", slug="puits-public")
    changed = factories.make_story(tree, title="Histoire publiée", slug="histoire-publiee", project=public_project)
    changed.title = "DRAFT-SECRET titre du brouillon"
    changed.intro = "DRAFT-SECRET chapeau du brouillon"
    changed.save_revision()  # a draft of a live page: the live version stays "Histoire publiée"

    pointing = factories.make_story(tree, title="Histoire qui pointe", slug="histoire-qui-pointe",
                                    project=never_project)
    body = list(pointing.body.raw_data)
    body[0]["value"] = (f'<p>Voir <a linktype="page" id="{never.pk}">ce lien</a> et '
                        f'<a linktype="document" id="{document.pk}">ce document</a>.</p>')
    body.append({"type": "document", "value": {"document": document.pk, "title": ""}})
    pointing.body = body
    pointing.related_projects = [never_project, unpublished, public_project]
    pointing.save_revision().publish()
    Redirect.objects.create(old_path="/draft-secret-redirect", redirect_page=never)

    secret_pages = {never.pk, never_project.pk, private.pk, private_child.pk, unpublished.pk}
    return {"tree": tree, "secret_pages": secret_pages, "changed": changed, "image": image, "document": document,
            "collections": {closed.pk, inner.pk}, "never": never,
            "ids": sorted(secret_pages | {image.pk, document.pk, closed.pk, inner.pk, changed.pk,
                                          public_project.pk, pointing.pk, tree["home"].pk})}


# --- queries generated from the schema ---

def introspect(client):
    status, payload = post(client, get_introspection_query(descriptions=False))
    assert status == 200 and "errors" not in payload, payload
    return build_client_schema(payload["data"])


def literal(value) -> str:
    return json.dumps(value)


def candidates(arg_name: str, arg_type, site) -> list:
    """Values of one argument that aim at the secrets (and a few that do not)."""
    named = get_named_type(arg_type)
    is_list = isinstance(arg_type.of_type if isinstance(arg_type, GraphQLNonNull) else arg_type, GraphQLList)
    if named.name == "ID":
        values = [str(i) for i in site["ids"]]
        return [values] if is_list else values
    if named.name == "Int":
        return [[400]] if is_list else [100]
    if named.name == "Boolean":
        return [True, False]
    if named.name == "String":
        return {
            "slug": ["draft-secret-never", "draft-secret-private", "draft-secret-unpublished", "histoire-publiee"],
            "urlPath": ["/histoires/draft-secret-never/", "/histoires/draft-secret-private/",
                        "/projets/draft-secret-unpublished/", "/histoires/draft-secret-private/draft-secret-under-private/"],
            # words of the secrets' titles, bodies, intros, file names (search tokenises "DRAFT-SECRET")
            "query": ["DRAFT-SECRET", "secret", "jamais", "protégée", "dépubliée", "brouillon", "chapeau", "document",
                      "image", "collection"],
            "searchQuery": ["DRAFT-SECRET", "secret", "jamais", "protégée", "dépubliée", "brouillon", "image"],
            "contentType": ["stories.StoryPage", "projects.ProjectPage", "core.StandardPage"],
            "token": [f"id={site['never'].pk}:forged"], "name": ["SiteSettings"],
            "order": ["-id", "title"], "searchOperator": ["or"], "locale": ["fr"],
        }.get(arg_name, ["x"])
    return []


def required_args(field) -> str:
    """Fill what must be given, and ask lists for all their items."""
    parts = []
    for name, arg in field.args.items():
        if name == "sizes":
            parts.append("sizes: [400, 800]")
        elif isinstance(arg.type, GraphQLNonNull):
            parts.append(f"{name}: {literal(1 if get_named_type(arg.type).name == 'Int' else 'x')}")
        elif name == "limit":
            parts.append("limit: 100")
    return f"({', '.join(parts)})" if parts else ""


def possible_types(schema, named):
    if isinstance(named, GraphQLUnionType):
        return list(named.types)
    if isinstance(named, GraphQLInterfaceType):
        return list(schema.get_implementations(named).objects)
    return [named]


def is_leaf(named) -> bool:
    return isinstance(named, (GraphQLScalarType, GraphQLEnumType))


def scalars(object_type, prefix: str) -> list[str]:
    return [f"{prefix}_{name}: {name}{required_args(field)}" for name, field in object_type.fields.items()
            if is_leaf(get_named_type(field.type))]


def minimal(schema, named) -> str:
    """Enough to recognise an object: its scalars (an interface's own, or each member's)."""
    if isinstance(named, GraphQLInterfaceType):
        return " ".join(["__typename", *scalars(named, "i")])
    parts = ["__typename"]
    for member in possible_types(schema, named):
        fields = scalars(member, member.name)
        if fields:
            parts.append(f"... on {member.name} {{ {' '.join(fields)} }}")
    return " ".join(parts)


def every_field(schema, named) -> str:
    """Every field of every type `named` may be: scalars, and each composite field with what identifies
    its objects. Aliased per type, so fields of the same name never have to merge."""
    parts = ["__typename"]
    for member in possible_types(schema, named):
        fields = scalars(member, member.name)
        for name, field in member.fields.items():
            inner = get_named_type(field.type)
            if not is_leaf(inner):
                fields.append(f"{member.name}_{name}: {name}{required_args(field)} {{ {minimal(schema, inner)} }}")
        parts.append(f"... on {member.name} {{ {' '.join(fields)} }}")
    return " ".join(parts)


def nest(schema, named, path, leaf_selection: str) -> str:
    """The selection that follows `path` ([(field, type name), …]) from `named`, through every possible
    type that has the field, and ends with `leaf_selection`."""
    if not path:
        return leaf_selection
    (field_name, child_name), rest = path[0], path[1:]
    parts = ["__typename"]
    for member in possible_types(schema, named):
        field = member.fields.get(field_name)
        if field is None or get_named_type(field.type).name != child_name:
            continue
        inner = nest(schema, get_named_type(field.type), rest, leaf_selection)
        parts.append(f"... on {member.name} {{ {member.name}_{field_name}: {field_name}{required_args(field)} "
                     f"{{ {inner} }} }}")
    return " ".join(parts)


def reachable(schema, start, max_depth=7):
    """Every composite type reachable from `start`, with the first (shortest) path to it."""
    paths = {start.name: []}
    queue = [start]
    while queue:
        current = queue.pop(0)
        if len(paths[current.name]) >= max_depth:
            continue
        for member in possible_types(schema, current):
            for name, field in member.fields.items():
                inner = get_named_type(field.type)
                if not is_leaf(inner) and inner.name not in paths:
                    paths[inner.name] = paths[current.name] + [(name, inner.name)]
                    queue.append(inner)
    return paths


def root_args(name, field) -> str:
    args = required_args(field)
    if name == "search":
        return '(query: "histoire")'
    return args


def root_queries(schema, site):
    """(label, query): each root field once per candidate value of each argument (what it returns, one
    level deep); then, from each root field, every type it leads to, reached by its shortest path through
    every type that has each step, with every field of that type."""
    for name, field in schema.query_type.fields.items():
        named = get_named_type(field.type)
        variants = [(root_args(name, field), "" if is_leaf(named) else f" {{ {every_field(schema, named)} }}")]
        aimed = "" if is_leaf(named) else f" {{ {minimal(schema, named)} }}"  # enough to tell what came back
        for arg_name, arg in field.args.items():
            if not isinstance(get_named_type(arg.type), GraphQLInputObjectType):
                variants += [(f"({arg_name}: {literal(value)})", aimed)
                             for value in candidates(arg_name, arg.type, site)]
        # One request per variant: an error in a required field nulls its whole query (and the bulk
        # fields may appear once per query).
        for args, selection in variants:
            yield name, f"{{ v: {name}{args}{selection} }}"
        if is_leaf(named):
            continue
        for type_name, path in reachable(schema, named).items():
            if path:
                leaf = every_field(schema, schema.get_type(type_name))
                yield f"{name} → {type_name}", f"{{ r: {name}{root_args(name, field)} {{ {nest(schema, named, path, leaf)} }} }}"


def walk(value, found):
    """(typename, id) of every object in a response."""
    if isinstance(value, dict):
        typename = value.get("__typename")
        for key, item in value.items():
            if typename and key in (f"{typename}_id", "i_id") and item is not None:
                found.add((typename, str(item)))
            walk(item, found)
    elif isinstance(value, list):
        for item in value:
            walk(item, found)
    return found


def secret_objects(schema, site, found):
    page_types = {t.name for t in schema.get_implementations(schema.get_type("PageInterface")).objects}
    leaks = []
    for typename, object_id in found:
        if typename in page_types and int(object_id) in site["secret_pages"]:
            leaks.append((typename, object_id))
        if typename == "CustomImage" and object_id == str(site["image"].pk):
            leaks.append((typename, object_id))
        if typename.startswith("Document") and object_id == str(site["document"].pk):
            leaks.append((typename, object_id))
        if typename == "CollectionObjectType" and int(object_id) in site["collections"]:
            leaks.append((typename, object_id))
    return leaks


def leaked_text(payload) -> str | None:
    text = json.dumps(payload, ensure_ascii=False)
    match = SECRET.search(text)
    if not match:
        return None
    key = text.rfind('"', 0, text.rfind('":', 0, match.start()))  # the field that printed it
    return text[max(key, match.start() - 120):match.end() + 40]


def test_no_root_field_and_no_page_field_shows_what_is_not_public(client, site, roomy):
    schema = introspect(client)
    tried, leaks, timings = set(), [], []
    for name, query in root_queries(schema, site):
        started = time.perf_counter()
        status, payload = post(client, query, **token_headers())  # the builder's token shows no more
        timings.append((round(time.perf_counter() - started, 2), name))
        tried.add(name.split(" ")[0])
        if status != 200 or "data" not in payload:
            leaks.append(f"{name}: refused ({status}): {payload.get('errors', payload)[:2]}")
            continue
        if text := leaked_text(payload):
            leaks.append(f"{name}: {text}")
        if objects := secret_objects(schema, site, walk(payload.get("data"), set())):
            leaks.append(f"{name}: secret objects {objects}")
    print(f"{len(timings)} queries in {sum(t for t, _ in timings):.1f} s; slowest: {sorted(timings)[-3:]}")
    assert tried == set(schema.query_type.fields) and len(tried) >= 20
    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks)


def test_public_content_still_comes_back(client, site, roomy):
    """The same pages are there when live and public: the filter hides secrets, not the site."""
    status, payload = post(client, '{ pages(limit: 100) { title slug } page(slug: "histoire-publiee") { title } '
                                   'search(query: "pointe") { ... on StoryPage { slug } } tags { name } '
                                   'redirects { oldPath } }')
    assert status == 200 and "errors" not in payload, payload
    slugs = {p["slug"] for p in payload["data"]["pages"]}
    assert {"histoire-publiee", "histoire-qui-pointe", "puits-public"} <= slugs
    assert payload["data"]["page"]["title"] == "Histoire publiée"  # the live title, not the draft's
    assert {"slug": "histoire-qui-pointe"} in payload["data"]["search"]
    assert payload["data"]["tags"] == [{"name": "eau"}]
    assert payload["data"]["redirects"] == []


def test_page_types_carry_no_editorial_field(client, roomy):
    """Generic rule: a page type has PageInterface's fields and what its model declares, nothing else."""
    from cms.api.schema import declared_graphql_fields
    from grapple.registry import registry

    schema = introspect(client)
    interface = schema.get_type("PageInterface")
    editorial = {"draftTitle", "hasUnpublishedChanges", "goLiveAt", "expireAt", "expired", "locked", "lockedAt",
                 "lockedBy", "owner", "latestRevision", "latestRevisionCreatedAt", "liveRevision", "revisions",
                 "aliasOf", "aliases", "translationKey", "path", "numchild", "sitesRootedHere"}
    models = {t._meta.name: m for m, t in registry.pages.items() if isinstance(m, type)}
    for page_type in schema.get_implementations(interface).objects:
        assert not editorial & set(page_type.fields), page_type.name
        model = models.get(page_type.name)
        allowed = set(interface.fields) | (declared_graphql_fields(model) if model else set())
        assert set(page_type.fields) <= allowed, (page_type.name, set(page_type.fields) - allowed)
    assert not editorial & set(interface.fields)
    blocks = schema.get_type("StreamFieldInterface")
    assert all("rawValue" not in t.fields for t in [blocks, *schema.get_implementations(blocks).objects])


def test_order_accepts_plain_columns_only(client, site):
    status, payload = post(client, '{ pages(order: "owner__password") { id } }')
    assert status == 200 and payload["data"] is None or payload["data"]["pages"] is None
    assert "order: sort by" in payload["errors"][0]["message"]
    status, payload = post(client, '{ pages(order: "-first_published_at", limit: 3) { id } }')
    assert status == 200 and "errors" not in payload


def test_a_signed_preview_token_still_shows_its_draft(client, site):
    """`page(token:)` is the editor's preview: the one way to read a draft, with a signed, expiring token."""
    never = site["never"].specific
    token = never.create_page_preview().token
    query = 'query($t: String!) { page(token: $t) { title } }'
    status, payload = post(client, query, {"t": token})
    assert status == 200 and payload["data"]["page"]["title"] == "DRAFT-SECRET jamais publiée", payload
    status, payload = post(client, query, {"t": token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")})
    assert not (payload.get("data") or {}).get("page")


def test_rich_text_links_to_drafts_and_private_documents_lose_their_address(client, site):
    status, payload = post(client, '{ page(slug: "histoire-qui-pointe") { ... on StoryPage { body { '
                                   '... on RichTextBlock { value } } } } }')
    assert status == 200 and "errors" not in payload, payload
    html = payload["data"]["page"]["body"][0]["value"]
    assert "ce lien</a>" in html and "ce document</a>" in html
    assert "draft-secret" not in html.lower() and "href" not in html


@pytest.mark.parametrize("resolve", ["image", "document"])
def test_media_of_private_collections_never_appear(client, site, resolve):
    """grapple filters `collection__view_restrictions__isnull`: a sub-collection of a private one passed."""
    obj = site[resolve]
    status, payload = post(client, f'{{ one: {resolve}(id: {obj.pk}) {{ id }} all: {resolve}s(limit: 100) {{ id }} '
                                   f'collections {{ id name }} }}')
    assert status == 200, payload
    assert payload["data"]["one"] is None
    assert str(obj.pk) not in {item["id"] for item in payload["data"]["all"]}
    assert not SECRET.search(json.dumps(payload["data"]))
