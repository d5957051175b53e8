"""A page's StreamField as one JSON value: what `body { ...Blocks }` answers, without graphene.

The builder's bulk pull resolved about 95 typed fields per page, most of them inside bodies (every block
is a union member, its struct's fields, each image's seven): graphene's execution of those fields was most of
the CMS's CPU in a full build. `bodyJson` (and `photosJson` on a project's updates) returns the same list,
block for block, key for key, in the shape of the builder's `Blocks` fragment (site_builder/queries.py),
made here in plain Python from the same values the typed resolvers read (the same prefetched images and
pages, core/stream_cache.py), under the same rules:

- an image, a document or a page the public may not see (api/visibility.py) is never in the value: where
  the typed field is nullable (a video's poster, a call to give's project) it is null; where it is
  required (an image block's image, a document block's document) the whole block is null, as the typed
  query nulls it (there with an error; the builder leaves a null block out with a warning naming the page);
- rich text goes through grapple's own serialiser (links to drafts and private documents stripped by
  api/richtext.py's handlers).

tests/test_stream_json.py holds the two answers equal on every demo page and on a page holding every block
type and every visibility case; tests/test_blocks_single_source.py fails when a block of the CMS has no
entry in `BLOCK_SERIALIZERS`.
"""

from __future__ import annotations

from collections.abc import Callable

from grapple.types.rich_text import RichText as GrappleRichText

from . import visibility


class NotPublic(Exception):
    """A block's required image or document is not public: the block is null."""


def image_json(image, *, required: bool) -> dict | None:
    """The builder's `Img` fragment: id alt credit width height siteRenditions."""
    if image is None or not visibility.visible(image):
        if required:
            raise NotPublic
        return None
    return {"id": str(image.pk), "alt": image.default_alt_text, "credit": image.credit,
            "width": image.width, "height": image.height, "siteRenditions": image.site_renditions()}


def rich_text(block, value) -> dict:
    return {"value": GrappleRichText.serialize(value)}


def heading(block, value) -> dict:
    return {"text": value.get("text"), "level": value.get("level")}


def image(block, value) -> dict:
    return {"caption": value.get("caption"), "credit": value.get("credit"),
            "image": image_json(value.get("image"), required=True)}


def gallery(block, value) -> dict:
    return {"items": [{"caption": item.get("caption"), "image": image_json(item.get("image"), required=True)}
                      for item in value]}


def quote(block, value) -> dict:
    return {"text": value.get("text"), "attribution": value.get("attribution"), "role": value.get("role")}


def video(block, value) -> dict:
    return {"url": value.get("url"), "title": value.get("title"), "provider": block.provider(None, value),
            "transcript": value.get("transcript"), "poster": image_json(value.get("poster"), required=False)}


def key_figure(block, value) -> dict:
    return {"value": value.get("value"), "unit": value.get("unit"), "text": value.get("text")}


def cta(block, value) -> dict:
    project = block.published_project(None, value)
    if project is not None and not visibility.visible(project):
        project = None
    return {"text": value.get("text"), "buttonLabel": value.get("button_label"),
            "project": {"id": str(project.pk)} if project is not None else None}


def document(block, value) -> dict:
    doc = value.get("document")
    if doc is None or not visibility.visible(doc):
        raise NotPublic
    return {"documentTitle": value.get("title"), "fileUrl": block.file_url(None, value),
            "document": {"title": doc.title, "fileSize": doc.file_size, "file": doc.file.name}}


def spending_summary(block, value) -> dict:
    """No figures here: the builder fills them from `projectSpending`/`siteSpending` at every build."""
    return {"heading": value.get("heading"), "showProjects": bool(value.get("show_projects"))}


def _serializers() -> dict[type, Callable[..., dict]]:
    from wagtail.blocks import RichTextBlock

    from cms.core import blocks

    return {RichTextBlock: rich_text, blocks.HeadingBlock: heading, blocks.ImageBlock: image,
            blocks.GalleryBlock: gallery, blocks.QuoteBlock: quote, blocks.VideoBlock: video,
            blocks.KeyFigureBlock: key_figure, blocks.CallToGiveBlock: cta, blocks.DocumentBlock: document,
            blocks.SpendingSummaryBlock: spending_summary}


BLOCK_SERIALIZERS: dict[type, Callable[..., dict]] = {}


def serializer_for(block) -> Callable[..., dict] | None:
    if not BLOCK_SERIALIZERS:
        BLOCK_SERIALIZERS.update(_serializers())
    for cls in type(block).__mro__:
        if cls in BLOCK_SERIALIZERS:
            return BLOCK_SERIALIZERS[cls]
    return None


def stream_json(stream) -> list[dict]:
    """`stream` (a StreamValue) as the `Blocks` fragment's list. A block type without a serialiser is left
    out, as the fragment leaves out the fields of a type it does not name (the single-source test forbids it)."""
    items = []
    for child in stream or ():
        serialize = serializer_for(child.block)
        item = {"blockType": type(child.block).__name__, "field": child.block.name, "id": child.id}
        if serialize is not None:
            try:
                item.update(serialize(child.block, child.value))
            except NotPublic:
                item = None
        items.append(item)
    return items



def json_field(name: str):
    """The GraphQL field `<name>Json` (GenericScalar) beside the typed StreamField `<name>`."""
    from graphene.types.generic import GenericScalar
    from grapple.models import GraphQLField

    return GraphQLField(f"{name}_json", GenericScalar, required=True,
                        description=f"`{name}` as one JSON list, in the shape `{name} {{ ...Blocks }}` answers "
                                    "(cms/api/stream_json.py): one field instead of one per block and value.")


def _resolver(name: str):
    def resolve(self, info=None, **kwargs):
        return stream_json(getattr(self, name))

    resolve.__name__ = f"{name}_json"
    return resolve


def _streamfield_name(entry) -> str | None:
    """The field a `GraphQLStreamfield(name)` entry of `graphql_fields` exposes (grapple's entry is a closure
    over `field_name`, read without calling it), None for any other entry."""
    import inspect

    if callable(entry) and entry.__qualname__.startswith("GraphQLStreamfield."):
        return inspect.getclosurevars(entry).nonlocals.get("field_name")
    return None


def install() -> None:
    """Give every model that exposes a StreamField in GraphQL its JSON twin (`bodyJson` beside `body`), before
    grapple builds the schema (cms.api's AppConfig.ready runs before grapple's, which comes last in
    INSTALLED_APPS). Declared here rather than on the models: content never depends on the API
    (tests/test_layout.py), and a StreamField added to a model later gets its twin without anyone remembering."""
    from django.apps import apps
    from wagtail.fields import StreamField

    for model in apps.get_models():
        entries = list(model.__dict__.get("graphql_fields") or ())
        exposed = {_streamfield_name(entry) for entry in entries} - {None}
        streams = [f.name for f in model._meta.local_fields if isinstance(f, StreamField) and f.name in exposed]
        present = {getattr(entry, "field_name", None) for entry in entries}  # install() twice adds nothing
        streams = [name for name in streams if f"{name}_json" not in present]
        twins = [json_field(name) for name in streams]
        if twins:
            model.graphql_fields = entries + twins
            for name in streams:
                setattr(model, f"{name}_json", _resolver(name))
