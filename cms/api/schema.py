"""The public GraphQL schema: grapple's, hardened so that no field shows what is not public.

grapple builds a generic API that trusts its readers: `search` looks through drafts and private pages,
every page type carries Wagtail's editorial fields (`draftTitle`, `hasUnpublishedChanges`, `goLiveAt`,
`latestRevisionCreatedAt`, `aliasOf`…), `rawValue` prints chosen pages by their (draft) title, `parent`,
`Redirect.page`, `Site.rootPage` and choosers return pages whatever their state, its collection filters
miss sub-collections of private ones, and `order:` sorts by any ORM path (`owner__password`). Fixing
those one field at a time would miss the next field grapple or a model adds, so this module applies
three rules to the whole schema once, when it is loaded (GRAPHENE["SCHEMA"] points here):

1. Page types keep only PageInterface's fields (minus `locked`) and the fields their model declares in
   `graphql_fields`; Wagtail's own columns are not an API. `rawValue` goes from every StreamField block.
2. Every field whose type can hold a page, an image, a document, a collection, a redirect or a draftable
   snippet passes its result through `visibility.visible`: lists lose what is not public, a nullable
   field gives null, a required one an error that says why. The one exception is `page(token: …)`, the
   editor's own draft behind a signed, expiring preview token (the preview and its tests rely on it).
3. `order:` accepts only plain, public columns.

`search`, `tags` and `tag` get resolvers of their own (public content only, a bounded number of results).
"""

from __future__ import annotations

import functools

from graphene.types.resolver import get_default_resolver
from graphene.utils.str_converters import to_camel_case
from graphql import (GraphQLError, GraphQLInterfaceType, GraphQLList, GraphQLNonNull, GraphQLObjectType,
                     GraphQLUnionType, get_named_type)
from grapple.registry import registry
from grapple.schema import schema as _grapple_schema
from grapple.utils import resolve_queryset
from wagtail.documents import get_document_model
from wagtail.documents.models import AbstractDocument
from wagtail.images import get_image_model
from wagtail.images.models import AbstractImage
from wagtail.models import Collection, DraftStateMixin, Page
from wagtail.search.backends import get_search_backend
from wagtail.search.index import class_is_indexed

from . import visibility
from .execution import cache_grapple_field_names

HIDDEN_INTERFACE_FIELDS = frozenset({"locked"})
HIDDEN_BLOCK_FIELDS = frozenset({"rawValue"})
GUARDED_MODELS = (Page, AbstractImage, AbstractDocument, Collection, DraftStateMixin)
# `order:` may sort by these columns only (each optionally prefixed with "-"): no relation paths, nothing
# editorial. Sorting is an oracle: `owner__password` would rank pages by their author's password hash.
ORDERABLE = frozenset({"id", "title", "slug", "first_published_at", "last_published_at", "path", "depth",
                       "date", "name", "created_at", "hostname", "site_name", "is_default_site"})
SEARCH_MAX_RESULTS = 20
SEARCH_MAX_QUERY_CHARS = 200


def declared_graphql_fields(model) -> set[str]:
    """Camel-cased names of the fields a model lists in `graphql_fields` (grapple's declaration)."""
    names = set()
    for item in getattr(model, "graphql_fields", ()) or ():
        field = item() if callable(item) else item
        if isinstance(field, tuple):
            field = field[0]() if callable(field[0]) else field[0]
        if getattr(field, "field_name", None):
            names.add(to_camel_case(field.field_name))
    return names


def _model_of(graphql_type):
    meta = getattr(getattr(graphql_type, "graphene_type", None), "_meta", None)
    return getattr(meta, "model", None)


def strip_editorial_fields(gql) -> None:
    """Rule 1: page types show published content, not Wagtail's editorial state."""
    interface = gql.get_type("PageInterface")
    keep_everywhere = set(interface.fields) - HIDDEN_INTERFACE_FIELDS
    for page_type in gql.get_implementations(interface).objects:
        model = _model_of(page_type)
        keep = keep_everywhere | (declared_graphql_fields(model) if model is not None else set())
        for name in [n for n in page_type.fields if n not in keep]:
            del page_type.fields[name]
    for name in HIDDEN_INTERFACE_FIELDS & set(interface.fields):
        del interface.fields[name]
    blocks = gql.get_type("StreamFieldInterface")
    if blocks is not None:
        for block_type in [blocks, *gql.get_implementations(blocks).objects]:
            for name in HIDDEN_BLOCK_FIELDS & set(block_type.fields):
                del block_type.fields[name]


def guarded_type_names(gql) -> set[str]:
    names = {name for name, t in gql.type_map.items()
             if isinstance(t, GraphQLObjectType) and (model := _model_of(t)) is not None
             and isinstance(model, type) and issubclass(model, GUARDED_MODELS)}
    if gql.get_type("Redirect") is not None:
        names.add("Redirect")
    for name, t in gql.type_map.items():
        if isinstance(t, GraphQLInterfaceType) and any(o.name in names for o in gql.get_implementations(t).objects):
            names.add(name)
        elif isinstance(t, GraphQLUnionType) and any(o.name in names for o in t.types):
            names.add(name)
    return names


def check_order(order) -> None:
    if order is None:
        return
    for part in str(order).split(","):
        if part.strip().lstrip("-") not in ORDERABLE:
            raise GraphQLError(f"order: sort by {', '.join(sorted(ORDERABLE))} (comma-separated, "
                               "each optionally prefixed with '-').")


NOT_PUBLIC = ("not public: a draft or private page, or an image or document in a private collection "
              "(publish it, or move it to a public collection)")


def _as_iterable(value):
    if hasattr(value, "all") and not hasattr(value, "__iter__"):  # a related manager
        return value.all()
    return value


def guard(resolve, *, is_list: bool, required: bool, preview: bool, ordered: bool):
    """Rules 2 and 3 around one resolver."""

    @functools.wraps(resolve)
    def resolver(root, info, **kwargs):
        if ordered:
            check_order(kwargs.get("order"))
        value = resolve(root, info, **kwargs)
        if value is None or (preview and kwargs.get("token")):
            return value  # a signed preview token: grapple returns only that token's draft
        if is_list:
            return [item for item in _as_iterable(value) if item is None or visibility.visible(item)]
        if visibility.visible(value):
            return value
        if required:
            raise GraphQLError(NOT_PUBLIC)
        return None

    resolver.__api_guarded__ = True
    return resolver


def _unwrap(field_type):
    required = isinstance(field_type, GraphQLNonNull)
    inner = field_type.of_type if required else field_type
    return isinstance(inner, GraphQLList), required


def guard_resolvers(gql) -> None:
    guarded = guarded_type_names(gql)
    default = get_default_resolver()
    for type_name, object_type in gql.type_map.items():
        if type_name.startswith("__") or not isinstance(object_type, GraphQLObjectType):
            continue
        for field_name, field in object_type.fields.items():
            holds_guarded = get_named_type(field.type).name in guarded
            ordered = "order" in field.args
            if not (holds_guarded or ordered) or getattr(field.resolve, "__api_guarded__", False):
                continue
            is_list, required = _unwrap(field.type)
            resolve = field.resolve or default
            if holds_guarded:
                field.resolve = guard(resolve, is_list=is_list, required=required, ordered=ordered,
                                      preview=field_name == "page" and "token" in field.args)
            else:
                field.resolve = guard_order_only(resolve)


def guard_order_only(resolve):
    @functools.wraps(resolve)
    def resolver(root, info, **kwargs):
        check_order(kwargs.get("order"))
        return resolve(root, info, **kwargs)

    resolver.__api_guarded__ = True
    return resolver


# --- root fields with resolvers of their own ---

def page_models():
    return [m for m in registry.pages if isinstance(m, type) and issubclass(m, Page) and m is not Page]


def resolve_search(root, info, query=None, **kwargs):
    """Live, public pages and public media only, at most SEARCH_MAX_RESULTS (grapple searched every model
    of every app, drafts included, without a bound)."""
    query = (query or "").strip()
    if not query:
        return []
    if len(query) > SEARCH_MAX_QUERY_CHARS:
        raise GraphQLError(f"search: the query may be {SEARCH_MAX_QUERY_CHARS} characters long at most.")
    backend = get_search_backend()
    sources = [visibility.public_pages(model.objects.all()) for model in page_models()]
    sources += [visibility.public_in_collections(model.objects.all()) for model in (get_image_model(), get_document_model())]
    sources += [model.objects.all() for model in registry.snippets
                if class_is_indexed(model) and not issubclass(model, DraftStateMixin)]
    # Only what the `Search` union can type (grapple's union: the models of GRAPPLE["APPS"]).
    sources = [qs for qs in sources if qs.model in registry.class_models]
    results = []
    for queryset in sources:
        if len(results) >= SEARCH_MAX_RESULTS:
            break
        results.extend(backend.search(query, queryset)[:SEARCH_MAX_RESULTS - len(results)])
    return results


def public_tag_ids() -> set[int]:
    """Tags used by at least one public page, image or document (a draft's tags are the draft's)."""
    from django.contrib.contenttypes.models import ContentType
    from taggit.managers import TaggableManager

    sources = [(model, visibility.public_pages(model.objects.all())) for model in page_models()]
    sources += [(model, visibility.public_in_collections(model.objects.all()))
                for model in (get_image_model(), get_document_model())]
    ids: set[int] = set()
    for model, visible_objects in sources:
        for field in model._meta.get_fields():
            if not isinstance(field, TaggableManager):
                continue
            through = field.through
            names = {f.name for f in through._meta.get_fields()}
            if "content_object" in names and "object_id" not in names:
                rows = through.objects.filter(content_object__in=visible_objects.values("pk"))
            else:  # taggit's generic TaggedItem (images, documents)
                rows = through.objects.filter(content_type=ContentType.objects.get_for_model(model),
                                              object_id__in=visible_objects.values("pk"))
            ids.update(rows.values_list("tag_id", flat=True))
    return ids


def public_tags():
    from taggit.models import Tag

    return Tag.objects.filter(pk__in=public_tag_ids())


def resolve_tags(root, info, **kwargs):
    return resolve_queryset(public_tags(), info, **kwargs)


def resolve_tag(root, info, id=None, **kwargs):
    return public_tags().filter(pk=id).first() if id is not None else None


def replace_root_resolvers(gql) -> None:
    query = gql.query_type
    from .redirects import resolve_redirects  # constant SQL queries (grapple's: one per redirect)

    for name, resolver in (("search", resolve_search), ("tags", resolve_tags), ("tag", resolve_tag),
                           ("redirects", resolve_redirects)):
        if name in query.fields:
            query.fields[name].resolve = resolver


def harden(schema):
    gql = schema.graphql_schema
    if getattr(gql, "_vda_hardened", False):
        return schema
    strip_editorial_fields(gql)
    replace_root_resolvers(gql)
    guard_resolvers(gql)
    cache_grapple_field_names()  # CPU only: the same names (api/execution.py)
    gql._vda_hardened = True
    return schema


schema = harden(_grapple_schema)
